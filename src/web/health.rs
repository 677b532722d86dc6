use axum::extract::State;
use axum::http::StatusCode;

use crate::state::AppState;

/// 200 when the database answers, 503 otherwise.
pub async fn check(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(error) => {
            tracing::error!(%error, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
