//! What happens to verifications, for the host application: django-twilio-2fa's signals, in Rust.
//!
//! Every gateway emits the same events. A host subscribes with `Events::subscribe` and receives
//! each event on its own task; a slow subscriber misses events (and is told how many) rather than
//! holding up a user's request.

pub mod relay;

use serde::Serialize;
use tokio::sync::broadcast;

use crate::domain::Channel;
use crate::domain::{UnixTime, VerificationId};

/// Events kept for subscribers that have not read them yet.
const BACKLOG: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A code went out (first send or resend).
    VerificationSent {
        subject: String,
        method: Channel,
        verification_id: VerificationId,
        /// The provider's id (Twilio Verify's `VE…`), when the provider owns the code.
        provider_sid: Option<String>,
        first_sent_at: UnixTime,
        last_sent_at: UnixTime,
    },
    /// The right code was entered. `first_enrolment`: it went to the first destination of a user
    /// who held none, so nothing but the session that asked vouches for the user.
    VerificationSuccess { subject: String, verification_id: VerificationId, provider_sid: Option<String>, first_enrolment: bool },
    /// `approved` or `canceled`.
    VerificationStatusChanged {
        subject: String,
        verification_id: VerificationId,
        provider_sid: Option<String>,
        status: &'static str,
    },
    /// A check did not approve the verification.
    VerificationFailed { subject: String, verification_id: VerificationId, provider_sid: Option<String> },
    /// The provider refused or failed a request. `handled`: the user was given a way on.
    ProviderError { provider: &'static str, error: String, code: Option<u32>, handled: bool },
    /// A send limit refused a code (`limit`: `per_destination`, `per_user`, `per_number_prefix`,
    /// `per_client`, `hourly_budget`, …): the operator's view of pumping and harassment.
    SendRefused { subject: String, method: Channel, limit: &'static str },
    /// Codes to `country` are entered too rarely (`entered` of `sent` within the hour): the sign of
    /// SMS pumping. `held`: new numbers of the country get no code meanwhile.
    ConversionAlarm { country: String, sent: u32, entered: u32, held: bool },
    /// A phone number or e-mail address was verified and saved for the user.
    UserDataChanged { subject: String, field: &'static str, value: String },
}

#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<Event>,
}

impl Default for Events {
    fn default() -> Self {
        Events { sender: broadcast::channel(BACKLOG).0 }
    }
}

impl Events {
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }

    pub fn emit(&self, event: Event) {
        // No subscriber is not an error: a portal without a host has nobody listening.
        let _ = self.sender.send(event);
    }
}
