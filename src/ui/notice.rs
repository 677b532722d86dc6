//! One sentence for every notice and error, from the locale files.

use leptos::prelude::*;

use crate::i18n::{Locale, t_string, use_i18n};
use leptos_i18n::I18nContext;
use crate::protocol::{Notice, PortalError};

pub fn error_text(i18n: I18nContext<Locale>, error: &PortalError) -> String {
    match error {
        PortalError::InvalidPhoneNumber => t_string!(i18n, errors.invalid_phone_number).to_string(),
        PortalError::MobileNumberRequired => t_string!(i18n, errors.mobile_number_required).to_string(),
        PortalError::InvalidEmail => t_string!(i18n, errors.invalid_email).to_string(),
        PortalError::InvalidCode => t_string!(i18n, errors.invalid_code).to_string(),
        PortalError::CodeLength { expected } => t_string!(i18n, errors.code_length, expected = *expected),
        PortalError::WrongCode { attempts_left } => {
            t_string!(i18n, errors.wrong_code, attempts_left = *attempts_left)
        }
        PortalError::MaxAttemptsReached => t_string!(i18n, errors.max_attempts_reached).to_string(),
        PortalError::VerificationExpired => t_string!(i18n, errors.verification_expired).to_string(),
        PortalError::CodeAlreadyUsed => t_string!(i18n, errors.code_already_used).to_string(),
        PortalError::ResendCooldown { retry_in } => t_string!(i18n, errors.resend_cooldown, seconds = *retry_in),
        PortalError::TooManySends { retry_in } => {
            t_string!(i18n, errors.too_many_sends, minutes = retry_in.div_ceil(60))
        }
        PortalError::VerificationNotFound => t_string!(i18n, errors.verification_not_found).to_string(),
        PortalError::VerificationCanceled => t_string!(i18n, errors.verification_canceled).to_string(),
        PortalError::MethodNotAllowed => t_string!(i18n, errors.method_not_allowed).to_string(),
        PortalError::NoActiveRequest => t_string!(i18n, errors.no_active_request).to_string(),
        PortalError::InvalidRequest => t_string!(i18n, errors.invalid_request).to_string(),
        PortalError::RequestExpired => t_string!(i18n, errors.request_expired).to_string(),
        PortalError::RequestReplayed => t_string!(i18n, errors.request_replayed).to_string(),
        PortalError::DeliveryFailed => t_string!(i18n, errors.delivery_failed).to_string(),
        PortalError::PhoneCountryNotAllowed => t_string!(i18n, errors.phone_country_not_allowed).to_string(),
        PortalError::RecipientOptedOut => t_string!(i18n, errors.recipient_opted_out).to_string(),
        PortalError::DestinationBlocked => t_string!(i18n, errors.destination_blocked).to_string(),
        PortalError::ProviderBusy { retry_in: Some(seconds) } => t_string!(i18n, errors.provider_busy_for, seconds = *seconds),
        PortalError::ProviderBusy { retry_in: None } => t_string!(i18n, errors.provider_busy).to_string(),
        PortalError::Unavailable => t_string!(i18n, errors.unavailable).to_string(),
        PortalError::Network => t_string!(i18n, errors.network).to_string(),
    }
}

/// The outcome of the last form, announced to screen readers as it appears.
#[component]
pub fn NoticeBanner(notice: Option<Notice>) -> impl IntoView {
    let i18n = use_i18n();
    notice.map(|notice| match notice {
        Notice::Error(error) => view! {
            <p class="notice error" role="alert" data-error=format!("{error:?}")>{error_text(i18n, &error)}</p>
        }
        .into_any(),
        Notice::CodeSent => {
            view! { <p class="notice info" role="status">{t_string!(i18n, notice.code_sent)}</p> }.into_any()
        }
        Notice::CodeResent => {
            view! { <p class="notice info" role="status">{t_string!(i18n, notice.code_resent)}</p> }.into_any()
        }
        Notice::ConfirmCurrentPhone => {
            view! { <p class="notice info" role="status">{t_string!(i18n, notice.confirm_current_phone)}</p> }.into_any()
        }
        Notice::ConfirmNewPhone => {
            view! { <p class="notice info" role="status">{t_string!(i18n, notice.confirm_new_phone)}</p> }.into_any()
        }
    })
}

/// A page-level error: the server could not be asked or did not answer.
#[component]
pub fn ErrorPanel(error: PortalError) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{t_string!(i18n, errors.title)}</h1>
        <p class="notice error" role="alert">{error_text(i18n, &error)}</p>
    }
}
