//! Twilio's REST API over HTTPS: Basic auth, form bodies, JSON answers, and bounded retries of
//! the failures Twilio reports as transient.

use reqwest::header::{ACCEPT, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use std::time::Duration;

use super::TwilioError;
use crate::retry::{Backoff, with_jitter};

/// Three attempts per request; the waits are jittered unless Twilio says how long to wait.
const RETRIES: Backoff = Backoff { attempts: 3, first_wait: Duration::from_millis(500) };
/// A `Retry-After` longer than this is not waited for: the user is told to try later.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);

pub struct TwilioClient {
    http: reqwest::Client,
    /// Resources are under it: `…/2010-04-01/Accounts/{AccountSid}`, `…/v2/Services/{ServiceSid}`.
    base_url: String,
    username: String,
    password: SecretString,
}

impl TwilioClient {
    /// `username`/`password` are the account SID and auth token, or an API key SID and secret.
    pub fn new(
        base_url: String,
        username: String,
        password: SecretString,
        timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("leptos-2fa/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .timeout(timeout)
            .build()?;
        Ok(TwilioClient { http, base_url, username, password })
    }

    /// POSTs form fields to a resource (`Messages.json`, `Verifications`); a key may repeat.
    pub async fn create<T: DeserializeOwned>(&self, resource: &str, fields: &[(&str, String)]) -> Result<T, TwilioError> {
        self.request(reqwest::Method::POST, resource, fields).await
    }

    /// GETs a resource (a Lookup of a number) with query parameters.
    pub async fn fetch<T: DeserializeOwned>(&self, resource: &str, query: &[(&str, String)]) -> Result<T, TwilioError> {
        self.request(reqwest::Method::GET, resource, query).await
    }

    async fn request<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        resource: &str,
        fields: &[(&str, String)],
    ) -> Result<T, TwilioError> {
        let url = format!("{}/{resource}", self.base_url);
        let mut attempt = 1;
        loop {
            let error = match self.send_once(method.clone(), &url, fields).await {
                Err(error) if error.is_transient() => error,
                outcome => return outcome,
            };
            let Some(backoff) = RETRIES.wait_after(attempt) else { return Err(error) };
            let wait = match error.retry_after() {
                Some(asked) if asked > MAX_RETRY_AFTER => return Err(error),
                Some(asked) => asked,
                None => with_jitter(backoff),
            };
            // Not the resource: a Lookup's is the phone number.
            tracing::warn!(attempt, wait_ms = wait.as_millis() as u64, %error, "retrying a Twilio request");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn send_once<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        url: &str,
        fields: &[(&str, String)],
    ) -> Result<T, TwilioError> {
        let request = self
            .http
            .request(method.clone(), url)
            .basic_auth(&self.username, Some(self.password.expose_secret()))
            .header(ACCEPT, "application/json");
        let request = if method == reqwest::Method::GET { request.query(fields) } else { request.form(fields) };
        let response = request.send().await.map_err(|error| TwilioError::Unreachable(describe(error)))?;
        let status = response.status();
        let retry_after = response.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = response.bytes().await.map_err(|error| TwilioError::Unreachable(describe(error)))?;
        if status.is_success() {
            return serde_json::from_slice(&body)
                .map_err(|_| TwilioError::Other { code: None, status: status.as_u16() });
        }
        let error = TwilioError::from_response(status.as_u16(), retry_after.as_deref(), &body);
        // The operator's record: Twilio's code and status, never the request (it holds the code).
        tracing::warn!(twilio_code = ?error.code(), http_status = status.as_u16(), %error, "Twilio refused a request");
        Err(error)
    }
}

/// What went wrong on the wire, without the URL (it names the account).
fn describe(error: reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        "connection failed".into()
    } else {
        error.without_url().to_string()
    }
}
