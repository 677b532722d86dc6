//! Twilio Programmable Messaging and Voice: we make the code, Twilio delivers it. A text message
//! carries it; a call fetches what to say from our TwiML route, named by the delivery's token.

use async_trait::async_trait;
use serde::Deserialize;
use std::time::Duration;

use super::callbacks::{Callback, CallbackUrls};
use super::{TwilioClient, TwilioError, client_for, reported};
use crate::config::{ConfigError, TwilioMessagingSettings};
use crate::domain::{Channel, DeliveryState};
use crate::events::Events;
use crate::gateways::{Gateway, GatewayError, Handover, MessageText, OutboundMessage, Refusal};

/// Seconds a call rings before Twilio gives up: long enough to answer, short of most voicemail.
const RING_SECONDS: &str = "30";

/// The part of Twilio's Message and Call resources we keep.
#[derive(Deserialize)]
struct Created {
    sid: String,
}

enum Sender {
    Number(String),
    MessagingService(String),
}

pub struct TwilioMessaging {
    client: TwilioClient,
    sender: Sender,
    caller_id: Option<String>,
    whatsapp_from: Option<String>,
    callbacks: CallbackUrls,
    /// A text still queued after this long is dropped by Twilio: the code would be dead anyway.
    validity: Duration,
    events: Events,
}

impl TwilioMessaging {
    pub fn new(settings: &TwilioMessagingSettings, events: Events) -> Result<Self, ConfigError> {
        let missing = |setting| ConfigError::Invalid { setting, problem: "is required by the twilio gateway".into() };
        let account_sid = settings.account.sid.as_deref().ok_or_else(|| missing("TWOFA_TWILIO_ACCOUNT_SID"))?;
        let api = settings.api_url.as_str().trim_end_matches('/');
        let client = client_for(&settings.account, format!("{api}/2010-04-01/Accounts/{account_sid}"))?;
        let sender = match (&settings.messaging_service_sid, &settings.from) {
            (Some(service), _) => Sender::MessagingService(service.clone()),
            (None, Some(from)) => Sender::Number(from.clone()),
            (None, None) => return Err(missing("TWOFA_TWILIO_FROM")),
        };
        Ok(TwilioMessaging {
            client,
            sender,
            caller_id: settings.from.clone(),
            whatsapp_from: settings.whatsapp_from.clone(),
            callbacks: CallbackUrls::new(&settings.callback_base),
            validity: settings.code_ttl,
            events,
        })
    }

    async fn send_sms(&self, message: &OutboundMessage, body: &str) -> Result<Created, TwilioError> {
        let sender = match &self.sender {
            Sender::Number(from) => ("From", from.clone()),
            Sender::MessagingService(sid) => ("MessagingServiceSid", sid.clone()),
        };
        self.send_message(message.to.key().to_owned(), sender, message, body).await
    }

    /// A WhatsApp message: the same Messages resource, both numbers prefixed `whatsapp:`.
    async fn send_whatsapp(&self, message: &OutboundMessage, body: &str) -> Result<Created, TwilioError> {
        let sender = match (&self.whatsapp_from, &self.sender) {
            (Some(from), _) | (None, Sender::Number(from)) => ("From", format!("whatsapp:{from}")),
            (None, Sender::MessagingService(sid)) => ("MessagingServiceSid", sid.clone()),
        };
        self.send_message(format!("whatsapp:{}", message.to.key()), sender, message, body).await
    }

    async fn send_message(
        &self,
        to: String,
        sender: (&'static str, String),
        message: &OutboundMessage,
        body: &str,
    ) -> Result<Created, TwilioError> {
        let fields = vec![
            ("To", to),
            ("Body", body.to_owned()),
            ("StatusCallback", self.callbacks.url(Callback::Status, &message.token)),
            ("ValidityPeriod", self.validity.as_secs().clamp(1, 36_000).to_string()),
            sender,
        ];
        self.client.create("Messages.json", &fields).await
    }

    async fn place_call(&self, message: &OutboundMessage, caller_id: &str) -> Result<Created, TwilioError> {
        let mut fields = vec![
            ("To", message.to.key().to_owned()),
            ("From", caller_id.to_owned()),
            ("Url", self.callbacks.url(Callback::Voice, &message.token)),
            ("Method", "POST".to_owned()),
            ("StatusCallback", self.callbacks.url(Callback::Status, &message.token)),
            ("StatusCallbackMethod", "POST".to_owned()),
            ("Timeout", RING_SECONDS.to_owned()),
        ];
        for event in ["initiated", "ringing", "answered", "completed"] {
            fields.push(("StatusCallbackEvent", event.to_owned()));
        }
        self.client.create("Calls.json", &fields).await
    }
}

#[async_trait]
impl Gateway for TwilioMessaging {
    fn name(&self) -> &'static str {
        "twilio"
    }

    async fn deliver(&self, message: &OutboundMessage) -> Result<Handover, GatewayError> {
        let created = match (&message.text, message.channel, &self.caller_id) {
            (MessageText::Sms { body }, Channel::Sms, _) => self.send_sms(message, body).await,
            (MessageText::Sms { body }, Channel::Whatsapp, _) => self.send_whatsapp(message, body).await,
            (MessageText::Call { .. }, Channel::Call, Some(caller_id)) => self.place_call(message, caller_id).await,
            _ => return Err(GatewayError::UnsupportedChannel { gateway: self.name(), channel: message.channel }),
        }
        .map_err(|error| reported(&self.events, self.name(), &error, gateway_error(error.clone())))?;
        Ok(Handover { gateway: self.name(), provider_id: Some(created.sid), state: DeliveryState::Queued })
    }
}

/// What a Twilio refusal means for the user.
pub fn gateway_error(error: TwilioError) -> GatewayError {
    match error {
        TwilioError::InvalidNumber { .. } => GatewayError::Refused(Refusal::InvalidNumber),
        TwilioError::RegionNotAllowed { .. } => GatewayError::Refused(Refusal::RegionNotAllowed),
        TwilioError::OptedOut => GatewayError::Refused(Refusal::OptedOut),
        TwilioError::NotMobile { .. } => GatewayError::Refused(Refusal::NotMobile),
        TwilioError::Blocked { .. } => GatewayError::Refused(Refusal::Blocked),
        error if error.is_transient() => GatewayError::Unavailable(error.to_string()),
        TwilioError::ConcurrentRequests | TwilioError::MaxSendAttempts | TwilioError::MaxCheckAttempts => {
            GatewayError::Unavailable(error.to_string())
        }
        error => GatewayError::Misconfigured(error.to_string()),
    }
}
