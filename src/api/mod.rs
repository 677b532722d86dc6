//! The JSON API under `/api/v1/`: the portal's journey for sites that draw their own pages, as
//! django-twilio-2fa's API offers. A browser's calls are bound to the session that `/start`
//! opened: its verification can only be sent, checked or canceled from that session. Calls with
//! `Authorization: Bearer <TWOFA_API_KEY>` are an API client's (`client`), bound to API clients.
//!
//! Every answer carries `display`, the sentence to show the user in their language; refusals
//! are `{error_code, display, blocking, retry_after}` with an HTTP status that says what kind,
//! the framework's own (a malformed body, an unknown path) included.

pub mod client;
mod contract;
mod extract;

use client::Caller;
use contract::Contract;
use extract::{Body, Params};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use utoipa::{OpenApi, ToSchema};

use crate::bounds;
use crate::domain::Channel;
use crate::i18n::{Locale, td_string};
use crate::application::Application;
use crate::application::journey::{self, Asker, Flash, Moved};
use crate::refusal::PortalError;
use crate::view::{FailureReason, PendingCode, PhoneInput, Step};
use crate::wording::{MessageOverrides, Wording};
use crate::extract::locale::locale_of;

pub fn routes() -> Router<Application> {
    Router::new()
        // GET, and POST as django-twilio-2fa has it.
        .route("/api/v1/verification-methods", get(verification_methods).post(verification_methods))
        .route("/api/v1/send", post(send))
        .route("/api/v1/verify", post(verify))
        .route("/api/v1/cancel", post(cancel))
        .route("/api/v1/set-phone-number", post(set_phone_number))
        .route("/api/v1/set-email", post(set_email))
        .route("/api/v1/requests", post(create_request))
        .route("/api/v1/users/unlock", post(unlock_user))
        .route("/api/v1/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .route("/api/v1/{*unknown}", axum::routing::any(unknown_endpoint))
        .method_not_allowed_fallback(http_method_not_allowed)
        .layer(DefaultBodyLimit::max(bounds::API_BODY))
}

async fn unknown_endpoint(State(app): State<Application>, headers: HeaderMap) -> Refusal {
    refusal(&app, locale_of(&headers), PortalError::UnknownEndpoint)
}

/// axum still adds the `Allow` header to this answer.
async fn http_method_not_allowed(State(app): State<Application>, headers: HeaderMap) -> Refusal {
    refusal(&app, locale_of(&headers), PortalError::HttpMethodNotAllowed)
}

#[derive(OpenApi)]
#[openapi(
    info(title = "leptos-2fa", description = "Second-factor verification by text message, call, e-mail or WhatsApp. \
        Every refusal is an `ApiError` body: a path under /api/v1 that does not exist is answered 404 `unknown_endpoint`, \
        a method a path does not take 405 `http_method_not_allowed` (with `Allow`); before any handler, a browser's \
        cross-site call is 403 `cross_site_request`, a body past the server's limit 413 `payload_too_large`, a call \
        while the server is full 503 `overloaded` and one that takes too long 408 `request_timeout`."),
    paths(verification_methods, send, verify, cancel, set_phone_number, set_email, create_request, unlock_user),
    modifiers(&BearerKey, &Contract)
)]
pub struct ApiDoc;

/// `POST /api/v1/requests` takes `Authorization: Bearer <TWOFA_API_KEY>`.
struct BearerKey;

impl utoipa::Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let scheme = SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build());
        openapi.components.get_or_insert_with(Default::default).add_security_scheme("api_key", scheme);
    }
}

/// The user whose wrong codes in a row to forget.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UnlockRequest {
    #[schema(min_length = 1, max_length = 255, pattern = r"\S")]
    pub user_id: String,
}

