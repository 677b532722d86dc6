//! Twilio: its REST API client, its error answers, the Messaging + Voice gateway and Verify.

pub mod callbacks;
pub mod client;
pub mod error;
pub mod lookup;
pub mod messaging;
pub mod verify;

use secrecy::SecretString;

use crate::config::{ConfigError, TwilioAccount};
use crate::events::{Event, Events};
use crate::gateways::GatewayError;

pub use client::TwilioClient;
pub use error::TwilioError;
pub use messaging::TwilioMessaging;
pub use verify::TwilioVerify;

/// Tells the host application about a Twilio refusal; returns what it means for the user.
fn reported(events: &Events, provider: &'static str, error: &TwilioError, mapped: GatewayError) -> GatewayError {
    events.emit(Event::ProviderError {
        provider,
        error: error.to_string(),
        code: error.code(),
        handled: mapped.gives_a_next_step(),
    });
    mapped
}

/// A client for resources under `base_url`, with the account's credentials: an API key when
/// set, else the account SID and auth token.
fn client_for(account: &TwilioAccount, base_url: String) -> Result<TwilioClient, ConfigError> {
    let missing = |setting| ConfigError::Invalid { setting, problem: "is required by the Twilio gateways".into() };
    let account_sid = account.sid.clone().ok_or_else(|| missing("TWOFA_TWILIO_ACCOUNT_SID"))?;
    let auth_token = account.auth_token.clone().ok_or_else(|| missing("TWOFA_TWILIO_AUTH_TOKEN"))?;
    let (username, password): (String, SecretString) = match (&account.api_key_sid, &account.api_key_secret) {
        (Some(key), Some(secret)) => (key.clone(), secret.clone()),
        _ => (account_sid, auth_token),
    };
    TwilioClient::new(base_url, username, password, account.timeout)
        .map_err(|error| ConfigError::Invalid { setting: "TWOFA_TWILIO_API_URL", problem: error.to_string() })
}
