//! Gateways made of gateways: a fallback for transient failures, e-mail through its own gateway,
//! a deadline on the whole of a delivery.

use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

use super::{CodeProvider, Gateway, GatewayError, Handover, OutboundMessage};
use crate::domain::Channel;
use crate::domain::{Destination, OtpCode};

/// Sends through `primary`; when it fails for a reason its provider reports as transient,
/// sends the same message through `fallback` instead.
pub struct Fallback {
    primary: Arc<dyn Gateway>,
    fallback: Arc<dyn Gateway>,
}

impl Fallback {
    pub fn new(primary: Arc<dyn Gateway>, fallback: Arc<dyn Gateway>) -> Self {
        Fallback { primary, fallback }
    }
}

#[async_trait]
impl Gateway for Fallback {
    fn name(&self) -> &'static str {
        self.primary.name()
    }

    async fn deliver(&self, message: &OutboundMessage) -> Result<Handover, GatewayError> {
        match self.primary.deliver(message).await {
            Err(error) if error.is_transient() => {
                tracing::warn!(primary = self.primary.name(), fallback = self.fallback.name(), %error, "delivering through the fallback gateway");
                self.fallback.deliver(message).await
            }
            outcome => outcome,
        }
    }
}

/// E-mail goes through `email`; text, WhatsApp messages and calls through `phone`.
pub struct EmailThrough {
    email: Arc<dyn Gateway>,
    phone: Arc<dyn Gateway>,
}

impl EmailThrough {
    pub fn new(email: Arc<dyn Gateway>, phone: Arc<dyn Gateway>) -> Self {
        EmailThrough { email, phone }
    }
}

#[async_trait]
impl Gateway for EmailThrough {
    fn name(&self) -> &'static str {
        self.phone.name()
    }

    async fn deliver(&self, message: &OutboundMessage) -> Result<Handover, GatewayError> {
        match message.channel {
            Channel::Email => self.email.deliver(message).await,
            Channel::Sms | Channel::Call | Channel::Whatsapp => self.phone.deliver(message).await,
        }
    }
}

/// Gives `inner` at most `limit` for a whole call, retries and fallback included: a provider that
/// hangs costs the user a clear "try again" after that long, never a request held open for ever.
pub struct Deadline<T: ?Sized> {
    inner: Arc<T>,
    limit: Duration,
}

impl<T: ?Sized> Deadline<T> {
    pub fn new(inner: Arc<T>, limit: Duration) -> Self {
        Deadline { inner, limit }
    }

    async fn within<R>(&self, call: impl Future<Output = Result<R, GatewayError>>) -> Result<R, GatewayError> {
        match tokio::time::timeout(self.limit, call).await {
            Ok(outcome) => outcome,
            Err(_) => {
                tracing::warn!(seconds = self.limit.as_secs(), "a gateway call ran past its deadline");
                Err(GatewayError::Unavailable("no answer within the gateway deadline".into()))
            }
        }
    }
}

#[async_trait]
impl Gateway for Deadline<dyn Gateway> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn deliver(&self, message: &OutboundMessage) -> Result<Handover, GatewayError> {
        self.within(self.inner.deliver(message)).await
    }
}

#[async_trait]
impl CodeProvider for Deadline<dyn CodeProvider> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn send(&self, to: &Destination, channel: Channel, language: &str) -> Result<String, GatewayError> {
        self.within(self.inner.send(to, channel, language)).await
    }

    async fn check(&self, sid: &str, code: &OtpCode) -> Result<bool, GatewayError> {
        self.within(self.inner.check(sid, code)).await
    }

    async fn cancel(&self, sid: &str) -> Result<(), GatewayError> {
        self.within(self.inner.cancel(sid)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DeliveryState;
    use crate::domain::{DeliveryToken, Destination, EmailAddress};
    use crate::gateways::MessageText;
    use std::sync::Mutex;

    /// A gateway that answers as told and counts what it was given.
    struct Scripted {
        name: &'static str,
        answer: Result<(), GatewayError>,
        calls: Mutex<u32>,
    }

    impl Scripted {
        fn new(name: &'static str, answer: Result<(), GatewayError>) -> Arc<Self> {
            Arc::new(Scripted { name, answer, calls: Mutex::new(0) })
        }

        fn calls(&self) -> u32 {
            *self.calls.lock().unwrap()
        }
    }

    #[async_trait]
    impl Gateway for Scripted {
        fn name(&self) -> &'static str {
            self.name
        }

        async fn deliver(&self, _: &OutboundMessage) -> Result<Handover, GatewayError> {
            *self.calls.lock().unwrap() += 1;
            self.answer.clone().map(|()| Handover { gateway: self.name, provider_id: None, state: DeliveryState::Sent })
        }
    }

    fn message(channel: Channel) -> OutboundMessage {
        OutboundMessage {
            to: Destination::Email(EmailAddress::parse("ada@example.com").unwrap()),
            channel,
            language: "en".into(),
            text: MessageText::Sms { body: "hello".into() },
            token: DeliveryToken::generate(),
        }
    }

    #[tokio::test]
    async fn a_transient_failure_goes_out_through_the_fallback() {
        let primary = Scripted::new("twilio", Err(GatewayError::Unavailable("HTTP 503".into())));
        let fallback = Scripted::new("console", Ok(()));
        let gateway = Fallback::new(primary.clone(), fallback.clone());
        assert_eq!(gateway.deliver(&message(Channel::Sms)).await.unwrap().gateway, "console");
        assert_eq!((primary.calls(), fallback.calls()), (1, 1));
    }

    #[tokio::test]
    async fn a_refusal_is_final_and_never_reaches_the_fallback() {
        let primary = Scripted::new("twilio", Err(GatewayError::Refused(super::super::Refusal::OptedOut)));
        let fallback = Scripted::new("console", Ok(()));
        let gateway = Fallback::new(primary, fallback.clone());
        assert!(gateway.deliver(&message(Channel::Sms)).await.is_err());
        assert_eq!(fallback.calls(), 0);
    }

    #[tokio::test]
    async fn e_mail_and_phone_messages_take_their_own_gateways() {
        let email = Scripted::new("smtp", Ok(()));
        let phone = Scripted::new("twilio", Ok(()));
        let gateway = EmailThrough::new(email, phone);
        assert_eq!(gateway.deliver(&message(Channel::Email)).await.unwrap().gateway, "smtp");
        assert_eq!(gateway.deliver(&message(Channel::Call)).await.unwrap().gateway, "twilio");
    }
}
