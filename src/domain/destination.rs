use phonenumber::{Mode, Type, country, metadata::DATABASE};
use serde::{Deserialize, Serialize};
use std::fmt;

use super::error::DestinationError;
use crate::bounds;
use crate::domain::Channel;

/// Where a code is sent: a phone number in E.164 or an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Destination {
    Phone(PhoneNumber),
    Email(EmailAddress),
}

/// A kind of phone line, as libphonenumber's metadata tells it from the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberType {
    FixedLine,
    Mobile,
    /// The numbering plan cannot tell (the United States and Canada).
    FixedLineOrMobile,
    TollFree,
    PremiumRate,
    SharedCost,
    PersonalNumber,
    Voip,
    Pager,
    /// Universal access numbers: one number for a company's many lines.
    Uan,
    Voicemail,
    Unknown,
}

impl std::str::FromStr for NumberType {
    type Err = String;

    /// The snake_case name, as in the settings: `premium_rate`.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        use serde::de::IntoDeserializer;
        Self::deserialize(value.into_deserializer()).map_err(|error: serde::de::value::Error| error.to_string())
    }
}

/// The kinds of line each channel may send to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberTypes {
    /// Text messages and WhatsApp.
    pub texts: Vec<NumberType>,
    pub calls: Vec<NumberType>,
}

impl Default for NumberTypes {
    /// Texts only to mobiles (and to numbers whose plan cannot tell); calls to any line a person
    /// answers, never to lines that cost the caller (premium-rate, shared-cost, UAN, pager,
    /// toll-free), the pattern of toll fraud.
    fn default() -> Self {
        use NumberType::*;
        NumberTypes {
            texts: vec![Mobile, FixedLineOrMobile],
            calls: vec![Mobile, FixedLine, FixedLineOrMobile, Voip, PersonalNumber, Unknown],
        }
    }
}

impl NumberTypes {
    pub fn for_channel(&self, channel: Channel) -> &[NumberType] {
        if channel.needs_mobile() { &self.texts } else { &self.calls }
    }
}

/// A valid phone number, parsed once: libphonenumber's reading of it, with what is asked of it
/// again and again (its E.164 form, region and kind of line) worked out at parse. Equal, hashed,
/// stored and serialized as E.164 (`+33612345678`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber {
    e164: String,
    parsed: phonenumber::PhoneNumber,
    region: Option<country::Id>,
    number_type: NumberType,
}

impl PhoneNumber {
    /// Parses a number as typed, in the national format of `region` or in international format.
    pub fn parse(region: Option<&str>, input: &str) -> Result<Self, DestinationError> {
        if !bounds::fits(input, bounds::PHONE_INPUT) {
            return Err(DestinationError::InvalidPhone);
        }
        let region = region
            .filter(|code| bounds::fits(code, bounds::COUNTRY))
            .and_then(|code| code.trim().to_ascii_uppercase().parse::<country::Id>().ok());
        let typed = phonenumber::parse(region, input.trim()).map_err(|_| DestinationError::InvalidPhone)?;
        if !typed.is_valid() {
            return Err(DestinationError::InvalidPhone);
        }
        let e164 = typed.format().mode(Mode::E164).to_string();
        // The number is its E.164 form, which has no extension: one typed with an extension is
        // read again without it, so that it is shown (masked) as it is stored.
        let parsed = match typed.extension() {
            None => typed,
            Some(_) => phonenumber::parse(None, &e164).map_err(|_| DestinationError::InvalidPhone)?,
        };
        Ok(PhoneNumber { region: parsed.country().id(), number_type: parsed.number_type(&DATABASE).into(), parsed, e164 })
    }

    /// Whether `channel` may send to this kind of line: by default, texts and WhatsApp only to
    /// mobiles, calls never to premium-rate, shared-cost, UAN, pager or toll-free numbers.
    pub fn ensure_reachable_by(&self, channel: Channel, types: &NumberTypes) -> Result<(), DestinationError> {
        match (types.for_channel(channel).contains(&self.number_type), channel.needs_mobile()) {
            (true, _) => Ok(()),
            (false, true) => Err(DestinationError::NotMobile),
            (false, false) => Err(DestinationError::NumberTypeNotAllowed),
        }
    }

    pub fn e164(&self) -> &str {
        &self.e164
    }

    /// The ISO region the number belongs to, e.g. `FR`.
    pub fn region(&self) -> Option<String> {
        self.region.map(|id| id.as_ref().to_owned())
    }