/// A verification request from a relying application's server, for one of its users.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRequest {
    /// The application's id for the user.
    #[schema(min_length = 1, max_length = 255, pattern = r"\S")]
    pub user_id: String,
    /// Where the user goes back with the result; its origin must be allowed.
    #[schema(format = "uri", min_length = 1, max_length = 2048)]
    pub return_url: String,
    /// A number or address the application already knows for the user (E.164 for a number).
    #[schema(max_length = 32)]
    pub phone_number: Option<String>,
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// The application's name, on the user's "Continue to …" button (else `TWOFA_APPLICATION_NAME`).
    #[schema(min_length = 1, max_length = 64)]
    pub app_name: Option<String>,
    /// Seconds the returned link stays valid (default 300, at most 900: longer is cut to 900).
    pub expires_in: Option<u64>,
}

/// Where to send the user: the portal's `/start` with the signed request.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedRequest {
    pub url: String,
    /// Unix time after which the link no longer works.
    pub expires_at: i64,
}

/// A refusal, as django-twilio-2fa words it: `error_code` is one of its codes (see the README),
/// `blocking` says this verification cannot go on (start again or go back), `retry_after` gives
/// the seconds until the same request may succeed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    pub success: bool,
    #[schema(schema_with = contract::error_codes, example = "invalid_phone_number")]
    pub error_code: String,
    pub display: String,
    pub blocking: bool,
    pub retry_after: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Method {
    pub method: Channel,
    /// The method's name in the user's language.
    pub label: String,
    /// Where the code would go (masked), when the portal knows it already.
    pub destination: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Methods {
    pub display: String,
    pub verification_methods: Vec<Method>,
}

/// A code on its way.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CodeSent {
    pub display: String,
    /// API clients only: the id to check or cancel this verification with. A browser session's
    /// verification is known by the session and never named.
    pub verification_id: Option<String>,
    pub method: Channel,
    /// Where it went, masked.
    pub destination: String,
    pub code_length: usize,
    /// Seconds until a new code may be asked for.
    pub can_resend_in: u64,
    /// Seconds the code stays valid.
    pub expires_in: u64,
    /// Checks made, and left, for this verification.
    pub attempts: u32,
    pub attempts_left: u32,
    /// Codes sent for this verification.
    pub sends: u32,
}

impl CodeSent {
    fn new(display: String, verification_id: Option<String>, pending: PendingCode) -> Self {
        CodeSent {
            display,
            verification_id,
            method: pending.channel,
            destination: pending.destination,
            code_length: pending.code_length,
            can_resend_in: pending.resend_in,
            expires_in: pending.expires_in,
            attempts: pending.attempts,
            attempts_left: pending.attempts_left,
            sends: pending.sends,
        }
    }
}

/// A checked code. `verified`: the second factor is passed; POST `/finish` (with the session) to
/// go back with the signed result. A wrong code is `verified: false` with the attempts left (as
/// django-twilio-2fa answers). During a phone change, a right code for the current number is
/// `verified: false` with `code_sent`: the new number's code.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Checked {
    pub display: String,
    pub verified: bool,
    pub finish_url: Option<String>,
    pub attempts_left: Option<u32>,
    pub code_sent: Option<CodeSent>,
    /// API clients, once verified: the code went to a destination the user registered holding no
    /// factor before, so nothing but the caller vouches for the user. (A browser session's
    /// signed result carries the same claim.)
    pub first_enrolment: Option<bool>,
}

impl Checked {
    /// A wrong code: not verified, with the checks left (as django-twilio-2fa answers).
    fn wrong_code(display: String, attempts_left: u32) -> Self {
        Checked { display, verified: false, finish_url: None, attempts_left: Some(attempts_left), code_sent: None, first_enrolment: None }
    }

