use super::{FlowError, Policy, UnixTime};

/// Refuses a send when the destination already received `max_sends` codes within the window.
///
/// `recent_sends` are the times of earlier sends to the same destination, in any order.
pub fn ensure_send_allowed(recent_sends: &[UnixTime], now: UnixTime, policy: &Policy) -> Result<(), FlowError> {
    let window_start = UnixTime(now.0 - policy.send_window.as_secs() as i64);
    let mut in_window: Vec<UnixTime> = recent_sends.iter().copied().filter(|at| *at > window_start).collect();
    if in_window.len() < policy.max_sends as usize {
        return Ok(());
    }
    in_window.sort();
    // The next send is allowed when enough of the oldest sends have left the window.
    let frees_a_slot = in_window[in_window.len() - policy.max_sends as usize];
    Err(FlowError::TooManySends { retry_in: now.seconds_until(frees_a_slot.plus(policy.send_window)).max(1) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn policy() -> Policy {
        Policy { max_sends: 3, send_window: Duration::from_secs(600), ..Policy::default() }
    }

    #[test]
    fn sends_below_the_limit_are_allowed() {
        let now = UnixTime(10_000);
        assert_eq!(ensure_send_allowed(&[UnixTime(9_900), UnixTime(9_950)], now, &policy()), Ok(()));
    }

    #[test]
    fn the_send_over_the_limit_is_refused_until_the_oldest_leaves_the_window() {
        let now = UnixTime(10_000);
        let sends = [UnixTime(9_950), UnixTime(9_500), UnixTime(9_700)];
        assert_eq!(
            ensure_send_allowed(&sends, now, &policy()),
            Err(FlowError::TooManySends { retry_in: 100 })
        );
        assert_eq!(ensure_send_allowed(&sends, UnixTime(10_100), &policy()), Ok(()));
    }

    #[test]
    fn sends_older_than_the_window_do_not_count() {
        let now = UnixTime(10_000);
        let sends = [UnixTime(1_000), UnixTime(2_000), UnixTime(3_000), UnixTime(9_999)];
        assert_eq!(ensure_send_allowed(&sends, now, &policy()), Ok(()));
    }
}
