//! What reaches the portal's log, at any level: never a code, a delivery token, a secret, a signed
//! request, or a whole phone number or e-mail address (masked ones are fine).
//!
//! The portal's own lines name none of them. Two things would, and are held back here: request
//! URIs (a signed request rides in `/start?request=`, a delivery token in Twilio's webhook paths),
//! and dependencies that log what they send at debug level (`CAPPED_TARGETS`).

use axum::extract::MatchedPath;
use axum::http::Request;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::filter::combinator::And;
use tracing_subscriber::layer::Filter;

/// Dependencies whose detailed logs carry what they send, and the most they may log whatever
/// `TWOFA_LOG` asks. lettre, once any crate of the build turns on its `tracing` feature, writes
/// the whole SMTP conversation at debug: the recipient, the message with its code, the login.
/// (At trace, the other dependencies name hosts, SQL statements without their values, sizes.)
const CAPPED_TARGETS: &[(&str, LevelFilter)] = &[("lettre", LevelFilter::INFO)];

/// The portal's log filter: `directives` (`TWOFA_LOG`, `tracing` syntax), with `CAPPED_TARGETS`
/// held to their level.
pub fn filter<S>(directives: &str) -> Result<And<EnvFilter, Targets, S>, tracing_subscriber::filter::ParseError>
where
    EnvFilter: Filter<S>,
    Targets: Filter<S>,
{
    use tracing_subscriber::filter::FilterExt;
    let capped = Targets::new().with_default(LevelFilter::TRACE).with_targets(CAPPED_TARGETS.iter().copied());
    Ok(EnvFilter::try_new(directives)?.and(capped))
}

/// The span of one HTTP request: its method and route, never its URI.
pub fn request_span<B>(request: &Request<B>) -> tracing::Span {
    tracing::debug_span!("request", method = %request.method(), route = route_of(request))
}

/// The route that took the request (`/webhooks/twilio/voice/{token}`); for a request no route
/// took, its path without the query, and nothing of it under `/webhooks/`.
fn route_of<B>(request: &Request<B>) -> &str {
    match request.extensions().get::<MatchedPath>() {
        Some(route) => route.as_str(),
        None if request.uri().path().starts_with("/webhooks/") => "/webhooks/…",
        None => request.uri().path(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_named_by_its_path_without_query_or_webhook_token() {
        let start = Request::get("/start?request=eyJhbGciOi.x.y").body(()).unwrap();
        assert_eq!(route_of(&start), "/start");
        let call = Request::post("/webhooks/twilio/voice/0123456789abcdef/code").body(()).unwrap();
        assert_eq!(route_of(&call), "/webhooks/…");
    }

    #[test]
    fn a_capped_dependency_stays_quiet_whatever_the_filter_asks() {
        use tracing_subscriber::layer::{Layer, SubscriberExt};
        let filter = filter::<tracing_subscriber::Registry>("trace").unwrap();
        let subscriber = tracing_subscriber::registry().with(tracing_subscriber::fmt::layer().with_filter(filter));
        tracing::subscriber::with_default(subscriber, || {
            assert!(!tracing::enabled!(target: "lettre::transport::smtp", tracing::Level::DEBUG));
            assert!(tracing::enabled!(target: "lettre::transport::smtp", tracing::Level::INFO));
            assert!(tracing::enabled!(target: "leptos_2fa::application", tracing::Level::TRACE));
        });
    }
}
