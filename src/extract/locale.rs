//! The user's language, as each request tells it.

use axum::http::HeaderMap;
use axum::http::header;
use leptos_i18n::Locale as _;

use crate::i18n::Locale;

/// The cookie leptos_i18n reads first when it picks the language of a page.
pub const LOCALE_COOKIE: &str = "i18n_pref_locale";

/// The user's language: the language picker's cookie, else the browser's languages.
pub fn locale_of(headers: &HeaderMap) -> Locale {
    let chosen = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|cookie| cookie.trim().strip_prefix(LOCALE_COOKIE)?.strip_prefix('='))
        .find_map(|tag| tag.parse::<Locale>().ok());
    chosen.unwrap_or_else(|| {
        let accepted = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let tags: Vec<&str> = accepted.split(',').map(|part| part.split(';').next().unwrap_or_default().trim()).collect();
        Locale::find_locale(&tags)
    })
}
