use std::time::Duration;

use super::destination::{Destination, NumberTypes};
use super::error::DomainError;
use super::lockout::Lockout;
use crate::domain::Channel;

/// The rules every verification follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Digits in a code: NIST SP 800-63B asks for at least 6.
    pub code_length: usize,
    /// How long a code stays valid after it was sent.
    pub code_ttl: Duration,
    /// Checks allowed per verification before it is locked.
    pub max_attempts: u32,
    /// Minimum wait between two sends of the same verification.
    pub resend_cooldown: Duration,
    /// Sends allowed to one destination within `send_window`.
    pub max_sends: u32,
    pub send_window: Duration,
    /// Codes one user may be sent within `user_send_window`, whatever the destinations.
    pub max_sends_per_user: u32,
    pub user_send_window: Duration,
    /// Which countries' phone numbers may receive codes.
    pub regions: RegionRule,
    /// How a user's wrong codes in a row slow them down, across codes and requests.
    pub lockout: Lockout,
    /// The kinds of phone line each channel may send to.
    pub number_types: NumberTypes,
    /// Limits against toll fraud, pumping and harassment, beyond the ones above.
    pub send_limits: SendLimits,
}

/// Limits on sending across users, numbers and clients: a slow leak of paid messages is what
/// toll fraud and SMS pumping look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendLimits {
    /// Codes within an hour to one destination for all users together, while it is not the
    /// asking user's own factor.
    pub per_destination_across_users_per_hour: u32,
    /// Codes within an hour to the numbers of one prefix (the number without its last
    /// `PREFIX_DIGITS_DROPPED` digits), for everyone.
    pub per_prefix_per_hour: u32,
    /// Codes within an hour asked from one client network (an IPv4 address, an IPv6 /64).
    pub per_client_per_hour: u32,
    /// Destinations one request may send codes to.
    pub destinations_per_request: u32,
    /// Codes within an hour, all together: past it, sending stops and says so loudly.
    pub hourly_budget: u32,
    /// What a country whose codes are rarely entered gets.
    pub conversion: ConversionAlarm,
}

/// The alarm on codes sent against codes entered per country, over the last hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionAlarm {
    /// Below this share of codes entered (percent)…
    pub min_percent: u32,
    /// …once at least this many codes went to the country within the hour…
    pub min_sends: u32,
    /// …new numbers of the country get no code (`true`), or the alarm is only reported.
    pub hold: bool,
}

impl Default for ConversionAlarm {
    fn default() -> Self {
        ConversionAlarm { min_percent: 20, min_sends: 50, hold: true }
    }
}

impl SendLimits {
    /// A prefix is a block of 1,000 numbers.
    pub const PREFIX_DIGITS_DROPPED: usize = 3;
}

impl Default for SendLimits {
    fn default() -> Self {
        SendLimits {
            per_destination_across_users_per_hour: 10,
            per_prefix_per_hour: 30,
            per_client_per_hour: 30,
            destinations_per_request: 3,
            hourly_budget: 1000,
            conversion: ConversionAlarm::default(),
        }
    }
}

/// Countries (ISO 3166 codes) whose phone numbers may, or may not, receive codes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionRule {
    /// When not empty, only these.
    pub allowed: Vec<String>,
    /// Never these.
    pub disallowed: Vec<String>,
}

