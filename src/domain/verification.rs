use serde::{Deserialize, Serialize};
use std::str::FromStr;

use super::clock::UnixTime;
use super::code::{CodeHasher, OtpCode};
use super::destination::Destination;
use super::error::DomainError;
use super::factors::{Addition, Purpose};
use super::policy::Policy;
use super::verification_id::VerificationId;
use crate::domain::Channel;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Approved,
    Canceled,
    Expired,
    MaxAttemptsReached,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Canceled => "canceled",
            Status::Expired => "expired",
            Status::MaxAttemptsReached => "max_attempts_reached",
        }
    }
}

impl FromStr for Status {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        [Status::Pending, Status::Approved, Status::Canceled, Status::Expired, Status::MaxAttemptsReached]
            .into_iter()
            .find(|status| status.as_str() == value)
            .ok_or_else(|| format!("unknown verification status {value:?}"))
    }
}

/// What started a verification, and so the only thing that may go on with it: the browser
/// session of the user, or the API client acting for the user. To the other it does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartedBy {
    Session,
    ApiClient,
}

impl StartedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            StartedBy::Session => "session",
            StartedBy::ApiClient => "api_client",
        }
    }
}

impl FromStr for StartedBy {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        [StartedBy::Session, StartedBy::ApiClient]
            .into_iter()
            .find(|holder| holder.as_str() == value)
            .ok_or_else(|| format!("unknown verification holder {value:?}"))
    }
}

/// Who knows the code of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeSecret {
    /// We made it: its keyed hash.
    Hash(Vec<u8>),
    /// The provider made it and checks it (Twilio Verify): its id there.
    Provider(String),
}

/// One attempt to prove control of a destination, from the first send to its final status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub id: VerificationId,
    /// The user it belongs to; nobody else may check or resend it.
    pub subject: String,
    /// What started it for that user; see `StartedBy`.
    pub started_by: StartedBy,
    /// Why the code went to this destination.
    pub purpose: Purpose,
    /// A destination the owner may add once this code (to one of their factors) is entered.
    pub enrols: Option<Addition>,
    /// The request it answers: its wrong codes count against the whole request.
    pub request: Option<String>,
    pub destination: Destination,
    pub channel: Channel,
    pub secret: CodeSecret,
    pub status: Status,
    pub attempts: u32,
    pub sends: u32,
    pub created_at: UnixTime,
    pub last_sent_at: UnixTime,
    pub expires_at: UnixTime,
    pub approved_at: Option<UnixTime>,
}

impl Verification {
    /// A new pending verification whose first code is `code`, sent now.
    pub fn issue(
        subject: &str,
        destination: Destination,
        channel: Channel,
        code: &OtpCode,
        hasher: &CodeHasher,
        now: UnixTime,
        policy: &Policy,
    ) -> Self {
        let id = VerificationId::generate();
        let secret = CodeSecret::Hash(hasher.hash(&id, code));
        Self::open(id, subject, destination, channel, secret, now, policy)
    }

    /// A new pending verification `id`, holding `secret` (see `CodeSecret`).
    pub fn open(
        id: VerificationId,
        subject: &str,
        destination: Destination,
        channel: Channel,
        secret: CodeSecret,
        now: UnixTime,
        policy: &Policy,
    ) -> Self {
        Verification {
            secret,
            id,
            subject: subject.to_owned(),
            started_by: StartedBy::Session,
            purpose: Purpose::Challenge,
            enrols: None,
            request: None,
            destination,
            channel,
            status: Status::Pending,
            attempts: 0,
            sends: 1,
            created_at: now,
            last_sent_at: now,
            expires_at: now.plus(policy.code_ttl),
            approved_at: None,
        }
    }

    /// The status as of `now`: a pending code past its expiry is expired.
    pub fn status_at(&self, now: UnixTime) -> Status {
        if self.status == Status::Pending && now >= self.expires_at {
            Status::Expired
        } else {
            self.status
        }
    }

    pub fn attempts_left(&self, policy: &Policy) -> u32 {
        policy.max_attempts.saturating_sub(self.attempts)
    }

    pub fn resend_available_in(&self, now: UnixTime, policy: &Policy) -> u64 {
        now.seconds_until(self.last_sent_at.plus(policy.resend_cooldown))
    }

    pub fn expires_in(&self, now: UnixTime) -> u64 {
        now.seconds_until(self.expires_at)
    }

