//! leptos-2fa: phone and e-mail second-factor verification for Leptos and axum.
//!
//! The folders are the layers, each importing only from the ones below it
//! (`tests/integration/architecture.rs` checks it):
//!
//! 1. `web`: the composition root. `AppState` holds the application and the Leptos options; the
//!    router, the sessions and the browser-facing defences are put together here.
//! 2. The adapters, thin: `app`, `ui` and `server_fns` (the pages), `api` (the JSON API),
//!    `webhooks` (what Twilio calls back), `embed` (the pages inside a host site), with
//!    `extract` (who asks, in which language) shared by them.
//! 3. `application`: the `Application` that owns its store, verifier, keys, rules and host; the
//!    user's `journey` through the pages; the `verifier` that sends and checks codes.
//! 4. `gateways` (delivery by text, call and e-mail), `store` (SQL), `handoff` (signed requests
//!    and results), `wording` (every sentence, from `locales/`), `events`, `config`, `logging`.
//! 5. The core: `domain` (codes, limits, lockout, factors, the life of a verification: plain Rust
//!    with an injected clock), `refusal` (each refusal declared once), `view` (what a page shows),
//!    and small leaves (`bounds`, `redirect`, `retry`, `line_type`).
//!
//! A host site uses `web`, `embed`, `app::TwoFactorRoutes`, `config`, `events`, `logging`,
//! `redirect` and `Channel`; a relying application written in Rust, `handoff`; the tests,
//! `testing`. Everything else is the portal's own.

#![recursion_limit = "256"]

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

pub mod app;
mod domain;
mod refusal;
mod server_fns;
mod ui;
mod view;

#[cfg(feature = "ssr")]
mod api;
#[cfg(feature = "ssr")]
mod application;
#[cfg(feature = "ssr")]
mod bounds;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
mod countries;
#[cfg(feature = "ssr")]
pub mod embed;
#[cfg(feature = "ssr")]
pub mod events;
#[cfg(feature = "ssr")]
mod extract;
#[cfg(feature = "ssr")]
mod gateways;
#[cfg(feature = "ssr")]
pub mod handoff;
#[cfg(feature = "ssr")]
mod line_type;
#[cfg(feature = "ssr")]
pub mod logging;
#[cfg(feature = "ssr")]
pub mod redirect;
#[cfg(feature = "ssr")]
mod retry;
#[cfg(feature = "ssr")]
mod store;
#[cfg(feature = "ssr")]
pub mod testing;
#[cfg(feature = "ssr")]
pub mod web;
#[cfg(feature = "ssr")]
mod webhooks;
#[cfg(feature = "ssr")]
mod wording;

/// How a code reaches the user: what a host site names when it narrows a user's methods.
pub use domain::Channel;

/// Makes every server-side redirect a full page load, exactly as without JavaScript: the pages
/// render from server state. A host site calls this in its own `hydrate`.
#[cfg(feature = "hydrate")]
pub fn full_page_redirects() {
    let _ = leptos::server_fn::redirect::set_redirect_hook(|location: &str| {
        let _ = leptos::prelude::window().location().set_href(location);
    });
}

/// The portal's browser entry point: its pages are rendered on the server and only their islands
/// (the resend countdown, the delivery line) run here.
#[cfg(all(feature = "hydrate", feature = "portal"))]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_islands();
    // Leptos' loader hydrates the page's islands right after this returns, in microtasks: by the
    // next task they are live, and the page says so to its styles and tests.
    leptos::prelude::set_timeout(
        || {
            let card = leptos::prelude::document().query_selector("[data-hydrated]");
            if let Ok(Some(card)) = card {
                let _ = card.set_attribute("data-hydrated", "true");
            }
        },
        std::time::Duration::ZERO,
    );
}
