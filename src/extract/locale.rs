//! The user's language, as each request tells it: the language picker's choice, else the best
//! of the browser's languages (`Accept-Language`, by preference) among the shipped ones, else
//! English.

use axum::http::HeaderMap;
use axum::http::header;
use leptos_i18n::Locale as _;

use crate::i18n::Locale;

/// The cookie leptos_i18n reads first when it picks the language of a page.
pub const LOCALE_COOKIE: &str = "i18n_pref_locale";

/// The user's language: the language picker's cookie, else the browser's languages. Of several
/// cookies of that name the last counts: browsers list the one of the shortest path last, and the
/// picker's is the site's (`Path=/`).
pub fn locale_of(headers: &HeaderMap) -> Locale {
    let chosen = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|cookie| cookie.trim().strip_prefix(LOCALE_COOKIE)?.strip_prefix('='))
        .filter_map(|tag| tag.parse::<Locale>().ok())
        .next_back();
    chosen.or_else(|| accepted_locale(headers)).unwrap_or_default()
}

/// The shipped language that best matches the browser's `Accept-Language`, if any does.
fn accepted_locale(headers: &HeaderMap) -> Option<Locale> {
    let accepted = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    best_match(accepted)
}

/// RFC 4647 lookup over the languages in order of their quality (`q`, 1 by default; the order
/// written breaks ties): each range is tried as it is, then with its last subtag cut off
/// (`pt-BR` → `pt`, `zh-Hant-TW` → `zh-Hant`). A range with `q=0` names a language the user
/// does not want: it is never chosen, even through a longer range. Chinese without a script
/// takes the script of its region.
pub fn best_match(accept_language: &str) -> Option<Locale> {
    let mut ranges: Vec<(f32, String)> = accept_language
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let range = parts.next()?.trim().to_ascii_lowercase();
            let quality = parts.find_map(|p| p.trim().strip_prefix("q=")).map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (!range.is_empty() && (0.0..=1.0).contains(&quality)).then_some((quality, range))
        })
        .collect();
    let refused: Vec<String> = ranges.iter().filter(|(q, _)| *q == 0.0).map(|(_, range)| range.clone()).collect();
    ranges.retain(|(q, _)| *q > 0.0);
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
    let wanted = |locale: &Locale| {
        let tag = locale.as_str().to_ascii_lowercase();
        !refused.iter().any(|range| tag == *range || tag.starts_with(&format!("{range}-")))
    };
    ranges.iter().find_map(|(_, range)| lookup(&with_script(range)).filter(wanted))
}

fn lookup(range: &str) -> Option<Locale> {
    let mut tag = range;
    loop {
        if let Some(locale) = Locale::get_all().iter().find(|locale| locale.as_str().eq_ignore_ascii_case(tag)) {
            return Some(*locale);
        }
        tag = &tag[..tag.rfind('-')?];
    }
}

/// `zh-TW` reads Traditional Chinese, `zh` and `zh-CN` Simplified: the region implies the script.
fn with_script(range: &str) -> String {
    match range.split('-').collect::<Vec<_>>().as_slice() {
        ["zh", "tw" | "hk" | "mo", ..] => "zh-hant".to_owned(),
        ["zh"] | ["zh", "cn" | "sg" | "my", ..] => "zh-hans".to_owned(),
        _ => range.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::best_match;
    use crate::i18n::Locale;

    #[test]
    fn quality_values_order_the_languages_and_zero_refuses_one() {
        assert_eq!(best_match("fr;q=0, en"), Some(Locale::en));
        assert_eq!(best_match("de;q=0.5, fr;q=0.9"), Some(Locale::fr));
        assert_eq!(best_match("xx, de;q=0.1"), Some(Locale::de));
        assert_eq!(best_match("fr-CA, fr;q=0, it;q=0.2"), Some(Locale::it));
        assert_eq!(best_match("tlh, x-klingon"), None);
    }

    #[test]
    fn a_regional_or_scripted_language_falls_back_to_the_one_shipped() {
        assert_eq!(best_match("pt-BR,pt;q=0.9"), Some(Locale::pt));
        assert_eq!(best_match("zh-Hant-TW"), Some(Locale::zh_Hant));
        assert_eq!(best_match("zh-TW"), Some(Locale::zh_Hant));
        assert_eq!(best_match("zh-CN"), Some(Locale::zh_Hans));
        assert_eq!(best_match("zh"), Some(Locale::zh_Hans));
        assert_eq!(best_match("ar-EG;q=0.8, en;q=0.7"), Some(Locale::ar));
        assert_eq!(best_match("nb-NO"), Some(Locale::nb));
    }
}
