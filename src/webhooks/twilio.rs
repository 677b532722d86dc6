//! The routes Twilio calls, under `/webhooks/twilio/`: a verification call's TwiML and the
//! status reports of messages and calls. Each request must carry a valid `X-Twilio-Signature`
//! (by the auth token, or by the shared key `X-Twilio-Webhooks-Signature-Settings` announces);
//! without one the answer is 403 and nothing changes.

use axum::Router;
use axum::extract::{FromRequest, MatchedPath, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use secrecy::ExposeSecret;

use super::signature::{Algorithm, SETTINGS_HEADER, SignedBody, verify};
use super::twiml;
use crate::domain::DeliveryState;
use crate::domain::{DeliveryReport, DeliveryToken};
use crate::gateways::twilio::callbacks::{Callback, CallbackUrls};
use crate::i18n::Locale;
use crate::application::deliveries::{self, ReportReceipt};
use crate::wording::messages::Spoken;
use crate::application::Application;

/// Twilio's callbacks are small forms; anything larger is not one.
const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn routes() -> Router<Application> {
    Router::new()
        .route(&Callback::Voice.route(), post(answer_call))
        .route(&Callback::VoiceCode.route(), post(read_code))
        .route(&Callback::Status.route(), post(status_report))
}

/// A request whose `X-Twilio-Signature` matches its URL and body, with its form fields.
pub struct SignedByTwilio {
    fields: Vec<(String, String)>,
    idempotency_key: Option<String>,
}

impl SignedByTwilio {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

impl FromRequest<Application> for SignedByTwilio {
    type Rejection = StatusCode;

    async fn from_request(request: Request, app: &Application) -> Result<Self, Self::Rejection> {
        let Some(auth_token) = app.settings.twilio_auth_token.as_ref() else { return Err(StatusCode::NOT_FOUND) };
        let (parts, body) = request.into_parts();
        // The route, not the path: the path holds the delivery's token.
        let route = parts.extensions.get::<MatchedPath>().map(|m| m.as_str().to_owned()).unwrap_or_default();
        let body = axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| StatusCode::PAYLOAD_TOO_LARGE)?;
        // Twilio signs the URL it called: our public URL, not whatever a proxy forwarded.
        let path_and_query = parts.uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
        let url = format!("{}{path_and_query}", app.settings.public_url.as_str().trim_end_matches('/'));
        let is_json = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/json"));
        let fields: Vec<(String, String)> =
            if is_json { Vec::new() } else { url::form_urlencoded::parse(&body).into_owned().collect() };
        let signed = match (is_json, body.is_empty()) {
            (true, _) => SignedBody::Json(&body),
            (false, true) => SignedBody::Empty,
            (false, false) => SignedBody::Form(&fields),
        };
        let signature = parts.headers.get("x-twilio-signature").and_then(|value| value.to_str().ok());
        let announced = parts.headers.get(SETTINGS_HEADER).map(|value| value.to_str().ok().and_then(Algorithm::announced));
        let (key, algorithm) = match (announced, &app.settings.twilio_webhook_shared_key) {
            (None, _) => (auth_token, Algorithm::HmacSha1),
            (Some(Some(algorithm)), Some(shared_key)) => (shared_key, algorithm),
            (Some(_), _) => {
                tracing::warn!(%route, "refused a webhook request signed with an unknown shared key or algorithm");
                return Err(StatusCode::FORBIDDEN);
            }
        };
        if let Err(error) = verify(key.expose_secret(), algorithm, &url, signed, signature) {
            tracing::warn!(%route, %error, "refused a webhook request");
            return Err(StatusCode::FORBIDDEN);
        }
        let idempotency_key =
            parts.headers.get("i-twilio-idempotency-token").and_then(|value| value.to_str().ok()).map(str::to_owned);
        Ok(SignedByTwilio { fields, idempotency_key })
    }
}

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], body).into_response()
}

fn unavailable(app: &Application, locale: Locale) -> Response {
    xml(twiml::unavailable(&Spoken::new(locale, &app.settings.service_name)))
}

/// The callee answered: greet them and wait for a key before saying anything secret.
async fn answer_call(State(app): State<Application>, Path(token): Path<String>, request: SignedByTwilio) -> Response {
    speak(&app, &token, &request, |spoken, _, code_url| twiml::greeting(spoken, code_url)).await
}

/// A key was pressed: read the code.
async fn read_code(State(app): State<Application>, Path(token): Path<String>, request: SignedByTwilio) -> Response {
    speak(&app, &token, &request, twiml::code).await
}

async fn speak<F>(app: &Application, token: &str, request: &SignedByTwilio, script: F) -> Response
where
    F: FnOnce(&Spoken, &crate::domain::OtpCode, &str) -> String,
{
    let Ok(token) = DeliveryToken::parse(token) else { return unavailable(app, Locale::en) };
    match deliveries::call_code(app, &token, request.field("CallSid")).await {
        Ok(Some(call)) => {
            let spoken = Spoken::new(call.locale, &app.settings.service_name);
            let code_url = CallbackUrls::new(&app.settings.public_url).url(Callback::VoiceCode, &token);
            xml(script(&spoken, &call.code, &code_url))
        }
        Ok(None) | Err(_) => unavailable(app, deliveries::call_locale(app, &token).await),
    }
}

/// A message or call status report.
async fn status_report(State(app): State<Application>, Path(token): Path<String>, request: SignedByTwilio) -> StatusCode {
    let Ok(token) = DeliveryToken::parse(&token) else { return StatusCode::NOT_FOUND };
    let (provider_id, report) = if let Some(status) = request.field("MessageStatus") {
        (request.field("MessageSid"), message_state(status))
    } else if let Some(status) = request.field("CallStatus") {
        (request.field("CallSid"), call_state(status))
    } else {
        return StatusCode::BAD_REQUEST;
    };
    // A status we do not track (an inbound message's) changes nothing.
    let Some(state_reported) = report else { return StatusCode::NO_CONTENT };
    let report = DeliveryReport {
        state: state_reported,
        sequence: request.field("SequenceNumber").and_then(|n| n.parse().ok()),
        error_code: request.field("ErrorCode").filter(|code| !code.is_empty()).map(str::to_owned),
    };
    match deliveries::record_report(&app, &token, provider_id, &report, request.idempotency_key.as_deref()).await {
        Ok(ReportReceipt::Applied | ReportReceipt::Ignored) => StatusCode::NO_CONTENT,
        Ok(ReportReceipt::Unknown) => StatusCode::NOT_FOUND,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// Twilio's `MessageStatus`, in our terms.
fn message_state(status: &str) -> Option<DeliveryState> {
    Some(match status {
        "accepted" | "queued" | "scheduled" | "sending" => DeliveryState::Queued,
        "sent" | "partially_delivered" => DeliveryState::Sent,
        "delivered" | "read" => DeliveryState::Delivered,
        "undelivered" | "failed" | "canceled" => DeliveryState::Undelivered,
        _ => return None,
    })
}

/// Twilio's `CallStatus`, in our terms.
fn call_state(status: &str) -> Option<DeliveryState> {
    Some(match status {
        "queued" | "initiated" => DeliveryState::Queued,
        "ringing" => DeliveryState::Ringing,
        "in-progress" => DeliveryState::Answered,
        "completed" => DeliveryState::Completed,
        "busy" | "no-answer" | "failed" | "canceled" => DeliveryState::NotAnswered,
        _ => return None,
    })
}
