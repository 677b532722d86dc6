//! Delivery of codes: one interface for every provider, and the factory that picks the configured one.

pub mod combinators;
pub mod console;
pub mod smtp;
pub mod twilio;

use async_trait::async_trait;
use std::sync::Arc;

use crate::config::{ConfigError, GatewayKind, GatewaySettings};
use crate::domain::{Channel, DeliveryState};
use crate::events::Events;
use crate::domain::{DeliveryToken, Destination, OtpCode};
use std::time::Duration;

pub use console::{ConsoleGateway, Outbox, OutboxEntry};

/// A message ready to go out: every text is already translated into the user's language.
#[derive(Clone)]
pub struct OutboundMessage {
    pub to: Destination,
    pub channel: Channel,
    /// The BCP 47 tag of the language the texts are in, for providers that speak them.
    pub language: String,
    pub text: MessageText,
    /// Names this delivery in the URLs a provider calls back: status reports, a call's script.
    pub token: DeliveryToken,
}

#[derive(Clone, PartialEq, Eq)]
pub enum MessageText {
    Sms { body: String },
    /// What a call says, for gateways that print it; a real call fetches its script from us.
    Call { script: String },
    Email { subject: String, text_body: String, html_body: String },
}

impl MessageText {
    /// The body a person reads or hears, for gateways that only print.
    pub fn readable(&self) -> String {
        match self {
            MessageText::Sms { body } => body.clone(),
            MessageText::Call { script } => script.clone(),
            MessageText::Email { subject, text_body, .. } => format!("{subject}\n\n{text_body}"),
        }
    }
}

/// A gateway accepted a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    /// Which gateway took it (with a fallback configured, not always the first).
    pub gateway: &'static str,
    /// The provider's id for it, which its status reports carry.
    pub provider_id: Option<String>,
    pub state: DeliveryState,
}

/// Why a provider will not deliver to a destination; each has its own message for the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    InvalidNumber,
    InvalidAddress,
    RegionNotAllowed,
    OptedOut,
    NotMobile,
    Blocked,
}

/// Why a delivery failed. Never carries the code or a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    #[error("the {gateway} gateway cannot deliver by {channel}")]
    UnsupportedChannel { gateway: &'static str, channel: Channel },
    #[error("the provider will not deliver to this destination ({0:?})")]
    Refused(Refusal),
    /// Worth trying again later, or through another gateway.
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
    #[error("the gateway is misconfigured: {0}")]
    Misconfigured(String),
    /// The provider's own limit of checks for this verification.
    #[error("the provider's check limit was reached")]
    MaxChecksReached,
    /// The provider's own limit of sends for this verification.
    #[error("the provider's send limit was reached")]
    MaxSendsReached,
    /// The provider no longer knows the verification: expired, approved or canceled.
    #[error("the provider's verification has ended")]
    Expired,
    /// Too many requests for this destination right now.
    #[error("the provider is rate limiting this destination")]
    Busy { retry_after: Option<Duration> },
}

impl GatewayError {
    /// The provider said, or showed, that the same message may go through later.
    pub fn is_transient(&self) -> bool {
        matches!(self, GatewayError::Unavailable(_))
    }

    /// Whether the user is told something they can act on (another number, another method, a
    /// wait), rather than only that something failed.
    pub fn gives_a_next_step(&self) -> bool {
        !matches!(self, GatewayError::Unavailable(_) | GatewayError::Misconfigured(_) | GatewayError::UnsupportedChannel { .. })
    }
}

/// A provider that makes, sends and checks the code itself (Twilio Verify).
#[async_trait]
pub trait CodeProvider: Send + Sync {
    fn name(&self) -> &'static str;

    /// Sends a code to `to`; within the provider's window a repeat re-sends the pending one.
    /// Returns the provider's id of the verification.
    async fn send(&self, to: &Destination, channel: Channel, language: &str) -> Result<String, GatewayError>;

    /// Whether `code` approves the verification `sid`.
    async fn check(&self, sid: &str, code: &OtpCode) -> Result<bool, GatewayError>;

    async fn cancel(&self, sid: &str) -> Result<(), GatewayError>;
}

/// Who sends codes: a gateway that carries ours, or a provider that makes its own.
#[derive(Clone)]
pub enum Sender {
    Ours(Arc<dyn Gateway>),
    Provider(Arc<dyn CodeProvider>),
}

#[async_trait]
pub trait Gateway: Send + Sync {
    /// A short name for logs and the health page.
    fn name(&self) -> &'static str;

    async fn deliver(&self, message: &OutboundMessage) -> Result<Handover, GatewayError>;
}

/// The configured sender, plus the outbox when the console gateway is one of the gateways.
pub struct Gateways {
    pub sender: Sender,
    pub outbox: Option<Outbox>,
}

/// Builds what `TWOFA_GATEWAY` names: Twilio Verify, or a gateway with `TWOFA_FALLBACK_GATEWAY`
/// behind it for transient failures and e-mail through SMTP when `TWOFA_SMTP_URL` is set.
pub fn build(settings: &GatewaySettings, events: &Events) -> Result<Gateways, ConfigError> {
    if settings.gateway == GatewayKind::TwilioVerify {
        let provider: Arc<dyn CodeProvider> = Arc::new(twilio::TwilioVerify::new(&settings.twilio_verify, events.clone())?);
        return Ok(Gateways {
            sender: Sender::Provider(Arc::new(combinators::Deadline::new(provider, settings.deadline))),
            outbox: None,
        });
    }
    let mut outbox = None;
    let mut make = |kind: GatewayKind| -> Result<Arc<dyn Gateway>, ConfigError> {
        Ok(match kind {
            GatewayKind::Console => {
                let shared = outbox.get_or_insert_with(Outbox::default).clone();
                Arc::new(ConsoleGateway::new(shared))
            }
            GatewayKind::Twilio => Arc::new(twilio::TwilioMessaging::new(&settings.twilio, events.clone())?),
            GatewayKind::TwilioVerify => {
                return Err(ConfigError::Invalid {
                    setting: "TWOFA_FALLBACK_GATEWAY",
                    problem: "twilio-verify makes its own codes and cannot take over another gateway's".into(),
                });
            }
        })
    };
    let mut gateway = make(settings.gateway)?;
    if let Some(kind) = settings.fallback.filter(|kind| *kind != settings.gateway) {
        gateway = Arc::new(combinators::Fallback::new(gateway, make(kind)?));
    }
    if let Some(smtp) = &settings.smtp {
        let email = Arc::new(smtp::SmtpGateway::new(smtp)?);
        gateway = Arc::new(combinators::EmailThrough::new(email, gateway));
    }
    Ok(Gateways { sender: Sender::Ours(Arc::new(combinators::Deadline::new(gateway, settings.deadline))), outbox })
}
