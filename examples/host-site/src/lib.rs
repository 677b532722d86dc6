//! Northwind Savings: an example Leptos site with its own sign-in, whose account page is guarded
//! by leptos-2fa's pages embedded under `/2fa`.

#![recursion_limit = "256"]

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

pub mod pages;
#[cfg(feature = "ssr")]
pub mod users;

/// Where the 2FA pages live: the route segment, and the same path for the server side.
pub const TWO_FACTOR_SEGMENT: &str = "2fa";
pub const TWO_FACTOR_MOUNT: &str = "/2fa";

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos_2fa::full_page_redirects();
    leptos::mount::hydrate_body(pages::App);
}
