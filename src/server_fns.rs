//! Server functions: the page adapter. Each reads the session, runs a journey command, and
//! the page of the step that follows. Refusals become notices on that page, not errors, so a
//! plain form post without JavaScript shows them too.

use leptos::prelude::*;

use crate::domain::{Channel, DeliveryState};
use crate::refusal::PortalError;
use crate::view::{CountryOption, PortalView};
#[cfg(feature = "ssr")]
use crate::application::journey::{self, Flash, Moved};
#[cfg(feature = "ssr")]
use crate::view::{Notice, PhoneInput, Step};

#[cfg(feature = "ssr")]
mod context {
    use super::*;
    use crate::application::Application;
    use crate::application::journey::Asker;
    use crate::i18n::Locale;
    use tower_sessions::Session;

    pub async fn request() -> Result<(Application, Session), PortalError> {
        let app = use_context::<Application>().ok_or(PortalError::Unavailable)?;
        let session = leptos_axum::extract::<Session>().await.map_err(|error| {
            tracing::error!(%error, "no session on a server function call");
            PortalError::Unavailable
        })?;
        Ok((app, session))
    }

    /// The portal's negotiation, as for the pages (leptos_i18n's `resolve_locale` ignores quality
    /// values and writes its cookie back without a path, which then shadows the picker's under `/api`).
    pub fn locale() -> Locale {
        use_context::<axum::http::request::Parts>().map(|parts| crate::extract::locale::locale_of(&parts.headers)).unwrap_or_default()
    }

    /// The user's language, and their address as the portal's `client_ip` layer recorded it.
    pub fn asker() -> Asker {
        let parts = use_context::<axum::http::request::Parts>();
        let client = parts.and_then(|parts| parts.extensions.get::<crate::extract::client_ip::ClientIp>().map(|client| client.0));
        Asker { locale: locale(), client }
    }

    /// Sends the user to the page that follows, with what to tell them there; a refusal is told
    /// on `back_to`'s page, with what they typed.
    pub async fn go(
        app: &Application,
        session: &Session,
        moved: Result<Moved, PortalError>,
        back_to: Step,
        typed: Flash,
    ) -> Result<(), PortalError> {
        let step = super::land(session, moved, back_to, typed).await?;
        leptos_axum::redirect(&step.at(&app.mount));
        Ok(())
    }
}

/// Where a command leaves the user, as a page shows it: its news, or its refusal (with what the
/// user typed) flashed for the next page. Only a failure of the portal itself is an error.
#[cfg(feature = "ssr")]
pub async fn land(session: &tower_sessions::Session, moved: Result<Moved, PortalError>, back_to: Step, typed: Flash) -> Result<Step, PortalError> {
    match moved {
        Ok(Moved { step, news, .. }) => {
            if news.is_some() {
                Flash { notice: news, ..Flash::default() }.put(session).await?;
            }
            Ok(step)
        }
        Err(error @ (PortalError::Unavailable | PortalError::NoActiveRequest)) => Err(error),
        Err(error) => {
            Flash { notice: Some(Notice::Error(error)), ..typed }.put(session).await?;
            Ok(back_to)
        }
    }
}

#[server(endpoint = "load_portal_view")]
pub async fn load_portal_view() -> Result<PortalView, PortalError> {
    let (app, session) = context::request().await?;
    let headers: axum::http::HeaderMap = leptos_axum::extract().await.unwrap_or_default();
    let accept_language = headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let region = accept_language.and_then(crate::countries::region_from_accept_language);
    let flash = Flash::take(&session).await?;
    journey::view(&app, &session, flash, region, context::locale()).await
}

/// The countries of the phone form: those whose numbers may receive codes.
#[server(endpoint = "country_options")]
pub async fn country_options() -> Result<Vec<CountryOption>, PortalError> {
    use leptos_i18n::Locale as _;
    let app = use_context::<crate::application::Application>().ok_or(PortalError::Unavailable)?;
    let regions = app.verifier.policy().regions.clone();
    let mut countries = crate::countries::country_options(context::locale().as_str());
    countries.retain(|country| regions.allows(Some(&country.code)));
    Ok(countries)
}

