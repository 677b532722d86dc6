//! Who may act on a verification.

use crate::domain::{StartedBy, Verification, VerificationId};
use crate::refusal::PortalError;
use crate::store::Store;

/// Who acts on a verification: a user (the relying application's or host's id for them, the
/// `subject` of their verifications), through what started it (their browser session, or an API
/// client acting for them). Only the owner may send, check or cancel it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner<'a> {
    pub user: &'a str,
    pub started_by: StartedBy,
}

impl<'a> Owner<'a> {
    pub fn session(user: &'a str) -> Self {
        Owner { user, started_by: StartedBy::Session }
    }

    pub fn api_client(user: &'a str) -> Self {
        Owner { user, started_by: StartedBy::ApiClient }
    }

    pub fn of(verification: &'a Verification) -> Self {
        Owner { user: &verification.subject, started_by: verification.started_by }
    }

    /// Loads a verification only for its owner: anyone else gets "not found".
    pub(super) async fn load(self, store: &Store, id: &VerificationId) -> Result<(Verification, i64), PortalError> {
        match store.verification(id).await? {
            Some((verification, revision)) if self.owns(&verification) => Ok((verification, revision)),
            _ => Err(PortalError::VerificationNotFound),
        }
    }

    fn owns(self, verification: &Verification) -> bool {
        verification.subject == self.user && verification.started_by == self.started_by
    }

    /// `verification`, started by this owner.
    pub(super) fn start(self, mut verification: Verification) -> Verification {
        verification.started_by = self.started_by;
        verification
    }
}
