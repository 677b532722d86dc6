//! The integration contract's two ends: `/start` takes a signed request, `/finish` sends the user back.

use axum::extract::{Query, State};
use axum::response::Redirect;
use serde::Deserialize;
use tower_sessions::Session;

use crate::application::Application;
use crate::application::journey::{self, Asker};
use crate::view::Step;
use crate::server_fns::land;

#[derive(Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    request: String,
}

pub async fn start(State(app): State<Application>, session: Session, asker: Asker, Query(query): Query<StartQuery>) -> Redirect {
    let begun = journey::begin(&app, &session, &query.request, asker).await;
    match land(&session, begun, Step::ChooseMethod, Default::default()).await {
        Ok(step) => Redirect::to(&step.at(&app.mount)),
        Err(_) => Redirect::to(&Step::Failed.at(&app.mount)),
    }
}

/// A form post from the success or failure page.
pub async fn finish(State(app): State<Application>, session: Session) -> Redirect {
    match journey::finish(&app, &session).await {
        Ok(Some(target)) => Redirect::to(&target),
        _ => Redirect::to(&Step::NoRequest.at(&app.mount)),
    }
}

/// "Not now" on a registration page, where registration is optional.
pub async fn skip(State(app): State<Application>, session: Session) -> Redirect {
    match journey::skip_registration(&app, &session).await {
        Ok(Some(target)) => Redirect::to(&target),
        _ => Redirect::to(&Step::NoRequest.at(&app.mount)),
    }
}
