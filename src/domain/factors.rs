//! A user's second factors and the rule that binds a new destination to them: whoever holds a
//! factor must pass a code to it before another destination is added or put in its place.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

use super::destination::{Destination, EmailAddress, NumberTypes, PhoneNumber};
use crate::domain::Channel;

/// The destinations a user holds: the ones the portal verified itself, and where it knows none of
/// a kind, the one the relying application (or host site) vouches for in the current request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Factors {
    pub phone: Option<PhoneNumber>,
    pub email: Option<EmailAddress>,
}

impl Factors {
    /// Where `channel` would send this user's code.
    pub fn for_channel(&self, channel: Channel) -> Option<Destination> {
        if channel.uses_phone() {
            self.phone.clone().map(Destination::Phone)
        } else {
            self.email.clone().map(Destination::Email)
        }
    }

    /// The factor of the same kind as `destination`.
    pub fn of_kind(&self, destination: &Destination) -> Option<Destination> {
        match destination {
            Destination::Phone(_) => self.phone.clone().map(Destination::Phone),
            Destination::Email(_) => self.email.clone().map(Destination::Email),
        }
    }

    pub fn holds(&self, destination: &Destination) -> bool {
        self.of_kind(destination).as_ref() == Some(destination)
    }

    pub fn is_empty(&self) -> bool {
        self.phone.is_none() && self.email.is_none()
    }

    pub fn all(&self) -> Vec<Destination> {
        let phone = self.phone.clone().map(Destination::Phone);
        phone.into_iter().chain(self.email.clone().map(Destination::Email)).collect()
    }

    /// These factors, completed by `vouched` where they have none of a kind: a request's word never
    /// replaces a destination the portal verified.
    pub fn or(self, vouched: &Factors) -> Factors {
        Factors { phone: self.phone.or_else(|| vouched.phone.clone()), email: self.email.or_else(|| vouched.email.clone()) }
    }

    /// Why a code would go to `destination`: none when it is a new destination for a user who
    /// holds a factor, which must then pass a code to one of them first.
    pub fn purpose_of(&self, destination: &Destination) -> Option<Purpose> {
        if self.holds(destination) {
            Some(Purpose::Challenge)
        } else if self.is_empty() {
            Some(Purpose::FirstEnrolment)
        } else {
            None
        }
    }

    /// The factor to confirm before `new` is added, with the channel to reach it: the factor of the
    /// same kind first (a change), else another one, by the first of `methods` that may reach it.
    pub fn to_confirm_before(&self, new: &Destination, methods: &[Channel], types: &NumberTypes) -> Option<(Destination, Channel)> {
        let same_kind = self.of_kind(new).into_iter();
        let others = self.all().into_iter().filter(|factor| std::mem::discriminant(factor) != std::mem::discriminant(new));
        same_kind.chain(others).find_map(|factor| {
            let channel = methods.iter().copied().find(|&channel| factor.ensure_reachable_by(channel, types).is_ok())?;
            Some((factor, channel))
        })
    }
}

/// A destination to add once a code to one of the user's factors is entered, and the channel its
/// own code is to go by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addition {
    pub destination: Destination,
    pub channel: Channel,
}

/// Why a verification was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// A code to one of the user's factors: entering it passes the second factor.
    Challenge,
    /// A code to the first destination of a user who holds none: nothing but the session that
    /// asked vouches for the user, and the result says so.
    FirstEnrolment,
    /// A code to a destination added after a code to one of the user's factors was entered.
    Enrolment,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Challenge => "challenge",
            Purpose::FirstEnrolment => "first_enrolment",
            Purpose::Enrolment => "enrolment",
        }
    }
}

impl FromStr for Purpose {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        [Purpose::Challenge, Purpose::FirstEnrolment, Purpose::Enrolment]
            .into_iter()
            .find(|purpose| purpose.as_str() == value)
            .ok_or_else(|| format!("unknown verification purpose {value:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(number: &str) -> Destination {
        Destination::Phone(PhoneNumber::parse(None, number).unwrap())
    }

    fn email(address: &str) -> Destination {
        Destination::Email(EmailAddress::parse(address).unwrap())
    }

    fn with_phone() -> Factors {
        Factors { phone: PhoneNumber::parse(None, "+33612345678").ok(), email: None }
    }

    #[test]
    fn a_new_destination_of_a_user_who_holds_a_factor_has_no_purpose_of_its_own() {
        let factors = with_phone();
        assert_eq!(factors.purpose_of(&phone("+33612345678")), Some(Purpose::Challenge));
        assert_eq!(factors.purpose_of(&email("mallory@example.net")), None, "an address beside a phone");
        assert_eq!(factors.purpose_of(&phone("+33698765432")), None, "another number");
        assert_eq!(Factors::default().purpose_of(&email("alice@example.com")), Some(Purpose::FirstEnrolment));
    }

    #[test]
    fn a_new_address_is_confirmed_by_the_phone_when_there_is_no_address_yet() {
        let factors = with_phone();
        let methods = [Channel::Email, Channel::Call, Channel::Sms];
        let types = NumberTypes::default();
        assert_eq!(factors.to_confirm_before(&email("alice@example.com"), &methods, &types), Some((phone("+33612345678"), Channel::Call)));
        assert_eq!(factors.to_confirm_before(&email("alice@example.com"), &[Channel::Email], &types), None, "no method reaches the phone");
    }

    #[test]
    fn a_change_is_confirmed_by_the_factor_it_replaces_first() {
        let factors = Factors { email: EmailAddress::parse("alice@example.com").ok(), ..with_phone() };
        let methods = [Channel::Sms, Channel::Email];
        let types = NumberTypes::default();
        assert_eq!(factors.to_confirm_before(&email("new@example.com"), &methods, &types), Some((email("alice@example.com"), Channel::Email)));
        assert_eq!(factors.to_confirm_before(&phone("+33698765432"), &methods, &types), Some((phone("+33612345678"), Channel::Sms)));
    }

    #[test]
    fn the_request_fills_only_the_kinds_the_portal_does_not_know() {
        let vouched = Factors { phone: PhoneNumber::parse(None, "+33698765432").ok(), email: EmailAddress::parse("a@example.com").ok() };
        let merged = with_phone().or(&vouched);
        assert_eq!(merged.phone, with_phone().phone, "the verified number stays");
        assert_eq!(merged.email, vouched.email);
    }
}
