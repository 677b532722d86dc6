use super::clock::UnixTime;
use super::error::DomainError;
use super::policy::Policy;
use crate::domain::Channel;

/// An earlier send to the same destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastSend {
    pub at: UnixTime,
    pub channel: Channel,
}

/// Earlier sends that count against a new one, each list in any order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendHistory {
    /// To the same destination, for the same user: another account's sends never use up a
    /// user's budget for their own destination, and no refusal tells of them.
    pub to_destination: Vec<PastSend>,
    /// To any destination, for the same user.
    pub by_user: Vec<UnixTime>,
    /// To the same destination for other users, none of whom held it as a factor: counted only
    /// while it is not one of this user's (harassment through many accounts).
    pub to_destination_by_others: Vec<UnixTime>,
    /// To numbers of the same prefix, for anyone (SMS pumping goes through number ranges).
    pub to_prefix: Vec<UnixTime>,
    /// From the same client network (an IPv4 address, an IPv6 /64).
    pub from_client: Vec<UnixTime>,
    /// Other destinations the same request has sent codes to, and whether this one is new to it.
    pub other_destinations_in_request: usize,
    pub new_to_request: bool,
    /// Sends by everyone within the last hour.
    pub everyone_last_hour: u32,
    /// Codes sent within the last hour to numbers of the destination's country, and how many of
    /// them were entered.
    pub country: Conversion,
}

/// Codes sent and codes entered: real people enter their codes, pumped numbers never do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Conversion {
    pub sent: u32,
    pub entered: u32,
}

/// Whether codes to a country are entered too rarely, with enough of them to tell.
pub fn conversion_alarm(conversion: Conversion, policy: &Policy) -> bool {
    let alarm = &policy.send_limits.conversion;
    conversion.sent >= alarm.min_sends && u64::from(conversion.entered) * 100 < u64::from(alarm.min_percent) * u64::from(conversion.sent)
}

/// Which limit refused a send: logged, and named in the `SendRefused` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendLimit {
    Cooldown,
    Destination,
    User,
    DestinationAcrossUsers,
    Prefix,
    Client,
    Request,
    HourlyBudget,
    Conversion,
}

impl SendLimit {
    pub fn as_str(self) -> &'static str {
        match self {
            SendLimit::Cooldown => "resend_cooldown",
            SendLimit::Destination => "per_destination",
            SendLimit::User => "per_user",
            SendLimit::DestinationAcrossUsers => "per_destination_across_users",
            SendLimit::Prefix => "per_number_prefix",
            SendLimit::Client => "per_client",
            SendLimit::Request => "destinations_per_request",
            SendLimit::HourlyBudget => "hourly_budget",
            SendLimit::Conversion => "conversion_alarm",
        }
    }
}

/// A send refused by a limit: which one, and what the user is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendRefusal {
    pub limit: SendLimit,
    pub error: DomainError,
}

/// What the history cannot tell about a send: its channel, and whether its destination is one of
/// the user's factors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendFacts {
    pub channel: Channel,
    pub to_a_factor: bool,
}

/// The network a client counts as for the per-client limit: its IPv4 address, or the /64 of its
/// IPv6 address (one subscriber's usual allocation, which it can walk through at will).
pub fn client_network(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let segments = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", segments[0], segments[1], segments[2], segments[3])
            }
        },
    }
}

/// Refuses a send that any limit of `policy` forbids now. Each wait a user is told comes from
/// their own sends, or from the window as a whole, never from another account's activity.
pub fn ensure_send_allowed(history: &SendHistory, facts: SendFacts, now: UnixTime, policy: &Policy) -> Result<(), SendRefusal> {
    let limits = &policy.send_limits;
    let refuse = |limit, error| Err(SendRefusal { limit, error });
    if history.everyone_last_hour >= limits.hourly_budget {
        return refuse(SendLimit::HourlyBudget, DomainError::SendingPaused);
    }
    ensure_destination_send_allowed(&history.to_destination, facts.channel, now, policy)?;
    let hour = std::time::Duration::from_secs(3600);
    match wait_for_slot(&history.by_user, policy.max_sends_per_user, policy.user_send_window, now) {
        0 => {}
        retry_in => return refuse(SendLimit::User, DomainError::TooManySends { retry_in }),
    }
    // Limits others' sends fill never keep a user from their own factor; their waits are the
    // whole window, which tells nothing of when the others' codes went out.
    let shared = [
        (SendLimit::Client, &history.from_client, limits.per_client_per_hour),
        (SendLimit::Prefix, &history.to_prefix, limits.per_prefix_per_hour),
    ];
    for (limit, sends, max) in shared {
        if !facts.to_a_factor && wait_for_slot(sends, max, hour, now) > 0 {
            return refuse(limit, DomainError::TooManySends { retry_in: hour.as_secs() });
        }
    }
    let crowded = history.to_destination_by_others.iter().filter(|at| **at > UnixTime(now.0 - 3600)).count();
    if !facts.to_a_factor && crowded >= limits.per_destination_across_users_per_hour as usize {
        // The whole window: the wait must not tell when the destination's owner got a code.
        return refuse(SendLimit::DestinationAcrossUsers, DomainError::TooManySends { retry_in: hour.as_secs() });
    }
    if limits.conversion.hold && !facts.to_a_factor && conversion_alarm(history.country, policy) {
        return refuse(SendLimit::Conversion, DomainError::SendingPaused);
    }
    if history.new_to_request && history.other_destinations_in_request >= limits.destinations_per_request as usize {
        return refuse(SendLimit::Request, DomainError::TooManyDestinations);
    }
    Ok(())
}

