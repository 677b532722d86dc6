//! A stand-in for Twilio's REST API (Messages and Calls), for tests over real HTTP.
//!
//! It behaves as Twilio documents: Basic auth, form bodies validated with Twilio's error codes
//! and JSON, resources with the documented fields, and afterwards, like Twilio, it POSTs signed
//! status callbacks and, for a call, fetches the TwiML URL, "presses a key" at the `<Gather>`
//! and records what it heard. Tests can make it fail: queued faults (an HTTP status with a
//! Twilio code and `Retry-After`, a slow answer), numbers it refuses, numbers whose message is
//! undeliverable or whose call is not answered.
//!
//! It signs with its own HMAC-SHA1, written from Twilio's documentation, not the portal's code;
//! or, as where a Webhook Setting applies, with HMAC-SHA256 and a shared key it then announces in
//! `X-Twilio-Webhooks-Signature-Settings` (`sign_with_shared_key`).

#![allow(dead_code)]

pub mod verify;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const ACCOUNT_SID: &str = "AC00000000000000000000000000000001";
pub const AUTH_TOKEN: &str = "standin-auth-token-0123456789";
pub const FROM: &str = "+15005550006";
/// An API key of the account: it authenticates as well as the auth token does.
pub const API_KEY_SID: &str = "SK00000000000000000000000000000002";
pub const API_KEY_SECRET: &str = "standin-api-key-secret";
pub const MESSAGING_SERVICE_SID: &str = "MG00000000000000000000000000000003";

/// A SharedKey of a Webhook Setting: its id, and the secret it signs with.
#[derive(Debug, Clone)]
pub struct SharedKey {
    pub id: String,
    pub secret: String,
}

/// Something the next create request meets instead of success.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer with this HTTP status and Twilio error code (and `Retry-After`, seconds).
    Error { status: u16, code: Option<u32>, retry_after: Option<u64> },
    /// Answer normally, but only after this long.
    Slow { millis: u64 },
}

/// How status callbacks are sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackStyle {
    #[default]
    InOrder,
    /// Newest first, as Twilio may deliver them.
    Reversed,
    /// Every callback twice, as Twilio's retries do.
    Duplicated,
}