impl RegionRule {
    /// Whether a number of `region` may receive codes; a number of no known region only when
    /// no allow-list is set.
    pub fn allows(&self, region: Option<&str>) -> bool {
        let listed = |list: &[String]| region.is_some_and(|region| list.iter().any(|r| r.eq_ignore_ascii_case(region)));
        (self.allowed.is_empty() || listed(&self.allowed)) && !listed(&self.disallowed)
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            code_length: 6,
            code_ttl: Duration::from_secs(10 * 60),
            max_attempts: 5,
            resend_cooldown: Duration::from_secs(30),
            max_sends: 5,
            send_window: Duration::from_secs(10 * 60),
            max_sends_per_user: 30,
            user_send_window: Duration::from_secs(24 * 3600),
            regions: RegionRule::default(),
            lockout: Lockout::default(),
            number_types: NumberTypes::default(),
            send_limits: SendLimits::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("code_length must be between 6 and 10, got {0}")]
    CodeLength(usize),
    #[error("{0} must be greater than zero")]
    Zero(&'static str),
    #[error("lockout_after must be between lockout_free_failures + 1 and {max} (NIST SP 800-63B-4), got {got}")]
    LockAfter { got: u32, max: u32 },
    #[error("{setting} must be at most {maximum}, got {value}")]
    AboveMaximum { setting: &'static str, maximum: u64, value: u64 },
}

impl Policy {
    /// Refuses a destination `channel` cannot or may not reach: another kind, a kind of phone line
    /// the rules leave out, a number of a country they leave out.
    pub fn ensure_destination_allowed(&self, destination: &Destination, channel: Channel) -> Result<(), DomainError> {
        destination.ensure_reachable_by(channel, &self.number_types)?;
        match destination {
            Destination::Phone(phone) if !self.regions.allows(phone.region().as_deref()) => Err(DomainError::RegionNotAllowed),
            _ => Ok(()),
        }
    }

    pub const CODE_LENGTHS: std::ops::RangeInclusive<usize> = 6..=10;
    /// NIST SP 800-63B-4's ceiling on consecutive failed attempts on one account.
    pub const MOST_CONSECUTIVE_FAILURES: u32 = 100;
    /// NIST SP 800-63B-4 and OWASP ASVS 5.0: an out-of-band code lives at most 10 minutes.
    pub const MAX_CODE_TTL: Duration = Duration::from_secs(10 * 60);
    /// Guessing a 6-digit code in 10 tries succeeds once in 100,000.
    pub const MAX_ATTEMPTS: u32 = 10;

    pub fn validate(&self) -> Result<(), PolicyError> {
        if !Self::CODE_LENGTHS.contains(&self.code_length) {
            return Err(PolicyError::CodeLength(self.code_length));
        }
        let positive = [
            ("code_ttl_secs", self.code_ttl.as_secs()),
            ("max_attempts", u64::from(self.max_attempts)),
            ("max_sends", u64::from(self.max_sends)),
            ("send_window_secs", self.send_window.as_secs()),
            ("max_sends_per_user", u64::from(self.max_sends_per_user)),
            ("user_send_window_secs", self.user_send_window.as_secs()),
            ("max_sends_per_destination_across_users", u64::from(self.send_limits.per_destination_across_users_per_hour)),
            ("max_sends_per_prefix", u64::from(self.send_limits.per_prefix_per_hour)),
            ("max_sends_per_client", u64::from(self.send_limits.per_client_per_hour)),
            ("max_destinations_per_request", u64::from(self.send_limits.destinations_per_request)),
            ("max_sends_per_hour", u64::from(self.send_limits.hourly_budget)),
        ];
        if let Some((name, _)) = positive.into_iter().find(|(_, value)| *value == 0) {
            return Err(PolicyError::Zero(name));
        }
        let bounded = [
            ("code_ttl_secs", self.code_ttl.as_secs(), Self::MAX_CODE_TTL.as_secs()),
            ("max_attempts", u64::from(self.max_attempts), u64::from(Self::MAX_ATTEMPTS)),
        ];
        if let Some((setting, value, maximum)) = bounded.into_iter().find(|(_, value, maximum)| value > maximum) {
            return Err(PolicyError::AboveMaximum { setting, maximum, value });
        }
        let lockout = &self.lockout;
        if lockout.lock_after > Self::MOST_CONSECUTIVE_FAILURES || lockout.lock_after <= lockout.free_failures {
            return Err(PolicyError::LockAfter { got: lockout.lock_after, max: Self::MOST_CONSECUTIVE_FAILURES });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(allowed: &[&str], disallowed: &[&str]) -> RegionRule {
        RegionRule {
            allowed: allowed.iter().map(|r| r.to_string()).collect(),
            disallowed: disallowed.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn countries_are_allowed_unless_left_out() {
        assert!(rule(&[], &[]).allows(Some("FR")));
        assert!(rule(&[], &[]).allows(None));
        assert!(!rule(&[], &["FR"]).allows(Some("FR")));
        assert!(rule(&[], &["FR"]).allows(Some("BE")));
        assert!(rule(&["US", "CA"], &[]).allows(Some("ca")));
        assert!(!rule(&["US", "CA"], &[]).allows(Some("FR")));
        assert!(!rule(&["US"], &[]).allows(None), "an allow-list admits only numbers of known countries");
    }

    #[test]
    fn the_default_policy_is_valid() {
        assert_eq!(Policy::default().validate(), Ok(()));
    }

    #[test]
    fn codes_shorter_than_six_or_longer_than_ten_digits_are_refused() {
        for code_length in [4, 5, 11] {
            let policy = Policy { code_length, ..Policy::default() };
            assert_eq!(policy.validate(), Err(PolicyError::CodeLength(code_length)));
        }
    }

    #[test]
    fn a_lock_after_more_than_a_hundred_failures_is_refused() {
        let policy = Policy { lockout: Lockout { lock_after: 101, ..Lockout::default() }, ..Policy::default() };
        assert_eq!(policy.validate(), Err(PolicyError::LockAfter { got: 101, max: 100 }));
    }

    #[test]
    fn a_code_lifetime_over_ten_minutes_is_refused() {
        let policy = Policy { code_ttl: Duration::from_secs(601), ..Policy::default() };
        assert_eq!(policy.validate(), Err(PolicyError::AboveMaximum { setting: "code_ttl_secs", maximum: 600, value: 601 }));
        let policy = Policy { code_ttl: Policy::MAX_CODE_TTL, ..Policy::default() };
        assert_eq!(policy.validate(), Ok(()));
    }

    #[test]
    fn more_than_ten_attempts_per_code_are_refused() {
        let policy = Policy { max_attempts: 11, ..Policy::default() };
        assert_eq!(policy.validate(), Err(PolicyError::AboveMaximum { setting: "max_attempts", maximum: 10, value: 11 }));
        assert_eq!(Policy { max_attempts: 10, ..Policy::default() }.validate(), Ok(()));
    }

    #[test]
    fn a_zero_attempt_limit_is_refused() {
        let policy = Policy { max_attempts: 0, ..Policy::default() };
        assert_eq!(policy.validate(), Err(PolicyError::Zero("max_attempts")));
    }
}
