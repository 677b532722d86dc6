//! leptos-2fa: phone and e-mail second-factor verification for Leptos and axum.
//!
//! - `bounds`: the longest input taken in each field.
//! - `flow`: the core rules (codes, limits, expiry), plain Rust.
//! - `gateways`: delivery by SMS, call and e-mail behind one interface.
//! - `store`: SQL persistence.
//! - `identity`: signed requests from relying applications and signed results back.
//! - `portal`: the application layer joining them; `server_fns` and `web` expose it.
//! - `logging`: what the log may hold, and the filter that keeps the rest out.
//! - `embed`: what a host Leptos site implements and calls to run the pages inside itself.
//! - `webhooks`: what Twilio calls back, checked against its request signature.
//! - `ui` and `app`: the Leptos pages; `i18n`: generated from `locales/`.
//! - `redirect`, `retry`, `line_type`: small leaves shared by the layers above (where a browser
//!   may be sent, doubling backoff, Twilio Lookup's line-type names).

#![recursion_limit = "256"]

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

pub mod app;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod events;
pub mod protocol;
pub mod server_fns;
pub mod texts;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod application;
#[cfg(feature = "ssr")]
pub mod bounds;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod countries;
#[cfg(feature = "ssr")]
pub mod embed;
#[cfg(feature = "ssr")]
pub mod extract;
#[cfg(feature = "ssr")]
pub mod flow;
#[cfg(feature = "ssr")]
pub mod gateways;
#[cfg(feature = "ssr")]
pub mod identity;
#[cfg(feature = "ssr")]
pub mod line_type;
#[cfg(feature = "ssr")]
pub mod logging;
#[cfg(feature = "ssr")]
pub mod redirect;
#[cfg(feature = "ssr")]
pub mod retry;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod web;
#[cfg(feature = "ssr")]
pub mod webhooks;

/// Makes every server-side redirect a full page load, exactly as without JavaScript: the pages
/// render from server state. A host site calls this in its own `hydrate`.
#[cfg(feature = "hydrate")]
pub fn full_page_redirects() {
    let _ = leptos::server_fn::redirect::set_redirect_hook(|location: &str| {
        let _ = leptos::prelude::window().location().set_href(location);
    });
}

/// The portal's browser entry point.
#[cfg(all(feature = "hydrate", feature = "portal"))]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Some redirect targets (`/start`, the relying app) are not Leptos routes at all.
    full_page_redirects();
    leptos::mount::hydrate_body(app::App);
}
