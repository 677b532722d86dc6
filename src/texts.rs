//! The sentence for every refusal and notice, in a given language: the pages and the JSON API
//! say the same thing.

use std::collections::BTreeMap;

use crate::domain::Channel;
use crate::i18n::{Locale, td_string};
use crate::protocol::{Notice, PortalError};

/// The sentence a user reads for `error`.
pub fn error_text(locale: Locale, error: &PortalError) -> String {
    match error {
        PortalError::InvalidPhoneNumber => td_string!(locale, errors.invalid_phone_number).to_string(),
        PortalError::MobileNumberRequired => td_string!(locale, errors.mobile_number_required).to_string(),
        PortalError::NumberTypeNotAllowed => td_string!(locale, errors.number_type_not_allowed).to_string(),
        PortalError::InvalidEmail => td_string!(locale, errors.invalid_email).to_string(),
        PortalError::InvalidCode => td_string!(locale, errors.invalid_code).to_string(),
        PortalError::CodeLength { expected } => td_string!(locale, errors.code_length, expected = *expected),
        PortalError::WrongCode { attempts_left } => {
            td_string!(locale, errors.wrong_code, attempts_left = *attempts_left)
        }
        PortalError::MaxAttemptsReached => td_string!(locale, errors.max_attempts_reached).to_string(),
        PortalError::VerificationExpired => td_string!(locale, errors.verification_expired).to_string(),
        PortalError::CodeAlreadyUsed => td_string!(locale, errors.code_already_used).to_string(),
        PortalError::ResendCooldown { retry_in } => td_string!(locale, errors.resend_cooldown, seconds = *retry_in),
        PortalError::TooManySends { retry_in } => {
            td_string!(locale, errors.too_many_sends, minutes = retry_in.div_ceil(60))
        }
        PortalError::VerificationNotFound => td_string!(locale, errors.verification_not_found).to_string(),
        PortalError::VerificationCanceled => td_string!(locale, errors.verification_canceled).to_string(),
        PortalError::MethodNotAllowed => td_string!(locale, errors.method_not_allowed).to_string(),
        PortalError::NoActiveRequest => td_string!(locale, errors.no_active_request).to_string(),
        PortalError::InvalidRequest => td_string!(locale, errors.invalid_request).to_string(),
        PortalError::RequestExpired => td_string!(locale, errors.request_expired).to_string(),
        PortalError::RequestReplayed => td_string!(locale, errors.request_replayed).to_string(),
        PortalError::DeliveryFailed => td_string!(locale, errors.delivery_failed).to_string(),
        PortalError::PhoneCountryNotAllowed => td_string!(locale, errors.phone_country_not_allowed).to_string(),
        PortalError::RecipientOptedOut => td_string!(locale, errors.recipient_opted_out).to_string(),
        PortalError::DestinationBlocked => td_string!(locale, errors.destination_blocked).to_string(),
        PortalError::ProviderBusy { retry_in: Some(seconds) } => td_string!(locale, errors.provider_busy_for, seconds = *seconds),
        PortalError::ProviderBusy { retry_in: None } => td_string!(locale, errors.provider_busy).to_string(),
        PortalError::InvalidApiKey => td_string!(locale, errors.invalid_api_key).to_string(),
        PortalError::UserIdMissing => td_string!(locale, errors.user_id_missing).to_string(),
        PortalError::CheckWait { retry_in } => td_string!(locale, errors.check_wait, seconds = *retry_in),
        PortalError::UserLocked => td_string!(locale, errors.user_locked).to_string(),
        PortalError::TooManyDestinations => td_string!(locale, errors.too_many_destinations).to_string(),
        PortalError::SendingPaused => td_string!(locale, errors.sending_paused).to_string(),
        PortalError::FactorConfirmationRequired => td_string!(locale, errors.factor_confirmation_required).to_string(),
        PortalError::RegistrationNotAllowed => td_string!(locale, errors.registration_not_allowed).to_string(),
        PortalError::ChangeNotAllowed => td_string!(locale, errors.change_not_allowed).to_string(),
        PortalError::UserNotAllowed => td_string!(locale, errors.user_not_allowed).to_string(),
        PortalError::NoMethodAvailable => td_string!(locale, errors.no_method_available).to_string(),
        PortalError::InvalidCarrierType => td_string!(locale, errors.invalid_carrier_type).to_string(),
        PortalError::DestinationRequired => td_string!(locale, errors.destination_required).to_string(),
        PortalError::Unavailable => td_string!(locale, errors.unavailable).to_string(),
        PortalError::Network => td_string!(locale, errors.network).to_string(),
    }
}