    /// A right code that leads on: the destination being added or changed got its own code.
    fn next_code(code_sent: CodeSent) -> Self {
        Checked {
            display: code_sent.display.clone(),
            verified: false,
            finish_url: None,
            attempts_left: None,
            code_sent: Some(code_sent),
            first_enrolment: None,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Done {
    pub display: String,
}

/// A browser session sends `method` and, when the portal does not know it yet, the destination;
/// an API client also sends `user_id` (required for API clients).
#[derive(Debug, Deserialize, ToSchema)]
pub struct SendRequest {
    pub method: Channel,
    /// API clients only, and required for them: the application's id for the user to verify.
    #[schema(min_length = 1, max_length = 255, pattern = r"\S")]
    pub user_id: Option<String>,
    /// For a phone method, when the portal does not know the user's number yet.
    #[schema(min_length = 1, max_length = 32)]
    pub phone_number: Option<String>,
    /// ISO 3166 region for a national number; defaults to `TWOFA_DEFAULT_REGION`.
    /// Also read as `country_code`.
    #[serde(alias = "country_code")]
    #[schema(max_length = 8)]
    pub phone_country: Option<String>,
    /// For e-mail, when the portal does not know the user's address yet.
    #[schema(min_length = 1, max_length = 254)]
    pub email: Option<String>,
}

/// A browser session sends `code`; an API client also sends `user_id` and `verification_id`
/// (both required for API clients).
#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyRequest {
    /// The digits received; spaces and dashes are ignored.
    #[schema(min_length = 1, max_length = 32)]
    pub code: String,
    /// API clients only: the user, and the verification `send` answered.
    #[schema(min_length = 1, max_length = 255, pattern = r"\S")]
    pub user_id: Option<String>,
    #[schema(min_length = 1)]
    pub verification_id: Option<String>,
}

/// API clients only, and both fields are required for them; a browser session's call has no body.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CancelRequest {
    #[schema(min_length = 1, max_length = 255, pattern = r"\S")]
    pub user_id: Option<String>,
    #[schema(min_length = 1)]
    pub verification_id: Option<String>,
}

/// API clients only, and required for them: the user whose methods to list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    #[param(min_length = 1, max_length = 255, pattern = r"\S")]
    pub user_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PhoneRequest {
    #[schema(min_length = 1, max_length = 32)]
    pub phone_number: String,
    /// ISO 3166 region for a national number; defaults to `TWOFA_DEFAULT_REGION`.
    /// Also read as `phone_country`.
    #[serde(alias = "phone_country")]
    #[schema(max_length = 8)]
    pub country_code: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailRequest {
    #[schema(min_length = 1, max_length = 254)]
    pub email: String,
}

/// An API refusal, worded in the user's language (with the site's overrides).
pub struct Refusal(PortalError, String);

fn refusal(app: &Application, locale: Locale, error: PortalError) -> Refusal {
    Refusal::in_front(locale, &app.settings.messages, error)
}

/// The paths the JSON API answers: every refusal under them is an `ApiError`.
const API_PATHS: &str = "/api/v1/";

impl Refusal {
    /// Whether `path` is the JSON API's, whose refusals are all the documented JSON error.
    pub fn is_api_path(path: &str) -> bool {
        path.starts_with(API_PATHS)
    }

    /// `error` answered where no handler runs (the CSRF check, the serving layers' body limit,
    /// load shedding and timeout), worded in `locale` with the site's overrides.
    pub fn in_front(locale: Locale, overrides: &MessageOverrides, error: PortalError) -> Refusal {
        let display = Wording::new(locale, overrides).error(&error);
        Refusal(error, display)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let Refusal(error, display) = self;
        let retry_after = error.retry_after();
        let body = ApiError {
            success: false,
            error_code: error.api_code().to_owned(),
            display,
            blocking: error.blocking(),
            retry_after,
        };
        let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

type Answer<T> = Result<Json<T>, Refusal>;

/// Answers a journey command with the code it sent, or with the refusal it met.
fn code_sent(app: &Application, locale: Locale, moved: Result<Moved, PortalError>) -> Answer<CodeSent> {
    let refuse = |error| refusal(app, locale, error);
    let Moved { step, news, sent } = moved.map_err(refuse)?;
    match (step, sent) {
        (Step::EnterCode, Some(sent)) => {
            let display = news.map(|news| Wording::new(locale, &app.settings.messages).notice(&news)).unwrap_or_default();
            Ok(Json(CodeSent::new(display, None, sent)))
        }
        (Step::RegisterPhone | Step::RegisterEmail, _) => Err(refuse(PortalError::DestinationRequired)),
        (Step::NoRequest, _) => Err(refuse(PortalError::NoActiveRequest)),
        _ => Err(refuse(PortalError::VerificationNotFound)),
    }
}

/// A destination given for a journey that has ended is refused as the end of its verification.
fn still_open(moved: Moved) -> Result<Moved, PortalError> {
    match moved.step {
        Step::Verified | Step::Failed => Err(PortalError::VerificationCanceled),
        _ => Ok(moved),
    }
}

/// The methods this user may choose, with where each would send the code. An API client names
/// the user with `user_id`.
#[utoipa::path(method(get, post), path = "/api/v1/verification-methods", operation_id = "verification_methods", params(UserQuery),
    security((), ("api_key" = [])),
    responses((status = 200, body = Methods), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
async fn verification_methods(
    State(app): State<Application>,
    caller: Caller,
    session: Session,
    headers: HeaderMap,
    Params(query): Params<UserQuery>,
) -> Answer<Methods> {
    let locale = locale_of(&headers);
    if caller == Caller::ApiClient {
        let methods = client::methods(&app, locale, query.user_id).await.map_err(|error| refusal(&app, locale, error))?;
        return Ok(Json(Methods { display: td_string!(locale, methods.intro).to_string(), verification_methods: methods }));
    }
    let view = journey::view(&app, &session, Flash::default(), None, locale).await.map_err(|error| refusal(&app, locale, error))?;
    if view.step == Step::NoRequest {
        return Err(refusal(&app, locale, PortalError::NoActiveRequest));
    }
    let methods = view
        .methods
        .into_iter()
        .map(|option| Method {
            label: option.label,
            method: option.channel,
            destination: option.destination,
        })
        .collect();
    Ok(Json(Methods { display: td_string!(locale, methods.intro).to_string(), verification_methods: methods }))
}

/// Sends a code by `method`: to the destination the portal knows, else to the one given.
#[utoipa::path(post, path = "/api/v1/send", request_body = SendRequest, security((), ("api_key" = [])), responses(
    (status = 200, body = CodeSent), (status = 400, body = ApiError), (status = 401, body = ApiError),
    (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 423, body = ApiError),
    (status = 429, body = ApiError), (status = 502, body = ApiError), (status = 503, body = ApiError)))]
async fn send(
    State(app): State<Application>,
    caller: Caller,
    session: Session,
    asker: Asker,
    Body(request): Body<SendRequest>,
) -> Answer<CodeSent> {
    let locale = asker.locale;
    if caller == Caller::ApiClient {
        return client::send(&app, locale, request).await.map(Json).map_err(|error| refusal(&app, locale, error));
    }
    let moved = match (request.method, request.phone_number, request.email) {
        (channel, Some(number), _) if channel.uses_phone() => {
            let country = request.phone_country.unwrap_or_else(|| app.settings.default_region.clone());
            journey::register_phone(&app, &session, &PhoneInput { country, number }, Some(channel), asker).await.and_then(still_open)
        }
        (Channel::Email, _, Some(email)) => journey::register_email(&app, &session, &email, asker).await.and_then(still_open),
        (channel, _, _) => journey::choose_method(&app, &session, channel, asker).await,
    };
    code_sent(&app, locale, moved)
}

/// Checks a code. On success the user's session carries the passed second factor.
#[utoipa::path(post, path = "/api/v1/verify", request_body = VerifyRequest, security((), ("api_key" = [])), responses(
    (status = 200, body = Checked), (status = 400, body = ApiError), (status = 401, body = ApiError),
    (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 410, body = ApiError),
    (status = 423, body = ApiError), (status = 429, body = ApiError), (status = 502, body = ApiError), (status = 503, body = ApiError)))]
