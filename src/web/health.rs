use axum::extract::State;
use axum::http::StatusCode;

use crate::application::Application;

/// 200 when the database and, if sessions live there, Redis answer; 503 otherwise, so that a
/// load balancer sends users to another portal.
pub async fn check(State(app): State<Application>) -> (StatusCode, &'static str) {
    if let Err(error) = app.store.ping().await {
        tracing::error!(%error, "health check: database unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable");
    }
    if let Err(error) = app.sessions.ping().await {
        tracing::error!(%error, "health check: Redis unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, "sessions unavailable");
    }
    (StatusCode::OK, "ok")
}
