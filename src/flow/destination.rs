use phonenumber::{Mode, Type, country, metadata::DATABASE};
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::domain::Channel;

/// Where a code is sent: a phone number in E.164 or an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Destination {
    Phone(PhoneNumber),
    Email(EmailAddress),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    #[error("not a valid phone number")]
    InvalidPhone,
    #[error("not a mobile phone number")]
    NotMobile,
    #[error("not a valid e-mail address")]
    InvalidEmail,
    #[error("this channel needs another kind of destination")]
    WrongKind,
}

/// A valid phone number, always held in E.164 (`+33612345678`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses a number as typed, in the national format of `region` or in international format.
    pub fn parse(region: Option<&str>, input: &str) -> Result<Self, DestinationError> {
        let region = region.and_then(|code| code.trim().to_ascii_uppercase().parse::<country::Id>().ok());
        let number = phonenumber::parse(region, input.trim()).map_err(|_| DestinationError::InvalidPhone)?;
        if !number.is_valid() {
            return Err(DestinationError::InvalidPhone);
        }
        Ok(PhoneNumber(number.format().mode(Mode::E164).to_string()))
    }

    /// Text and WhatsApp messages only reach numbers that may be mobiles.
    pub fn ensure_reachable_by(&self, channel: Channel) -> Result<(), DestinationError> {
        if !channel.needs_mobile() {
            return Ok(());
        }
        match self.parsed().number_type(&DATABASE) {
            Type::Mobile | Type::FixedLineOrMobile | Type::PersonalNumber | Type::Unknown => Ok(()),
            _ => Err(DestinationError::NotMobile),
        }
    }

    fn parsed(&self) -> phonenumber::PhoneNumber {
        phonenumber::parse(None, &self.0).expect("an E.164 number we produced parses again")
    }

    pub fn e164(&self) -> &str {
        &self.0
    }

    /// The ISO region the number belongs to, e.g. `FR`.
    pub fn region(&self) -> Option<String> {
        self.parsed().country().id().map(|id| id.as_ref().to_owned())
    }

    /// The number in national format, as its owner would type it.
    pub fn national(&self) -> String {
        self.parsed().format().mode(Mode::National).to_string()
    }

    /// International format with all but the last two digits hidden: `+33 •• •• •• •• 78`.
    pub fn masked(&self) -> String {
        let international = self.parsed().format().mode(Mode::International).to_string();
        let prefix_end = international.find(' ').unwrap_or(0);
        let total_digits = international[prefix_end..].chars().filter(char::is_ascii_digit).count();
        let mut seen = 0;
        let tail: String = international[prefix_end..]
            .chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    seen += 1;
                    if seen + 2 <= total_digits { '•' } else { c }
                } else {
                    c
                }
            })
            .collect();
        // Non-breaking spaces keep the number on one line inside a sentence.
        format!("{}{}", &international[..prefix_end], tail).replace(' ', "\u{a0}")
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = DestinationError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        PhoneNumber::parse(None, &value)
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A syntactically valid e-mail address, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, DestinationError> {
        let trimmed = input.trim();
        let parsed: email_address::EmailAddress =
            trimmed.parse().map_err(|_| DestinationError::InvalidEmail)?;
        // Display names ("Ann <ann@x.org>") and address literals are not destinations.
        if parsed.display_part() != "" || !parsed.domain().contains('.') {
            return Err(DestinationError::InvalidEmail);
        }
        Ok(EmailAddress(parsed.email().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// First letter of the local part and the whole domain: `a•••@example.com`.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or((&self.0, ""));
        let first: String = local.chars().take(1).collect();
        format!("{first}•••@{domain}")
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = DestinationError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        EmailAddress::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

impl Destination {
    /// The form the store keeps and the send limit counts by.
    pub fn key(&self) -> &str {
        match self {
            Destination::Phone(phone) => phone.e164(),
            Destination::Email(email) => email.as_str(),
        }
    }

    pub fn masked(&self) -> String {
        match self {
            Destination::Phone(phone) => phone.masked(),
            Destination::Email(email) => email.masked(),
        }
    }

    /// Checks that `channel` can deliver to this destination.
    pub fn ensure_reachable_by(&self, channel: Channel) -> Result<(), DestinationError> {
        match (self, channel.uses_phone()) {
            (Destination::Phone(phone), true) => phone.ensure_reachable_by(channel),
            (Destination::Email(_), false) => Ok(()),
            _ => Err(DestinationError::WrongKind),
        }
    }

    /// Rebuilds a destination from its stored key.
    pub fn from_key(key: &str) -> Result<Self, DestinationError> {
        if key.starts_with('+') {
            PhoneNumber::parse(None, key).map(Destination::Phone)
        } else {
            EmailAddress::parse(key).map(Destination::Email)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_national_number_is_stored_in_e164() {
        let phone = PhoneNumber::parse(Some("FR"), "06 12 34 56 78").unwrap();
        assert_eq!(phone.e164(), "+33612345678");
        assert_eq!(phone.region().as_deref(), Some("FR"));
    }

    #[test]
    fn an_international_number_ignores_the_selected_region() {
        let phone = PhoneNumber::parse(Some("US"), "+44 7400 123456").unwrap();
        assert_eq!(phone.e164(), "+447400123456");
    }

    #[test]
    fn garbage_and_impossible_numbers_are_refused() {
        assert_eq!(PhoneNumber::parse(Some("FR"), "hello"), Err(DestinationError::InvalidPhone));
        assert_eq!(PhoneNumber::parse(Some("FR"), "06 12"), Err(DestinationError::InvalidPhone));
    }

    #[test]
    fn a_landline_cannot_receive_text_messages_but_can_take_a_call() {
        let landline = PhoneNumber::parse(Some("FR"), "01 42 68 53 00").unwrap();
        assert_eq!(landline.ensure_reachable_by(Channel::Sms), Err(DestinationError::NotMobile));
        assert_eq!(landline.ensure_reachable_by(Channel::Call), Ok(()));
    }

    #[test]
    fn a_masked_number_shows_only_the_country_code_and_last_two_digits() {
        let phone = PhoneNumber::parse(Some("FR"), "0612345678").unwrap();
        assert_eq!(phone.masked(), "+33\u{a0}•\u{a0}••\u{a0}••\u{a0}••\u{a0}78");
    }

    #[test]
    fn e_mail_addresses_are_validated_and_masked() {
        let email = EmailAddress::parse("  ann.lee@example.org ").unwrap();
        assert_eq!(email.as_str(), "ann.lee@example.org");
        assert_eq!(email.masked(), "a•••@example.org");
        assert_eq!(EmailAddress::parse("not an address"), Err(DestinationError::InvalidEmail));
        assert_eq!(EmailAddress::parse("Ann <ann@example.org>"), Err(DestinationError::InvalidEmail));
    }

    #[test]
    fn a_destination_round_trips_through_its_key() {
        let phone = Destination::Phone(PhoneNumber::parse(Some("GB"), "07400 123456").unwrap());
        assert_eq!(Destination::from_key(phone.key()), Ok(phone));
        let email = Destination::Email(EmailAddress::parse("a@b.io").unwrap());
        assert_eq!(Destination::from_key(email.key()), Ok(email));
    }

    #[test]
    fn an_e_mail_address_cannot_receive_a_call() {
        let email = Destination::Email(EmailAddress::parse("a@b.io").unwrap());
        assert_eq!(email.ensure_reachable_by(Channel::Call), Err(DestinationError::WrongKind));
    }
}