    /// Refuses to go on with a verification that has reached a final status.
    fn ensure_open(&mut self, now: UnixTime) -> Result<(), DomainError> {
        match self.status_at(now) {
            Status::Pending => Ok(()),
            Status::Approved => Err(DomainError::AlreadyApproved),
            Status::Canceled => Err(DomainError::Canceled),
            Status::MaxAttemptsReached => Err(DomainError::MaxAttemptsReached),
            Status::Expired => {
                self.status = Status::Expired;
                Err(DomainError::Expired)
            }
        }
    }

    /// The provider's id for it, when the provider holds the code.
    pub fn provider_sid(&self) -> Option<&str> {
        match &self.secret {
            CodeSecret::Provider(sid) => Some(sid),
            CodeSecret::Hash(_) => None,
        }
    }

    /// Checks a typed code against our hash. Every check of an open verification counts as an attempt.
    pub fn check(&mut self, code: &OtpCode, hasher: &CodeHasher, now: UnixTime, policy: &Policy) -> Result<(), DomainError> {
        let matches = matches!(&self.secret, CodeSecret::Hash(hash) if hasher.matches(&self.id, code, hash));
        self.record_check(matches, now, policy)
    }

    /// Whether a check may be asked of the provider now, before it is asked.
    pub fn ensure_checkable(&self, now: UnixTime, policy: &Policy) -> Result<(), DomainError> {
        self.clone().record_check(true, now, policy)
    }

    /// Counts a check whose verdict is `matches` (ours, or the provider's).
    pub fn record_check(&mut self, matches: bool, now: UnixTime, policy: &Policy) -> Result<(), DomainError> {
        self.ensure_open(now)?;
        if self.attempts >= policy.max_attempts {
            self.status = Status::MaxAttemptsReached;
            return Err(DomainError::MaxAttemptsReached);
        }
        self.attempts += 1;
        if matches {
            self.status = Status::Approved;
            self.approved_at = Some(now);
            return Ok(());
        }
        match self.attempts_left(policy) {
            0 => {
                self.status = Status::MaxAttemptsReached;
                Err(DomainError::MaxAttemptsReached)
            }
            attempts_left => Err(DomainError::WrongCode { attempts_left }),
        }
    }

    /// Whether a new code may be sent now, before the provider is asked to send it.
    pub fn ensure_resendable(&self, now: UnixTime, policy: &Policy) -> Result<(), DomainError> {
        let secret = self.secret.clone();
        self.clone().resend(secret, now, policy)
    }

    /// Puts a fresh code in place after the cooldown; the attempts made so far still count.
    pub fn resend(&mut self, secret: CodeSecret, now: UnixTime, policy: &Policy) -> Result<(), DomainError> {
        match self.ensure_open(now) {
            Ok(()) | Err(DomainError::Expired) => {}
            Err(other) => return Err(other),
        }
        let retry_in = self.resend_available_in(now, policy);
        if retry_in > 0 {
            return Err(DomainError::ResendTooSoon { retry_in });
        }
        self.secret = secret;
        self.status = Status::Pending;
        self.sends += 1;
        self.last_sent_at = now;
        self.expires_at = now.plus(policy.code_ttl);
        Ok(())
    }

    /// The provider ended a pending verification (its own check limit or expiry): the same
    /// refusal as when the core ends it.
    pub fn end_at_provider(&mut self, status: Status, now: UnixTime) -> Result<(), DomainError> {
        self.ensure_open(now)?;
        self.status = status;
        Err(match status {
            Status::MaxAttemptsReached => DomainError::MaxAttemptsReached,
            Status::Approved => DomainError::AlreadyApproved,
            Status::Canceled => DomainError::Canceled,
            Status::Pending | Status::Expired => {
                self.status = Status::Expired;
                DomainError::Expired
            }
        })
    }

