//! Server functions: each reads the session and the state, calls the portal, and redirects to
//! the page of the step that follows. Refusals become notices on that page, not errors, so a
//! plain form post without JavaScript shows them too.

use leptos::prelude::*;

use crate::domain::{Channel, DeliveryState};
use crate::protocol::{CountryOption, PortalError, PortalView};
#[cfg(feature = "ssr")]
use crate::protocol::{PhoneInput, Step};

#[cfg(feature = "ssr")]
mod context {
    use super::*;
    use crate::i18n::Locale;
    use crate::state::AppState;
    use tower_sessions::Session;

    pub async fn request() -> Result<(AppState, Session), PortalError> {
        let state = use_context::<AppState>().ok_or(PortalError::Unavailable)?;
        let session = leptos_axum::extract::<Session>().await.map_err(|error| {
            tracing::error!(%error, "no session on a server function call");
            PortalError::Unavailable
        })?;
        Ok((state, session))
    }

    pub fn locale() -> Locale {
        leptos_i18n::locale::resolve_locale::<Locale>()
    }

    /// The user's language, and their address as the portal's `client_ip` layer recorded it.
    pub fn asker() -> crate::portal::journey::Asker {
        let parts = use_context::<axum::http::request::Parts>();
        let client = parts.and_then(|parts| parts.extensions.get::<crate::web::client_ip::ClientIp>().map(|client| client.0));
        crate::portal::journey::Asker { locale: locale(), client }
    }

    pub fn go(state: &AppState, step: Result<Step, PortalError>) -> Result<(), PortalError> {
        leptos_axum::redirect(&step?.at(&state.mount));
        Ok(())
    }
}

#[server(endpoint = "load_portal_view")]
pub async fn load_portal_view() -> Result<PortalView, PortalError> {
    let (state, session) = context::request().await?;
    let headers: axum::http::HeaderMap = leptos_axum::extract().await.unwrap_or_default();
    let accept_language = headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let region = accept_language.and_then(crate::countries::region_from_accept_language);
    crate::portal::journey::view(&state, &session, region, context::locale()).await
}

/// The countries of the phone form: those whose numbers may receive codes.
#[server(endpoint = "country_options")]
pub async fn country_options() -> Result<Vec<CountryOption>, PortalError> {
    use leptos_i18n::Locale as _;
    let state = use_context::<crate::state::AppState>().ok_or(PortalError::Unavailable)?;
    let regions = state.verifier.policy().regions.clone();
    let mut countries = crate::countries::country_options(context::locale().as_str());
    countries.retain(|country| regions.allows(Some(&country.code)));
    Ok(countries)
}

#[server(endpoint = "choose_method")]
pub async fn choose_method(channel: Channel) -> Result<(), PortalError> {
    let (state, session) = context::request().await?;
    context::go(&state, crate::portal::journey::choose_method(&state, &session, channel, context::asker()).await)
}

#[server(endpoint = "register_phone")]
pub async fn register_phone(country: String, number: String) -> Result<(), PortalError> {
    let (state, session) = context::request().await?;
    let input = PhoneInput { country, number };
    context::go(&state, crate::portal::journey::register_phone(&state, &session, input, context::asker()).await)
}

#[server(endpoint = "register_email")]
pub async fn register_email(email: String) -> Result<(), PortalError> {
    let (state, session) = context::request().await?;
    context::go(&state, crate::portal::journey::register_email(&state, &session, email, context::asker()).await)
}

#[server(endpoint = "check_code")]
pub async fn check_code(code: String) -> Result<(), PortalError> {
    let (state, session) = context::request().await?;
    context::go(&state, crate::portal::journey::check_code(&state, &session, &code, context::asker()).await)
}

#[server(endpoint = "switch_channel")]
pub async fn switch_channel(channel: Channel) -> Result<(), PortalError> {
    let (state, session) = context::request().await?;
    context::go(&state, crate::portal::journey::switch_channel(&state, &session, channel, context::asker()).await)
}

/// How far the pending code has got, for the token page to follow without a reload.
#[server(endpoint = "poll_delivery")]
pub async fn poll_delivery() -> Result<Option<DeliveryState>, PortalError> {
    let (state, session) = context::request().await?;
    crate::portal::journey::delivery_state(&state, &session).await
}

#[server(endpoint = "resend_code")]
pub async fn resend_code() -> Result<(), PortalError> {
    let (state, session) = context::request().await?;
    context::go(&state, crate::portal::journey::resend_code(&state, &session, context::asker()).await)
}

#[server(endpoint = "restart")]
pub async fn restart() -> Result<(), PortalError> {
    let (state, session) = context::request().await?;
    context::go(&state, crate::portal::journey::restart(&state, &session).await)
}

/// What the demo application learned from the portal's answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DemoOutcome {
    Verified { user: String, method: Channel, verified_at: String },
    Declined,
    Rejected,
}

/// The demo application checks the result: signature, audience, expiry and its own nonce.
#[server(endpoint = "demo_result")]
pub async fn demo_result(result: String, error: String) -> Result<DemoOutcome, PortalError> {
    use crate::web::dev::DEMO_NONCE_KEY;
    let (state, session) = context::request().await?;
    if !state.serves_demo() {
        return Err(PortalError::MethodNotAllowed);
    }
    let expected_nonce: Option<String> = session.remove(DEMO_NONCE_KEY).await?;
    if result.is_empty() {
        return Ok(if error.is_empty() { DemoOutcome::Rejected } else { DemoOutcome::Declined });
    }
    let claims = match state.client_keys.verify_result(&result, state.verifier.now()) {
        Ok(claims) if Some(&claims.nonce) == expected_nonce.as_ref() => claims,
        _ => return Ok(DemoOutcome::Rejected),
    };
    let verified_at = time::OffsetDateTime::from_unix_timestamp(claims.verified_at)
        .ok()
        .and_then(|at| at.format(&time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]")).ok())
        .unwrap_or_default();
    Ok(DemoOutcome::Verified { user: claims.sub, method: claims.method, verified_at })
}
