//! Cross-site request forgery: a state-changing request from a browser must come from the
//! portal's own pages. Browsers say where a request comes from in `Origin` (every POST, with or
//! without JavaScript), else `Referer`; a request that says neither is refused, since every
//! browser the pages support sends one of them.
//!
//! Exempt: safe methods (GET, HEAD, OPTIONS), API clients (`Authorization: Bearer`, which a
//! browser never adds by itself, checked by the API) and Twilio's webhooks (signed).
//!
//! A refused call to the JSON API gets its documented JSON error (`cross_site_request`, 403);
//! the pages' routes get a short plain answer.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use url::{Origin, Url};

use crate::api::Refusal;
use crate::application::Application;
use crate::extract::locale::locale_of;
use crate::refusal::PortalError;
use crate::wording::MessageOverrides;

/// The answer to a forged request to a page's route: short, plain and the same whatever failed.
const REFUSAL: &str = "Cross-site request refused.";

/// The origins whose pages may post to the portal, and the paths that prove themselves otherwise.
#[derive(Debug, Clone)]
pub struct TrustedOrigins {
    origins: Vec<Origin>,
    webhooks: String,
    /// The site's sentences, for the JSON API's refusal.
    overrides: MessageOverrides,
}

impl TrustedOrigins {
    /// The public URL's origin, plus the host site's other origins when the pages are embedded.
    pub fn of(app: &Application) -> Self {
        let mut origins = vec![app.settings.public_url.origin()];
        if app.host.is_some() {
            origins.extend(app.settings.trusted_origins.iter().map(Url::origin));
        }
        TrustedOrigins { origins, webhooks: format!("{}/webhooks/twilio/", app.mount), overrides: app.settings.messages.clone() }
    }

    fn needs_no_proof(&self, request: &Request) -> bool {
        matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS)
            || is_api_client(request.headers())
            || request.uri().path().starts_with(&self.webhooks)
    }

    fn is_trusted(&self, headers: &HeaderMap) -> bool {
        if header_text(headers, "sec-fetch-site") == Some("cross-site") {
            return false;
        }
        // `Origin: null` (a sandboxed frame, a privacy-minded redirect) proves nothing, and
        // a request that sends it must not fall back to its Referer.
        let claimed = match header_text(headers, header::ORIGIN.as_str()) {
            Some(origin) => Url::parse(origin).ok(),
            None => header_text(headers, header::REFERER.as_str()).and_then(|referer| Url::parse(referer).ok()),
        };
        claimed.is_some_and(|url| self.origins.contains(&url.origin()))
    }
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// A call with a bearer token (the scheme's name in any case, as the API reads it): an API
/// client's, whose key the API checks.
fn is_api_client(headers: &HeaderMap) -> bool {
    header_text(headers, header::AUTHORIZATION.as_str()).and_then(crate::api::client::bearer_token).is_some()
}

/// Refuses forged requests to every route of `router`, with 403. A host site calls it on its
/// whole router, the library's routes merged in: its server functions are its own routes.
pub fn protect(router: Router, app: &Application) -> Router {
    router.layer(axum::middleware::from_fn_with_state(Arc::new(TrustedOrigins::of(app)), refuse_cross_site))
}

async fn refuse_cross_site(State(trusted): State<Arc<TrustedOrigins>>, request: Request, next: Next) -> Response {
    if trusted.needs_no_proof(&request) || trusted.is_trusted(request.headers()) {
        return next.run(request).await;
    }
    tracing::warn!(method = %request.method(), path = request.uri().path(), "refused a cross-site request");
    if Refusal::is_api_path(request.uri().path()) {
        return Refusal::in_front(locale_of(request.headers()), &trusted.overrides, PortalError::CrossSiteRequest).into_response();
    }
    (StatusCode::FORBIDDEN, REFUSAL).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted() -> TrustedOrigins {
        TrustedOrigins {
            origins: vec![Url::parse("https://2fa.example").unwrap().origin()],
            webhooks: "/webhooks/twilio/".into(),
            overrides: Default::default(),
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(name, value)| (header::HeaderName::from_static(name), value.parse().unwrap())).collect()
    }

    #[test]
    fn the_portal_s_own_origin_is_trusted_from_origin_or_referer() {
        assert!(trusted().is_trusted(&headers(&[("origin", "https://2fa.example")])));
        assert!(trusted().is_trusted(&headers(&[("referer", "https://2fa.example/verify")])));
    }

    #[test]
    fn another_origin_a_null_origin_or_no_proof_is_not() {
        assert!(!trusted().is_trusted(&headers(&[("origin", "https://evil.example")])));
        assert!(!trusted().is_trusted(&headers(&[("origin", "http://2fa.example")])));
        assert!(!trusted().is_trusted(&headers(&[("origin", "null"), ("referer", "https://2fa.example/verify")])));
        assert!(!trusted().is_trusted(&headers(&[("referer", "https://2fa.example.evil.example/")])));
        assert!(!trusted().is_trusted(&headers(&[])));
        assert!(!trusted().is_trusted(&headers(&[("origin", "https://2fa.example"), ("sec-fetch-site", "cross-site")])));
    }
}