    /// International format with all but the last two digits hidden: `+33 •• •• •• •• 78`.
    pub fn masked(&self) -> String {
        let international = self.parsed.format().mode(Mode::International).to_string();
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

impl From<Type> for NumberType {
    fn from(kind: Type) -> Self {
        match kind {
            Type::FixedLine => NumberType::FixedLine,
            Type::Mobile => NumberType::Mobile,
            Type::FixedLineOrMobile => NumberType::FixedLineOrMobile,
            Type::TollFree => NumberType::TollFree,
            Type::PremiumRate => NumberType::PremiumRate,
            Type::SharedCost => NumberType::SharedCost,
            Type::PersonalNumber => NumberType::PersonalNumber,
            Type::Voip => NumberType::Voip,
            Type::Pager => NumberType::Pager,
            Type::Uan => NumberType::Uan,
            Type::Voicemail => NumberType::Voicemail,
            Type::Emergency | Type::ShortCode | Type::StandardRate | Type::Carrier | Type::NoInternational | Type::Unknown => {
                NumberType::Unknown
            }
        }
    }
}

// The rest is worked out from the number: E.164 alone tells two numbers apart (libphonenumber's
// own equality also compares how the number was typed).
impl PartialEq for PhoneNumber {
    fn eq(&self, other: &Self) -> bool {
        self.e164 == other.e164
    }
}

impl Eq for PhoneNumber {}

impl std::hash::Hash for PhoneNumber {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.e164.hash(state);
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PhoneNumber").field(&self.e164).finish()
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
        value.e164
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
    }
}

/// A deliverable e-mail address in one normal form, so that two spellings of an address are one
/// destination (one stored key, one send limit): trimmed, in lower case, its domain in ASCII (an
/// IDN domain in punycode). `Ann@Bücher.example` is `ann@xn--bcher-kva.example`. Addresses with
/// hidden characters (zero-width, bidirectional overrides) are refused: they pass for others.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, DestinationError> {
        let trimmed = input.trim();
        if !bounds::fits(input, bounds::EMAIL) || trimmed.chars().any(bounds::is_hidden) {
            return Err(DestinationError::InvalidEmail);
        }
        let (local, domain) = trimmed.rsplit_once('@').ok_or(DestinationError::InvalidEmail)?;
        let domain = idna::domain_to_ascii_strict(domain).map_err(|_| DestinationError::InvalidEmail)?;
        let normal = format!("{}@{domain}", local.to_lowercase());
        let parsed: email_address::EmailAddress = normal.parse().map_err(|_| DestinationError::InvalidEmail)?;
        // Display names ("Ann <ann@x.org>") and single-label domains are not destinations.
        let single_label = !parsed.domain().contains('.');
        if parsed.display_part() != "" || single_label || parsed.email() != normal || !bounds::fits(&normal, bounds::EMAIL) {
            return Err(DestinationError::InvalidEmail);
        }
        Ok(EmailAddress(normal))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// First letter of the local part and the whole domain, as its owner writes it: `a•••@bücher.example`.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').unwrap_or((&self.0, ""));
        let first: String = local.chars().take(1).collect();
        let (readable_domain, decoded) = idna::domain_to_unicode(domain);
        let domain = if decoded.is_ok() { readable_domain.as_str() } else { domain };
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

    /// The block of numbers this one belongs to (its first digits), for limits on number ranges;
    /// none for an address.
    pub fn number_block(&self, digits_dropped: usize) -> Option<String> {
        match self {
            Destination::Phone(phone) => Some(phone.e164()[..phone.e164().len().saturating_sub(digits_dropped)].to_owned()),
            Destination::Email(_) => None,
        }
    }

    pub fn masked(&self) -> String {
        match self {
            Destination::Phone(phone) => phone.masked(),
            Destination::Email(email) => email.masked(),
        }
    }

