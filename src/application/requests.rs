//! Verification requests made by a relying application's server rather than signed by it.

use crate::bounds;
use crate::domain::{EmailAddress, PhoneNumber, UnixTime};
use crate::handoff::{REQUEST_MAX_LIFETIME, with_query_param};
use crate::refusal::PortalError;
use crate::application::Application;

const DEFAULT_LIFETIME_SECS: u64 = 300;

/// Signs a request for `user_id` and gives the portal link that starts it, with its expiry.
pub fn create(
    app: &Application,
    user_id: String,
    return_url: String,
    phone: Option<String>,
    email: Option<String>,
    app_name: Option<String>,
    lifetime_secs: Option<u64>,
) -> Result<(String, UnixTime), PortalError> {
    let name_fits = app_name.as_deref().is_none_or(|name| bounds::is_identifier(name, bounds::APP_NAME));
    if !bounds::is_identifier(&user_id, bounds::USER_ID) || !name_fits {
        return Err(PortalError::InvalidRequest);
    }
    if !app.allows_return_url(&return_url) {
        return Err(PortalError::InvalidRequest);
    }
    let phone = phone.map(|p| PhoneNumber::parse(None, &p)).transpose()?;
    let email = email.map(|e| EmailAddress::parse(&e)).transpose()?;
    let lifetime = lifetime_secs.unwrap_or(DEFAULT_LIFETIME_SECS).clamp(1, REQUEST_MAX_LIFETIME.as_secs());
    let expires_at = UnixTime(app.verifier.now().0 + lifetime as i64);
    let token = app.client_keys.sign_new_request(user_id, return_url, expires_at, phone.map(String::from), email.map(String::from), app_name).token;
    let start = format!("{}/start", app.settings.public_url.as_str().trim_end_matches('/'));
    Ok((with_query_param(&start, "request", &token), expires_at))
}
