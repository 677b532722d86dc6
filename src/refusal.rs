//! Every refusal a user (or an API client) can meet, each declared once.

use serde::{Deserialize, Serialize};

use crate::i18n::{Locale, td_string};

/// Declares every refusal once: its HTTP status for the JSON API (with `[field]` naming the wait
/// it tells, sent as `Retry-After`, and `blocking` when the verification cannot go on: start
/// again or go back), its JSON API code, the locale-file key of
/// its sentence with the values of the key's placeholder, and its log message. A variant with
/// fields may choose its key by pattern (`|` between the choices). Every sentence may be
/// overridden by a site (`crate::wording::validate_overrides`).
macro_rules! declare_refusals {
    (@blocking) => { false };
    (@blocking blocking) => { true };
    (@wait_pattern $variant:ident) => { PortalError::$variant { .. } };
    (@wait_pattern $variant:ident, $wait:ident) => { PortalError::$variant { $wait, .. } };
    (@wait_value) => { None };
    (@wait_value $wait:ident) => { Wait::seconds($wait) };
    (@text $locale:ident, $group:ident . $key:ident) => { td_string!($locale, $group.$key).to_string() };
    (@text $locale:ident, $group:ident . $key:ident, $name:ident = $value:expr) => { td_string!($locale, $group.$key, $name = $value) };
    ($(
        $variant:ident $({ $($field:ident: $type:ty),* })?: $status:literal $([$wait:ident])? $($blocking:ident)?, $code:literal,
            $($({ $($pattern:tt)* } =>)? $group:ident . $key:ident $(($name:ident = $value:expr))?)|+, $message:literal;
    )*) => {
        /// Every refusal a user can meet. The page turns each into a translated sentence;
        /// none carries a code, a secret or an internal detail.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
        #[serde(tag = "error_code", rename_all = "snake_case")]
        pub enum PortalError {
            $(#[error($message)] $variant $({ $($field: $type),* })?,)*
        }

        impl PortalError {
            /// The JSON API's codes, in declaration order (a code may stand for several refusals).
            pub const API_CODES: &[&str] = &[$($code),*];
            /// The locale-file keys of every refusal's sentences.
            pub const TEXT_KEYS: &[&str] = &[$($(concat!(stringify!($group), ".", stringify!($key))),+),*];

            /// django-twilio-2fa's code for this refusal, where it has one; ours where it has none.
            pub fn api_code(&self) -> &'static str {
                match self { $(PortalError::$variant { .. } => $code,)* }
            }

            /// The HTTP status the JSON API answers this refusal with.
            pub fn http_status(&self) -> u16 {
                match self { $(PortalError::$variant { .. } => $status,)* }
            }

            /// Seconds until the same request may succeed, when the refusal tells a wait.
            pub fn retry_after(&self) -> Option<u64> {
                match self {
                    $(declare_refusals!(@wait_pattern $variant $(, $wait)?) => declare_refusals!(@wait_value $($wait)?),)*
                }
            }

            /// This verification cannot go on: the user starts again or goes back.
            pub fn blocking(&self) -> bool {
                match self { $(PortalError::$variant { .. } => declare_refusals!(@blocking $($blocking)?),)* }
            }

            /// The locale-file key of this refusal's sentence, with the values of its placeholder.
            pub fn text_key(&self) -> (&'static str, Vec<(&'static str, String)>) {
                match self {
                    $($(PortalError::$variant { $($($pattern)*)? } => (
                        concat!(stringify!($group), ".", stringify!($key)),
                        vec![$((stringify!($name), ($value).to_string()))?],
                    ),)+)*
                }
            }

            /// The sentence a user reads for this refusal, in the portal's own wording.
            pub fn text(&self, locale: Locale) -> String {
                match self {
                    $($(PortalError::$variant { $($($pattern)*)? } => declare_refusals!(@text locale, $group.$key $(, $name = $value)?),)+)*
                }
            }
        }
    };
}

