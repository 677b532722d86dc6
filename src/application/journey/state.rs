//! What the session keeps of a user's journey.

use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use tower_sessions::Session;

use crate::application::rules::UserRules;
use crate::domain::Channel;
use crate::domain::{Factors, VerificationId};
use crate::i18n::Locale;
use crate::handoff::PassedFactor;
use crate::refusal::PortalError;
use crate::application::CodeStatus;
use crate::view::{FailureReason, Notice, PendingCode, Step};

const SESSION_KEY: &str = "twofa.flow";

/// Who asks, as each request tells: their language, and their address for the per-client send limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asker {
    pub locale: Locale,
    pub client: Option<IpAddr>,
}

/// The request the user is answering: who must verify, what they may do, where they go after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveRequest {
    pub subject: String,
    pub return_to: ReturnTo,
    pub rules: UserRules,
    /// The phone number or e-mail address the relying application (or host site) gave for the
    /// user: its word for this request, used where the portal verified none of that kind.
    #[serde(default)]
    pub vouched: Factors,
    /// Names the request among the user's verifications: its wrong codes count together.
    #[serde(default)]
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReturnTo {
    /// A relying application of the portal: the result goes back to `url`, signed, with the
    /// request's nonce.
    Application {
        url: String,
        nonce: String,
        /// Its name, for "Continue to …": the request's, else the configured one.
        #[serde(default)]
        name: Option<String>,
    },
    /// A page of the site the pages are embedded in; the session keeps the passed factor.
    HostPage { path: String },
}

impl ActiveRequest {
    /// A request answered within a host site, which has no nonce of its own to name it by.
    pub fn for_host_page(subject: String, path: String, rules: UserRules, vouched: Factors) -> Self {
        let reference = VerificationId::generate().to_string();
        ActiveRequest { subject, return_to: ReturnTo::HostPage { path }, rules, vouched, reference }
    }

    /// The relying application's name, for "Continue to …"; none when embedded or unnamed.
    pub fn application_name(&self) -> Option<String> {
        match &self.return_to {
            ReturnTo::Application { name, .. } => name.clone(),
            ReturnTo::HostPage { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Verified(PassedFactor),
    Failed(FailureReason),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journey {
    pub request: Option<ActiveRequest>,
    pub channel: Option<Channel>,
    pub verification: Option<VerificationId>,
    pub outcome: Option<Outcome>,
    /// The confirmed factor that let the pending code go to a destination being added: a switch
    /// to another channel for that destination rests on it too.
    pub added_after: Option<VerificationId>,
}

impl Journey {
    pub async fn load(session: &Session) -> Result<Self, PortalError> {
        Ok(session.get(SESSION_KEY).await?.unwrap_or_default())
    }

    pub async fn save(&self, session: &Session) -> Result<(), PortalError> {
        Ok(session.insert(SESSION_KEY, self).await?)
    }

    pub fn request(&self) -> Result<&ActiveRequest, PortalError> {
        self.request.as_ref().ok_or(PortalError::NoActiveRequest)
    }

    /// The page of a journey that has reached its outcome.
    pub fn ended(&self) -> Option<Step> {
        match self.outcome {
            Some(Outcome::Verified(_)) => Some(Step::Verified),
            Some(Outcome::Failed(_)) => Some(Step::Failed),
            None => None,
        }
    }
}

/// Where a command leads, and what it has to tell the user there (never a refusal: a refusal is
/// the command's error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub step: Step,
    pub news: Option<Notice>,
    /// The code that just left, as pages and the API show it.
    pub sent: Option<PendingCode>,
}

impl Moved {
    pub fn to(step: Step) -> Self {
        Moved { step, news: None, sent: None }
    }

    /// The token page, with the code that just left and what it is for.
    pub fn code_sent(news: Notice, sent: &CodeStatus) -> Self {
        Moved { step: Step::EnterCode, news: Some(news), sent: Some(sent.shown.clone()) }
    }
}
