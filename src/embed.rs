//! Embedding the pages in a host Leptos site: the host says who is signed in and what they may
//! do, the pages run under a path of its choosing inside its own layout, and the session keeps
//! the passed second factor for the host's guards to check.
//!
//! ```ignore
//! let twofa = AppState::build(settings, leptos_options.clone()).await?.embedded("/2fa", Arc::new(MyUsers));
//! let app = Router::new()
//!     .leptos_routes_with_context(&twofa, routes, { let twofa = twofa.clone(); move || twofa.provide() }, shell)
//!     .merge(leptos_2fa::web::routes(twofa.clone()))
//!     .layer(session_layer);
//! ```
//! and in the host's `<Routes>`: `<TwoFactorRoutes segment="2fa"/>`. A guarded page sends a
//! user without `second_factor(&session)` to `start_path("/2fa", "/the/page")`.

use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::response::Redirect;
use serde::Deserialize;
use tower_sessions::Session;

use crate::application::Application;
use crate::application::journey::{self, Asker, PASSED_KEY};
use crate::bounds;
use crate::redirect::is_local_path;
use crate::view::Step;
use crate::server_fns::land;

pub use crate::application::host::{HostUser, TwoFactorHost};
pub use crate::application::journey::SecondFactor;
pub use crate::application::rules::{PerDestination, UserRules};
/// The attribute `TwoFactorHost` implementations need, so a host needs no dependency of its own.
pub use async_trait::async_trait;

/// The second factor this session passed, if it did. A host's guard compares `user_id` with
/// the signed-in user: a factor passed before a change of user does not count.
pub async fn second_factor(session: &Session) -> Option<SecondFactor> {
    session.get(PASSED_KEY).await.ok().flatten()
}

/// Forgets the passed second factor (sign-out does it too, when the host flushes the session).
pub async fn forget_second_factor(session: &Session) -> Result<(), tower_sessions::session::Error> {
    session.remove::<SecondFactor>(PASSED_KEY).await.map(|_| ())
}

/// The link that starts a verification of the signed-in user, back to `next` afterwards.
pub fn start_path(mount: &str, next: &str) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new()).append_pair("next", next).finish();
    format!("{mount}/start?{query}")
}

#[derive(Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    next: Option<String>,
}

/// `{mount}/start?next=/page`: a new journey for the user the host says is signed in.
pub async fn start(State(app): State<Application>, session: Session, asker: Asker, Query(query): Query<StartQuery>, parts: Parts) -> Redirect {
    let Some(host) = app.host.clone() else { return Redirect::to("/") };
    let Some(user) = host.current_user(&parts).await else { return Redirect::to(&host.sign_in_path()) };
    if !host.may_verify(&user).await {
        tracing::info!("the host does not let this user verify");
        return Redirect::to(&host.not_allowed_path(&user));
    }
    let next = query.next.filter(|next| is_local_path(next) && bounds::fits(next, bounds::URL)).unwrap_or_else(|| host.success_path(&user));
    let opened = journey::open_for_host_user(&app, &session, host.as_ref(), user, next, asker).await;
    match land(&session, opened, Step::ChooseMethod, Default::default()).await {
        Ok(step) => Redirect::to(&step.at(&app.mount)),
        Err(error) => {
            tracing::error!(%error, "could not open a verification for a host user");
            Redirect::to(&Step::NoRequest.at(&app.mount))
        }
    }
}
