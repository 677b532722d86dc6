//! The integration contract's two ends: `/start` takes a signed request, `/finish` sends the user back.

use axum::extract::{Query, State};
use axum::response::Redirect;
use serde::Deserialize;
use tower_sessions::Session;

use crate::portal::journey;
use crate::protocol::Step;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    request: String,
}

pub async fn start(State(state): State<AppState>, session: Session, Query(query): Query<StartQuery>) -> Redirect {
    match journey::begin(&state, &session, &query.request).await {
        Ok(step) => Redirect::to(step.path()),
        Err(_) => Redirect::to(Step::Failed.path()),
    }
}

/// A form post from the success or failure page.
pub async fn finish(State(state): State<AppState>, session: Session) -> Redirect {
    match journey::finish(&state, &session).await {
        Ok(Some(target)) => Redirect::to(&target),
        _ => Redirect::to(Step::NoRequest.path()),
    }
}
