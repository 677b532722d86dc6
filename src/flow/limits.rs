use super::{FlowError, Policy, UnixTime};
use crate::domain::Channel;

/// An earlier send to the same destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastSend {
    pub at: UnixTime,
    pub channel: Channel,
}

/// Refuses a send by `channel` when the destination got a code by the same channel less than the
/// cooldown ago (starting over does not skip the wait), or `max_sends` codes within the window.
///
/// `recent_sends` are earlier sends to the same destination, in any order.
pub fn ensure_send_allowed(recent_sends: &[PastSend], channel: Channel, now: UnixTime, policy: &Policy) -> Result<(), FlowError> {
    let last_by_channel = recent_sends.iter().filter(|send| send.channel == channel).map(|send| send.at).max();
    if let Some(last) = last_by_channel {
        let retry_in = now.seconds_until(last.plus(policy.resend_cooldown));
        if retry_in > 0 {
            return Err(FlowError::ResendTooSoon { retry_in });
        }
    }
    let window_start = UnixTime(now.0 - policy.send_window.as_secs() as i64);
    let mut in_window: Vec<UnixTime> =
        recent_sends.iter().map(|send| send.at).filter(|at| *at > window_start).collect();
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

    fn sms(times: &[i64]) -> Vec<PastSend> {
        times.iter().map(|&at| PastSend { at: UnixTime(at), channel: Channel::Sms }).collect()
    }

    #[test]
    fn sends_below_the_limit_are_allowed() {
        let now = UnixTime(10_000);
        assert_eq!(ensure_send_allowed(&sms(&[9_900, 9_950]), Channel::Sms, now, &policy()), Ok(()));
    }

    #[test]
    fn the_send_over_the_limit_is_refused_until_the_oldest_leaves_the_window() {
        let now = UnixTime(10_000);
        let sends = sms(&[9_950, 9_500, 9_700]);
        assert_eq!(
            ensure_send_allowed(&sends, Channel::Sms, now, &policy()),
            Err(FlowError::TooManySends { retry_in: 100 })
        );
        assert_eq!(ensure_send_allowed(&sends, Channel::Sms, UnixTime(10_100), &policy()), Ok(()));
    }

    #[test]
    fn sends_older_than_the_window_do_not_count() {
        let now = UnixTime(10_000);
        let sends = sms(&[1_000, 2_000, 3_000, 9_969]);
        assert_eq!(ensure_send_allowed(&sends, Channel::Sms, now, &policy()), Ok(()));
    }

    #[test]
    fn starting_over_does_not_skip_the_cooldown_but_another_channel_may_go_at_once() {
        let now = UnixTime(10_000);
        let sends = sms(&[9_990]);
        assert_eq!(
            ensure_send_allowed(&sends, Channel::Sms, now, &policy()),
            Err(FlowError::ResendTooSoon { retry_in: 20 })
        );
        assert_eq!(ensure_send_allowed(&sends, Channel::Call, now, &policy()), Ok(()));
    }
}
