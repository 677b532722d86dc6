//! Sends and checks codes: the core's rules applied to stored verifications, whether we make
//! the code (a gateway carries it) or the provider does (Twilio Verify).

use std::net::IpAddr;
use std::sync::Arc;

mod checking;
mod issuers;
mod issuing;
mod owner;
mod send_slots;

use crate::wording::messages::{self, Signature};
use issuers::CodeIssuer;
pub use owner::Owner;
use crate::domain::{Channel, DeliveryState};
use crate::events::{Event, Events};
use crate::domain::{
    Addition, Clock, CodeHasher, DeliveryToken, Destination, Factors, DomainError, Policy, Purpose, Status, UnixTime, Verification,
    VerificationId,
};
use crate::gateways::{OutboundMessage, Sender};
use crate::i18n::Locale;
use crate::refusal::PortalError;
use crate::view::PendingCode;
use crate::store::{CheckRecord, Store};
use leptos_i18n::Locale as _;

/// Optimistic updates retry this often when concurrent requests touch the same verification.
const UPDATE_RETRIES: usize = 5;
/// Concurrent checks by one user each take their turn at the failure streak; this many tries
/// cover a burst of parallel checks.
const STREAK_RETRIES: usize = 64;

/// Where a verification stands: what the pages and the JSON API show of it, and what the
/// portal alone sees (its id, the destination unmasked, its status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeStatus {
    pub id: VerificationId,
    pub destination: Destination,
    pub status: Status,
    pub shown: PendingCode,
}

/// A verification that succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub id: VerificationId,
    pub channel: Channel,
    pub destination: Destination,
    pub purpose: Purpose,
    /// The destination the owner may now add, when this code confirmed a factor for that.
    pub then_add: Option<Addition>,
    /// The user's factors before a destination was added: each is told of the change.
    pub earlier: Vec<Destination>,
    pub at: UnixTime,
}

/// What a new code rests on, besides the destination itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grounds {
    /// Nothing more: the destination is one of the user's factors, or the user holds none.
    Own,
    /// The destination is one of the user's factors; entering its code lets the owner add another.
    ThenAdd(Addition),
    /// The approved verification (a code to one of the user's factors) that lets the owner add
    /// the destination.
    AddedAfter(VerificationId),
}

/// A first code to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCode<'a> {
    pub owner: Owner<'a>,
    /// What the current request vouches for, where the portal verified nothing of that kind.
    pub vouched: &'a Factors,
    /// The request it answers (its nonce): wrong codes count for the whole request.
    pub request: Option<&'a str>,
    /// The address of the client that asked, for the per-client send limit.
    pub client: Option<IpAddr>,
    pub destination: Destination,
    pub channel: Channel,
    pub grounds: Grounds,
}

pub struct Verifier {
    store: Store,
    issuer: Arc<dyn CodeIssuer>,
    hasher: Arc<CodeHasher>,
    policy: Policy,
    clock: Arc<dyn Clock>,
    signature: Signature,
    events: Events,
}

