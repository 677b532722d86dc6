//! The language picker's form target: remembers the choice in leptos_i18n's cookie.

use axum::Form;
use axum::http::HeaderMap;
use axum::http::header::{self, SET_COOKIE};
use axum::response::{IntoResponse, Redirect};
use leptos_i18n::Locale as _;
use serde::Deserialize;
use std::str::FromStr;

use crate::redirect::is_local_path;
use crate::i18n::Locale;

/// The cookie leptos_i18n reads first when it picks the language of a page.
pub const LOCALE_COOKIE: &str = "i18n_pref_locale";

#[derive(Deserialize)]
pub struct LocaleChoice {
    locale: String,
    #[serde(default)]
    back: String,
}

pub async fn choose(Form(choice): Form<LocaleChoice>) -> impl IntoResponse {
    let back = local_path(&choice.back);
    match Locale::from_str(&choice.locale) {
        Ok(locale) => {
            let cookie = format!("{LOCALE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", locale.as_str());
            ([(SET_COOKIE, cookie)], Redirect::to(back)).into_response()
        }
        Err(()) => Redirect::to(back).into_response(),
    }
}

/// Only a path on this site, so the picker cannot be used to send people elsewhere.
fn local_path(back: &str) -> &str {
    if is_local_path(back) { back } else { "/" }
}

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

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn the_return_path_stays_on_this_site() {
        assert_eq!(local_path("/verify"), "/verify");
        assert_eq!(local_path("https://evil.example/"), "/");
        assert_eq!(local_path("//evil.example/"), "/");
        assert_eq!(local_path("/\\evil.example"), "/");
    }
}