fn ensure_destination_send_allowed(recent_sends: &[PastSend], channel: Channel, now: UnixTime, policy: &Policy) -> Result<(), SendRefusal> {
    let last_by_channel = recent_sends.iter().filter(|send| send.channel == channel).map(|send| send.at).max();
    if let Some(last) = last_by_channel {
        let retry_in = now.seconds_until(last.plus(policy.resend_cooldown));
        if retry_in > 0 {
            return Err(SendRefusal { limit: SendLimit::Cooldown, error: DomainError::ResendTooSoon { retry_in } });
        }
    }
    let times: Vec<UnixTime> = recent_sends.iter().map(|send| send.at).collect();
    match wait_for_slot(&times, policy.max_sends, policy.send_window, now) {
        0 => Ok(()),
        retry_in => Err(SendRefusal { limit: SendLimit::Destination, error: DomainError::TooManySends { retry_in } }),
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
    use crate::domain::{ConversionAlarm, SendLimits};
    use std::time::Duration;

    fn policy() -> Policy {
        Policy { max_sends: 3, send_window: Duration::from_secs(600), ..Policy::default() }
    }

    fn sms(times: &[i64]) -> SendHistory {
        let to_destination: Vec<PastSend> = times.iter().map(|&at| PastSend { at: UnixTime(at), channel: Channel::Sms }).collect();
        SendHistory { by_user: to_destination.iter().map(|send| send.at).collect(), to_destination, ..SendHistory::default() }
    }

    fn by(channel: Channel) -> SendFacts {
        SendFacts { channel, to_a_factor: false }
    }

    #[test]
    fn an_ipv6_client_counts_by_its_64_and_a_mapped_ipv4_by_its_address() {
        let ip = |text: &str| text.parse::<std::net::IpAddr>().unwrap();
        assert_eq!(client_network(ip("2001:db8:1:2:aaaa::1")), client_network(ip("2001:db8:1:2:ffff::9")));
        assert_ne!(client_network(ip("2001:db8:1:2::1")), client_network(ip("2001:db8:1:3::1")));
        assert_eq!(client_network(ip("::ffff:192.0.2.7")), "192.0.2.7");
    }

    fn check(history: &SendHistory, channel: Channel, now: i64, policy: &Policy) -> Result<(), DomainError> {
        ensure_send_allowed(history, by(channel), UnixTime(now), policy).map_err(|refusal| refusal.error)
    }

    #[test]
    fn a_user_gets_no_more_codes_than_the_daily_limit_whatever_the_destinations() {
        let policy = Policy { max_sends_per_user: 3, user_send_window: Duration::from_secs(86_400), ..policy() };
        let history = SendHistory { by_user: vec![UnixTime(1_000), UnixTime(5_000), UnixTime(9_000)], ..SendHistory::default() };
        assert_eq!(check(&history, Channel::Sms, 10_000, &policy), Err(DomainError::TooManySends { retry_in: 86_400 - 9_000 }));
        assert_eq!(check(&history, Channel::Sms, 87_401, &policy), Ok(()));
    }

    #[test]
    fn sends_below_the_limit_are_allowed() {
        assert_eq!(check(&sms(&[9_900, 9_950]), Channel::Sms, 10_000, &policy()), Ok(()));
    }

    #[test]
    fn the_send_over_the_limit_is_refused_until_the_oldest_leaves_the_window() {
        let sends = sms(&[9_950, 9_500, 9_700]);
        assert_eq!(check(&sends, Channel::Sms, 10_000, &policy()), Err(DomainError::TooManySends { retry_in: 100 }));
        assert_eq!(check(&sends, Channel::Sms, 10_100, &policy()), Ok(()));
    }

    #[test]
    fn sends_older_than_the_window_do_not_count() {
        assert_eq!(check(&sms(&[1_000, 2_000, 3_000, 9_969]), Channel::Sms, 10_000, &policy()), Ok(()));
    }

    #[test]
    fn starting_over_does_not_skip_the_cooldown_but_another_channel_may_go_at_once() {
        let sends = sms(&[9_990]);
        assert_eq!(check(&sends, Channel::Sms, 10_000, &policy()), Err(DomainError::ResendTooSoon { retry_in: 20 }));
        assert_eq!(check(&sends, Channel::Call, 10_000, &policy()), Ok(()));
    }

    #[test]
    fn many_accounts_cannot_flood_a_number_that_is_not_theirs_and_the_wait_tells_nothing() {
        let limits = SendLimits { per_destination_across_users_per_hour: 2, ..SendLimits::default() };
        let policy = Policy { send_limits: limits, ..policy() };
        let history = SendHistory { to_destination_by_others: vec![UnixTime(9_000), UnixTime(9_990)], ..SendHistory::default() };
        let refused = ensure_send_allowed(&history, by(Channel::Sms), UnixTime(10_000), &policy);
        assert_eq!(refused, Err(SendRefusal { limit: SendLimit::DestinationAcrossUsers, error: DomainError::TooManySends { retry_in: 3600 } }));
        let owner = SendFacts { to_a_factor: true, ..by(Channel::Sms) };
        assert_eq!(ensure_send_allowed(&history, owner, UnixTime(10_000), &policy), Ok(()), "the number's owner is never held up");
    }

    #[test]
    fn prefix_client_request_and_hourly_budget_each_refuse_with_their_name() {
        let limits = SendLimits {
            per_prefix_per_hour: 1,
            per_client_per_hour: 1,
            destinations_per_request: 1,
            hourly_budget: 5,
            ..SendLimits::default()
        };
        let policy = Policy { send_limits: limits, ..policy() };
        let limit_of = |history: SendHistory, facts: SendFacts| ensure_send_allowed(&history, facts, UnixTime(10_000), &policy).unwrap_err().limit;
        let recent = vec![UnixTime(9_500)];
        assert_eq!(limit_of(SendHistory { to_prefix: recent.clone(), ..SendHistory::default() }, by(Channel::Sms)), SendLimit::Prefix);
        assert_eq!(limit_of(SendHistory { from_client: recent, ..SendHistory::default() }, by(Channel::Sms)), SendLimit::Client);
        let in_request = SendHistory { other_destinations_in_request: 1, ..SendHistory::default() };
        assert_eq!(limit_of(SendHistory { new_to_request: true, ..in_request.clone() }, by(Channel::Sms)), SendLimit::Request);
        assert_eq!(ensure_send_allowed(&in_request, by(Channel::Sms), UnixTime(10_000), &policy), Ok(()), "a destination the request already has");
        assert_eq!(limit_of(SendHistory { everyone_last_hour: 5, ..SendHistory::default() }, by(Channel::Sms)), SendLimit::HourlyBudget);
    }

    #[test]
    fn a_country_whose_codes_are_rarely_entered_gets_no_new_numbers_but_its_users_keep_theirs() {
        let policy = Policy::default();
        let pumped = SendHistory { country: Conversion { sent: 60, entered: 3 }, ..SendHistory::default() };
        let refused = ensure_send_allowed(&pumped, by(Channel::Sms), UnixTime(10_000), &policy);
        assert_eq!(refused, Err(SendRefusal { limit: SendLimit::Conversion, error: DomainError::SendingPaused }));
        let owner = SendFacts { to_a_factor: true, ..by(Channel::Sms) };
        assert_eq!(ensure_send_allowed(&pumped, owner, UnixTime(10_000), &policy), Ok(()));
        let healthy = SendHistory { country: Conversion { sent: 60, entered: 40 }, ..SendHistory::default() };
        assert_eq!(ensure_send_allowed(&healthy, by(Channel::Sms), UnixTime(10_000), &policy), Ok(()));
        let too_few_to_tell = SendHistory { country: Conversion { sent: 10, entered: 0 }, ..SendHistory::default() };
        assert_eq!(ensure_send_allowed(&too_few_to_tell, by(Channel::Sms), UnixTime(10_000), &policy), Ok(()));
        let reporting = Policy { send_limits: SendLimits { conversion: ConversionAlarm { hold: false, ..ConversionAlarm::default() }, ..SendLimits::default() }, ..policy };
        assert_eq!(ensure_send_allowed(&pumped, by(Channel::Sms), UnixTime(10_000), &reporting), Ok(()), "only reported");
        assert!(conversion_alarm(pumped.country, &reporting));
    }
}
