use super::{FlowError, Policy, UnixTime};
use crate::domain::Channel;

/// An earlier send to the same destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastSend {
    pub at: UnixTime,
    pub channel: Channel,
}

/// Earlier sends that count against a new one, in any order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendHistory {
    /// To the same destination, for the same user: another account's sends never use up a
    /// user's budget for their own destination, and no refusal tells of them.
    pub to_destination: Vec<PastSend>,
    /// To any destination, for the same user.
    pub by_user: Vec<UnixTime>,
}

/// Refuses a send by `channel` when the destination got a code by the same channel less than the
/// cooldown ago (starting over does not skip the wait), `max_sends` codes within the window, or
/// the user `max_sends_per_user` codes within theirs.
pub fn ensure_send_allowed(history: &SendHistory, channel: Channel, now: UnixTime, policy: &Policy) -> Result<(), FlowError> {
    ensure_destination_send_allowed(&history.to_destination, channel, now, policy)?;
    let retry_in = wait_for_slot(&history.by_user, policy.max_sends_per_user, policy.user_send_window, now);
    match retry_in {
        0 => Ok(()),
        retry_in => Err(FlowError::TooManySends { retry_in }),
    }
}

fn ensure_destination_send_allowed(recent_sends: &[PastSend], channel: Channel, now: UnixTime, policy: &Policy) -> Result<(), FlowError> {
    let last_by_channel = recent_sends.iter().filter(|send| send.channel == channel).map(|send| send.at).max();
    if let Some(last) = last_by_channel {
        let retry_in = now.seconds_until(last.plus(policy.resend_cooldown));
        if retry_in > 0 {
            return Err(FlowError::ResendTooSoon { retry_in });
        }
    }
    let times: Vec<UnixTime> = recent_sends.iter().map(|send| send.at).collect();
    match wait_for_slot(&times, policy.max_sends, policy.send_window, now) {
        0 => Ok(()),
        retry_in => Err(FlowError::TooManySends { retry_in }),
    }
}

/// Seconds until one more send fits `max` sends within `window` (0: now).
fn wait_for_slot(sends: &[UnixTime], max: u32, window: std::time::Duration, now: UnixTime) -> u64 {
    let window_start = UnixTime(now.0 - window.as_secs() as i64);
    let mut in_window: Vec<UnixTime> = sends.iter().copied().filter(|at| *at > window_start).collect();
    if in_window.len() < max as usize {
        return 0;
    }
    in_window.sort();
    // The next send is allowed when enough of the oldest sends have left the window.
    let frees_a_slot = in_window[in_window.len() - max as usize];
    now.seconds_until(frees_a_slot.plus(window)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn policy() -> Policy {
        Policy { max_sends: 3, send_window: Duration::from_secs(600), ..Policy::default() }
    }

    fn sms(times: &[i64]) -> SendHistory {
        let to_destination: Vec<PastSend> = times.iter().map(|&at| PastSend { at: UnixTime(at), channel: Channel::Sms }).collect();
        SendHistory { by_user: to_destination.iter().map(|send| send.at).collect(), to_destination }
    }

    #[test]
    fn a_user_gets_no_more_codes_than_the_daily_limit_whatever_the_destinations() {
        let policy = Policy { max_sends_per_user: 3, user_send_window: Duration::from_secs(86_400), ..policy() };
        let history = SendHistory { to_destination: Vec::new(), by_user: vec![UnixTime(1_000), UnixTime(5_000), UnixTime(9_000)] };
        assert_eq!(
            ensure_send_allowed(&history, Channel::Sms, UnixTime(10_000), &policy),
            Err(FlowError::TooManySends { retry_in: 86_400 - 9_000 })
        );
        assert_eq!(ensure_send_allowed(&history, Channel::Sms, UnixTime(87_401), &policy), Ok(()));
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
