//! Sends and checks codes: the core flow's rules applied to stored verifications, whether we make
//! the code (a gateway carries it) or the provider does (Twilio Verify).

use std::net::IpAddr;
use std::sync::Arc;

use super::messages;
use crate::domain::{Channel, DeliveryState};
use crate::events::{Event, Events};
use crate::flow::{
    Addition, Clock, CodeHasher, Conversion, FailureStreak, CodeSecret, DeliveryProgress, DeliveryToken, Destination, Factors, FlowError, Holder, OtpCode,
    Policy, Purpose, SendFacts, SendHistory, SendLimit, SendLimits, SendRefusal, Status, UnixTime, Verification, VerificationId,
    client_network, conversion_alarm, ensure_send_allowed,
};
use crate::gateways::{CodeProvider, Gateway, GatewayError, OutboundMessage, Sender};
use crate::i18n::Locale;
use crate::protocol::{PendingCode, PortalError};
use crate::store::{DeliveryRecord, SendSlot, SlotKeys, Store};
use leptos_i18n::Locale as _;

/// Optimistic updates retry this often when concurrent requests touch the same verification.
const UPDATE_RETRIES: usize = 5;
/// Concurrent checks by one user each take their turn at the failure streak; this many tries
/// cover a burst of parallel checks.
const STREAK_RETRIES: usize = 64;

/// Where a verification stands, as the token page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeStatus {
    pub id: VerificationId,
    pub channel: Channel,
    pub destination: Destination,
    pub status: Status,
    pub attempts_left: u32,
    pub attempts: u32,
    pub sends: u32,
    pub resend_in: u64,
    pub expires_in: u64,
    /// How far the latest code has got, as its provider reports.
    pub delivery: Option<DeliveryState>,
}

impl CodeStatus {
    /// As the token page and the JSON API show it: the destination masked.
    pub fn shown(&self, code_length: usize) -> PendingCode {
        PendingCode {
            channel: self.channel,
            destination: self.destination.masked(),
            code_length,
            attempts_left: self.attempts_left,
            attempts: self.attempts,
            sends: self.sends,
            resend_in: self.resend_in,
            expires_in: self.expires_in,
            delivery: self.delivery,
        }
    }
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

/// Who acts on a verification: a user, through what started it (their browser session, or an
/// API client acting for them). Only the owner may send, check or cancel it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner<'a> {
    pub subject: &'a str,
    pub holder: Holder,
}

impl<'a> Owner<'a> {
    pub fn session(subject: &'a str) -> Self {
        Owner { subject, holder: Holder::Session }
    }

    pub fn api_client(subject: &'a str) -> Self {
        Owner { subject, holder: Holder::ApiClient }
    }

    pub fn of(verification: &'a Verification) -> Self {
        Owner { subject: &verification.subject, holder: verification.holder }
    }

    fn owns(self, verification: &Verification) -> bool {
        verification.subject == self.subject && verification.holder == self.holder
    }

    fn hold(self, mut verification: Verification) -> Verification {
        verification.holder = self.holder;
        verification
    }
}

/// What the provider said about a typed code.
enum ProviderVerdict {
    Matches(bool),
    /// The provider ended the verification (its check limit, its expiry).
    Ended(Status),
}

pub struct Verifier {
    store: Store,
    sender: Sender,
    hasher: CodeHasher,
    policy: Policy,
    clock: Arc<dyn Clock>,
    service_name: String,
    events: Events,
}

