//! Serving a router over HTTP/1.1 so that slow or numerous clients cannot exhaust the portal:
//! headers must arrive within `TWOFA_HEADER_READ_TIMEOUT_SECS` (a slowloris client is dropped),
//! a whole request within `TWOFA_REQUEST_TIMEOUT_SECS` (else 408), at most
//! `TWOFA_MAX_CONCURRENT_REQUESTS` at once (the next ones get 503 at once rather than a place in
//! a queue), bodies up to `TWOFA_MAX_BODY_BYTES` (else 413). `axum::serve` has no header timeout.
//! Under the JSON API these answers are its documented JSON error (`json_api_refusals`); the
//! pages get them short and plain.
//!
//! HTTP/1.1 only: browsers speak HTTP/2 over TLS, which the proxy in front of the portal ends.

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::load_shed::LoadShedLayer;
use tower::{BoxError, ServiceBuilder, ServiceExt};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::api::Refusal;
use crate::config::Settings;
use crate::extract::locale::locale_of;
use crate::refusal::PortalError;
use crate::wording::MessageOverrides;

/// Answered to the requests past the concurrency bound; short and plain on purpose.
const OVERLOADED: &str = "The server is busy. Try again in a moment.";
/// How long connections still open at shutdown may take to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The concurrency bound is the only layer that fails (`Overloaded`, from load shedding).
async fn overloaded(_: BoxError) -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, OVERLOADED).into_response()
}

/// Under the JSON API, the answers of the layers below (413 past the body limit, 503 past the
/// concurrency bound, 408 past the timeout: plain text, or no body at all) become its documented
/// JSON refusals, worded in the caller's language with the site's overrides. An answer that is
/// JSON already is the API's own, and kept.
async fn json_api_refusals(State(overrides): State<Arc<MessageOverrides>>, request: Request, next: Next) -> Response {
    let locale = Refusal::is_api_path(request.uri().path()).then(|| locale_of(request.headers()));
    let response = next.run(request).await;
    let Some(locale) = locale else { return response };
    let error = match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => PortalError::PayloadTooLarge,
        StatusCode::SERVICE_UNAVAILABLE => PortalError::Overloaded,
        StatusCode::REQUEST_TIMEOUT => PortalError::RequestTimeout,
        _ => return response,
    };
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|kind| kind.starts_with("application/json"));
    if is_json {
        return response;
    }
    Refusal::in_front(locale, &overrides, error).into_response()
}

/// Serves `router` on `listener` until `shutdown` completes, then lets open connections finish.
pub async fn serve(listener: TcpListener, router: Router, settings: &Settings, shutdown: impl Future<Output = ()>) {
    let overrides = Arc::new(settings.messages.clone());
    let service = ServiceBuilder::new()
        .map_request(|request: Request<hyper::body::Incoming>| request.map(axum::body::Body::new))
        .layer(axum::middleware::from_fn_with_state(overrides, json_api_refusals))
        .layer(HandleErrorLayer::<_, ()>::new(overloaded))
        .layer(LoadShedLayer::new())
        .layer(GlobalConcurrencyLimitLayer::new(settings.max_concurrent_requests))
        .layer(RequestBodyLimitLayer::new(settings.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(settings.request_timeout_secs)))
        .service(router);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(settings.header_read_timeout_secs));
    let connections = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, most likely: wait for some to be freed.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Who connected, for the handlers (`ConnectInfo`, as `axum::serve` gives it).
        let service = service.clone().map_request(move |mut request: Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            request
        });
        let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = connections.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection closed");
            }
        });
    }
    if tokio::time::timeout(SHUTDOWN_GRACE, connections.shutdown()).await.is_err() {
        tracing::warn!("connections still open at shutdown were dropped");
    }
}