#[server(endpoint = "choose_method")]
pub async fn choose_method(channel: Channel) -> Result<(), PortalError> {
    let (app, session) = context::request().await?;
    let moved = journey::choose_method(&app, &session, channel, context::asker()).await;
    context::go(&app, &session, moved, Step::ChooseMethod, Flash::default()).await
}

#[server(endpoint = "register_phone")]
pub async fn register_phone(country: String, number: String) -> Result<(), PortalError> {
    let (app, session) = context::request().await?;
    let input = PhoneInput { country, number };
    let moved = journey::register_phone(&app, &session, &input, None, context::asker()).await;
    let typed = Flash { phone_input: Some(input).filter(PhoneInput::fits), ..Flash::default() };
    context::go(&app, &session, moved, Step::RegisterPhone, typed).await
}

#[server(endpoint = "register_email")]
pub async fn register_email(email: String) -> Result<(), PortalError> {
    let (app, session) = context::request().await?;
    let moved = journey::register_email(&app, &session, &email, context::asker()).await;
    let typed = Flash { email_input: Some(email).filter(|email| crate::bounds::fits(email, crate::bounds::EMAIL)), ..Flash::default() };
    context::go(&app, &session, moved, Step::RegisterEmail, typed).await
}

#[server(endpoint = "check_code")]
pub async fn check_code(code: String) -> Result<(), PortalError> {
    let (app, session) = context::request().await?;
    let moved = journey::check_code(&app, &session, &code, context::asker()).await;
    // A code that is gone (canceled, used, unknown) leaves the method picker as the next step.
    let back_to = match &moved {
        Err(PortalError::VerificationNotFound | PortalError::VerificationCanceled | PortalError::CodeAlreadyUsed) => Step::ChooseMethod,
        _ => Step::EnterCode,
    };
    context::go(&app, &session, moved, back_to, Flash::default()).await
}

#[server(endpoint = "switch_channel")]
pub async fn switch_channel(channel: Channel) -> Result<(), PortalError> {
    let (app, session) = context::request().await?;
    let moved = journey::switch_channel(&app, &session, channel, context::asker()).await;
    context::go(&app, &session, moved, Step::EnterCode, Flash::default()).await
}

/// How far the pending code has got, for the token page to follow without a reload.
#[server(endpoint = "poll_delivery")]
pub async fn poll_delivery() -> Result<Option<DeliveryState>, PortalError> {
    let (app, session) = context::request().await?;
    journey::delivery_state(&app, &session).await
}

#[server(endpoint = "resend_code")]
pub async fn resend_code() -> Result<(), PortalError> {
    let (app, session) = context::request().await?;
    let moved = journey::resend_code(&app, &session, context::asker()).await;
    context::go(&app, &session, moved, Step::EnterCode, Flash::default()).await
}

#[server(endpoint = "restart")]
pub async fn restart() -> Result<(), PortalError> {
    let (app, session) = context::request().await?;
    let moved = journey::restart(&app, &session).await;
    context::go(&app, &session, moved, Step::Failed, Flash::default()).await
}

/// Session key of the nonce the demo application expects back in its result.
#[cfg(feature = "ssr")]
pub const DEMO_NONCE_KEY: &str = "demo.nonce";

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
    let (app, session) = context::request().await?;
    if !app.serves_demo() {
        return Err(PortalError::MethodNotAllowed);
    }
    let expected_nonce: Option<String> = session.remove(DEMO_NONCE_KEY).await?;
    if result.is_empty() {
        return Ok(if error.is_empty() { DemoOutcome::Rejected } else { DemoOutcome::Declined });
    }
    let claims = match app.client_keys.verify_result(&result, app.verifier.now()) {
        Ok(claims) if Some(&claims.nonce) == expected_nonce.as_ref() => claims,
        _ => return Ok(DemoOutcome::Rejected),
    };
    let verified_at = time::OffsetDateTime::from_unix_timestamp(claims.verified_at)
        .ok()
        .and_then(|at| at.format(&time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]")).ok())
        .unwrap_or_default();
    Ok(DemoOutcome::Verified { user: claims.sub, method: claims.method, verified_at })
}