async fn verify(
    State(app): State<Application>,
    caller: Caller,
    session: Session,
    asker: Asker,
    Body(request): Body<VerifyRequest>,
) -> Answer<Checked> {
    let locale = asker.locale;
    if caller == Caller::ApiClient {
        return client::verify(&app, locale, request).await.map(Json).map_err(|error| refusal(&app, locale, error));
    }
    let refuse = |error| refusal(&app, locale, error);
    let moved = match journey::check_code(&app, &session, &request.code, asker).await {
        Err(error @ PortalError::WrongCode { attempts_left }) => {
            return Ok(Json(Checked::wrong_code(Wording::new(locale, &app.settings.messages).error(&error), attempts_left)));
        }
        other => other.map_err(refuse)?,
    };
    match moved.step {
        Step::Verified => Ok(Json(Checked {
            display: td_string!(locale, success.body).to_string(),
            verified: true,
            finish_url: Some(format!("{}/finish", app.mount)),
            attempts_left: None,
            code_sent: None,
            first_enrolment: None,
        })),
        Step::EnterCode => Ok(Json(Checked::next_code(code_sent(&app, locale, Ok(moved))?.0))),
        Step::Failed => {
            let view = journey::view(&app, &session, Flash::default(), None, locale).await.map_err(refuse)?;
            Err(refuse(match view.failure {
                Some(FailureReason::VerificationExpired) => PortalError::VerificationExpired,
                _ => PortalError::MaxAttemptsReached,
            }))
        }
        Step::ChooseMethod => Err(refuse(PortalError::VerificationNotFound)),
        _ => Err(refuse(PortalError::NoActiveRequest)),
    }
}

