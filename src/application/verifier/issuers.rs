//! Who makes a verification's codes: we do, and a gateway carries them (`OurCodes`), or the
//! provider makes, sends and checks its own (`ProviderCodes`, Twilio Verify). The settings choose
//! one once; the verifier asks it and never which it is.

use async_trait::async_trait;
use leptos_i18n::Locale as _;
use std::sync::Arc;

use super::Owner;
use crate::domain::{Channel, DeliveryProgress, DeliveryState, DeliveryToken};
use crate::domain::{CodeHasher, CodeSecret, Destination, OtpCode, Policy, Status, UnixTime, VerificationId};
use crate::gateways::{CodeProvider, Gateway, GatewayError, OutboundMessage, Sender};
use crate::i18n::Locale;
use crate::refusal::PortalError;
use crate::store::{DeliveryRecord, Store};
use crate::wording::messages::{self, Signature};

/// A new code for a verification.
pub enum Minted {
    /// Ours, kept as a keyed hash, and the carrier that takes it to the user: both are stored
    /// with the send's slot before anything leaves.
    Ours { secret: CodeSecret, carrier: Box<Carrier> },
    /// A provider's, which the provider makes as it sends it, once the slot is taken.
    AtProvider(Arc<dyn CodeProvider>),
}

/// Our code on its way: the delivery record the provider's reports will name, the message, and
/// the gateway that takes it.
pub struct Carrier {
    pub record: DeliveryRecord,
    pub message: OutboundMessage,
    pub gateway: Arc<dyn Gateway>,
}


/// What the provider said about a typed code.
pub enum ProviderVerdict {
    Matches(bool),
    /// The provider ended the verification (its check limit, its expiry).
    Ended(Status),
}

#[async_trait]
pub trait CodeIssuer: Send + Sync {
    /// A new code to `to` for verification `id`; nothing leaves yet.
    fn mint(&self, id: &VerificationId, to: &Destination, channel: Channel, locale: Locale) -> Minted;

    /// The provider's verdict on `code` for `owner`'s verification `id`; none when the core
    /// compares it with our own hash.
    async fn verdict(&self, owner: Owner<'_>, id: &VerificationId, code: &OtpCode, now: UnixTime, policy: &Policy) -> Result<Option<ProviderVerdict>, PortalError>;

    /// Ends the provider's verification `sid` (best effort: unanswered, it expires there).
    async fn cancel_at_provider(&self, sid: &str);

    /// The gateway for other messages to a user's destinations; none when the provider sends
    /// nothing but its own codes.
    fn messenger(&self) -> Option<&Arc<dyn Gateway>>;
}

/// The issuer the gateways the settings built call for.
pub fn for_sender(sender: Sender, store: Store, hasher: Arc<CodeHasher>, policy: &Policy, signature: Signature) -> Arc<dyn CodeIssuer> {
    match sender {
        Sender::Ours(gateway) => Arc::new(OurCodes { gateway, hasher, code_length: policy.code_length, code_ttl: policy.code_ttl, signature }),
        Sender::Provider(provider) => Arc::new(ProviderCodes { provider, store }),
    }
}

/// Codes we make and keep only as a keyed hash; a gateway carries each under a delivery token.
struct OurCodes {
    gateway: Arc<dyn Gateway>,
    hasher: Arc<CodeHasher>,
    code_length: usize,
    code_ttl: std::time::Duration,
    signature: Signature,
}

#[async_trait]
impl CodeIssuer for OurCodes {
    /// Makes the code and the delivery that carries it under a fresh token: the provider's
    /// reports, and a call's request for its script, name that delivery.
    fn mint(&self, id: &VerificationId, to: &Destination, channel: Channel, locale: Locale) -> Minted {
        let code = OtpCode::generate(self.code_length);
        let token = DeliveryToken::generate();
        let record = DeliveryRecord {
            token_hash: token.lookup_key(),
            verification_id: id.clone(),
            channel,
            gateway: None,
            provider_id: None,
            locale: locale.as_str().to_owned(),
            // Only a call needs its code back, to read it out when Twilio asks.
            sealed_code: (channel == Channel::Call).then(|| token.seal(&code)),
            progress: DeliveryProgress { state: DeliveryState::Queued, sequence: None },
            error_code: None,
        };
        let valid_minutes = self.code_ttl.as_secs().div_ceil(60);
        let message = OutboundMessage {
            to: to.clone(),
            channel,
            language: locale.as_str().to_owned(),
            text: messages::compose(locale, channel, &code, &self.signature, valid_minutes),
            token,
        };
        let carrier = Box::new(Carrier { record, message, gateway: self.gateway.clone() });
        Minted::Ours { secret: CodeSecret::Hash(self.hasher.hash(id, &code)), carrier }
    }

    async fn verdict(&self, _owner: Owner<'_>, _id: &VerificationId, _code: &OtpCode, _now: UnixTime, _policy: &Policy) -> Result<Option<ProviderVerdict>, PortalError> {
        Ok(None)
    }

    async fn cancel_at_provider(&self, _sid: &str) {}

    fn messenger(&self) -> Option<&Arc<dyn Gateway>> {
        Some(&self.gateway)
    }
}

/// Codes the provider makes, sends and checks; we keep its id of each verification.
struct ProviderCodes {
    provider: Arc<dyn CodeProvider>,
    store: Store,
}

#[async_trait]
impl CodeIssuer for ProviderCodes {
    fn mint(&self, _id: &VerificationId, _to: &Destination, _channel: Channel, _locale: Locale) -> Minted {
        Minted::AtProvider(self.provider.clone())
    }

    /// Asked only when the core would count the check: else the core refuses it on its own.
    async fn verdict(&self, owner: Owner<'_>, id: &VerificationId, code: &OtpCode, now: UnixTime, policy: &Policy) -> Result<Option<ProviderVerdict>, PortalError> {
        let (current, _) = owner.load(&self.store, id).await?;
        let Some(sid) = current.provider_sid().filter(|_| current.ensure_checkable(now, policy).is_ok()) else {
            return Ok(Some(ProviderVerdict::Matches(false)));
        };
        match self.provider.check(sid, code).await {
            Ok(matches) => Ok(Some(ProviderVerdict::Matches(matches))),
            Err(GatewayError::MaxChecksReached) => Ok(Some(ProviderVerdict::Ended(Status::MaxAttemptsReached))),
            Err(GatewayError::Expired) => Ok(Some(ProviderVerdict::Ended(Status::Expired))),
            Err(other) => Err(other.into()),
        }
    }

    async fn cancel_at_provider(&self, sid: &str) {
        if let Err(error) = self.provider.cancel(sid).await {
            tracing::warn!(%error, "the provider did not cancel its verification");
        }
    }

    fn messenger(&self) -> Option<&Arc<dyn Gateway>> {
        None
    }
}
