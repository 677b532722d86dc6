//! The HTTP application: Leptos pages and server functions, plus the plain routes around them.

mod assets;
pub mod csrf;
pub mod dev;
pub mod entry;
pub mod headers;
pub mod health;
pub mod locale;
mod serve;
pub mod state;

pub use serve::serve;
pub use state::AppState;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{any, get, post};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use std::sync::LazyLock;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::app::{App, shell};
use crate::store::sessions::SessionStores;

/// Name of the session cookie: only an opaque id, the state stays on the server.
pub const SESSION_COOKIE: &str = "twofa_session";
/// Its name when it is `Secure`: browsers then also refuse it from a subdomain or another path.
pub const SECURE_SESSION_COOKIE: &str = "__Host-twofa_session";

/// The page routes, listed once per process. Listing runs the app with resource loading
/// suppressed through a process-wide flag, and a page rendering meanwhile would wait forever
/// (leptos-rs/leptos#4773): with one listing, no router built later can stall another's render.
static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));

/// The server-side sessions the journey keeps its state in, stored in the portal's database (or
/// in Redis, when the settings name one). A host site may use this layer or its own
/// `tower_sessions` layer.
pub fn session_layer(state: &AppState) -> SessionManagerLayer<SessionStores> {
    let secure = state.application.settings.cookie_secure();
    SessionManagerLayer::new(state.application.sessions.clone())
        .with_name(if secure { SECURE_SESSION_COOKIE } else { SESSION_COOKIE })
        .with_secure(secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(tower_sessions::cookie::time::Duration::minutes(
            state.application.settings.session_idle_minutes,
        )))
}

/// The plain routes besides the pages: the journey's entry and exit, the JSON API and Twilio's
/// webhooks. A host site merges them into its router (the pages come with its Leptos routes).
pub fn routes(state: AppState) -> Router {
    let app = state.application;
    let mount = app.mount.clone();
    let mut router = Router::new()
        .route(&format!("{mount}/finish"), post(entry::finish))
        .route(&format!("{mount}/skip"), post(entry::skip))
        .route(&format!("{mount}/locale"), post(locale::choose));
    router = match app.host {
        Some(_) => router.route(&format!("{mount}/start"), get(crate::embed::start)),
        None => router.route("/start", get(entry::start)),
    };
    if app.outbox.is_some() {
        router = router.route(&format!("{mount}/dev/outbox"), get(dev::outbox));
    }
    router = router.merge(crate::api::routes());
    if app.settings.twilio_auth_token.is_some() {
        router = router.merge(crate::webhooks::twilio::routes());
    }
    router.with_state(app)
}

/// The browser-facing defences around `router`: forged requests refused (`csrf`), security
/// headers on every response (`headers`), the client's address noted for the send limits
/// (`client_ip`). A host site calls it on its whole router.
pub fn defend(router: Router, state: &AppState) -> Router {
    let app = &state.application;
    let router = router.layer(axum::middleware::from_fn_with_state(app.clone(), crate::extract::client_ip::record));
    headers::apply(csrf::protect(router, app), app)
}

/// Builds the whole portal; `main` serves it and tests drive it on a random port.
pub fn router(state: AppState) -> Router {
    let sessions = session_layer(&state);
    let serves_demo = state.application.serves_demo();
    let pages = ROUTES.iter().filter(|page| serves_demo || !page.path().starts_with("/demo")).cloned().collect();
    let mut router = Router::new().route("/healthz", get(health::check));
    router = match serves_demo {
        true => router.route("/demo/start", post(dev::start_demo)),
        // Else the fallback would still render the demo page: the Leptos router knows it.
        false => router.route("/demo", any(not_found)).route("/demo/{*rest}", any(not_found)),
    };
    let page_context = {
        let state = state.clone();
        move || {
            state.provide();
            headers::provide_nonce();
        }
    };
    let router = router
        .leptos_routes_with_context(&state, pages, page_context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(page_context, shell))
        .with_state(state.clone())
        .merge(routes(state.clone()))
        .layer(sessions)
        .layer(axum::middleware::from_fn(assets::no_store))
        .merge(assets::site_files(&state.leptos_options));
    defend(router, &state)
        .layer(assets::compression())
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(crate::logging::request_span))
}

async fn not_found() -> StatusCode {
    StatusCode::NOT_FOUND
}

/// How often what has aged out is cleared away (see `Application::housekeep`).
const HOUSEKEEPING_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// Runs the housekeeping in the background, every `HOUSEKEEPING_EVERY`.
pub fn spawn_housekeeping(state: &AppState) {
    let app = state.application.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(HOUSEKEEPING_EVERY);
        loop {
            every.tick().await;
            match app.housekeep().await {
                Ok(Some(swept)) => tracing::debug!(?swept, "housekeeping done"),
                Ok(None) => tracing::debug!("another portal is housekeeping"),
                Err(error) => tracing::warn!(%error, "housekeeping failed"),
            }
        }
    });
}