/// Cancels the pending code. An approved verification stays approved:
/// `verification_already_approved`.
#[utoipa::path(post, path = "/api/v1/cancel",
    request_body(content = Option<CancelRequest>, description = "API clients only; a browser session's call has no body"),
    security((), ("api_key" = [])), responses((status = 200, body = Done), (status = 400, body = ApiError),
    (status = 401, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
async fn cancel(
    State(app): State<Application>,
    caller: Caller,
    session: Session,
    headers: HeaderMap,
    body: Option<Body<CancelRequest>>,
) -> Answer<Done> {
    let locale = locale_of(&headers);
    let refuse = |error| refusal(&app, locale, error);
    if caller == Caller::ApiClient {
        let request = body.map(|Body(request)| request).unwrap_or_default();
        client::cancel(&app, request).await.map_err(refuse)?;
        return Ok(Json(Done { display: td_string!(locale, notice.canceled).to_string() }));
    }
    if journey::cancel(&app, &session).await.map_err(refuse)?.step == Step::Verified {
        return Err(refuse(PortalError::AlreadyApproved));
    }
    Ok(Json(Done { display: td_string!(locale, notice.canceled).to_string() }))
}

/// Registers or changes the phone number: it is saved once its code is entered (after a code
/// to the current number, when there is one).
/// A browser session's call; a wrong API key is refused here as everywhere.
#[utoipa::path(post, path = "/api/v1/set-phone-number", request_body = PhoneRequest, responses(
    (status = 200, body = CodeSent), (status = 400, body = ApiError), (status = 401, body = ApiError),
    (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 423, body = ApiError),
    (status = 429, body = ApiError), (status = 502, body = ApiError), (status = 503, body = ApiError)))]
async fn set_phone_number(
    State(app): State<Application>,
    _caller: Caller,
    session: Session,
    asker: Asker,
    Body(request): Body<PhoneRequest>,
) -> Answer<CodeSent> {
    let locale = asker.locale;
    let country = request.country_code.unwrap_or_else(|| app.settings.default_region.clone());
    let input = PhoneInput { country, number: request.phone_number };
    let moved = journey::register_phone(&app, &session, &input, None, asker).await;
    code_sent(&app, locale, moved)
}

