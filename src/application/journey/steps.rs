//! Which page a journey is on: a pure function of the session's state, the user's factors and
//! the pending code's status, so that the pages read the same with and without JavaScript.

use super::state::{Journey, Outcome};
use crate::application::rules::UserRules;
use crate::domain::Channel;
use crate::domain::{Factors, Status};
use crate::view::Step;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::application::journey::state::{ActiveRequest, ReturnTo};
    use crate::application::rules::PerDestination;
    use crate::domain::{EmailAddress, PhoneNumber, UnixTime};
    use crate::handoff::PassedFactor;
    use crate::view::FailureReason;

    fn rules(methods: &[Channel], must_have_phone: bool) -> UserRules {
        UserRules {
            methods: methods.to_vec(),
            registration: PerDestination::both(true),
            change: PerDestination::both(true),
            must_have_phone,
            registration_optional: false,
        }
    }

    fn journey(rules: UserRules, channel: Option<Channel>, outcome: Option<Outcome>) -> Journey {
        let return_to = ReturnTo::HostPage { path: "/".to_owned() };
        let request = ActiveRequest { subject: "ada".to_owned(), return_to, rules, vouched: Factors::default(), reference: String::new() };
        Journey { request: Some(request), channel, outcome, ..Journey::default() }
    }

    fn phone_only() -> Factors {
        Factors { phone: Some(PhoneNumber::parse(None, "+14155550123").unwrap()), email: None }
    }

    fn email_only() -> Factors {
        Factors { phone: None, email: Some(EmailAddress::parse("ada@example.com").unwrap()) }
    }

    #[test]
    fn each_state_of_a_journey_is_on_its_page() {
        use Channel::{Call, Email, Sms};
        let verified = Some(Outcome::Verified(PassedFactor { channel: Sms, at: UnixTime(0), first_enrolment: false }));
        let failed = Some(Outcome::Failed(FailureReason::VerificationExpired));
        let all = [Sms, Call, Email];
        #[rustfmt::skip]
        let table: &[(Journey, Factors, Option<Status>, Step)] = &[
            (Journey::default(), Factors::default(), None, Step::NoRequest),
            (Journey { outcome: failed.clone(), ..Journey::default() }, Factors::default(), None, Step::Failed),
            (journey(rules(&all, false), None, failed), phone_only(), Some(Status::Pending), Step::Failed),
            (journey(rules(&all, false), None, verified), phone_only(), None, Step::Verified),
            (journey(rules(&all, false), None, None), phone_only(), Some(Status::Pending), Step::EnterCode),
            // An expired code stays on the token page, which offers a new one.
            (journey(rules(&all, false), None, None), phone_only(), Some(Status::Expired), Step::EnterCode),
            (journey(rules(&all, false), None, None), phone_only(), Some(Status::Canceled), Step::ChooseMethod),
            (journey(rules(&all, true), None, None), email_only(), None, Step::RegisterPhone),
            (journey(rules(&all, false), Some(Sms), None), email_only(), None, Step::RegisterPhone),
            (journey(rules(&all, false), Some(Email), None), phone_only(), None, Step::RegisterEmail),
            // A known destination: the picker asks before sending, even for the only method.
            (journey(rules(&[Sms], false), None, None), phone_only(), None, Step::ChooseMethod),
            // The only method, without its destination: straight to registering one.
            (journey(rules(&[Email], false), None, None), phone_only(), None, Step::RegisterEmail),
        ];
        for (index, (journey, factors, pending, expected)) in table.iter().enumerate() {
            assert_eq!(current_step(journey, factors, *pending), *expected, "row {index}");
        }
    }

    #[test]
    fn the_only_method_offered_is_chosen_without_asking() {
        let only_email = journey(rules(&[Channel::Email], false), None, None);
        assert_eq!(chosen_channel(&only_email, &Factors::default()), Some(Channel::Email));
        let several = journey(rules(&[Channel::Sms, Channel::Email], false), None, None);
        assert_eq!(chosen_channel(&several, &phone_only()), None);
        let picked = journey(rules(&[Channel::Sms, Channel::Email], false), Some(Channel::Sms), None);
        assert_eq!(chosen_channel(&picked, &phone_only()), Some(Channel::Sms));
    }

    #[test]
    fn a_method_is_offered_only_with_a_destination_known_or_open_to_registration() {
        let mut closed = rules(&[Channel::Sms, Channel::Email], false);
        closed.registration = PerDestination { phone: false, email: false };
        assert_eq!(offered_methods(&closed, &email_only()), vec![Channel::Email]);
        assert_eq!(offered_methods(&closed, &Factors::default()), Vec::<Channel>::new());
    }
}