    pub fn cancel(&mut self, now: UnixTime) {
        if self.status_at(now) == Status::Pending {
            self.status = Status::Canceled;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Clock, FakeClock, PhoneNumber};
    use std::time::Duration;

    struct Fixture {
        clock: FakeClock,
        hasher: CodeHasher,
        policy: Policy,
        code: OtpCode,
        verification: Verification,
    }

    fn fixture() -> Fixture {
        let clock = FakeClock::at(UnixTime(1_700_000_000));
        let hasher = CodeHasher::new(b"test secret");
        let policy = Policy::default();
        let code = OtpCode::parse("246810", 6).unwrap();
        let phone = PhoneNumber::parse(Some("FR"), "0612345678").unwrap();
        let verification =
            Verification::issue("alice", Destination::Phone(phone), Channel::Sms, &code, &hasher, clock.now(), &policy);
        Fixture { clock, hasher, policy, code, verification }
    }

    fn wrong() -> OtpCode {
        OtpCode::parse("111111", 6).unwrap()
    }

    impl Fixture {
        fn check(&mut self, code: &OtpCode) -> Result<(), DomainError> {
            self.verification.check(code, &self.hasher, self.clock.now(), &self.policy)
        }

        fn resend(&mut self, code: &OtpCode) -> Result<(), DomainError> {
            let secret = CodeSecret::Hash(self.hasher.hash(&self.verification.id, code));
            self.verification.resend(secret, self.clock.now(), &self.policy)
        }
    }

    #[test]
    fn the_right_code_approves_the_verification() {
        let mut f = fixture();
        let code = f.code.clone();
        assert_eq!(f.check(&code), Ok(()));
        assert_eq!(f.verification.status, Status::Approved);
        assert_eq!(f.verification.approved_at, Some(f.clock.now()));
    }

    #[test]
    fn a_wrong_code_leaves_four_attempts() {
        let mut f = fixture();
        assert_eq!(f.check(&wrong()), Err(DomainError::WrongCode { attempts_left: 4 }));
        assert_eq!(f.verification.status, Status::Pending);
    }

    #[test]
    fn the_fifth_wrong_code_locks_the_verification_even_for_the_right_code() {
        let mut f = fixture();
        for attempts_left in (1..=4).rev() {
            assert_eq!(f.check(&wrong()), Err(DomainError::WrongCode { attempts_left }));
        }
        assert_eq!(f.check(&wrong()), Err(DomainError::MaxAttemptsReached));
        assert_eq!(f.verification.status, Status::MaxAttemptsReached);
        let code = f.code.clone();
        assert_eq!(f.check(&code), Err(DomainError::MaxAttemptsReached));
    }

    #[test]
    fn a_code_checked_after_ten_minutes_has_expired() {
        let mut f = fixture();
        f.clock.advance(Duration::from_secs(599));
        assert_eq!(f.verification.status_at(f.clock.now()), Status::Pending);
        f.clock.advance(Duration::from_secs(1));
        let code = f.code.clone();
        assert_eq!(f.check(&code), Err(DomainError::Expired));
        assert_eq!(f.verification.status, Status::Expired);
        assert_eq!(f.verification.attempts, 0, "a check of an expired code is not an attempt");
    }

    #[test]
    fn an_approved_code_cannot_be_used_again() {
        let mut f = fixture();
        let code = f.code.clone();
        f.check(&code).unwrap();
        assert_eq!(f.check(&code), Err(DomainError::AlreadyApproved));
    }

    #[test]
    fn a_resend_within_the_cooldown_says_how_long_to_wait() {
        let mut f = fixture();
        f.clock.advance(Duration::from_secs(12));
        assert_eq!(f.resend(&wrong()), Err(DomainError::ResendTooSoon { retry_in: 18 }));
        assert_eq!(f.verification.sends, 1);
    }

    #[test]
    fn a_resend_after_the_cooldown_replaces_the_code_and_restarts_the_expiry() {
        let mut f = fixture();
        f.clock.advance(Duration::from_secs(30));
        let fresh = OtpCode::parse("135790", 6).unwrap();
        assert_eq!(f.resend(&fresh), Ok(()));
        assert_eq!(f.verification.sends, 2);
        assert_eq!(f.verification.expires_in(f.clock.now()), 600);
        let old = f.code.clone();
        assert_eq!(f.check(&old), Err(DomainError::WrongCode { attempts_left: 4 }));
        assert_eq!(f.check(&fresh), Ok(()));
    }

    #[test]
    fn a_resend_does_not_give_back_spent_attempts() {
        let mut f = fixture();
        f.check(&wrong()).unwrap_err();
        f.check(&wrong()).unwrap_err();
        f.clock.advance(Duration::from_secs(30));
        f.resend(&OtpCode::parse("135790", 6).unwrap()).unwrap();
        assert_eq!(f.verification.attempts_left(&f.policy), 3);
    }

    #[test]
    fn an_expired_code_can_be_replaced_by_a_resend() {
        let mut f = fixture();
        f.clock.advance(Duration::from_secs(601));
        let fresh = OtpCode::parse("135790", 6).unwrap();
        assert_eq!(f.resend(&fresh), Ok(()));
        assert_eq!(f.check(&fresh), Ok(()));
    }

    #[test]
    fn a_canceled_verification_accepts_no_code_and_no_resend() {
        let mut f = fixture();
        f.verification.cancel(f.clock.now());
        let code = f.code.clone();
        assert_eq!(f.check(&code), Err(DomainError::Canceled));
        f.clock.advance(Duration::from_secs(60));
        assert_eq!(f.resend(&code), Err(DomainError::Canceled));
    }
}
