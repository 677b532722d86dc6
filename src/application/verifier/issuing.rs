//! Issuing codes: the first of a verification, by the binding rule, and each one sent again.

use std::net::IpAddr;

use super::issuers::Carrier;
use super::{CodeStatus, Grounds, NewCode, Owner, Verifier};
use crate::domain::{Addition, DeliveryState, Destination, Factors, Purpose, UnixTime, Verification, VerificationId};
use crate::i18n::Locale;
use crate::refusal::PortalError;
use crate::store::SlotKeys;

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
        let slot = self.take_send_slot(&keys).await?;
        let bind = |mut verification: Verification| {
            verification.purpose = purpose;
            verification.enrols = enrols.clone();
            verification.request = request.map(str::to_owned);
            verification.attempts = attempts;
            owner.start(verification)
        };
        let sent = async {
            let minted = self.issuer.mint(&id, &destination, channel, locale).await?;
            let verification = bind(Verification::open(id, owner.user, destination, channel, minted.secret.clone(), now, &self.policy));
            // The user is recorded only once every rule let the code go: a refused call writes nothing.
            self.store.insert_verification(&verification, minted.delivery()).await?;
            let delivery = self.deliver(&verification, minted.carrier).await?;
            Ok((verification, delivery))
        };
        let (verification, delivery) = self.spend_slot(slot, sent.await).await?;
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
        let (current, _) = self.load_owned(owner, id).await?;
        let now = self.clock.now();
        current.ensure_resendable(now, &self.policy)?;
        let keys = SlotKeys {
            request: current.request.as_deref(),
            to_a_factor: current.purpose == Purpose::Challenge,
            ..self.slot_keys(owner.user, id, &current.destination, current.channel, client, now)
        };
        let slot = self.take_send_slot(&keys).await?;
        let sent = async {
            let minted = self.issuer.mint(id, &current.destination, current.channel, locale).await?;
            let resend = |verification: &mut Verification, now| verification.resend(minted.secret.clone(), now, &self.policy);
            let (verification, outcome) = self.update_with(owner, id, minted.delivery(), resend).await?;
            outcome?;
            let delivery = self.deliver(&verification, minted.carrier).await?;
            Ok((verification, delivery))
        };
        let (verification, delivery) = self.spend_slot(slot, sent.await).await?;
        let now = verification.last_sent_at;
        self.sent(&verification);
        tracing::info!(verification = %verification.id, sends = verification.sends, "code resent");
        Ok(self.status_of(&verification, now, delivery))
    }

    /// Hands our code, stored with its delivery, to the gateway and records what it answered;
    /// the state it reached (none for a provider's code, which left as it was made). A code that
    /// never left cannot be entered, so its verification is closed.
    async fn deliver(&self, verification: &Verification, carrier: Option<Carrier>) -> Result<Option<DeliveryState>, PortalError> {
        let Some(Carrier { record, message, gateway }) = carrier else { return Ok(None) };
        match gateway.deliver(&message).await {
            Ok(handover) => {
                let (provider_id, now) = (handover.provider_id.as_deref(), self.clock.now());
                self.store.record_handover(&record.token_hash, handover.gateway, provider_id, handover.state, now).await?;
                Ok(Some(handover.state))
            }
            Err(error) => {
                tracing::warn!(verification = %verification.id, gateway = gateway.name(), %error, "delivery failed");
                self.cancel(Owner::of(verification), &verification.id).await.ok();
                Err(error.into())
            }
        }
    }
}
