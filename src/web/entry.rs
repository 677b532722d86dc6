//! The integration contract's two ends: `/start` takes a signed request, `/finish` sends the user back.

use axum::extract::{Query, State};
use axum::response::Redirect;
use serde::Deserialize;
use tower_sessions::Session;

use crate::portal::journey::{self, Asker};
use crate::protocol::Step;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    request: String,
}

pub async fn start(State(state): State<AppState>, session: Session, asker: Asker, Query(query): Query<StartQuery>) -> Redirect {
    match journey::begin(&state, &session, &query.request, asker).await {
        Ok(step) => Redirect::to(&step.at(&state.mount)),
        Err(_) => Redirect::to(&Step::Failed.at(&state.mount)),
    }
}

/// A form post from the success or failure page.
pub async fn finish(State(state): State<AppState>, session: Session) -> Redirect {
    match journey::finish(&state, &session).await {
        Ok(Some(target)) => Redirect::to(&target),
        _ => Redirect::to(&Step::NoRequest.at(&state.mount)),
    }
}

/// "Not now" on a registration page, where registration is optional.
pub async fn skip(State(state): State<AppState>, session: Session) -> Redirect {
    match journey::skip_registration(&state, &session).await {
        Ok(Some(target)) => Redirect::to(&target),
        _ => Redirect::to(&Step::NoRequest.at(&state.mount)),
    }
}
