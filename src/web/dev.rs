//! Development helpers: the console gateway's outbox and the demo relying application's entry.

use axum::Form;
use html_escape::encode_text;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::domain::{PhoneNumber, UnixTime};
use crate::extract::locale::locale_of;
use crate::gateways::OutboxEntry;
use crate::i18n::td_string;
use crate::application::Application;
use crate::server_fns::DEMO_NONCE_KEY;

/// How long the demo's signed request stays valid.
const DEMO_REQUEST_SECONDS: i64 = 300;

#[derive(Deserialize)]
pub struct OutboxQuery {
    #[serde(default)]
    format: String,
    /// Only what went to this number or address.
    to: Option<String>,
}

/// `/dev/outbox`: what the console gateway sent, newest first, as HTML or JSON.
pub async fn outbox(State(app): State<Application>, Query(query): Query<OutboxQuery>) -> Response {
    let Some(outbox) = &app.outbox else { return StatusCode::NOT_FOUND.into_response() };
    let mut entries = outbox.entries();
    if let Some(to) = &query.to {
        entries.retain(|entry| &entry.to == to);
    }
    if query.format == "json" {
        return Json(entries).into_response();
    }
    Html(outbox_page(&entries)).into_response()
}

fn outbox_page(entries: &[OutboxEntry]) -> String {
    let rows: String = entries
        .iter()
        .map(|entry| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><pre>{}</pre></td></tr>\n",
                encode_text(&entry.sent_at),
                encode_text(entry.channel.as_str()),
                encode_text(&entry.to),
                encode_text(&entry.body)
            )
        })
        .collect();
    let body = if entries.is_empty() {
        "<p class=\"empty\">No message sent yet.</p>".to_owned()
    } else {
        format!("<table><thead><tr><th>Sent at (UTC)</th><th>Channel</th><th>To</th><th>Message</th></tr></thead><tbody>\n{rows}</tbody></table>")
    };
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Outbox · console gateway</title><link rel=\"stylesheet\" href=\"/pkg/leptos-2fa.css\"></head>\
         <body class=\"outbox\"><main><h1>Outbox</h1><p>Messages the console gateway delivered. Development only: \
         this page exists only while <code>TWOFA_GATEWAY=console</code>. <a href=\"/dev/outbox?format=json\">JSON</a></p>{body}</main></body></html>"
    )
}

#[derive(Deserialize)]
pub struct DemoSignIn {
    #[serde(default)]
    user: String,
    #[serde(default)]
    phone: String,
}

/// The demo application signs a request for the user and sends them to the portal.
pub async fn start_demo(State(app): State<Application>, session: Session, headers: HeaderMap, Form(form): Form<DemoSignIn>) -> Response {
    let user: String = form.user.trim().chars().take(64).collect();
    if user.is_empty() {
        return Redirect::to("/demo").into_response();
    }
    let return_url = app.settings.public_url.join("/demo/return").map(String::from).unwrap_or_default();
    let expires_at = UnixTime(app.verifier.now().0 + DEMO_REQUEST_SECONDS);
    let phone = PhoneNumber::parse(None, &form.phone).ok().map(String::from);
    // The demo names itself in the user's language, as an application may in its request.
    let name = td_string!(locale_of(&headers), demo.title).to_string();
    let request = app.client_keys.sign_new_request(user, return_url, expires_at, phone, None, Some(name));
    if let Err(error) = session.insert(DEMO_NONCE_KEY, &request.nonce).await {
        tracing::error!(%error, "demo: cannot keep the nonce");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    Redirect::to(&format!("/start?request={}", request.token)).into_response()
}