impl Verifier {
    pub fn new(
        store: Store,
        sender: Sender,
        hasher: CodeHasher,
        policy: Policy,
        clock: Arc<dyn Clock>,
        signature: Signature,
        events: Events,
    ) -> Self {
        let hasher = Arc::new(hasher);
        let issuer = issuers::for_sender(sender, store.clone(), hasher.clone(), &policy, signature.clone());
        Verifier { store, issuer, hasher, policy, clock, signature, events }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn now(&self) -> UnixTime {
        self.clock.now()
    }

    pub(super) fn status_of(&self, v: &Verification, now: UnixTime, delivery: Option<DeliveryState>) -> CodeStatus {
        CodeStatus {
            id: v.id.clone(),
            destination: v.destination.clone(),
            status: v.status_at(now),
            shown: PendingCode {
                channel: v.channel,
                destination: v.destination.masked(),
                code_length: self.policy.code_length,
                attempts_left: v.attempts_left(&self.policy),
                attempts: v.attempts,
                sends: v.sends,
                resend_in: v.resend_available_in(now, &self.policy),
                expires_in: v.expires_in(now),
                delivery,
            },
        }
    }

    pub async fn status(&self, owner: Owner<'_>, id: &VerificationId) -> Result<CodeStatus, PortalError> {
        let verification = self.load_owned(owner, id).await?.0;
        let delivery = self.store.latest_delivery(id).await?.map(|delivery| delivery.progress.state);
        Ok(self.status_of(&verification, self.clock.now(), delivery))
    }

    /// Ends a pending verification, e.g. when the user picks another method or number. One that
    /// was approved stays approved (`AlreadyApproved`, read in the same update that would cancel
    /// it); one that has ended otherwise is left as it is.
    pub async fn cancel(&self, owner: Owner<'_>, id: &VerificationId) -> Result<(), PortalError> {
        let (verification, outcome) = self
            .update(owner, id, |verification, now| match verification.status_at(now) {
                Status::Pending => {
                    verification.cancel(now);
                    Ok(())
                }
                Status::Approved => Err(DomainError::AlreadyApproved),
                _ => Err(DomainError::Canceled),
            })
            .await?;
        match outcome {
            Ok(()) => {}
            Err(DomainError::AlreadyApproved) => return Err(PortalError::AlreadyApproved),
            Err(_) => return Ok(()),
        }
        let provider_sid = verification.provider_sid();
        let still_used = match provider_sid {
            // Verify answers a new start to the same number with the same verification.
            Some(sid) => self.store.provider_sid_pending_elsewhere(sid, id, self.clock.now()).await?,
            None => false,
        };
        if let (Some(sid), false) = (provider_sid, still_used) {
            self.issuer.cancel_at_provider(sid).await;
        }
        self.events.emit(Event::VerificationStatusChanged {
            subject: owner.user.to_owned(),
            verification_id: id.clone(),
            provider_sid: verification.provider_sid().map(str::to_owned),
            status: Status::Canceled.as_str(),
        });
        Ok(())
    }

    /// Tells each of the user's earlier factors that a destination was added or put in place of
    /// one, so that a change the user did not make does not go unnoticed: a text to a number, a
    /// mail to an address. Best effort: the change itself stands. With a provider that makes its
    /// own codes nothing else can be sent; the host gets `UserDataChanged`.
    pub async fn tell_earlier_factors(&self, approval: &Approval, locale: Locale) {
        let Some(gateway) = self.issuer.messenger() else { return };
        for factor in &approval.earlier {
            let message = OutboundMessage {
                to: factor.clone(),
                channel: if matches!(factor, Destination::Phone(_)) { Channel::Sms } else { Channel::Email },
                language: locale.as_str().to_owned(),
                text: messages::factor_added(locale, factor, &self.signature.service, &approval.destination.masked()),
                token: DeliveryToken::generate(),
            };
            if let Err(error) = gateway.deliver(&message).await {
                tracing::warn!(%error, "could not tell an earlier factor about the change");
            }
        }
    }

    /// Loads a verification only for its owner: anyone else gets "not found".
    pub(super) async fn load_owned(&self, owner: Owner<'_>, id: &VerificationId) -> Result<(Verification, i64), PortalError> {
        owner.load(&self.store, id).await
    }

    /// Applies `change` and stores the result, retrying when a concurrent request got there first.
    /// The core's verdict comes back beside the stored verification, as state changes even on refusals.
    pub(super) async fn update<F>(
        &self,
        owner: Owner<'_>,
        id: &VerificationId,
        change: F,
    ) -> Result<(Verification, Result<(), DomainError>), PortalError>
    where
        F: Fn(&mut Verification, UnixTime) -> Result<(), DomainError>,
    {
        self.update_recording(owner, id, change, |_| None).await
    }

    /// `update`, writing with the verification the record of a check when `recorded` names the
    /// outcome as one that spent an attempt.
    pub(super) async fn update_recording<F, R>(
        &self,
        owner: Owner<'_>,
        id: &VerificationId,
        change: F,
        recorded: R,
    ) -> Result<(Verification, Result<(), DomainError>), PortalError>
    where
        F: Fn(&mut Verification, UnixTime) -> Result<(), DomainError>,
        R: Fn(&Result<(), DomainError>) -> Option<&'static str>,
    {
        for _ in 0..UPDATE_RETRIES {
            let (mut verification, revision) = self.load_owned(owner, id).await?;
            let before = verification.clone();
            let now = self.clock.now();
            let outcome = change(&mut verification, now);
            let check = recorded(&outcome).map(|outcome| CheckRecord { at: now, outcome });
            if (verification == before && check.is_none()) || self.store.update_verification(&verification, revision, check).await? {
                return Ok((verification, outcome));
            }
        }
        tracing::error!(verification = %id, "verification kept changing under concurrent updates");
        Err(PortalError::Unavailable)
    }
}
