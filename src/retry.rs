//! Retries with doubling waits, for calls to other services (Twilio, the relying application's
//! webhook endpoint) that may fail for a moment.

use rand::Rng;
use std::time::Duration;

/// `attempts` in all, the first included; the waits between them double from `first_wait`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub attempts: u32,
    pub first_wait: Duration,
}

impl Backoff {
    /// The wait after failed attempt `attempt` (1 for the first) before the next one; none once
    /// the attempts are used up.
    pub fn wait_after(&self, attempt: u32) -> Option<Duration> {
        (attempt < self.attempts).then(|| self.first_wait * 2u32.pow(attempt - 1))
    }
}

/// `wait` and up to a quarter more, at random: clients that failed together do not all come
/// back at the same moment.
pub fn with_jitter(wait: Duration) -> Duration {
    wait + wait.mul_f64(rand::rng().random_range(0.0..0.25))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_until_the_attempts_run_out() {
        let backoff = Backoff { attempts: 4, first_wait: Duration::from_millis(500) };
        let waits: Vec<_> = (1..=4).map(|attempt| backoff.wait_after(attempt)).collect();
        let ms = Duration::from_millis;
        assert_eq!(waits, vec![Some(ms(500)), Some(ms(1000)), Some(ms(2000)), None]);
    }

    #[test]
    fn jitter_adds_at_most_a_quarter() {
        let wait = Duration::from_secs(2);
        let jittered = with_jitter(wait);
        assert!(jittered >= wait && jittered < wait.mul_f64(1.25), "{jittered:?}");
    }
}
