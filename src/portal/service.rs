//! Sends and checks codes: the core flow's rules applied to stored verifications.

use std::sync::Arc;

use super::messages;
use crate::domain::{Channel, DeliveryState};
use crate::flow::{
    Clock, CodeHasher, DeliveryProgress, DeliveryToken, Destination, FlowError, OtpCode, Policy, Status, UnixTime,
    Verification, VerificationId, ensure_send_allowed,
};
use crate::gateways::{Gateway, OutboundMessage};
use crate::store::DeliveryRecord;
use crate::i18n::Locale;
use crate::protocol::PortalError;
use crate::store::Store;
use leptos_i18n::Locale as _;

/// Optimistic updates retry this often when concurrent requests touch the same verification.
const UPDATE_RETRIES: usize = 5;

/// Where a verification stands, as the token page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeStatus {
    pub id: VerificationId,
    pub channel: Channel,
    pub destination: Destination,
    pub status: Status,
    pub attempts_left: u32,
    pub resend_in: u64,
    pub expires_in: u64,
    /// How far the latest code has got, as its provider reports.
    pub delivery: Option<DeliveryState>,
}

/// A verification that succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub channel: Channel,
    pub destination: Destination,
    pub at: UnixTime,
}

pub struct Verifier {
    store: Store,
    gateway: Arc<dyn Gateway>,
    hasher: CodeHasher,
    policy: Policy,
    clock: Arc<dyn Clock>,
    service_name: String,
}

