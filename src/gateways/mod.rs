//! Delivery of codes: one interface for every provider, and the factory that picks the configured one.

pub mod console;
pub mod twilio;

use async_trait::async_trait;
use std::sync::Arc;

use crate::config::{GatewayKind, Settings};
use crate::domain::Channel;
use crate::flow::Destination;

pub use console::{ConsoleGateway, Outbox, OutboxEntry};

/// A message ready to go out: every text is already translated into the user's language.
#[derive(Clone)]
pub struct OutboundMessage {
    pub to: Destination,
    pub channel: Channel,
    /// The BCP 47 tag of the language the texts are in, for providers that speak them.
    pub language: String,
    pub text: MessageText,
}

#[derive(Clone, PartialEq, Eq)]
pub enum MessageText {
    Sms { body: String },
    /// What a call says, in order; the code is spelled digit by digit by the script itself.
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

/// Why a delivery failed. Never carries the code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    #[error("the {gateway} gateway cannot deliver by {channel}")]
    UnsupportedChannel { gateway: &'static str, channel: Channel },
    #[error("the provider refused the message: {0}")]
    Rejected(String),
    #[error("the provider could not be reached: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait Gateway: Send + Sync {
    /// A short name for logs and the health page.
    fn name(&self) -> &'static str;

    async fn deliver(&self, message: &OutboundMessage) -> Result<(), GatewayError>;
}

/// The configured gateway, plus the outbox when the console gateway is the one in use.
pub struct Gateways {
    pub gateway: Arc<dyn Gateway>,
    pub outbox: Option<Outbox>,
}

pub fn build(settings: &Settings) -> Gateways {
    match settings.gateway {
        GatewayKind::Console => {
            let outbox = Outbox::default();
            Gateways { gateway: Arc::new(ConsoleGateway::new(outbox.clone())), outbox: Some(outbox) }
        }
    }
}