/// The sentence for a notice: the outcome of the user's last action.
pub fn notice_text(locale: Locale, notice: &Notice) -> String {
    match notice {
        Notice::Error(error) => error_text(locale, error),
        Notice::CodeSent => td_string!(locale, notice.code_sent).to_string(),
        Notice::CodeResent => td_string!(locale, notice.code_resent).to_string(),
        Notice::ConfirmCurrentFactor => td_string!(locale, notice.confirm_current_factor).to_string(),
        Notice::ConfirmNewDestination => td_string!(locale, notice.confirm_new_destination).to_string(),
    }
}

/// Sentences a site replaces at run time, per language and locale-file key (see `OVERRIDABLE`).
pub type MessageOverrides = BTreeMap<String, BTreeMap<String, String>>;

/// The locale-file keys a site may override without a rebuild: every refusal, every notice and
/// the method names. Placeholders are written as in the locale files: `{{ seconds }}`.
pub const OVERRIDABLE: &[&str] = &[
    "errors.invalid_phone_number",
    "errors.mobile_number_required",
    "errors.number_type_not_allowed",
    "errors.invalid_email",
    "errors.invalid_code",
    "errors.code_length",
    "errors.wrong_code",
    "errors.max_attempts_reached",
    "errors.verification_expired",
    "errors.code_already_used",
    "errors.resend_cooldown",
    "errors.too_many_sends",
    "errors.verification_not_found",
    "errors.verification_canceled",
    "errors.method_not_allowed",
    "errors.no_active_request",
    "errors.invalid_request",
    "errors.request_expired",
    "errors.request_replayed",
    "errors.delivery_failed",
    "errors.phone_country_not_allowed",
    "errors.recipient_opted_out",
    "errors.destination_blocked",
    "errors.provider_busy",
    "errors.provider_busy_for",
    "errors.destination_required",
    "errors.registration_not_allowed",
    "errors.change_not_allowed",
    "errors.user_not_allowed",
    "errors.no_method_available",
    "errors.invalid_carrier_type",
    "errors.invalid_api_key",
    "errors.user_id_missing",
    "errors.factor_confirmation_required",
    "errors.check_wait",
    "errors.user_locked",
    "errors.too_many_destinations",
    "errors.sending_paused",
    "errors.unavailable",
    "errors.network",
    "notice.code_sent",
    "notice.code_resent",
    "notice.confirm_current_factor",
    "notice.confirm_new_destination",
    "channel.sms",
    "channel.call",
    "channel.email",
    "channel.whatsapp",
];

/// The locale-file key of `error`'s sentence, with the values of its placeholders.
fn error_key(error: &PortalError) -> (&'static str, Vec<(&'static str, String)>) {
    use PortalError::*;
    let key = match error {
        CodeLength { expected } => return ("errors.code_length", vec![("expected", expected.to_string())]),
        WrongCode { attempts_left } => return ("errors.wrong_code", vec![("attempts_left", attempts_left.to_string())]),
        ResendCooldown { retry_in } => return ("errors.resend_cooldown", vec![("seconds", retry_in.to_string())]),
        TooManySends { retry_in } => return ("errors.too_many_sends", vec![("minutes", retry_in.div_ceil(60).to_string())]),
        ProviderBusy { retry_in: Some(seconds) } => return ("errors.provider_busy_for", vec![("seconds", seconds.to_string())]),
        ProviderBusy { retry_in: None } => "errors.provider_busy",
        CheckWait { retry_in } => return ("errors.check_wait", vec![("seconds", retry_in.to_string())]),
        InvalidPhoneNumber => "errors.invalid_phone_number",
        MobileNumberRequired => "errors.mobile_number_required",
        NumberTypeNotAllowed => "errors.number_type_not_allowed",
        InvalidEmail => "errors.invalid_email",
        InvalidCode => "errors.invalid_code",
        MaxAttemptsReached => "errors.max_attempts_reached",
        VerificationExpired => "errors.verification_expired",
        CodeAlreadyUsed => "errors.code_already_used",
        VerificationNotFound => "errors.verification_not_found",
        VerificationCanceled => "errors.verification_canceled",
        MethodNotAllowed => "errors.method_not_allowed",
        NoActiveRequest => "errors.no_active_request",
        InvalidRequest => "errors.invalid_request",
        RequestExpired => "errors.request_expired",
        RequestReplayed => "errors.request_replayed",
        DeliveryFailed => "errors.delivery_failed",
        PhoneCountryNotAllowed => "errors.phone_country_not_allowed",
        RecipientOptedOut => "errors.recipient_opted_out",
        DestinationBlocked => "errors.destination_blocked",
        DestinationRequired => "errors.destination_required",
        RegistrationNotAllowed => "errors.registration_not_allowed",
        ChangeNotAllowed => "errors.change_not_allowed",
        UserNotAllowed => "errors.user_not_allowed",
        NoMethodAvailable => "errors.no_method_available",
        InvalidCarrierType => "errors.invalid_carrier_type",
        InvalidApiKey => "errors.invalid_api_key",
        UserIdMissing => "errors.user_id_missing",
        FactorConfirmationRequired => "errors.factor_confirmation_required",
        UserLocked => "errors.user_locked",
        TooManyDestinations => "errors.too_many_destinations",
        SendingPaused => "errors.sending_paused",
        Unavailable => "errors.unavailable",
        Network => "errors.network",
    };
    (key, Vec::new())
}