// Variant { fields }: status [wait] blocking?, API code, sentence key (placeholder = value), log message;
declare_refusals! {
    InvalidPhoneNumber: 400, "invalid_phone_number", errors.invalid_phone_number, "invalid phone number";
    MobileNumberRequired: 400, "mobile_number_required", errors.mobile_number_required, "mobile number required";
    NumberTypeNotAllowed: 400, "number_type_not_allowed", errors.number_type_not_allowed, "codes are not sent to this kind of phone line";
    InvalidEmail: 400, "invalid_email", errors.invalid_email, "invalid e-mail address";
    InvalidCode: 400, "invalid_verification_code", errors.invalid_code, "the code may only contain digits";
    CodeLength { expected: usize }: 400, "invalid_verification_code",
        { expected } => errors.code_length(count = *expected), "the code must have {expected} digits";
    WrongCode { attempts_left: u32 }: 400, "incorrect_verification_code",
        { .. } => errors.wrong_code, "wrong code";
    MaxAttemptsReached: 423 blocking, "max_attempts_reached", errors.max_attempts_reached, "too many attempts";
    VerificationExpired: 410 blocking, "verification_expired", errors.verification_expired, "verification expired";
    CodeAlreadyUsed: 409, "verification_already_approved", errors.code_already_used, "code already used";
    ResendCooldown { retry_in: u64 }: 429 [retry_in], "resend_cooldown",
        { retry_in } => errors.resend_cooldown(count = *retry_in), "resend too soon";
    TooManySends { retry_in: u64 }: 429 [retry_in], "max_sends_reached",
        { retry_in } => errors.too_many_sends(count = retry_in.div_ceil(60)), "too many codes sent";
    VerificationNotFound: 404, "verification_not_found", errors.verification_not_found, "verification not found";
    VerificationCanceled: 409 blocking, "verification_canceled", errors.verification_canceled, "verification canceled";
    MethodNotAllowed: 403, "method_not_allowed", errors.method_not_allowed, "method not allowed";
    NoActiveRequest: 401 blocking, "user_unauthenticated", errors.no_active_request, "no verification request in progress";
    InvalidRequest: 401, "invalid_request", errors.invalid_request, "invalid verification request";
    RequestExpired: 401, "invalid_request", errors.request_expired, "verification request expired";
    RequestReplayed: 401, "invalid_request", errors.request_replayed, "verification request already used";
    DeliveryFailed: 502, "delivery_failed", errors.delivery_failed, "the code could not be delivered";
    PhoneCountryNotAllowed: 400, "phone_country_not_allowed", errors.phone_country_not_allowed, "codes cannot be sent to this country";
    RecipientOptedOut: 403, "recipient_opted_out", errors.recipient_opted_out, "the recipient opted out of text messages";
    DestinationBlocked: 403, "destination_blocked", errors.destination_blocked, "the destination is blocked for now";
    ProviderBusy { retry_in: Option<u64> }: 429 [retry_in], "twilio_rate_limited",
        { retry_in: Some(seconds) } => errors.provider_busy_for(count = *seconds) | { retry_in: None } => errors.provider_busy,
        "too many requests for this destination";
    DestinationRequired: 400, "missing_user_data", errors.destination_required, "a phone number or e-mail address is needed for this method";
    RegistrationNotAllowed: 403, "registration_not_allowed", errors.registration_not_allowed,
        "this user may not register a phone number or e-mail address here";
    ChangeNotAllowed: 403, "change_not_allowed", errors.change_not_allowed, "this user may not change their phone number or e-mail address here";
    NoMethodAvailable: 403, "no_method_available", errors.no_method_available, "no method is available to this user";
    InvalidCarrierType: 400, "invalid_carrier_type", errors.invalid_carrier_type, "this kind of phone line is not accepted";
    UserIdMissing: 400, "unauthenticated_user_param_missing", errors.user_id_missing, "an API client named no user";
    TooManyDestinations: 403, "too_many_destinations", errors.too_many_destinations,
        "this request has sent codes to as many destinations as it may";
    SendingPaused: 503, "sending_paused", errors.sending_paused, "sending is paused for now";
    CheckWait { retry_in: u64 }: 429 [retry_in], "too_many_failed_checks",
        { retry_in } => errors.check_wait(count = *retry_in), "too many wrong codes in a row: wait before the next check";
    UserLocked: 423, "user_locked", errors.user_locked,
        "too many wrong codes in a row: locked until the application or the operator lifts it";
    FactorConfirmationRequired: 403, "factor_confirmation_required", errors.factor_confirmation_required,
        "a code to one of the user's factors must be entered before a new destination is added";
    AlreadyApproved: 409, "verification_already_approved", errors.already_approved,
        "the verification was already approved and can no longer be canceled";
    InvalidApiKey: 401, "invalid_api_key", errors.invalid_api_key, "missing or wrong API key";
    InvalidBody: 400, "invalid_body", errors.invalid_body, "the body is not the JSON object this call takes";
    UnsupportedMediaType: 415, "unsupported_media_type", errors.unsupported_media_type, "the body is not sent as application/json";
    PayloadTooLarge: 413, "payload_too_large", errors.payload_too_large, "the body is larger than the API takes";
    InvalidQuery: 400, "invalid_query", errors.invalid_query, "the query string is not the one this call takes";
    UnknownEndpoint: 404, "unknown_endpoint", errors.unknown_endpoint, "no such API endpoint";
    HttpMethodNotAllowed: 405, "http_method_not_allowed", errors.http_method_not_allowed, "this API endpoint does not take this HTTP method";
    CrossSiteRequest: 403, "cross_site_request", errors.cross_site_request, "a browser's call came from another site";
    RequestTimeout: 408, "request_timeout", errors.request_timeout, "the request took longer than the server allows";
    Overloaded: 503, "overloaded", errors.overloaded, "too many requests at once: the server turned this one away";
    Unavailable: 503, "unavailable", errors.unavailable, "the service is unavailable";
    Network: 503, "unavailable", errors.network, "the server could not be reached";
}

