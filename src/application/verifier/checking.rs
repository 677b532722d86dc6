//! Checking a typed code: every check that counts is a failure in the user's streak until it
//! turns out right, and an approval saves the destination it proved.

use super::issuers::ProviderVerdict;
use super::{Approval, Owner, STREAK_RETRIES, Verifier};
use crate::events::Event;
use crate::domain::{Destination, FailureStreak, DomainError, OtpCode, Purpose, Status, VerificationId};
use crate::refusal::PortalError;

impl Verifier {
    /// Checks a code as typed. A badly formed code is refused without spending an attempt; every
    /// check that counts is a failure in the user's streak until it turns out right.
    #[tracing::instrument(skip(self, owner, typed))]
    pub async fn check(&self, owner: Owner<'_>, id: &VerificationId, typed: &str) -> Result<Approval, PortalError> {
        let code = OtpCode::parse(typed, self.policy.code_length)?;
        let counted = self.count_check_as_failure(owner.user).await?;
        let checked = self.check_counted(owner, id, &code).await;
        match &checked {
            Ok(_) => {
                self.store.clear_failure_streak(owner.user).await?;
            }
            Err(PortalError::WrongCode { .. } | PortalError::MaxAttemptsReached) => {}
            Err(_) => self.refund(owner.user, counted).await?,
        }
        checked
    }

    async fn check_counted(&self, owner: Owner<'_>, id: &VerificationId, code: &OtpCode) -> Result<Approval, PortalError> {
        let verdict = self.issuer.verdict(owner, id, code, self.clock.now(), &self.policy).await?;
        let subject = owner.user;
        let change = |verification: &mut crate::domain::Verification, now| match &verdict {
            None => verification.check(code, &self.hasher, now, &self.policy),
            Some(ProviderVerdict::Matches(matches)) => verification.record_check(*matches, now, &self.policy),
            Some(ProviderVerdict::Ended(status)) => verification.end_at_provider(*status, now),
        };
        let (verification, outcome) = self.update_recording(owner, id, change, spent_attempt).await?;
        let now = self.clock.now();
        let provider_sid = verification.provider_sid().map(str::to_owned);
        if let Err(error) = outcome {
            if matches!(error, DomainError::WrongCode { .. } | DomainError::MaxAttemptsReached) {
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
}

/// How a check's outcome is recorded when it spent an attempt; a verification that had already
/// ended spends none.
fn spent_attempt(outcome: &Result<(), DomainError>) -> Option<&'static str> {
    match outcome {
        Err(DomainError::Expired | DomainError::AlreadyApproved | DomainError::Canceled | DomainError::NotFound) => None,
        Ok(()) => Some("approved"),
        Err(DomainError::MaxAttemptsReached) => Some("locked"),
        Err(_) => Some("wrong"),
    }
}