/// Registers or changes the e-mail address: it is saved once its code is entered.
/// A browser session's call; a wrong API key is refused here as everywhere.
#[utoipa::path(post, path = "/api/v1/set-email", request_body = EmailRequest, responses(
    (status = 200, body = CodeSent), (status = 400, body = ApiError), (status = 401, body = ApiError),
    (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 423, body = ApiError),
    (status = 429, body = ApiError), (status = 502, body = ApiError), (status = 503, body = ApiError)))]
async fn set_email(
    State(app): State<Application>,
    _caller: Caller,
    session: Session,
    asker: Asker,
    Body(request): Body<EmailRequest>,
) -> Answer<CodeSent> {
    let locale = asker.locale;
    let moved = journey::register_email(&app, &session, &request.email, asker).await;
    code_sent(&app, locale, moved)
}

/// Creates a verification request for a user, server to server, and answers the link to send
/// the user to. Each link works once.
#[utoipa::path(post, path = "/api/v1/requests", request_body = NewRequest, security(("api_key" = [])), responses(
    (status = 201, body = CreatedRequest), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
async fn create_request(State(app): State<Application>, caller: Caller, headers: HeaderMap, Body(request): Body<NewRequest>) -> Response {
    let locale = locale_of(&headers);
    if caller != Caller::ApiClient {
        return refusal(&app, locale, PortalError::InvalidApiKey).into_response();
    }
    match crate::application::requests::create(&app, request.user_id, request.return_url, request.phone_number, request.email, request.app_name, request.expires_in) {
        Ok((url, expires_at)) => (StatusCode::CREATED, Json(CreatedRequest { url, expires_at: expires_at.0 })).into_response(),
        Err(error) => refusal(&app, locale, error).into_response(),
    }
}


/// Lifts the waits and the lock that wrong codes in a row put on a user (server to server): the
/// relying application has checked who is asking, as its support desk would.
#[utoipa::path(post, path = "/api/v1/users/unlock", request_body = UnlockRequest, security(("api_key" = [])), responses(
    (status = 200, body = Done), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn unlock_user(State(app): State<Application>, caller: Caller, headers: HeaderMap, Body(request): Body<UnlockRequest>) -> Answer<Done> {
    let locale = locale_of(&headers);
    let refuse = |error| refusal(&app, locale, error);
    if caller != Caller::ApiClient {
        return Err(refuse(PortalError::InvalidApiKey));
    }
    match app.verifier.lift_lockout(&request.user_id).await.map_err(refuse)? {
        true => Ok(Json(Done { display: td_string!(locale, notice.unlocked).to_string() })),
        false => Err(refuse(PortalError::VerificationNotFound)),
    }
}

/// Any body a caller sends is read into its request type or refused, without a panic; what the
/// fields may hold is checked where they are used (`client::user_id`, the destination parsers).
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    /// Any text, and JSON objects with the API's field names holding values of any type.
    fn body() -> impl Strategy<Value = String> {
        let names = prop::sample::select(vec![
            "method", "user_id", "phone_number", "phone_country", "country_code", "email", "code", "verification_id", "return_url", "expires_in",
        ]);
        let value = prop_oneof![
            any::<String>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(|number| json!(number)),
            prop::sample::select(vec!["sms", "call", "email", "whatsapp", "fax"]).prop_map(Value::from),
            Just(Value::Null),
            Just(json!([1, "two"])),
        ];
        prop_oneof![any::<String>(), prop::collection::btree_map(names, value, 0..8).prop_map(|fields| json!(fields).to_string())]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn any_body_is_read_or_refused(body in body()) {
            let _ = serde_json::from_str::<SendRequest>(&body);
            let _ = serde_json::from_str::<VerifyRequest>(&body);
            let _ = serde_json::from_str::<CancelRequest>(&body);
            let _ = serde_json::from_str::<PhoneRequest>(&body);
            let _ = serde_json::from_str::<EmailRequest>(&body);
            let _ = serde_json::from_str::<NewRequest>(&body);
        }
    }
}