/// A number and a Twilio error code: its messages end with it (`/_test/undeliverable`), or
/// requests for it are refused with it (`/_test/refuse`).
#[derive(Debug, Clone, Deserialize)]
pub struct NumberRule {
    pub to: String,
    pub error_code: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct SentMessage {
    pub sid: String,
    pub to: String,
    pub from: Option<String>,
    pub messaging_service_sid: Option<String>,
    pub body: String,
    pub status_callback: Option<String>,
    pub validity_period: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlacedCall {
    pub sid: String,
    pub to: String,
    pub from: String,
    pub url: String,
    pub status_callback: Option<String>,
    pub events: Vec<String>,
    /// Every `<Say>` the call heard, in order.
    pub heard: Vec<String>,
    /// The voice and language of the first `<Say>`: `alice fr-FR`.
    pub voice: Option<String>,
    /// The single digits said after the key was pressed: the code, read twice.
    pub digits_heard: String,
    pub status: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SentCallback {
    pub url: String,
    pub fields: Vec<(String, String)>,
    pub signature: String,
    pub idempotency_token: String,
    pub answered: u16,
}

#[derive(Default)]
struct Shared {
    messages: Vec<SentMessage>,
    calls: Vec<PlacedCall>,
    callbacks: Vec<SentCallback>,
    faults: Vec<Fault>,
    /// Numbers refused at creation, with Twilio's error code.
    refused: HashMap<String, u32>,
    /// Numbers whose messages end `undelivered` with this error code.
    undeliverable: HashMap<String, u32>,
    /// Numbers that do not pick up.
    unanswered: Vec<String>,
    callback_style: CallbackStyle,
    requests: u32,
    verify: Vec<verify::VerifyRecord>,
    verify_sends: Vec<verify::VerifySend>,
    /// Seconds added to the real clock, to reach Verify's expiry.
    clock_offset: u64,
    /// Lookup's line type per number; numbers not listed are mobiles.
    line_types: HashMap<String, String>,
    /// The numbers looked up, in order.
    lookups: Vec<String>,
    /// Callbacks are signed with this key (HMAC-SHA256) instead of the auth token.
    shared_key: Option<SharedKey>,
}

/// A number and the line type Lookup reports for it (`/_test/line_type`); `unknown` when
/// Lookup cannot tell.
#[derive(Debug, Clone, Deserialize)]
pub struct LineTypeRule {
    pub to: String,
    pub line_type: String,
}

#[derive(Clone)]
pub struct Standin {
    pub base_url: String,
    shared: Arc<Mutex<Shared>>,
    http: reqwest::Client,
}

impl Standin {
    /// Serves on `address` (`127.0.0.1:0` for any free port).
    pub async fn start(address: &str) -> Standin {
        let listener = tokio::net::TcpListener::bind(address).await.expect("bind the Twilio stand-in");
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let standin = Standin {
            base_url,
            shared: Arc::default(),
            http: reqwest::Client::builder().timeout(Duration::from_secs(15)).build().unwrap(),
        };
        let account = "/2010-04-01/Accounts/{account}";
        let router = Router::new()
            .route(&format!("{account}/Messages.json"), post(create_message))
            .route(&format!("{account}/Calls.json"), post(create_call))
            .route("/v2/Services/{service}/Verifications", post(verify::start))
            .route("/v2/Services/{service}/Verifications/{sid}", post(verify::update))
            .route("/v2/Services/{service}/VerificationCheck", post(verify::check))
            .route("/v2/PhoneNumbers/{number}", get(lookup))
            .route("/_test/line_type", post(|State(s): State<Standin>, Json(n): Json<LineTypeRule>| async move {
                s.line_type(&n.to, &n.line_type)
            }))
            .route("/_test/verifications", get(|State(s): State<Standin>| async move { Json(s.verify_sends()) }))
            .route("/_test/messages", get(|State(s): State<Standin>| async move { Json(s.messages()) }))
            .route("/_test/calls", get(|State(s): State<Standin>| async move { Json(s.calls()) }))
            .route("/_test/faults", post(|State(s): State<Standin>, Json(f): Json<Fault>| async move { s.fail_next(f) }))
            .route("/_test/undeliverable", post(|State(s): State<Standin>, Json(n): Json<NumberRule>| async move {
                s.undeliverable(&n.to, n.error_code)
            }))
            .route("/_test/refuse", post(|State(s): State<Standin>, Json(n): Json<NumberRule>| async move {
                s.refuse(&n.to, n.error_code)
            }))
            .with_state(standin.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        standin
    }

    pub fn messages(&self) -> Vec<SentMessage> {
        self.shared.lock().unwrap().messages.clone()
    }

    pub fn calls(&self) -> Vec<PlacedCall> {
        self.shared.lock().unwrap().calls.clone()
    }

    /// The codes Verify "sent", oldest first.
    pub fn verify_sends(&self) -> Vec<verify::VerifySend> {
        self.shared.lock().unwrap().verify_sends.clone()
    }

    pub fn verify_status(&self, sid: &str) -> String {
        self.verify_record(sid).status
    }

    pub fn verify_checks(&self, sid: &str) -> u32 {
        self.verify_record(sid).checks
    }

    fn verify_record(&self, sid: &str) -> verify::VerifyRecord {
        self.shared.lock().unwrap().verify.iter().find(|v| v.sid == sid).cloned().expect("a Verify verification")
    }

    /// Moves the stand-in's clock on, as if `seconds` had passed.
    pub fn advance(&self, seconds: u64) {
        self.shared.lock().unwrap().clock_offset += seconds;
    }

    fn now(&self) -> u64 {
        let real = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        real + self.shared.lock().unwrap().clock_offset
    }

    /// A refusal configured for `to` with `refuse`, as Twilio answers it.
    fn refusal_for(&self, to: &str) -> Option<Response> {
        let code = self.shared.lock().unwrap().refused.get(to).copied()?;
        let status = match code {
            60205 | 60410 | 60605 => 403,
            60202 | 60203 | 60212 | 20429 => 429,
            _ => 400,
        };
        let mut response = twilio_error(status, code, "Refused by the stand-in");
        if status == 429 {
            response.headers_mut().insert("Retry-After", "30".parse().unwrap());
        }
        Some(response)
    }

    pub fn callbacks(&self) -> Vec<SentCallback> {
        self.shared.lock().unwrap().callbacks.clone()
    }

    /// Create requests received, refused ones included.
    pub fn requests(&self) -> u32 {
        self.shared.lock().unwrap().requests
    }

    pub fn fail_next(&self, fault: Fault) {
        self.shared.lock().unwrap().faults.push(fault);
    }

    pub fn refuse(&self, number: &str, code: u32) {
        self.shared.lock().unwrap().refused.insert(number.to_owned(), code);
    }

    pub fn line_type(&self, number: &str, line_type: &str) {
        self.shared.lock().unwrap().line_types.insert(number.to_owned(), line_type.to_owned());
    }

    pub fn lookups(&self) -> Vec<String> {
        self.shared.lock().unwrap().lookups.clone()
    }

    pub fn undeliverable(&self, number: &str, error_code: u32) {
        self.shared.lock().unwrap().undeliverable.insert(number.to_owned(), error_code);
    }

    pub fn unanswered(&self, number: &str) {
        self.shared.lock().unwrap().unanswered.push(number.to_owned());
    }

    pub fn callback_style(&self, style: CallbackStyle) {
        self.shared.lock().unwrap().callback_style = style;
    }

    /// Waits until `done` holds for the stand-in's records, or panics after 10 s.
    pub async fn wait_until(&self, what: &str, done: impl Fn(&Standin) -> bool) {
        for _ in 0..200 {
            if done(self) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the Twilio stand-in never saw: {what}");
    }

    /// From now on, signs callbacks as a Webhook Setting with this shared key has Twilio sign them.
    pub fn sign_with_shared_key(&self, key: SharedKey) {
        self.shared.lock().unwrap().shared_key = Some(key);
    }

    /// The signature of a callback, as the stand-in signs them now.
    pub fn signature(&self, url: &str, fields: &[(String, String)]) -> String {
        match &self.shared.lock().unwrap().shared_key {
            Some(key) => shared_key_signature(&key.secret, url, fields),
            None => twilio_signature(AUTH_TOKEN, url, fields),
        }
    }

    /// `X-Twilio-Webhooks-Signature-Settings`, sent while signing with a shared key.
    fn signature_settings(&self) -> Option<String> {
        let shared = self.shared.lock().unwrap();
        shared.shared_key.as_ref().map(|key| format!("key={},algorithm=HMAC_SHA256", key.id))
    }

    /// Posts a callback signed as Twilio signs it; returns the HTTP status our webhook answered.
    pub async fn post_signed(&self, url: &str, fields: &[(String, String)], idempotency_token: &str) -> u16 {
        let signature = self.signature(url, fields);
        self.post_with_signature(url, fields, idempotency_token, Some(&signature)).await
    }

    pub async fn post_with_signature(
        &self,
        url: &str,
        fields: &[(String, String)],
        idempotency_token: &str,
        signature: Option<&str>,
    ) -> u16 {
        let mut request = self.http.post(url).form(fields).header("I-Twilio-Idempotency-Token", idempotency_token);
        if let Some(signature) = signature {
            request = request.header("X-Twilio-Signature", signature);
        }
        if let Some(settings) = self.signature_settings() {
            request = request.header("X-Twilio-Webhooks-Signature-Settings", settings);
        }
        request.send().await.map(|r| r.status().as_u16()).unwrap_or(0)
    }

    async fn callback(&self, url: &str, fields: Vec<(String, String)>, idempotency_token: String) -> (u16, String) {
        let signature = self.signature(url, &fields);
        let mut request = self
            .http
            .post(url)
            .form(&fields)
            .header("X-Twilio-Signature", &signature)
            .header("I-Twilio-Idempotency-Token", &idempotency_token);
        if let Some(settings) = self.signature_settings() {
            request = request.header("X-Twilio-Webhooks-Signature-Settings", settings);
        }
        let response = request.send().await;
        let (status, body) = match response {
            Ok(response) => (response.status().as_u16(), response.text().await.unwrap_or_default()),
            Err(_) => (0, String::new()),
        };
        self.shared.lock().unwrap().callbacks.push(SentCallback {
            url: url.to_owned(),
            fields,
            signature,
            idempotency_token,
            answered: status,
        });
        (status, body)
    }

    /// Sends status callbacks in the configured style.
    async fn report(&self, url: &str, events: Vec<Vec<(String, String)>>) {
        let style = self.shared.lock().unwrap().callback_style;
        let mut events: Vec<(Vec<(String, String)>, String)> = events.into_iter().map(|e| (e, new_sid("ID"))).collect();
        if style == CallbackStyle::Reversed {
            events.reverse();
        }
        for (fields, token) in events {
            let times = if style == CallbackStyle::Duplicated { 2 } else { 1 };
            for _ in 0..times {
                self.callback(url, fields.clone(), token.clone()).await;
            }
        }
    }

    /// Twilio's answer to a Messages or Calls request whose account or `To` it refuses.
    fn recipient_refusal(&self, account: &str, fields: &[(String, String)]) -> Option<Response> {
        if account != ACCOUNT_SID {
            return Some(twilio_error(401, 20003, "Authenticate"));
        }
        // WhatsApp messages name both numbers as `whatsapp:+…`.
        let to = field(fields, "To").unwrap_or_default().trim_start_matches("whatsapp:").to_owned();
        if to.is_empty() {
            return Some(twilio_error(400, 21604, "A 'To' phone number is required."));
        }
        if !is_e164(&to) {
            return Some(twilio_error(400, 21211, &format!("The 'To' number {to} is not a valid phone number.")));
        }
        if let Some(refusal) = self.refusal_for(&to) {
            return Some(refusal);
        }
        if let Some(code) = magic_refusal(&to) {
            return Some(twilio_error(400, code, "Refused: one of Twilio's test numbers"));
        }
        None
    }

    /// Counts the request, checks Basic auth, then plays the next queued fault, if any.
    async fn authenticate(&self, headers: &HeaderMap) -> Result<(), Response> {
        let fault = {
            let mut shared = self.shared.lock().unwrap();
            shared.requests += 1;
            (!shared.faults.is_empty()).then(|| shared.faults.remove(0))
        };
        if !authorized(headers) {
            return Err(twilio_error(401, 20003, "Authenticate"));
        }
        match fault {
            Some(Fault::Error { status, code, retry_after }) => {
                let mut response = twilio_error(status, code.unwrap_or(0), "Injected fault");
                if let Some(seconds) = retry_after {
                    response.headers_mut().insert("Retry-After", seconds.to_string().parse().unwrap());
                }
                return Err(response);
            }
            Some(Fault::Slow { millis }) => tokio::time::sleep(Duration::from_millis(millis)).await,
            None => {}
        }
        Ok(())
    }
}

fn field(fields: &[(String, String)], name: &str) -> Option<String> {
    fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone())
}

fn is_e164(number: &str) -> bool {
    number.len() >= 8 && number.len() <= 16 && number.starts_with('+') && number[1..].chars().all(|c| c.is_ascii_digit())
}

/// Twilio's own test numbers and the errors they produce.
fn magic_refusal(to: &str) -> Option<u32> {
    match to {
        "+15005550001" => Some(21211),
        "+15005550002" => Some(21612),
        "+15005550003" => Some(21408),
        "+15005550004" => Some(21610),
        "+15005550009" => Some(21614),
        _ => None,
    }
}

fn authorized(headers: &HeaderMap) -> bool {
    let given = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    [(ACCOUNT_SID, AUTH_TOKEN), (API_KEY_SID, API_KEY_SECRET)].iter().any(|(user, password)| {
        given == format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
    })
}

fn twilio_error(status: u16, code: u32, message: &str) -> Response {
    let body = json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status,
    });
    (StatusCode::from_u16(status).unwrap(), Json(body)).into_response()
}

fn new_sid(prefix: &str) -> String {
    let mut rng = rand::rng();
    let hex: String = (0..32).map(|_| format!("{:x}", rng.random_range(0..16u8))).collect();
    format!("{prefix}{hex}")
}

fn rfc2822_now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc2822).unwrap()
}

