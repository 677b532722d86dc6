//! Twilio Verify v2 in the stand-in: it makes the code, "delivers" it where tests can read it,
//! checks it, and keeps Verify's rules: one pending verification per number (a new start within
//! ten minutes re-sends the same code), five sends, five checks, expiry after ten minutes, 404
//! (20404) once approved, canceled or expired, and the documented error codes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::Rng;
use serde::Serialize;
use serde_json::{Value, json};

use super::{Authenticated, Standin, field, is_e164, new_sid, twilio_error};

pub const SERVICE_SID: &str = "VA00000000000000000000000000000004";
/// Verify's default lifetime of a verification.
const VALIDITY_SECS: u64 = 600;
const MAX_SENDS: usize = 5;
const MAX_CHECKS: u32 = 5;


#[derive(Debug, Clone, Serialize)]
pub struct VerifySend {
    pub sid: String,
    pub to: String,
    pub channel: String,
    pub locale: Option<String>,
    pub friendly_name: Option<String>,
    /// What the user would receive.
    pub code: String,
}

#[derive(Debug, Clone)]
pub struct VerifyRecord {
    pub sid: String,
    pub to: String,
    pub channel: String,
    pub code: String,
    pub status: String,
    pub created_at: u64,
    pub sends: Vec<(u64, String)>,
    pub checks: u32,
}

impl VerifyRecord {
    fn resource(&self, now: u64) -> Value {
        json!({
            "sid": self.sid,
            "service_sid": SERVICE_SID,
            "account_sid": super::ACCOUNT_SID,
            "to": self.to,
            "channel": self.channel,
            "status": self.status,
            "valid": self.status == "approved",
            "lookup": {},
            "amount": Value::Null,
            "payee": Value::Null,
            "send_code_attempts": self.sends.iter().map(|(at, channel)| json!({
                "time": iso8601(*at), "channel": channel.to_uppercase(), "attempt_sid": new_sid("VL"),
            })).collect::<Vec<_>>(),
            "sna": Value::Null,
            "date_created": iso8601(self.created_at),
            "date_updated": iso8601(now),
            "url": format!("https://verify.twilio.com/v2/Services/{SERVICE_SID}/Verifications/{}", self.sid),
        })
    }

    fn expired(&self, now: u64) -> bool {
        now >= self.created_at + VALIDITY_SECS
    }
}

fn iso8601(unix: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix as i64)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn code(length: usize) -> String {
    let mut rng = rand::rng();
    (0..length).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
}

fn is_email(value: &str) -> bool {
    value.split_once('@').is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
}

pub async fn start(
    State(standin): State<Standin>,
    Path(service): Path<String>,
    Authenticated(fields): Authenticated,
) -> Response {
    if service != SERVICE_SID {
        return twilio_error(404, 20404, "The requested resource was not found");
    }
    let (Some(to), Some(channel)) = (field(&fields, "To"), field(&fields, "Channel")) else {
        return twilio_error(400, 60200, "Invalid parameter");
    };
    let valid_to = match channel.as_str() {
        "sms" | "call" | "whatsapp" => is_e164(&to),
        "email" => is_email(&to),
        _ => return twilio_error(400, 60200, "Invalid parameter: Channel"),
    };
    if !valid_to {
        return twilio_error(400, 60200, "Invalid parameter: To");
    }
    if let Some(refusal) = standin.refusal_for(&to) {
        return refusal;
    }
    let now = standin.now();
    let mut shared = standin.shared.lock().unwrap();
    let existing = shared.verify.iter().position(|v| v.to == to && v.status == "pending" && !v.expired(now));
    let index = match existing {
        Some(index) if shared.verify[index].sends.len() >= MAX_SENDS => {
            return twilio_error(429, 60203, "Max send attempts reached");
        }
        Some(index) => {
            let record = &mut shared.verify[index];
            record.sends.push((now, channel.clone()));
            record.channel = channel.clone();
            index
        }
        None => {
            shared.verify.push(VerifyRecord {
                sid: new_sid("VE"),
                to: to.clone(),
                channel: channel.clone(),
                code: code(6),
                status: "pending".into(),
                created_at: now,
                sends: vec![(now, channel.clone())],
                checks: 0,
            });
            shared.verify.len() - 1
        }
    };
    let record = shared.verify[index].clone();
    shared.verify_sends.push(VerifySend {
        sid: record.sid.clone(),
        to,
        channel,
        locale: field(&fields, "Locale"),
        friendly_name: field(&fields, "CustomFriendlyName"),
        code: record.code.clone(),
    });
    (StatusCode::CREATED, Json(record.resource(now))).into_response()
}

pub async fn check(
    State(standin): State<Standin>,
    Path(service): Path<String>,
    Authenticated(fields): Authenticated,
) -> Response {
    let Some(typed) = field(&fields, "Code").filter(|c| (4..=10).contains(&c.len())) else {
        return twilio_error(400, 60200, "Invalid parameter: Code");
    };
    let now = standin.now();
    let mut shared = standin.shared.lock().unwrap();
    let sid = field(&fields, "VerificationSid");
    let to = field(&fields, "To");
    let found = shared.verify.iter_mut().rev().find(|v| {
        service == SERVICE_SID && (Some(&v.sid) == sid.as_ref() || (sid.is_none() && Some(&v.to) == to.as_ref()))
    });
    let Some(record) = found.filter(|v| v.status == "pending" && !v.expired(now)) else {
        return twilio_error(404, 20404, "The requested resource was not found");
    };
    if record.checks >= MAX_CHECKS {
        record.status = "max_attempts_reached".into();
        return twilio_error(429, 60202, "Max check attempts reached");
    }
    record.checks += 1;
    if typed == record.code {
        record.status = "approved".into();
    }
    let mut resource = record.resource(now);
    resource["sna_attempts_error_codes"] = json!([]);
    (StatusCode::OK, Json(resource)).into_response()
}

pub async fn update(
    State(standin): State<Standin>,
    Path((service, sid)): Path<(String, String)>,
    Authenticated(fields): Authenticated,
) -> Response {
    let status = field(&fields, "Status").unwrap_or_default();
    if !matches!(status.as_str(), "canceled" | "approved") {
        return twilio_error(400, 60200, "Invalid parameter: Status");
    }
    let now = standin.now();
    let mut shared = standin.shared.lock().unwrap();
    let Some(record) = shared
        .verify
        .iter_mut()
        .find(|v| service == SERVICE_SID && v.sid == sid && v.status == "pending" && !v.expired(now))
    else {
        return twilio_error(404, 20404, "The requested resource was not found");
    };
    record.status = status;
    (StatusCode::OK, Json(record.resource(now))).into_response()
}
