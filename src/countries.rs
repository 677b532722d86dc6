//! The country selector's entries: every region with a phone numbering plan, named in the
//! user's language from CLDR data.

use icu_experimental::displaynames::{DisplayNamesOptions, multi::RegionDisplayNames};
use icu_locale_core::subtags::Region;
use phonenumber::metadata::DATABASE;

use crate::view::CountryOption;

/// Regions sorted by their name in `language` (English when CLDR has no names for it).
pub fn country_options(language: &str) -> Vec<CountryOption> {
    let names = region_names(language).or_else(|| region_names("en"));
    let mut options: Vec<CountryOption> = DATABASE
        .iter()
        .filter(|meta| meta.id().len() == 2 && meta.id() != "001")
        .map(|meta| {
            let code = meta.id().to_owned();
            let name = names
                .as_ref()
                .and_then(|names| names.of(Region::try_from_str(&code).ok()?))
                .map(str::to_owned)
                .unwrap_or_else(|| code.clone());
            CountryOption { code, name, calling_code: meta.country_code() }
        })
        .collect();
    let collator_key = |name: &str| name.to_lowercase().chars().map(fold_accent).collect::<String>();
    options.sort_by_cached_key(|option| collator_key(&option.name));
    options
}

/// The first region named in an `Accept-Language` header (`fr-CA,fr;q=0.9` gives `CA`), when it
/// has a phone numbering plan.
pub fn region_from_accept_language(header: &str) -> Option<String> {
    header
        .split(',')
        .filter_map(|entry| entry.split(';').next())
        .filter_map(|tag| tag.trim().parse::<icu_locale_core::LanguageIdentifier>().ok())
        .find_map(|language| language.region)
        .map(|region| region.as_str().to_owned())
        // Numeric regions ("419", "001") are areas, not countries.
        .filter(|region| region.len() == 2 && DATABASE.by_id(region.as_str()).is_some())
}

fn region_names(language: &str) -> Option<RegionDisplayNames> {
    let locale: icu_locale_core::Locale = language.parse().ok()?;
    RegionDisplayNames::try_new((&locale).into(), DisplayNamesOptions::default()).ok()
}

/// Sorts "Émirats" with the E's, as a reader expects.
fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ÿ' | 'ý' => 'y',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find<'a>(options: &'a [CountryOption], code: &str) -> &'a CountryOption {
        options.iter().find(|o| o.code == code).unwrap()
    }

    #[test]
    fn countries_are_named_in_the_users_language_with_their_calling_code() {
        let french = country_options("fr");
        assert_eq!(find(&french, "DE").name, "Allemagne");
        assert_eq!(find(&french, "DE").calling_code, 49);
        assert_eq!(find(&country_options("en"), "DE").name, "Germany");
    }

    #[test]
    fn the_browsers_first_region_preselects_the_country() {
        assert_eq!(region_from_accept_language("fr-CA,fr;q=0.9,en;q=0.8").as_deref(), Some("CA"));
        assert_eq!(region_from_accept_language("fr, en-GB;q=0.5").as_deref(), Some("GB"));
        assert_eq!(region_from_accept_language("fr,en"), None);
        assert_eq!(region_from_accept_language("en-001"), None);
    }

    #[test]
    fn countries_are_sorted_by_name_ignoring_accents() {
        let french = country_options("fr");
        let position = |code| french.iter().position(|o| o.code == code).unwrap();
        assert!(position("EG") < position("AE"), "Égypte comes before Émirats arabes unis");
        assert!(position("AE") < position("ES"), "Émirats arabes unis comes before Espagne");
    }
}