fn notice_key(notice: &Notice) -> Option<&'static str> {
    match notice {
        Notice::Error(_) => None,
        Notice::CodeSent => Some("notice.code_sent"),
        Notice::CodeResent => Some("notice.code_resent"),
        Notice::ConfirmCurrentFactor => Some("notice.confirm_current_factor"),
        Notice::ConfirmNewDestination => Some("notice.confirm_new_destination"),
    }
}

/// Every sentence in one language, the site's overrides first.
pub struct Wording<'a> {
    locale: Locale,
    overrides: Option<&'a BTreeMap<String, String>>,
}

impl<'a> Wording<'a> {
    pub fn new(locale: Locale, overrides: &'a MessageOverrides) -> Self {
        use leptos_i18n::Locale as _;
        Wording { locale, overrides: overrides.get(locale.as_str()) }
    }

    fn overridden(&self, key: &str, values: &[(&str, String)]) -> Option<String> {
        let template = self.overrides?.get(key)?;
        Some(values.iter().fold(template.clone(), |text, (name, value)| text.replace(&format!("{{{{ {name} }}}}"), value)))
    }

    pub fn error(&self, error: &PortalError) -> String {
        let (key, values) = error_key(error);
        self.overridden(key, &values).unwrap_or_else(|| error_text(self.locale, error))
    }

    pub fn notice(&self, notice: &Notice) -> String {
        match (notice, notice_key(notice)) {
            (Notice::Error(error), _) => self.error(error),
            (_, Some(key)) => self.overridden(key, &[]).unwrap_or_else(|| notice_text(self.locale, notice)),
            (_, None) => notice_text(self.locale, notice),
        }
    }

    /// The site's name for `channel`, when it renamed it.
    pub fn channel(&self, channel: Channel) -> Option<String> {
        self.overridden(&format!("channel.{}", channel.as_str()), &[])
    }
}

/// Refuses overrides for a language the portal does not have or a key it does not know.
pub fn validate_overrides(overrides: &MessageOverrides) -> Result<(), String> {
    use leptos_i18n::Locale as _;
    for (language, messages) in overrides {
        if !Locale::get_all().iter().any(|locale| locale.as_str() == language) {
            return Err(format!("has no locale {language:?}"));
        }
        if let Some(key) = messages.keys().find(|key| !OVERRIDABLE.contains(&key.as_str())) {
            return Err(format!("{key:?} is not a message that can be overridden"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overrides(key: &str, text: &str) -> MessageOverrides {
        [("en".to_owned(), [(key.to_owned(), text.to_owned())].into())].into()
    }

    #[test]
    fn an_override_replaces_the_sentence_in_its_language_only() {
        let site = overrides("errors.resend_cooldown", "Hold on for {{ seconds }} seconds.");
        let error = PortalError::ResendCooldown { retry_in: 12 };
        assert_eq!(Wording::new(Locale::en, &site).error(&error), "Hold on for 12 seconds.");
        assert_eq!(Wording::new(Locale::fr, &site).error(&error), error_text(Locale::fr, &error));
        assert_eq!(Wording::new(Locale::en, &site).notice(&Notice::Error(error)), "Hold on for 12 seconds.");
    }

    #[test]
    fn every_refusal_has_an_overridable_key() {
        let errors = [PortalError::InvalidPhoneNumber, PortalError::WrongCode { attempts_left: 1 }, PortalError::Network, PortalError::NoMethodAvailable];
        for error in errors {
            assert!(OVERRIDABLE.contains(&error_key(&error).0), "{error:?}");
        }
    }

    #[test]
    fn unknown_keys_and_languages_are_refused() {
        assert!(validate_overrides(&overrides("channel.sms", "SMS")).is_ok());
        assert!(validate_overrides(&overrides("errors.made_up", "x")).is_err());
        let mut klingon = overrides("channel.sms", "x");
        klingon.insert("tlh".into(), BTreeMap::new());
        assert!(validate_overrides(&klingon).is_err());
    }
}