impl Verifier {
    pub fn new(
        store: Store,
        sender: Sender,
        hasher: CodeHasher,
        policy: Policy,
        clock: Arc<dyn Clock>,
        service_name: String,
        events: Events,
    ) -> Self {
        Verifier { store, sender, hasher, policy, clock, service_name, events }
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
            attempts: v.attempts,
            sends: v.sends,
            resend_in: v.resend_available_in(now, &self.policy),
            expires_in: v.expires_in(now),
            delivery,
        }
    }

    /// Starts a verification for `new.owner` and sends its first code. A destination that is not
    /// one of the user's factors goes only to a user who holds none, or after a code to one of
    /// them was entered (`Grounds::AddedAfter`): nobody holding only a session adds their own.
    // Not the owner: a relying application's user id may be the user's e-mail address.
    #[tracing::instrument(skip(self, new), fields(channel = %new.channel))]
    pub async fn start(&self, new: NewCode<'_>, locale: Locale) -> Result<CodeStatus, PortalError> {
        let NewCode { owner, vouched, request, client, destination, channel, grounds } = new;
        self.policy.ensure_destination_allowed(&destination, channel)?;
        let now = self.clock.now();
        let (purpose, enrols) = self.purpose(owner, vouched, &destination, grounds, now).await?;
        let attempts = match request {
            Some(request) => self.store.attempts_spent_in_request(owner.subject, request).await?,
            None => 0,
        };
        if attempts >= self.policy.max_attempts {
            return Err(PortalError::MaxAttemptsReached);
        }
        let keys = SlotKeys {
            request,
            to_a_factor: purpose == Purpose::Challenge,
            ..self.slot_keys(owner.subject, &destination, channel, client, now)
        };
        let slot = self.take_send_slot(&keys).await?;
        let bind = |mut verification: Verification| {
            verification.purpose = purpose;
            verification.enrols = enrols.clone();
            verification.request = request.map(str::to_owned);
            verification.attempts = attempts;
            owner.hold(verification)
        };
        let sent = async {
            // The user is recorded only once every rule let the code go: a refused call writes nothing.
            self.store.ensure_user(owner.subject, now).await?;
            match &self.sender {
                Sender::Ours(gateway) => {
                    let code = OtpCode::generate(self.policy.code_length);
                    let verification =
                        bind(Verification::issue(owner.subject, destination, channel, &code, &self.hasher, now, &self.policy));
                    self.store.insert_verification(&verification).await?;
                    let delivery = self.deliver(gateway.as_ref(), &verification, &code, locale).await?;
                    Ok((verification, Some(delivery)))
                }
                Sender::Provider(provider) => {
                    let sid = provider.send(&destination, channel, locale.as_str()).await?;
                    let verification =
                        bind(Verification::issue_at_provider(owner.subject, destination, channel, sid, now, &self.policy));
                    self.store.insert_verification(&verification).await?;
                    Ok((verification, None))
                }
            }
        };
        let (verification, delivery) = self.spend_slot(slot, sent.await).await?;
        self.store.bind_send_slot(slot, &verification.id).await?;
        self.sent(&verification);
        tracing::info!(verification = %verification.id, "code sent");
        Ok(self.status_of(&verification, now, delivery))
    }

    /// Why a code may go to `destination`, by the binding rule (see `Factors::purpose_of`).
    async fn purpose(
        &self,
        owner: Owner<'_>,
        vouched: &Factors,
        destination: &Destination,
        grounds: Grounds,
        now: UnixTime,
    ) -> Result<(Purpose, Option<Addition>), PortalError> {
        let factors = self.store.factors(owner.subject).await?.or(vouched);
        match grounds {
            Grounds::Own => Ok((factors.purpose_of(destination).ok_or(PortalError::FactorConfirmationRequired)?, None)),
            Grounds::ThenAdd(added) if factors.holds(destination) => Ok((Purpose::Challenge, Some(added))),
            Grounds::ThenAdd(_) => Err(PortalError::FactorConfirmationRequired),
            Grounds::AddedAfter(proof) => {
                let since = UnixTime(now.0 - self.policy.code_ttl.as_secs() as i64);
                match self.store.enrolment_confirmed(&proof, owner.subject, owner.holder, destination, since).await? {
                    true => Ok((Purpose::Enrolment, None)),
                    false => Err(PortalError::FactorConfirmationRequired),
                }
            }
        }
    }

    /// Sends a fresh code for a pending verification once its cooldown has passed. With a provider
    /// that owns the code, it re-sends its pending one.
    #[tracing::instrument(skip(self, owner))]
    pub async fn resend(
        &self,
        owner: Owner<'_>,
        id: &VerificationId,
        client: Option<IpAddr>,
        locale: Locale,
    ) -> Result<CodeStatus, PortalError> {
        let (current, _) = self.load_owned(owner, id).await?;
        let now = self.clock.now();
        current.ensure_resendable(now, &self.policy)?;
        let keys = SlotKeys {
            request: current.request.as_deref(),
            to_a_factor: current.purpose == Purpose::Challenge,
            ..self.slot_keys(owner.subject, &current.destination, current.channel, client, now)
        };
        let slot = self.take_send_slot(&keys).await?;
        let sent = async {
            let (secret, code) = match &self.sender {
                Sender::Ours(_) => {
                    let code = OtpCode::generate(self.policy.code_length);
                    (CodeSecret::Hash(self.hasher.hash(id, &code)), Some(code))
                }
                Sender::Provider(provider) => {
                    (CodeSecret::Provider(provider.send(&current.destination, current.channel, locale.as_str()).await?), None)
                }
            };
            let (verification, outcome) =
                self.update(owner, id, |verification, now| verification.resend(secret.clone(), now, &self.policy)).await?;
            outcome?;
            let delivery = match (&self.sender, code) {
                (Sender::Ours(gateway), Some(code)) => Some(self.deliver(gateway.as_ref(), &verification, &code, locale).await?),
                _ => None,
            };
            Ok((verification, delivery))
        };
        let (verification, delivery) = self.spend_slot(slot, sent.await).await?;
        self.store.bind_send_slot(slot, &verification.id).await?;
        let now = verification.last_sent_at;
        self.sent(&verification);
        tracing::info!(verification = %verification.id, sends = verification.sends, "code resent");
        Ok(self.status_of(&verification, now, delivery))
    }

    /// Checks a code as typed. A badly formed code is refused without spending an attempt; every
    /// check that counts is a failure in the user's streak until it turns out right.
    #[tracing::instrument(skip(self, owner, typed))]
    pub async fn check(&self, owner: Owner<'_>, id: &VerificationId, typed: &str) -> Result<Approval, PortalError> {
        let code = OtpCode::parse(typed, self.policy.code_length)?;
        let counted = self.count_check_as_failure(owner.subject).await?;
        let checked = self.check_counted(owner, id, &code).await;
        match &checked {
            Ok(_) => {
                self.store.clear_failure_streak(owner.subject).await?;
            }
            Err(PortalError::WrongCode { .. } | PortalError::MaxAttemptsReached) => {}
            Err(_) => self.refund(owner.subject, counted).await?,
        }
        checked
    }

    async fn check_counted(&self, owner: Owner<'_>, id: &VerificationId, code: &OtpCode) -> Result<Approval, PortalError> {
        let verdict = match &self.sender {
            Sender::Provider(provider) => Some(self.ask_provider(provider.as_ref(), owner, id, code).await?),
            Sender::Ours(_) => None,
        };
        let subject = owner.subject;
        let (verification, outcome) = self
            .update(owner, id, |verification, now| match &verdict {
                None => verification.check(code, &self.hasher, now, &self.policy),
                Some(ProviderVerdict::Matches(matches)) => verification.record_check(*matches, now, &self.policy),
                Some(ProviderVerdict::Ended(status)) => verification.end_at_provider(*status, now),
            })
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
        let provider_sid = verification.provider_sid().map(str::to_owned);
        if let Err(error) = outcome {
            if matches!(error, FlowError::WrongCode { .. } | FlowError::MaxAttemptsReached) {
                self.events.emit(Event::VerificationFailed { subject: subject.to_owned(), verification_id: id.clone(), provider_sid });
            }
            return Err(error.into());
        }
        let before = self.store.factors(subject).await?;
        if !self.store.save_verified_destination(subject, &verification.destination, verification.purpose, now).await? {
            tracing::warn!(verification = %id, purpose = verification.purpose.as_str(), "an approved code no longer fits the user's factors");
            return Err(PortalError::FactorConfirmationRequired);
        }
        let earlier = match verification.purpose {
            Purpose::Enrolment => before.all().into_iter().filter(|factor| *factor != verification.destination).collect(),
            Purpose::Challenge | Purpose::FirstEnrolment => Vec::new(),
        };
        tracing::info!(verification = %id, purpose = verification.purpose.as_str(), "verification approved");
        let (subject, verification_id) = (subject.to_owned(), id.clone());
        self.events.emit(Event::VerificationStatusChanged {
            subject: subject.clone(),
            verification_id: verification_id.clone(),
            provider_sid: provider_sid.clone(),
            status: Status::Approved.as_str(),
        });
        self.events.emit(Event::VerificationSuccess {
            subject: subject.clone(),
            verification_id,
            provider_sid,
            first_enrolment: verification.purpose == Purpose::FirstEnrolment,
        });
        // `before` is what the portal had stored: a vouched destination entered now is a change.
        if !before.holds(&verification.destination) {
            self.events.emit(Event::UserDataChanged {
                subject,
                field: if matches!(verification.destination, Destination::Phone(_)) { "phone_number" } else { "email" },
                value: verification.destination.key().to_owned(),
            });
        }
        Ok(Approval {
            id: id.clone(),
            channel: verification.channel,
            destination: verification.destination,
            purpose: verification.purpose,
            then_add: verification.enrols,
            earlier,
            at: now,
        })
    }

    /// Counts a check as a failure before it is made, refused while the user must wait or is
    /// locked: concurrent checks each take their own place in the streak, so none passes on a
    /// free failure another one took. A right code clears the streak afterwards.
    /// Returns the streak as it was, with the revision written, for `refund`.
    async fn count_check_as_failure(&self, subject: &str) -> Result<Option<(FailureStreak, i64)>, PortalError> {
        let lockout = &self.policy.lockout;
        for _ in 0..STREAK_RETRIES {
            // Every verification belongs to a known user: an unknown one has nothing to check.
            let Some((streak, revision)) = self.store.failure_streak(subject).await? else { return Ok(None) };
            let now = self.clock.now();
            if let Err(refusal) = lockout.ensure_may_check(streak, now) {
                tracing::warn!(reason = %refusal, "a code check was refused: too many wrong codes in a row");
                return Err(refusal.into());
            }
            if self.store.set_failure_streak(subject, lockout.after_failure(streak, now), revision).await? {
                return Ok(Some((streak, revision + 1)));
            }
        }
        tracing::error!("a user's failure streak kept changing under concurrent checks");
        Err(PortalError::Unavailable)
    }

    /// Takes back a failure counted ahead of a check that turned out not to count: the streak as
    /// it was (its last failure's time too, so no wait starts over), or one failure fewer when
    /// another check changed it meanwhile.
    async fn refund(&self, subject: &str, counted: Option<(FailureStreak, i64)>) -> Result<(), PortalError> {
        let Some((before, revision)) = counted else { return Ok(()) };
        if !self.store.set_failure_streak(subject, before, revision).await? {
            self.store.refund_failure(subject).await?;
        }
        Ok(())
    }

    /// Lets a locked or waiting user check codes again (the relying application, the operator).
    /// False for a user the portal does not know.
    pub async fn lift_lockout(&self, subject: &str) -> Result<bool, PortalError> {
        let known = self.store.clear_failure_streak(subject).await?;
        if known {
            tracing::info!("a user's failure streak was lifted");
        }
        Ok(known)
    }

    /// The provider's verdict on `code`, asked only when the flow would count the check.
    async fn ask_provider(
        &self,
        provider: &dyn CodeProvider,
        owner: Owner<'_>,
        id: &VerificationId,
        code: &OtpCode,
    ) -> Result<ProviderVerdict, PortalError> {
        let (current, _) = self.load_owned(owner, id).await?;
        let Some(sid) = current.provider_sid().filter(|_| current.ensure_checkable(self.clock.now(), &self.policy).is_ok())
        else {
            // The flow refuses this check on its own; the provider is not asked.
            return Ok(ProviderVerdict::Matches(false));
        };
        match provider.check(sid, code).await {
            Ok(matches) => Ok(ProviderVerdict::Matches(matches)),
            Err(GatewayError::MaxChecksReached) => Ok(ProviderVerdict::Ended(Status::MaxAttemptsReached)),
            Err(GatewayError::Expired) => Ok(ProviderVerdict::Ended(Status::Expired)),
            Err(other) => Err(other.into()),
        }
    }

    pub async fn status(&self, owner: Owner<'_>, id: &VerificationId) -> Result<CodeStatus, PortalError> {
        let verification = self.load_owned(owner, id).await?.0;
        let delivery = self.store.latest_delivery(id).await?.map(|delivery| delivery.progress.state);
        Ok(self.status_of(&verification, self.clock.now(), delivery))
    }

    /// Ends a pending verification, e.g. when the user picks another method or number.
    pub async fn cancel(&self, owner: Owner<'_>, id: &VerificationId) -> Result<(), PortalError> {
        let (current, _) = self.load_owned(owner, id).await?;
        if current.status_at(self.clock.now()) != Status::Pending {
            return Ok(());
        }
        let (verification, _) = self
            .update(owner, id, |verification, now| {
                verification.cancel(now);
                Ok(())
            })
            .await?;
        let provider_sid = verification.provider_sid();
        let still_used = match provider_sid {
            // Verify answers a new start to the same number with the same verification.
            Some(sid) => self.store.provider_sid_pending_elsewhere(sid, id, self.clock.now()).await?,
            None => false,
        };
        if let (Sender::Provider(provider), Some(sid), false) = (&self.sender, provider_sid, still_used) {
            // Best effort: an unanswered cancel leaves Twilio's side to expire on its own.
            if let Err(error) = provider.cancel(sid).await {
                tracing::warn!(verification = %id, %error, "the provider did not cancel its verification");
            }
        }
        self.events.emit(Event::VerificationStatusChanged {
            subject: owner.subject.to_owned(),
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
        let Sender::Ours(gateway) = &self.sender else { return };
        for factor in &approval.earlier {
            let message = OutboundMessage {
                to: factor.clone(),
                channel: if matches!(factor, Destination::Phone(_)) { Channel::Sms } else { Channel::Email },
                language: locale.as_str().to_owned(),
                text: messages::factor_added(locale, factor, &self.service_name, &approval.destination.masked()),
                token: DeliveryToken::generate(),
            };
            if let Err(error) = gateway.deliver(&message).await {
                tracing::warn!(%error, "could not tell an earlier factor about the change");
            }
        }
    }

    fn sent(&self, verification: &Verification) {
        self.events.emit(Event::VerificationSent {
            subject: verification.subject.clone(),
            method: verification.channel,
            verification_id: verification.id.clone(),
            provider_sid: verification.provider_sid().map(str::to_owned),
            first_sent_at: verification.created_at,
            last_sent_at: verification.last_sent_at,
        });
    }

    /// What a send to `destination` is counted by.
    fn slot_keys<'a>(
        &self,
        subject: &'a str,
        destination: &'a Destination,
        channel: Channel,
        client: Option<IpAddr>,
        at: UnixTime,
    ) -> SlotKeys<'a> {
        SlotKeys {
            subject,
            destination,
            channel,
            at,
            request: None,
            client_net: client.map(client_network),
            number_block: destination.number_block(SendLimits::PREFIX_DIGITS_DROPPED),
            country: match destination {
                Destination::Phone(phone) => phone.region(),
                Destination::Email(_) => None,
            },
            to_a_factor: false,
        }
    }

    /// Takes the send slot for a code before any gateway is called (see `Store::take_send_slot`).
    /// Each refusal is logged with the limit that made it, and told to the host as `SendRefused`.
    async fn take_send_slot(&self, keys: &SlotKeys<'_>) -> Result<SendSlot, PortalError> {
        let to_a_factor = keys.to_a_factor;
        let longest_window = self.policy.send_window.max(self.policy.user_send_window);
        let since = UnixTime(keys.at.0 - longest_window.as_secs() as i64);
        let facts = SendFacts { channel: keys.channel, to_a_factor };
        let allowed = |history: &SendHistory| ensure_send_allowed(history, facts, keys.at, &self.policy);
        let (history, taken) = self.store.take_send_slot(keys, since, allowed).await?;
        if let (true, Some(country)) = (conversion_alarm(history.country, &self.policy), &keys.country) {
            let held = self.policy.send_limits.conversion.hold && !to_a_factor;
            let Conversion { sent, entered } = history.country;
            tracing::error!(country, sent, entered, held, "codes to this country are rarely entered: SMS pumping?");
            self.events.emit(Event::ConversionAlarm { country: country.clone(), sent, entered, held });
        }
        match taken {
            Ok(slot) => Ok(slot),
            Err(SendRefusal { limit, error }) => {
                let channel = keys.channel;
                if limit == SendLimit::HourlyBudget {
                    tracing::error!(limit = limit.as_str(), %channel, "the hourly sending budget is spent: no code goes out until the hour has passed");
                } else {
                    tracing::warn!(limit = limit.as_str(), %channel, "a send limit refused a code");
                }
                self.events.emit(Event::SendRefused { subject: keys.subject.to_owned(), method: channel, limit: limit.as_str() });
                Err(error.into())
            }
        }
    }

    /// Keeps the slot of a code that left; gives it back when the code never did.
    async fn spend_slot<T>(&self, slot: SendSlot, sent: Result<T, PortalError>) -> Result<T, PortalError> {
        if sent.is_err() {
            self.store.release_send_slot(slot).await?;
        }
        sent
    }

    /// Hands the code to the gateway under a fresh delivery token, and records the delivery
    /// that the provider's reports (and a call's request for its script) will name.
    async fn deliver(
        &self,
        gateway: &dyn Gateway,
        verification: &Verification,
        code: &OtpCode,
        locale: Locale,
    ) -> Result<DeliveryState, PortalError> {
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
        match gateway.deliver(&message).await {
            Ok(handover) => {
                self.store
                    .record_handover(&record.token_hash, handover.gateway, handover.provider_id.as_deref(), handover.state, now)
                    .await?;
                Ok(handover.state)
            }
            Err(error) => {
                tracing::warn!(verification = %verification.id, gateway = gateway.name(), %error, "delivery failed");
                // A code that never left cannot be entered; close the verification.
                self.cancel(Owner::of(verification), &verification.id).await.ok();
                Err(error.into())
            }
        }
    }

    /// Loads a verification only for its owner: anyone else gets "not found".
    async fn load_owned(&self, owner: Owner<'_>, id: &VerificationId) -> Result<(Verification, i64), PortalError> {
        match self.store.verification(id).await? {
            Some((verification, revision)) if owner.owns(&verification) => Ok((verification, revision)),
            _ => Err(PortalError::VerificationNotFound),
        }
    }

    /// Applies `change` and stores the result, retrying when a concurrent request got there first.
    /// The flow's verdict comes back beside the stored verification, as state changes even on refusals.
    async fn update<F>(
        &self,
        owner: Owner<'_>,
        id: &VerificationId,
        change: F,
    ) -> Result<(Verification, Result<(), FlowError>), PortalError>
    where
        F: Fn(&mut Verification, UnixTime) -> Result<(), FlowError>,
    {
        for _ in 0..UPDATE_RETRIES {
            let (mut verification, revision) = self.load_owned(owner, id).await?;
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
