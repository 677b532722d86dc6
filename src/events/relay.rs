//! Signed webhooks to the relying application: every event, POSTed as JSON to
//! `TWOFA_WEBHOOK_URL`, off the user's request path, retried with backoff.
//!
//! Each request carries `X-Twofa-Timestamp` (Unix seconds) and `X-Twofa-Signature:
//! sha256=<hex HMAC-SHA256(TWOFA_WEBHOOK_SECRET, "<timestamp>.<body>")>`; a receiver checks the
//! signature and refuses old timestamps, so a captured delivery cannot be replayed later.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

use crate::events::{Event, Events};
use crate::retry::Backoff;

/// Deliveries per event, the first included.
const RETRIES: Backoff = Backoff { attempts: 5, first_wait: Duration::from_millis(500) };
const TIMEOUT: Duration = Duration::from_secs(10);

pub const TIMESTAMP_HEADER: &str = "x-twofa-timestamp";
pub const SIGNATURE_HEADER: &str = "x-twofa-signature";

/// The signature header's value for `body` sent at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length: `new_from_slice` cannot fail.
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    let digest = crate::domain::hex(&mac.finalize().into_bytes());
    format!("sha256={digest}")
}

/// Relays every event to `url` for as long as the portal runs.
pub fn spawn_relay(events: &Events, url: url::Url, secret: SecretString) {
    let mut received = events.subscribe();
    let http = match reqwest::Client::builder().timeout(TIMEOUT).build() {
        Ok(http) => http,
        Err(error) => {
            tracing::error!(%error, "cannot build the webhook client; webhooks are off");
            return;
        }
    };
    tokio::spawn(async move {
        loop {
            match received.recv().await {
                // Each event on its own task: a slow receiver delays none of the others.
                Ok(event) => {
                    tokio::spawn(deliver(http.clone(), url.clone(), secret.clone(), event));
                }
                Err(RecvError::Lagged(missed)) => tracing::warn!(missed, "webhook relay fell behind; events were dropped"),
                Err(RecvError::Closed) => return,
            }
        }
    });
}

async fn deliver(http: reqwest::Client, url: url::Url, secret: SecretString, event: Event) {
    let Ok(body) = serde_json::to_vec(&event) else { return };
    for attempt in 1.. {
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let outcome = http
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, timestamp)
            .header(SIGNATURE_HEADER, signature(secret.expose_secret(), timestamp, &body))
            .body(body.clone())
            .send()
            .await;
        match outcome {
            Ok(response) if response.status().is_success() => return,
            Ok(response) => tracing::warn!(attempt, status = response.status().as_u16(), "webhook refused"),
            Err(error) => tracing::warn!(attempt, error = %error.without_url(), "webhook failed"),
        }
        match RETRIES.wait_after(attempt) {
            Some(wait) => tokio::time::sleep(wait).await,
            None => break,
        }
    }
    tracing::error!("webhook given up after {} attempts", RETRIES.attempts);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_the_timestamp_and_the_body() {
        let signed = signature("secret", 1_800_000_000, b"{\"event\":\"x\"}");
        assert!(signed.starts_with("sha256=") && signed.len() == 7 + 64);
        assert_ne!(signed, signature("secret", 1_800_000_001, b"{\"event\":\"x\"}"));
        assert_ne!(signed, signature("secret", 1_800_000_000, b"{\"event\":\"y\"}"));
        assert_ne!(signed, signature("other", 1_800_000_000, b"{\"event\":\"x\"}"));
    }
}
