//! Issuing codes: the first of a verification, by the binding rule, and each one sent again.

use std::net::IpAddr;

use leptos_i18n::Locale as _;

use super::issuers::{Carrier, Minted};
use super::{CodeStatus, Grounds, NewCode, Owner, UPDATE_RETRIES, Verifier};
use crate::domain::{Addition, CodeSecret, DeliveryState, Destination, Factors, Purpose, UnixTime, Verification, VerificationId};
use crate::i18n::Locale;
use crate::refusal::PortalError;
use crate::store::{SendRecords, SendSlot, SlotKeys};

impl Verifier {
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
            Some(request) => self.store.attempts_spent_in_request(owner.user, request).await?,
            None => 0,
        };
        if attempts >= self.policy.max_attempts {
            return Err(PortalError::MaxAttemptsReached);
        }
        let id = VerificationId::generate();
        let keys = SlotKeys {
            request,
            to_a_factor: purpose == Purpose::Challenge,
            ..self.slot_keys(owner.user, &id, &destination, channel, client, now)
        };
        let open = |secret| {
            let mut verification = Verification::open(id.clone(), owner.user, destination.clone(), channel, secret, now, &self.policy);
            verification.purpose = purpose;
            verification.enrols = enrols.clone();
            verification.request = request.map(str::to_owned);
            verification.attempts = attempts;
            owner.start(verification)
        };
        // The user is recorded only once every rule let the code go: a refused call writes nothing.
        let (verification, delivery) = match self.issuer.mint(&id, &destination, channel, locale) {
            Minted::Ours { secret, carrier } => {
                let verification = open(secret);
                let records = SendRecords { verification: &verification, renews: None, delivery: &carrier.record };
                // Only a renewal finds its verification changed: a new one is ours alone.
                let slot = self.take_send_slot(&keys, Some(records)).await?.ok_or(PortalError::Unavailable)?;
                let delivered = self.deliver(&verification, *carrier).await;
                (verification, Some(self.spend_slot(slot, delivered).await?))
            }
            Minted::AtProvider(provider) => {
                let slot = self.take_provider_slot(&keys).await?;
                let sid = provider.send(&destination, channel, locale.as_str()).await.map_err(PortalError::from);
                let verification = open(CodeSecret::Provider(self.spend_slot(slot, sid).await?));
                self.store.insert_verification(&verification).await?;
                (verification, None)
            }
        };
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
        let factors = self.store.factors(owner.user).await?.or(vouched);
        match grounds {
            Grounds::Own => Ok((factors.purpose_of(destination).ok_or(PortalError::FactorConfirmationRequired)?, None)),
            Grounds::ThenAdd(added) if factors.holds(destination) => Ok((Purpose::Challenge, Some(added))),
            Grounds::ThenAdd(_) => Err(PortalError::FactorConfirmationRequired),
            Grounds::AddedAfter(proof) => {
                let since = UnixTime(now.0 - self.policy.code_ttl.as_secs() as i64);
                match self.store.enrolment_confirmed(&proof, owner.user, owner.started_by, destination, since).await? {
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
        let (first_read, _) = self.load_owned(owner, id).await?;
        let now = self.clock.now();
        first_read.ensure_resendable(now, &self.policy)?;
        let keys = SlotKeys {
            request: first_read.request.as_deref(),
            to_a_factor: first_read.purpose == Purpose::Challenge,
            ..self.slot_keys(owner.user, id, &first_read.destination, first_read.channel, client, now)
        };
        let (verification, delivery) = match self.issuer.mint(id, &first_read.destination, first_read.channel, locale) {
            Minted::Ours { secret, carrier } => {
                let (verification, slot) = self.renew_with_slot(owner, id, &keys, secret, &carrier).await?;
                let delivered = self.deliver(&verification, *carrier).await;
                (verification, Some(self.spend_slot(slot, delivered).await?))
            }
            Minted::AtProvider(provider) => {
                let slot = self.take_provider_slot(&keys).await?;
                let sent = async {
                    let sid = provider.send(&first_read.destination, first_read.channel, locale.as_str()).await?;
                    let resend = |verification: &mut Verification, now| verification.resend(CodeSecret::Provider(sid.clone()), now, &self.policy);
                    let (verification, outcome) = self.update(owner, id, resend).await?;
                    outcome?;
                    Ok(verification)
                };
                (self.spend_slot(slot, sent.await).await?, None)
            }
        };
        let now = verification.last_sent_at;
        self.sent(&verification);
        tracing::info!(verification = %verification.id, sends = verification.sends, "code resent");
        Ok(self.status_of(&verification, now, delivery))
    }

    /// Renews `id` with our new code and takes its send's slot, in one transaction: read again
    /// and judged again whenever a concurrent request changed it meanwhile.
    async fn renew_with_slot(
        &self,
        owner: Owner<'_>,
        id: &VerificationId,
        keys: &SlotKeys<'_>,
        secret: CodeSecret,
        carrier: &Carrier,
    ) -> Result<(Verification, SendSlot), PortalError> {
        for _ in 0..UPDATE_RETRIES {
            let (mut verification, revision) = self.load_owned(owner, id).await?;
            verification.ensure_resendable(keys.at, &self.policy)?;
            verification.resend(secret.clone(), keys.at, &self.policy)?;
            let records = SendRecords { verification: &verification, renews: Some(revision), delivery: &carrier.record };
            if let Some(slot) = self.take_send_slot(keys, Some(records)).await? {
                return Ok((verification, slot));
            }
        }
        tracing::error!(verification = %id, "verification kept changing under concurrent resends");
        Err(PortalError::Unavailable)
    }

    /// Hands our code, stored with its delivery, to the gateway and records what it answered:
    /// the state it reached. A code that never left cannot be entered, so its verification is closed.
    async fn deliver(&self, verification: &Verification, carrier: Carrier) -> Result<DeliveryState, PortalError> {
        let Carrier { record, message, gateway } = carrier;
        match gateway.deliver(&message).await {
            Ok(handover) => {
                let (provider_id, now) = (handover.provider_id.as_deref(), self.clock.now());
                // The code has left: it counts, and the user may enter it, whatever the bookkeeping.
                if let Err(error) = self.store.record_handover(&record.token_hash, handover.gateway, provider_id, handover.state, now).await {
                    tracing::error!(verification = %verification.id, %error, "could not record a delivery's hand-over");
                }
                Ok(handover.state)
            }
            Err(error) => {
                tracing::warn!(verification = %verification.id, gateway = gateway.name(), %error, "delivery failed");
                self.cancel(Owner::of(verification), &verification.id).await.ok();
                Err(error.into())
            }
        }
    }
}
