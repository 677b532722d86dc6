//! The language picker's form target: remembers the choice in leptos_i18n's cookie.

use axum::Form;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect};
use leptos_i18n::Locale as _;
use serde::Deserialize;
use std::str::FromStr;

use crate::extract::locale::LOCALE_COOKIE;
use crate::redirect::is_local_path;
use crate::i18n::Locale;

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
