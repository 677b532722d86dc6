//! Guessing across codes: a user's consecutive wrong codes, whatever the request, method or code,
//! lead to growing waits and at last to a lock (NIST SP 800-63B-4: at most 100 consecutive
//! failures; waits growing from 30 s to an hour are its suggested way there).

use std::time::Duration;

use super::clock::UnixTime;
use super::error::DomainError;

/// A user's wrong codes since their last right one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FailureStreak {
    pub count: u32,
    pub last_at: Option<UnixTime>,
}

/// How consecutive failures slow a user down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lockout {
    /// Failures allowed without a wait.
    pub free_failures: u32,
    /// The first wait; each further failure doubles it, up to `longest_wait`.
    pub first_wait: Duration,
    pub longest_wait: Duration,
    /// Failures after which the user is locked until a success is allowed again by the relying
    /// application or the operator.
    pub lock_after: u32,
    /// Each such stretch without a failure halves the streak (unless it reached the lock): a
    /// patient guesser pausing between bursts still climbs towards the lock.
    pub forgotten_after: Duration,
}

impl Default for Lockout {
    fn default() -> Self {
        Lockout {
            free_failures: 10,
            first_wait: Duration::from_secs(30),
            longest_wait: Duration::from_secs(3600),
            lock_after: 100,
            forgotten_after: Duration::from_secs(24 * 3600),
        }
    }
}

impl Lockout {
    /// The streak as it stands at `now`: halved for each `forgotten_after` since its last failure,
    /// unless it reached the lock.
    pub fn current(&self, streak: FailureStreak, now: UnixTime) -> FailureStreak {
        let Some(last) = streak.last_at.filter(|_| streak.count < self.lock_after) else { return streak };
        let quiet_stretches = (now.0 - last.0).max(0) as u64 / self.forgotten_after.as_secs().max(1);
        match streak.count.checked_shr(quiet_stretches.min(32) as u32).unwrap_or(0) {
            0 => FailureStreak::default(),
            count => FailureStreak { count, last_at: streak.last_at },
        }
    }

    /// Whether the user may have a code checked now.
    pub fn ensure_may_check(&self, streak: FailureStreak, now: UnixTime) -> Result<(), DomainError> {
        let streak = self.current(streak, now);
        if streak.count >= self.lock_after {
            return Err(DomainError::UserLocked);
        }
        let (Some(wait), Some(last)) = (self.wait_after(streak.count), streak.last_at) else { return Ok(()) };
        match now.seconds_until(last.plus(wait)) {
            0 => Ok(()),
            retry_in => Err(DomainError::CheckWait { retry_in }),
        }
    }

    /// The streak once one more check has failed at `now`.
    pub fn after_failure(&self, streak: FailureStreak, now: UnixTime) -> FailureStreak {
        let streak = self.current(streak, now);
        FailureStreak { count: streak.count.saturating_add(1), last_at: Some(now) }
    }

    /// The wait after `failures` consecutive failures, when there is one.
    fn wait_after(&self, failures: u32) -> Option<Duration> {
        let doublings = failures.checked_sub(self.free_failures)?;
        let wait = self.first_wait.saturating_mul(1u32.checked_shl(doublings).unwrap_or(u32::MAX));
        Some(wait.min(self.longest_wait))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixTime = UnixTime(1_700_000_000);

    fn failed(count: u32, seconds_ago: i64) -> FailureStreak {
        FailureStreak { count, last_at: Some(UnixTime(NOW.0 - seconds_ago)) }
    }

    #[test]
    fn ten_failures_cost_no_wait_then_waits_double_from_thirty_seconds_to_an_hour() {
        let lockout = Lockout::default();
        assert_eq!(lockout.ensure_may_check(failed(9, 0), NOW), Ok(()));
        assert_eq!(lockout.ensure_may_check(failed(10, 0), NOW), Err(DomainError::CheckWait { retry_in: 30 }));
        assert_eq!(lockout.ensure_may_check(failed(10, 30), NOW), Ok(()));
        assert_eq!(lockout.ensure_may_check(failed(11, 0), NOW), Err(DomainError::CheckWait { retry_in: 60 }));
        assert_eq!(lockout.ensure_may_check(failed(17, 0), NOW), Err(DomainError::CheckWait { retry_in: 3600 }));
        assert_eq!(lockout.ensure_may_check(failed(60, 0), NOW), Err(DomainError::CheckWait { retry_in: 3600 }));
    }

    #[test]
    fn a_hundred_consecutive_failures_lock_the_user_however_long_ago() {
        let lockout = Lockout::default();
        assert_eq!(lockout.ensure_may_check(failed(100, 0), NOW), Err(DomainError::UserLocked));
        assert_eq!(lockout.ensure_may_check(failed(100, 30 * 24 * 3600), NOW), Err(DomainError::UserLocked));
    }

    #[test]
    fn each_quiet_day_halves_the_streak_so_pausing_between_bursts_still_nears_the_lock() {
        let lockout = Lockout::default();
        assert_eq!(lockout.current(failed(40, 24 * 3600), NOW).count, 20);
        assert_eq!(lockout.current(failed(40, 3 * 24 * 3600), NOW).count, 5);
        assert_eq!(lockout.current(failed(1, 24 * 3600), NOW), FailureStreak::default());
        assert_eq!(lockout.after_failure(failed(40, 24 * 3600), NOW), FailureStreak { count: 21, last_at: Some(NOW) });
        assert_eq!(lockout.after_failure(failed(40, 60), NOW).count, 41);
    }
}
