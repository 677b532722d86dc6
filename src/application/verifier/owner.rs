//! Who may act on a verification.

use crate::domain::{Holder, Verification};

/// Who acts on a verification: a user, through what started it (their browser session, or an
/// API client acting for them). Only the owner may send, check or cancel it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner<'a> {
    pub subject: &'a str,
    pub holder: Holder,
}

impl<'a> Owner<'a> {
    pub fn session(subject: &'a str) -> Self {
        Owner { subject, holder: Holder::Session }
    }

    pub fn api_client(subject: &'a str) -> Self {
        Owner { subject, holder: Holder::ApiClient }
    }

    pub fn of(verification: &'a Verification) -> Self {
        Owner { subject: &verification.subject, holder: verification.holder }
    }

    pub(super) fn owns(self, verification: &Verification) -> bool {
        verification.subject == self.subject && verification.holder == self.holder
    }

    pub(super) fn hold(self, mut verification: Verification) -> Verification {
        verification.holder = self.holder;
        verification
    }
}
