//! The security headers of every response. The Content-Security-Policy lets run only the inline
//! scripts that carry this response's nonce (the hydration script, the resources' data) and the
//! portal's own script files (`'self'`: the WASM glue it imports, and preloads with a `<link>`
//! that `'strict-dynamic'` would block as it carries no nonce), lets the WASM be compiled
//! (`'wasm-unsafe-eval'`), and forms post only to the portal and to the relying applications
//! `/finish` sends users back to: chromium applies `form-action` to the redirect that follows.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};
use std::sync::Arc;

use crate::config::{NO_FRAMING, Settings};
use crate::application::Application;

/// What every response says, but the nonce: worked out once from the settings.
#[derive(Debug)]
pub struct SecurityHeaders {
    /// Every directive but `script-src`, which names the response's nonce.
    policy_without_scripts: String,
    framing_denied: bool,
    strict_transport: bool,
}

impl SecurityHeaders {
    pub fn new(settings: &Settings) -> Self {
        // Relative icon paths are 'self' already; absolute ones add their origin.
        let icons: Vec<url::Url> = settings.method_icons.values().filter_map(|icon| url::Url::parse(icon).ok()).collect();
        let icon_origins = sources(&icons);
        let return_origins = sources(&settings.allowed_return_origins);
        let frame_ancestors = settings.frame_ancestors.join(" ");
        SecurityHeaders {
            policy_without_scripts: format!(
                "default-src 'self'; style-src 'self'; img-src 'self' data:{icon_origins}; \
                 form-action 'self'{return_origins}; frame-ancestors {frame_ancestors}; \
                 base-uri 'none'; object-src 'none'"
            ),
            framing_denied: settings.frame_ancestors.iter().any(|source| source == NO_FRAMING),
            strict_transport: settings.public_url.scheme() == "https",
        }
    }

    fn content_security_policy(&self, nonce: &Nonce) -> String {
        format!("script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; {}", self.policy_without_scripts)
    }
}

/// `" https://a.example https://b.example"`: the origins of `urls` as CSP sources.
fn sources(urls: &[url::Url]) -> String {
    urls.iter().map(|url| format!(" {}", url.origin().ascii_serialization())).collect()
}

/// Adds the security headers to every response of `router`, and gives each request the nonce
/// its page's scripts carry (see `provide_nonce`).
pub fn apply(router: Router, app: &Application) -> Router {
    router.layer(axum::middleware::from_fn_with_state(Arc::new(SecurityHeaders::new(&app.settings)), add_security_headers))
}

async fn add_security_headers(State(headers): State<Arc<SecurityHeaders>>, mut request: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let mut set = |name: HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            response.headers_mut().insert(name, value);
        }
    };
    set(header::CONTENT_SECURITY_POLICY, &headers.content_security_policy(&nonce));
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    // Not `no-referrer`: chromium would then send `Origin: null` on the pages' own form posts.
    set(header::REFERRER_POLICY, "same-origin");
    if headers.framing_denied {
        set(header::X_FRAME_OPTIONS, "DENY");
    }
    if headers.strict_transport {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=63072000; includeSubDomains");
    }
    response
}

/// Hands the request's nonce to Leptos, for the scripts it renders (`HydrationScripts`, the
/// resources' data). Call it in the context function of `leptos_routes_with_context`.
pub fn provide_nonce() {
    let nonce = use_context::<axum::http::request::Parts>().and_then(|parts| parts.extensions.get::<Nonce>().cloned());
    if let Some(nonce) = nonce {
        provide_context(nonce);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Channel;

    #[test]
    fn icons_and_return_origins_widen_only_their_own_directives() {
        let settings = Settings {
            method_icons: [(Channel::Sms, "https://cdn.example/sms.svg".to_owned()), (Channel::Call, "/img/call.svg".to_owned())].into(),
            allowed_return_origins: vec!["https://app.example".parse().unwrap()],
            frame_ancestors: vec!["'self'".into(), "https://host.example".into()],
            ..Settings::default()
        };
        let headers = SecurityHeaders::new(&settings);
        let policy = headers.content_security_policy(&Nonce::from_value("n0nce"));
        assert!(policy.starts_with("script-src 'self' 'nonce-n0nce' 'wasm-unsafe-eval'; default-src 'self';"), "{policy}");
        assert!(policy.contains("img-src 'self' data: https://cdn.example;"), "{policy}");
        assert!(policy.contains("form-action 'self' https://app.example;"), "{policy}");
        assert!(policy.contains("frame-ancestors 'self' https://host.example;"), "{policy}");
        assert!(!headers.framing_denied && !headers.strict_transport);
    }
}