    /// Checks that `channel` can deliver to this destination, and may by the rules of `types`.
    pub fn ensure_reachable_by(&self, channel: Channel, types: &NumberTypes) -> Result<(), DestinationError> {
        match (self, channel.uses_phone()) {
            (Destination::Phone(phone), true) => phone.ensure_reachable_by(channel, types),
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
        let types = NumberTypes::default();
        assert_eq!(landline.ensure_reachable_by(Channel::Sms, &types), Err(DestinationError::NotMobile));
        assert_eq!(landline.ensure_reachable_by(Channel::Call, &types), Ok(()));
    }

    #[test]
    fn premium_rate_shared_cost_and_toll_free_numbers_get_no_call() {
        let types = NumberTypes::default();
        for (number, kind) in [("08 99 23 45 67", NumberType::PremiumRate), ("08 10 12 34 56", NumberType::SharedCost), ("08 00 12 34 56", NumberType::TollFree)] {
            let phone = PhoneNumber::parse(Some("FR"), number).unwrap();
            assert_eq!(phone.number_type, kind, "{number}");
            assert_eq!(phone.ensure_reachable_by(Channel::Call, &types), Err(DestinationError::NumberTypeNotAllowed), "{number}");
        }
        let toll_free = PhoneNumber::parse(Some("FR"), "08 00 12 34 56").unwrap();
        let allowing = NumberTypes { calls: vec![NumberType::TollFree], ..NumberTypes::default() };
        assert_eq!(toll_free.ensure_reachable_by(Channel::Call, &allowing), Ok(()), "the operator may allow it");
    }

    /// Parsed once, it keeps what it was parsed with: a read from JSON (an E.164 string) and a
    /// number typed with an extension answer alike.
    #[test]
    fn a_number_read_back_from_json_keeps_its_region_kind_and_mask() {
        let phone = PhoneNumber::parse(Some("FR"), "06 12 34 56 78 ext. 123").unwrap();
        let json = serde_json::to_string(&phone).unwrap();
        assert_eq!(json, "\"+33612345678\"");
        let read: PhoneNumber = serde_json::from_str(&json).unwrap();
        assert_eq!(read, phone);
        assert_eq!(read.region().as_deref(), Some("FR"));
        assert_eq!(read.number_type, NumberType::Mobile);
        assert_eq!(read.masked(), phone.masked());
        assert_eq!(phone.masked(), "+33\u{a0}•\u{a0}••\u{a0}••\u{a0}••\u{a0}78");
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
    fn an_address_is_kept_in_lower_case_with_its_domain_in_ascii() {
        let email = EmailAddress::parse(" Ann.Lee@Bücher.Example ").unwrap();
        assert_eq!(email.as_str(), "ann.lee@xn--bcher-kva.example");
        assert_eq!(EmailAddress::parse("ann.lee@xn--bcher-kva.example"), Ok(email.clone()));
        assert_eq!(email.masked(), "a•••@bücher.example");
    }

    #[test]
    fn an_address_with_a_hidden_character_is_refused() {
        let disguised = ["ann\u{202e}@example.org", "ann@exam\u{200b}ple.org", "\u{feff}ann@example.org", "ann@example.org\u{2069}", "a\u{0}@b.org"];
        for address in disguised {
            assert_eq!(EmailAddress::parse(address), Err(DestinationError::InvalidEmail), "{address:?}");
        }
    }

    #[test]
    fn an_address_or_a_number_over_its_bound_is_refused() {
        let domain = format!("{}.{}.{}", "b".repeat(61), "c".repeat(61), "d".repeat(61));
        let longest = format!("{}@{domain}.org", "a".repeat(64));
        assert_eq!(longest.len(), bounds::EMAIL);
        assert!(EmailAddress::parse(&longest).is_ok());
        assert_eq!(EmailAddress::parse(&format!("{longest}s")), Err(DestinationError::InvalidEmail));
        assert_eq!(PhoneNumber::parse(Some("FR"), &format!("06 12 34 56 78{}", " ".repeat(20))), Err(DestinationError::InvalidPhone));
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
        assert_eq!(email.ensure_reachable_by(Channel::Call, &NumberTypes::default()), Err(DestinationError::WrongKind));
    }
}

/// Attacker input through the parsers: no panic, and what they accept is valid and in its normal form.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Any text, and addresses in mixed case with hidden characters and non-ASCII domains mixed in.
    fn typed_address() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            ("[a-zA-Z0-9._+\u{200b}\u{202e}É-]{0,20}", "[a-zA-Zäöüé\u{feff}-]{0,12}", "(\\.[a-zA-Z]{2,6}){1,2}", "[ \t]{0,2}")
                .prop_map(|(local, label, tld, space)| format!("{space}{local}@{label}{tld}{space}")),
        ]
    }

    /// Any text, and numbers as people type them, national or international.
    fn typed_number() -> impl Strategy<Value = String> {
        prop_oneof![any::<String>(), "\\+?[0-9 ().-]{0,40}", "0[67][0-9]{8}", "\\+33 ?[67]( ?[0-9]{2}){4}"]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn an_accepted_address_is_its_own_normal_form(input in typed_address()) {
            if let Ok(address) = EmailAddress::parse(&input) {
                let key = address.as_str();
                prop_assert_eq!(EmailAddress::parse(key), Ok(address.clone()));
                prop_assert!(key.len() <= bounds::EMAIL);
                prop_assert!(!key.chars().any(bounds::is_hidden));
                prop_assert_eq!(key.to_lowercase(), key);
                prop_assert!(key.rsplit_once('@').is_some_and(|(_, domain)| domain.is_ascii()));
                prop_assert!(address.masked().contains("•••@"));
            }
        }

        #[test]
        fn an_address_in_any_case_is_one_destination(local in "[a-zA-Z0-9.]{1,12}", domain in "[a-zA-Z]{1,10}\\.(com|org|fr)") {
            let one = EmailAddress::parse(&format!("{local}@{domain}"));
            let other = EmailAddress::parse(&format!("{}@{}", local.to_uppercase(), domain.to_uppercase()));
            prop_assert_eq!(one, other);
        }

        #[test]
        fn an_accepted_number_is_e164_and_its_key_parses_back(region in "[A-Z]{2}|FR|", input in typed_number()) {
            if let Ok(phone) = PhoneNumber::parse(Some(&region), &input) {
                prop_assert!(input.len() <= bounds::PHONE_INPUT);
                let digits = &phone.e164()[1..];
                prop_assert!(phone.e164().starts_with('+') && digits.len() <= 15 && digits.chars().all(|c| c.is_ascii_digit()));
                let destination = Destination::Phone(phone);
                prop_assert_eq!(Destination::from_key(destination.key()), Ok(destination.clone()));
                prop_assert!(!destination.masked().is_empty());
            }
        }
    }
}
