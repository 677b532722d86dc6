//! What a host site tells the pages embedded in it about its users (django-twilio-2fa's user
//! callbacks): who is signed in, whether they may verify, what they may do.

use axum::http::request::Parts;

use super::rules::UserRules;
use crate::domain::{EmailAddress, Factors, PhoneNumber};

/// A user of the host site, as far as the second factor is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostUser {
    /// The host's id for the user: it comes back in `SecondFactor` and in every event.
    pub id: String,
    /// The number the host knows for the user, in international format.
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// What the host site tells the pages about its users (django-twilio-2fa's user callbacks).
#[async_trait::async_trait]
pub trait TwoFactorHost: Send + Sync + 'static {
    /// The user signed in on this request, if any (the host reads its own session or token).
    async fn current_user(&self, request: &Parts) -> Option<HostUser>;

    /// Whether this user may verify at all; a user who may not is sent to `not_allowed_path`.
    async fn may_verify(&self, _user: &HostUser) -> bool {
        true
    }

    /// What this user may do: which methods, whether they may register or change a phone number
    /// or an e-mail address. `defaults` come from the settings; narrow them per user.
    async fn rules(&self, _user: &HostUser, defaults: UserRules) -> UserRules {
        defaults
    }

    /// Where a visitor who is not signed in is sent.
    fn sign_in_path(&self) -> String {
        "/".to_owned()
    }

    /// Where a user who may not verify is sent (django-twilio-2fa's `DISALLOWED_REDIRECT_URL`).
    fn not_allowed_path(&self, _user: &HostUser) -> String {
        "/".to_owned()
    }

    /// Where a verified user goes when the link that started the journey named no page
    /// (django-twilio-2fa's `SUCCESS_REDIRECT_URL`).
    fn success_path(&self, _user: &HostUser) -> String {
        "/".to_owned()
    }
}

impl HostUser {
    /// The host's number and address for the user: its word for this journey, used where the
    /// portal verified none of that kind. Ones that do not parse are left out (the user can
    /// register a valid one), with a warning for the host's operators.
    pub fn vouched(&self, default_region: &str) -> Factors {
        let phone = self.phone.as_deref().and_then(|phone| {
            PhoneNumber::parse(Some(default_region), phone)
                .inspect_err(|_| tracing::warn!("the host's phone number for a user does not parse"))
                .ok()
        });
        let email = self.email.as_deref().and_then(|email| {
            EmailAddress::parse(email).inspect_err(|_| tracing::warn!("the host's e-mail address for a user does not parse")).ok()
        });
        Factors { phone, email }
    }
}
