use axum::extract::State;
use axum::http::StatusCode;

use crate::application::Application;

/// 200 when the database answers, 503 otherwise.
pub async fn check(State(app): State<Application>) -> (StatusCode, &'static str) {
    match app.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(error) => {
            tracing::error!(%error, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