/// The form field a refusal is about: the page marks that field invalid and ties the sentence to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Code,
    PhoneNumber,
    Email,
}

impl PortalError {
    pub fn field(&self) -> Option<Field> {
        match self {
            PortalError::WrongCode { .. } | PortalError::InvalidCode | PortalError::CodeLength { .. } => Some(Field::Code),
            PortalError::InvalidPhoneNumber
            | PortalError::MobileNumberRequired
            | PortalError::NumberTypeNotAllowed
            | PortalError::PhoneCountryNotAllowed
            | PortalError::InvalidCarrierType => Some(Field::PhoneNumber),
            PortalError::InvalidEmail => Some(Field::Email),
            _ => None,
        }
    }
}

/// A wait a refusal tells, in seconds: always known, or known only when a provider said.
trait Wait {
    fn seconds(&self) -> Option<u64>;
}

impl Wait for u64 {
    fn seconds(&self) -> Option<u64> {
        Some(*self)
    }
}

impl Wait for Option<u64> {
    fn seconds(&self) -> Option<u64> {
        *self
    }
}

impl leptos::server_fn::error::FromServerFnError for PortalError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(error: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        leptos::logging::warn!("server function failed: {error}");
        PortalError::Network
    }
}

#[cfg(test)]
mod tests {
    use super::PortalError;

    #[test]
    fn a_refusal_that_names_its_wait_says_how_long_and_the_others_say_nothing() {
        assert_eq!(PortalError::ResendCooldown { retry_in: 30 }.retry_after(), Some(30));
        assert_eq!(PortalError::CheckWait { retry_in: 60 }.retry_after(), Some(60));
        assert_eq!(PortalError::ProviderBusy { retry_in: Some(7) }.retry_after(), Some(7));
        assert_eq!(PortalError::ProviderBusy { retry_in: None }.retry_after(), None);
        assert_eq!(PortalError::UserLocked.retry_after(), None);
        assert_eq!(PortalError::WrongCode { attempts_left: 3 }.retry_after(), None);
    }

    #[test]
    fn api_codes_are_snake_case() {
        for code in PortalError::API_CODES {
            assert!(!code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{code}");
        }
    }

    #[test]
    fn a_refusal_with_two_sentences_chooses_its_key_by_its_fields() {
        assert_eq!(PortalError::ProviderBusy { retry_in: None }.text_key(), ("errors.provider_busy", vec![]));
        let busy_for = PortalError::ProviderBusy { retry_in: Some(60) };
        assert_eq!(busy_for.text_key(), ("errors.provider_busy_for", vec![("count", "60".to_owned())]));
        assert_eq!(PortalError::TooManySends { retry_in: 61 }.text_key().1, vec![("count", "2".to_owned())]);
        assert!(PortalError::TEXT_KEYS.contains(&"errors.provider_busy_for"));
    }
}
