//! E-mail through an SMTP server (`TWOFA_SMTP_URL`), as a plain-text and HTML message.

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use std::time::Duration;

use super::{Gateway, GatewayError, Handover, MessageText, OutboundMessage, Refusal};
use crate::config::{ConfigError, SmtpSettings};
use crate::domain::DeliveryState;
use crate::domain::Destination;

/// A mail server that has not answered by then is treated as down.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

pub struct SmtpGateway {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpGateway {
    /// The URL as lettre reads it: `smtp://host:port` (STARTTLS when offered), `smtps://…`,
    /// `smtp://user:password@host?tls=required`.
    pub fn new(settings: &SmtpSettings) -> Result<Self, ConfigError> {
        let invalid = |setting, problem: String| ConfigError::Invalid { setting, problem };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.url.expose_secret())
            .map_err(|_| invalid("TWOFA_SMTP_URL", "is not an smtp:// or smtps:// URL".into()))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = settings.from.parse().map_err(|error| invalid("TWOFA_SMTP_FROM", format!("is not a mailbox: {error}")))?;
        Ok(SmtpGateway { transport, from })
    }
}

#[async_trait]
impl Gateway for SmtpGateway {
    fn name(&self) -> &'static str {
        "smtp"
    }

    async fn deliver(&self, message: &OutboundMessage) -> Result<Handover, GatewayError> {
        let (Destination::Email(address), MessageText::Email { subject, text_body, html_body }) = (&message.to, &message.text)
        else {
            return Err(GatewayError::UnsupportedChannel { gateway: self.name(), channel: message.channel });
        };
        let to: Mailbox = address.as_str().parse().map_err(|_| GatewayError::Refused(Refusal::InvalidAddress))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .multipart(MultiPart::alternative_plain_html(text_body.clone(), html_body.clone()))
            .map_err(|error| GatewayError::Misconfigured(format!("cannot build the e-mail: {error}")))?;
        match self.transport.send(email).await {
            Ok(_) => Ok(Handover { gateway: self.name(), provider_id: None, state: DeliveryState::Sent }),
            // A 5xx answer is the server's final word on this recipient.
            Err(error) if error.is_permanent() => {
                tracing::warn!(code = ?error.status(), "the mail server refused the recipient");
                Err(GatewayError::Refused(Refusal::InvalidAddress))
            }
            // The server's own words may repeat the recipient: only its status code is kept.
            Err(error) => Err(GatewayError::Unavailable(match error.status() {
                Some(code) => format!("the mail server answered {code}"),
                None if error.is_timeout() => "the mail server timed out".into(),
                None => "the mail server could not be reached".into(),
            })),
        }
    }
}