impl Verifier {
    pub fn new(
        store: Store,
        gateway: Arc<dyn Gateway>,
        hasher: CodeHasher,
        policy: Policy,
        clock: Arc<dyn Clock>,
        service_name: String,
    ) -> Self {
        Verifier { store, gateway, hasher, policy, clock, service_name }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn now(&self) -> UnixTime {
        self.clock.now()
    }

    fn status_of(&self, v: &Verification, now: UnixTime, delivery: Option<DeliveryState>) -> CodeStatus {
        CodeStatus {
            id: v.id.clone(),
            channel: v.channel,
            destination: v.destination.clone(),
            status: v.status_at(now),
            attempts_left: v.attempts_left(&self.policy),
            resend_in: v.resend_available_in(now, &self.policy),
            expires_in: v.expires_in(now),
            delivery,
        }
    }

    /// Starts a verification of `destination` for `subject` and sends its first code.
    #[tracing::instrument(skip(self, destination), fields(channel = %channel))]
    pub async fn start(
        &self,
        subject: &str,
        destination: Destination,
        channel: Channel,
        locale: Locale,
    ) -> Result<CodeStatus, PortalError> {
        destination.ensure_reachable_by(channel)?;
        let now = self.clock.now();
        self.ensure_send_allowed(&destination, now).await?;
        let code = OtpCode::generate(self.policy.code_length);
        let verification = Verification::issue(subject, destination, channel, &code, &self.hasher, now, &self.policy);
        self.store.insert_verification(&verification).await?;
        let delivery = self.deliver(&verification, &code, locale).await?;
        self.store.record_send(&verification, now).await?;
        tracing::info!(verification = %verification.id, "code sent");
        Ok(self.status_of(&verification, now, Some(delivery)))
    }

    /// Sends a fresh code for a pending verification once its cooldown has passed.
    #[tracing::instrument(skip(self))]
    pub async fn resend(&self, subject: &str, id: &VerificationId, locale: Locale) -> Result<CodeStatus, PortalError> {
        let (current, _) = self.load_owned(subject, id).await?;
        self.ensure_send_allowed(&current.destination, self.clock.now()).await?;
        let code = OtpCode::generate(self.policy.code_length);
        let (verification, outcome) = self
            .update(subject, id, |verification, now| verification.resend(&code, &self.hasher, now, &self.policy))
            .await?;
        outcome?;
        let now = verification.last_sent_at;
        let delivery = self.deliver(&verification, &code, locale).await?;
        self.store.record_send(&verification, now).await?;
        tracing::info!(verification = %verification.id, sends = verification.sends, "code resent");
        Ok(self.status_of(&verification, now, Some(delivery)))
    }

    /// Checks a code as typed. A badly formed code is refused without spending an attempt.
    #[tracing::instrument(skip(self, typed))]
    pub async fn check(&self, subject: &str, id: &VerificationId, typed: &str) -> Result<Approval, PortalError> {
        let code = OtpCode::parse(typed, self.policy.code_length)?;
        let (verification, outcome) = self
            .update(subject, id, |verification, now| verification.check(&code, &self.hasher, now, &self.policy))
            .await?;
        let now = self.clock.now();
        let spent_an_attempt = !matches!(
            outcome,
            Err(FlowError::Expired | FlowError::AlreadyApproved | FlowError::Canceled | FlowError::NotFound)
        );
        if spent_an_attempt {
            let label = match &outcome {
                Ok(()) => "approved",
                Err(FlowError::MaxAttemptsReached) => "locked",
                Err(_) => "wrong",
            };
            self.store.record_attempt(id, now, label).await?;
        }
        outcome?;
        self.store.save_verified_destination(subject, &verification.destination, now).await?;
        tracing::info!(verification = %id, "verification approved");
        Ok(Approval { channel: verification.channel, destination: verification.destination, at: now })
    }

    pub async fn status(&self, subject: &str, id: &VerificationId) -> Result<CodeStatus, PortalError> {
        let verification = self.load_owned(subject, id).await?.0;
        let delivery = self.store.latest_delivery(id).await?.map(|delivery| delivery.progress.state);
        Ok(self.status_of(&verification, self.clock.now(), delivery))
    }

    /// Ends a pending verification, e.g. when the user picks another method or number.
    pub async fn cancel(&self, subject: &str, id: &VerificationId) -> Result<(), PortalError> {
        self.update(subject, id, |verification, now| {
            verification.cancel(now);
            Ok(())
        })
        .await
        .map(|_| ())
    }

    async fn ensure_send_allowed(&self, destination: &Destination, now: UnixTime) -> Result<(), PortalError> {
        let window_start = UnixTime(now.0 - self.policy.send_window.as_secs() as i64);
        let recent = self.store.sends_since(destination, window_start).await?;
        ensure_send_allowed(&recent, now, &self.policy)?;
        Ok(())
    }

    /// Hands the code to the gateway under a fresh delivery token, and records the delivery
    /// that the provider's reports (and a call's request for its script) will name.
    async fn deliver(&self, verification: &Verification, code: &OtpCode, locale: Locale) -> Result<DeliveryState, PortalError> {
        let valid_minutes = self.policy.code_ttl.as_secs().div_ceil(60);
        let token = DeliveryToken::generate();
        let now = self.clock.now();
        let record = DeliveryRecord {
            token_hash: token.lookup_key(),
            verification_id: verification.id.clone(),
            channel: verification.channel,
            gateway: None,
            provider_id: None,
            locale: locale.as_str().to_owned(),
            // Only a call needs its code back, to read it out when Twilio asks.
            sealed_code: (verification.channel == Channel::Call).then(|| token.seal(code)),
            progress: DeliveryProgress { state: DeliveryState::Queued, sequence: None },
            error_code: None,
        };
        self.store.insert_delivery(&record, now).await?;
        let message = OutboundMessage {
            to: verification.destination.clone(),
            channel: verification.channel,
            language: locale.as_str().to_owned(),
            text: messages::compose(locale, verification.channel, code, &self.service_name, valid_minutes),
            token,
        };
        match self.gateway.deliver(&message).await {
            Ok(handover) => {
                self.store
                    .record_handover(&record.token_hash, handover.gateway, handover.provider_id.as_deref(), handover.state, now)
                    .await?;
                Ok(handover.state)
            }
            Err(error) => {
                tracing::warn!(verification = %verification.id, gateway = self.gateway.name(), %error, "delivery failed");
                // A code that never left cannot be entered; close the verification.
                self.cancel(&verification.subject, &verification.id).await.ok();
                Err(error.into())
            }
        }
    }

    /// Loads a verification only for the subject it belongs to: anyone else gets "not found".
    async fn load_owned(&self, subject: &str, id: &VerificationId) -> Result<(Verification, i64), PortalError> {
        match self.store.verification(id).await? {
            Some((verification, revision)) if verification.subject == subject => Ok((verification, revision)),
            _ => Err(PortalError::VerificationNotFound),
        }
    }

    /// Applies `change` and stores the result, retrying when a concurrent request got there first.
    /// The flow's verdict comes back beside the stored verification, as state changes even on refusals.
    async fn update<F>(
        &self,
        subject: &str,
        id: &VerificationId,
        change: F,
    ) -> Result<(Verification, Result<(), FlowError>), PortalError>
    where
        F: Fn(&mut Verification, UnixTime) -> Result<(), FlowError>,
    {
        for _ in 0..UPDATE_RETRIES {
            let (mut verification, revision) = self.load_owned(subject, id).await?;
            let before = verification.clone();
            let outcome = change(&mut verification, self.clock.now());
            if verification == before || self.store.update_verification(&verification, revision).await? {
                return Ok((verification, outcome));
            }
        }
        tracing::error!(verification = %id, "verification kept changing under concurrent updates");
        Err(PortalError::Unavailable)
    }
}
