//! Embedding the pages in a host Leptos site: the host says who is signed in and what they may
//! do, the pages run under a path of its choosing inside its own layout, and the session keeps
//! the passed second factor for the host's guards to check.
//!
//! ```ignore
//! let twofa = AppState::build(settings, leptos_options.clone()).await?.embedded("/2fa", Arc::new(MyUsers));
//! let app = Router::new()
//!     .leptos_routes_with_context(&twofa, routes, { let twofa = twofa.clone(); move || provide_context(twofa.clone()) }, shell)
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

use crate::bounds;
use crate::redirect::is_local_path;
use crate::flow::{EmailAddress, Factors, PhoneNumber};
use crate::portal::journey::{self, ActiveRequest, Asker, PASSED_KEY};
use crate::protocol::Step;
use crate::state::AppState;

pub use crate::portal::journey::SecondFactor;
pub use crate::portal::rules::{PerDestination, UserRules};
/// The attribute `TwoFactorHost` implementations need, so a host needs no dependency of its own.
pub use async_trait::async_trait;

/// A user of the host site, as far as the second factor is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostUser {
    /// The host's id for the user: it comes back in `SecondFactor` and in every event.
    pub id: String,
    /// The number the host knows for the user, in international format.
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// What the host site tells the pages about its users (django-twilio-2fa's user callbacks).
#[async_trait]
pub trait TwoFactorHost: Send + Sync + 'static {
    /// The user signed in on this request, if any (the host reads its own session or token).
    async fn current_user(&self, request: &Parts) -> Option<HostUser>;

    /// Whether this user may verify at all; a user who may not is sent to `not_allowed_path`.
    async fn may_verify(&self, _user: &HostUser) -> bool {
        true
    }

    /// What this user may do: which methods, whether they may register or change a phone number
    /// or an e-mail address. `defaults` come from the settings; narrow them per user.
    async fn rules(&self, _user: &HostUser, defaults: UserRules) -> UserRules {
        defaults
    }

    /// Where a visitor who is not signed in is sent.
    fn sign_in_path(&self) -> String {
        "/".to_owned()
    }

    /// Where a user who may not verify is sent (django-twilio-2fa's `DISALLOWED_REDIRECT_URL`).
    fn not_allowed_path(&self, _user: &HostUser) -> String {
        "/".to_owned()
    }

    /// Where a verified user goes when the link that started the flow named no page
    /// (django-twilio-2fa's `SUCCESS_REDIRECT_URL`).
    fn success_path(&self, _user: &HostUser) -> String {
        "/".to_owned()
    }
}

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

/// `{mount}/start?next=/page`: a new flow for the user the host says is signed in.
pub async fn start(State(state): State<AppState>, session: Session, asker: Asker, Query(query): Query<StartQuery>, parts: Parts) -> Redirect {
    let Some(host) = state.host.clone() else { return Redirect::to("/") };
    let Some(user) = host.current_user(&parts).await else { return Redirect::to(&host.sign_in_path()) };
    if !host.may_verify(&user).await {
        tracing::info!("the host does not let this user verify");
        return Redirect::to(&host.not_allowed_path(&user));
    }
    let next = query.next.filter(|next| is_local_path(next) && bounds::fits(next, bounds::URL)).unwrap_or_else(|| host.success_path(&user));
    let opened = match state.store.ensure_user(&user.id, state.verifier.now()).await {
        Ok(()) => {
            let vouched = vouched_by_host(&state, &user);
            let rules = host.rules(&user, state.settings.user_rules()).await.restrict_methods(&state.settings.methods);
            let request = ActiveRequest::for_host_page(user.id, next, rules, vouched);
            journey::open(&state, &session, Ok(request), asker).await
        }
        Err(error) => Err(error.into()),
    };
    match opened {
        Ok(step) => Redirect::to(&step.at(&state.mount)),
        Err(error) => {
            tracing::error!(%error, "could not open a verification for a host user");
            Redirect::to(&Step::NoRequest.at(&state.mount))
        }
    }
}

/// The host's number and address for the user: its word for this flow, used where the portal
/// verified none of that kind. Ones that do not parse are left out (the user can register a
/// valid one), with a warning for the host's operators.
fn vouched_by_host(state: &AppState, user: &HostUser) -> Factors {
    let phone = user.phone.as_deref().and_then(|phone| {
        PhoneNumber::parse(Some(&state.settings.default_region), phone)
            .inspect_err(|_| tracing::warn!("the host's phone number for a user does not parse"))
            .ok()
    });
    let email = user.email.as_deref().and_then(|email| {
        EmailAddress::parse(email).inspect_err(|_| tracing::warn!("the host's e-mail address for a user does not parse")).ok()
    });
    Factors { phone, email }
}
