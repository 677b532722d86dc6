use std::time::Duration;

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
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("code_length must be between 6 and 10, got {0}")]
    CodeLength(usize),
    #[error("{0} must be greater than zero")]
    Zero(&'static str),
}

impl Policy {
    pub const CODE_LENGTHS: std::ops::RangeInclusive<usize> = 6..=10;

    pub fn validate(&self) -> Result<(), PolicyError> {
        if !Self::CODE_LENGTHS.contains(&self.code_length) {
            return Err(PolicyError::CodeLength(self.code_length));
        }
        let positive = [
            ("code_ttl_secs", self.code_ttl.as_secs()),
            ("max_attempts", u64::from(self.max_attempts)),
            ("max_sends", u64::from(self.max_sends)),
            ("send_window_secs", self.send_window.as_secs()),
        ];
        match positive.into_iter().find(|(_, value)| *value == 0) {
            Some((name, _)) => Err(PolicyError::Zero(name)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_zero_attempt_limit_is_refused() {
        let policy = Policy { max_attempts: 0, ..Policy::default() };
        assert_eq!(policy.validate(), Err(PolicyError::Zero("max_attempts")));
    }
}
