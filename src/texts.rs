//! The sentence for every refusal and notice, in a given language: the pages and the JSON API
//! say the same thing.

use crate::i18n::{Locale, td_string};
use crate::protocol::{Notice, PortalError};

/// The sentence a user reads for `error`.
pub fn error_text(locale: Locale, error: &PortalError) -> String {
    match error {
        PortalError::InvalidPhoneNumber => td_string!(locale, errors.invalid_phone_number).to_string(),
        PortalError::MobileNumberRequired => td_string!(locale, errors.mobile_number_required).to_string(),
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
        Notice::ConfirmCurrentPhone => td_string!(locale, notice.confirm_current_phone).to_string(),
        Notice::ConfirmNewPhone => td_string!(locale, notice.confirm_new_phone).to_string(),
    }
}