/// What Twilio signs: the URL, then each field name and value, sorted by name.
fn signed_string(url: &str, fields: &[(String, String)]) -> String {
    let mut sorted = fields.to_vec();
    sorted.sort();
    let mut data = url.to_owned();
    for (name, value) in sorted {
        data.push_str(&name);
        data.push_str(&value);
    }
    data
}

/// base64(HMAC-SHA1(token, the signed string)).
pub fn twilio_signature(auth_token: &str, url: &str, fields: &[(String, String)]) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(auth_token.as_bytes()).unwrap();
    mac.update(signed_string(url, fields).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// base64(HMAC-SHA256(shared key secret, the same string)).
pub fn shared_key_signature(secret: &str, url: &str, fields: &[(String, String)]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(signed_string(url, fields).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The form fields of a request that passed Basic auth (and any queued fault).
pub struct Authenticated(pub Vec<(String, String)>);

impl axum::extract::FromRequest<Standin> for Authenticated {
    type Rejection = Response;

    async fn from_request(request: axum::extract::Request, standin: &Standin) -> Result<Self, Response> {
        standin.authenticate(request.headers()).await?;
        let body = axum::body::to_bytes(request.into_body(), 1 << 20).await.map_err(|_| StatusCode::BAD_REQUEST.into_response())?;
        Ok(Authenticated(url::form_urlencoded::parse(&body).into_owned().collect()))
    }
}

/// Lookup v2: `GET /v2/PhoneNumbers/{number}?Fields=line_type_intelligence`.
async fn lookup(
    State(standin): State<Standin>,
    Path(number): Path<String>,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(refusal) = standin.authenticate(&headers).await {
        return refusal;
    }
    let valid = number.starts_with('+') && number.len() > 8 && number[1..].chars().all(|c| c.is_ascii_digit());
    let line_type = {
        let mut shared = standin.shared.lock().unwrap();
        shared.lookups.push(number.clone());
        shared.line_types.get(&number).cloned().unwrap_or_else(|| "mobile".to_owned())
    };
    let wants_line_type = query.get("Fields").is_some_and(|fields| fields.split(',').any(|f| f == "line_type_intelligence"));
    let intelligence = match (wants_line_type, valid, line_type.as_str()) {
        (false, _, _) => Value::Null,
        (true, false, _) => json!({ "type": null, "carrier_name": null, "error_code": 60600 }),
        (true, true, "unknown") => json!({ "type": null, "carrier_name": null, "error_code": 60601 }),
        (true, true, line_type) => json!({ "type": line_type, "carrier_name": "Stand-in Telecom", "error_code": null }),
    };
    Json(json!({
        "phone_number": number,
        "valid": valid,
        "validation_errors": if valid { json!([]) } else { json!(["NOT_A_NUMBER"]) },
        "line_type_intelligence": intelligence,
        "url": format!("{}/v2/PhoneNumbers/{number}", standin.base_url),
    }))
    .into_response()
}

async fn create_message(
    State(standin): State<Standin>,
    Path(account): Path<String>,
    Authenticated(fields): Authenticated,
) -> Response {
    if let Some(refusal) = standin.recipient_refusal(&account, &fields) {
        return refusal;
    }
    let from = field(&fields, "From");
    let service = field(&fields, "MessagingServiceSid");
    if from.is_none() && service.is_none() {
        return twilio_error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required.");
    }
    if service.as_deref().is_some_and(|sid| sid != MESSAGING_SERVICE_SID) {
        return twilio_error(404, 20404, "The requested resource was not found");
    }
    if from.as_deref().is_some_and(|from| from.trim_start_matches("whatsapp:") != FROM) {
        return twilio_error(400, 21606, "The From phone number is not a valid, SMS-capable inbound phone number.");
    }
    let Some(body) = field(&fields, "Body").filter(|b| !b.is_empty()) else {
        return twilio_error(400, 21602, "Message body is required.");
    };
    let to = field(&fields, "To").unwrap();
    let message = SentMessage {
        sid: new_sid("SM"),
        to: to.clone(),
        from: from.clone(),
        messaging_service_sid: service.clone(),
        body: body.clone(),
        status_callback: field(&fields, "StatusCallback"),
        validity_period: field(&fields, "ValidityPeriod"),
    };
    standin.shared.lock().unwrap().messages.push(message.clone());
    let now = rfc2822_now();
    let resource = json!({
        "sid": message.sid, "account_sid": ACCOUNT_SID, "messaging_service_sid": service,
        "from": from, "to": to, "body": body, "status": if service.is_some() { "accepted" } else { "queued" },
        "num_segments": "1", "num_media": "0", "direction": "outbound-api", "api_version": "2010-04-01",
        "price": Value::Null, "price_unit": "USD", "error_code": Value::Null, "error_message": Value::Null,
        "date_created": now, "date_updated": now, "date_sent": Value::Null,
        "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{}.json", message.sid),
        "subresource_uris": { "media": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{}/Media.json", message.sid) },
    });
    if let Some(url) = message.status_callback.clone() {
        let standin = standin.clone();
        tokio::spawn(async move { deliver_message(standin, message, url).await });
    }
    (StatusCode::CREATED, Json(resource)).into_response()
}

async fn deliver_message(standin: Standin, message: SentMessage, url: String) {
    let failure = standin.shared.lock().unwrap().undeliverable.get(&message.to).copied();
    let base = |status: &str| {
        let mut fields = vec![
            ("MessageSid".to_owned(), message.sid.clone()),
            ("SmsSid".to_owned(), message.sid.clone()),
            ("MessageStatus".to_owned(), status.to_owned()),
            ("SmsStatus".to_owned(), status.to_owned()),
            ("AccountSid".to_owned(), ACCOUNT_SID.to_owned()),
            ("To".to_owned(), message.to.clone()),
            ("ApiVersion".to_owned(), "2010-04-01".to_owned()),
        ];
        if let Some(from) = &message.from {
            fields.push(("From".to_owned(), from.clone()));
        }
        fields
    };
    let last = match failure {
        Some(code) => {
            let mut fields = base("undelivered");
            fields.push(("ErrorCode".to_owned(), code.to_string()));
            fields
        }
        None => base("delivered"),
    };
    standin.report(&url, vec![base("sent"), last]).await;
}

async fn create_call(
    State(standin): State<Standin>,
    Path(account): Path<String>,
    Authenticated(fields): Authenticated,
) -> Response {
    if let Some(refusal) = standin.recipient_refusal(&account, &fields) {
        return refusal;
    }
    let Some(from) = field(&fields, "From") else {
        return twilio_error(400, 21213, "Caller phone number is required.");
    };
    if from != FROM {
        return twilio_error(400, 21210, "The source phone number provided is not yet verified for your account.");
    }
    let Some(url) = field(&fields, "Url") else {
        return twilio_error(400, 21205, "Url parameter is required.");
    };
    let to = field(&fields, "To").unwrap();
    let call = PlacedCall {
        sid: new_sid("CA"),
        to: to.clone(),
        from: from.clone(),
        url,
        status_callback: field(&fields, "StatusCallback"),
        events: fields.iter().filter(|(k, _)| k == "StatusCallbackEvent").map(|(_, v)| v.clone()).collect(),
        heard: Vec::new(),
        voice: None,
        digits_heard: String::new(),
        status: "queued".into(),
    };
    standin.shared.lock().unwrap().calls.push(call.clone());
    let now = rfc2822_now();
    let resource = json!({
        "sid": call.sid, "account_sid": ACCOUNT_SID, "to": to, "to_formatted": to, "from": from,
        "from_formatted": from, "status": "queued", "direction": "outbound-api", "api_version": "2010-04-01",
        "start_time": Value::Null, "end_time": Value::Null, "duration": Value::Null, "price": Value::Null,
        "price_unit": "USD", "answered_by": Value::Null, "caller_name": Value::Null, "parent_call_sid": Value::Null,
        "phone_number_sid": Value::Null, "forwarded_from": Value::Null, "group_sid": Value::Null,
        "queue_time": "0", "trunk_sid": Value::Null, "date_created": now, "date_updated": now,
        "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{}.json", call.sid),
        "subresource_uris": {},
    });
    let standin_for_call = standin.clone();
    tokio::spawn(async move { run_call(standin_for_call, call).await });
    (StatusCode::CREATED, Json(resource)).into_response()
}

/// Plays the call: progress callbacks, the TwiML, one key press, the code.
async fn run_call(standin: Standin, call: PlacedCall) {
    let answered = !standin.shared.lock().unwrap().unanswered.contains(&call.to);
    let call_fields = |status: &str| {
        vec![
            ("CallSid".to_owned(), call.sid.clone()),
            ("AccountSid".to_owned(), ACCOUNT_SID.to_owned()),
            ("From".to_owned(), call.from.clone()),
            ("To".to_owned(), call.to.clone()),
            ("CallStatus".to_owned(), status.to_owned()),
            ("ApiVersion".to_owned(), "2010-04-01".to_owned()),
            ("Direction".to_owned(), "outbound-api".to_owned()),
        ]
    };
    let event = |status: &str, sequence: u32| {
        let mut fields = call_fields(status);
        fields.push(("SequenceNumber".to_owned(), sequence.to_string()));
        fields.push(("CallbackSource".to_owned(), "call-progress-events".to_owned()));
        fields.push(("Timestamp".to_owned(), rfc2822_now()));
        fields
    };
    let mut events = vec![event("initiated", 0), event("ringing", 1)];
    let mut final_status = "no-answer";
    if answered {
        events.push(event("in-progress", 2));
        let (heard, voice, digits) = listen(&standin, &call, call_fields("in-progress")).await;
        {
            let mut shared = standin.shared.lock().unwrap();
            if let Some(record) = shared.calls.iter_mut().find(|c| c.sid == call.sid) {
                record.heard = heard;
                record.voice = voice;
                record.digits_heard = digits;
            }
        }
        final_status = "completed";
    }
    let mut last = event(final_status, events.len() as u32);
    last.push(("CallDuration".to_owned(), if answered { "21" } else { "0" }.to_owned()));
    events.push(last);
    if let Some(url) = &call.status_callback {
        standin.report(url, events).await;
    }
    if let Some(record) = standin.shared.lock().unwrap().calls.iter_mut().find(|c| c.sid == call.sid) {
        record.status = final_status.to_owned();
    }
}

/// Fetches the call's TwiML as Twilio does, and presses "1" at its `<Gather>`.
async fn listen(standin: &Standin, call: &PlacedCall, fields: Vec<(String, String)>) -> (Vec<String>, Option<String>, String) {
    let mut heard = Vec::new();
    let (_, first) = standin.callback(&call.url, fields.clone(), new_sid("ID")).await;
    let voice = roxmltree::Document::parse(&first).ok().and_then(|document| {
        let say = document.descendants().find(|node| node.has_tag_name("Say"))?;
        Some(format!("{} {}", say.attribute("voice").unwrap_or("man"), say.attribute("language").unwrap_or("en-US")))
    });
    let Some(gather) = read_twiml(&first, &mut heard) else { return (heard, voice, String::new()) };
    let mut pressed = fields;
    pressed.push(("Digits".to_owned(), "1".to_owned()));
    pressed.push(("FinishedOnKey".to_owned(), String::new()));
    let (_, second) = standin.callback(&gather, pressed, new_sid("ID")).await;
    let before = heard.len();
    read_twiml(&second, &mut heard);
    let digits = heard[before..].iter().filter(|s| s.len() == 1 && s.chars().all(|c| c.is_ascii_digit())).cloned().collect();
    (heard, voice, digits)
}

/// Whether Twilio's `voice` speaks `language` (its TwiML `<Say>` reference): `man` and `woman` a
/// few languages, `alice` its list, a Google voice the language in its name; Amazon Polly's voices
/// are too many to list here and are taken as they come.
fn speaks(voice: &str, language: &str) -> bool {
    const ALICE: &[&str] = &[
        "da-DK", "de-DE", "en-AU", "en-CA", "en-GB", "en-IN", "en-US", "ca-ES", "es-ES", "es-MX", "fi-FI", "fr-CA", "fr-FR",
        "it-IT", "ja-JP", "ko-KR", "nb-NO", "nl-NL", "pl-PL", "pt-BR", "pt-PT", "ru-RU", "sv-SE", "zh-CN", "zh-HK", "zh-TW",
    ];
    match voice {
        "man" | "woman" => ["en", "en-gb", "en-US", "es", "fr", "de"].contains(&language),
        "alice" => ALICE.contains(&language),
        google if google.starts_with("Google.") => google["Google.".len()..].starts_with(&format!("{language}-")),
        polly => polly.starts_with("Polly."),
    }
}

/// Appends every `<Say>` text to `heard`; returns the action of the first `<Gather>`.
fn read_twiml(xml: &str, heard: &mut Vec<String>) -> Option<String> {
    let document = roxmltree::Document::parse(xml).ok()?;
    assert_eq!(document.root_element().tag_name().name(), "Response", "TwiML must have a <Response> root");
    let mut action = None;
    for node in document.descendants() {
        match node.tag_name().name() {
            // A voice that does not speak the language makes Twilio fail the `<Say>`: nothing is heard.
            "Say" if speaks(node.attribute("voice").unwrap_or("man"), node.attribute("language").unwrap_or("en-US")) => {
                heard.push(node.text().unwrap_or_default().to_owned())
            }
            "Gather" if action.is_none() => action = node.attribute("action").map(str::to_owned),
            _ => {}
        }
    }
    action
}
