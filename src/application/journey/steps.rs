//! Which page a journey is on: a pure function of the session's state, the user's factors and
//! the pending code's status, so that the pages read the same with and without JavaScript.

use super::state::{Journey, Outcome};
use crate::application::rules::UserRules;
use crate::domain::Channel;
use crate::flow::{Factors, Status};
use crate::protocol::Step;

/// The methods offered to this user: allowed by their rules, and with a destination that is
/// known or that they may register.
pub fn offered_methods(rules: &UserRules, factors: &Factors) -> Vec<Channel> {
    rules.usable_methods(|channel| factors.for_channel(channel).is_some())
}

/// The method of this journey: the user's choice, or the only one offered.
pub fn chosen_channel(journey: &Journey, factors: &Factors) -> Option<Channel> {
    let request = journey.request.as_ref()?;
    match offered_methods(&request.rules, factors).as_slice() {
        [only] => Some(*only),
        _ => journey.channel,
    }
}

/// The step of a journey whose user holds `factors`, with the status of its pending code.
pub fn current_step(journey: &Journey, factors: &Factors, pending: Option<Status>) -> Step {
    match (&journey.outcome, &journey.request) {
        (Some(Outcome::Failed(_)), _) => Step::Failed,
        (_, None) => Step::NoRequest,
        (Some(Outcome::Verified(_)), Some(_)) => Step::Verified,
        (None, Some(request)) => match pending {
            Some(Status::Pending | Status::Expired) => Step::EnterCode,
            _ if request.rules.must_have_phone && factors.phone.is_none() => Step::RegisterPhone,
            _ => match chosen_channel(journey, factors) {
                None => Step::ChooseMethod,
                // With a known destination the picker asks before sending, even for one method.
                Some(channel) => match (factors.for_channel(channel).is_some(), channel.uses_phone()) {
                    (true, _) => Step::ChooseMethod,
                    (false, true) => Step::RegisterPhone,
                    (false, false) => Step::RegisterEmail,
                },
            },
        },
    }
}
