//! Checks of the locale files and the components against each other: every language says every
//! sentence English says, with the same placeholders and the plural forms its rules need, and no
//! component writes a sentence of its own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use leptos_i18n::reexports::icu::plurals::{PluralCategory, PluralRuleType, PluralRules};

use super::placeholders;

const FORMS: [(&str, PluralCategory); 6] = [
    ("zero", PluralCategory::Zero),
    ("one", PluralCategory::One),
    ("two", PluralCategory::Two),
    ("few", PluralCategory::Few),
    ("many", PluralCategory::Many),
    ("other", PluralCategory::Other),
];

fn crate_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Each sentence of a locale file: its key without a plural suffix, then its forms (`None`: not plural).
type Sentences = BTreeMap<String, BTreeMap<Option<&'static str>, String>>;

fn sentences(path: &Path) -> Sentences {
    fn walk(prefix: &str, value: &serde_json::Value, out: &mut Sentences) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    walk(&format!("{prefix}{key}."), value, out);
                }
            }
            serde_json::Value::String(text) => {
                let key = prefix.trim_end_matches('.');
                let plural = FORMS.iter().find_map(|(form, _)| Some((key.strip_suffix(&format!("_{form}"))?, *form)));
                let (base, form) = match plural {
                    Some((base, form)) => (base, Some(form)),
                    None => (key, None),
                };
                out.entry(base.to_owned()).or_default().insert(form, text.clone());
            }
            other => panic!("{key}: {other} is not a sentence", key = prefix),
        }
    }
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Sentences::new();
    walk("", &json, &mut out);
    out
}

fn plural_forms(tag: &str) -> BTreeSet<&'static str> {
    let locale: leptos_i18n::reexports::icu::locid::Locale = tag.parse().unwrap();
    let rules = PluralRules::try_new(locale.into(), PluralRuleType::Cardinal.into()).unwrap();
    let categories: Vec<PluralCategory> = rules.categories().collect();
    FORMS.iter().filter(|(_, category)| categories.contains(category)).map(|(form, _)| *form).collect()
}

/// What is wrong with one locale file against English; empty when nothing is.
fn faults(tag: &str, english: &Sentences, translated: &Sentences) -> Vec<String> {
    let mut faults = Vec::new();
    let needed = plural_forms(tag);
    for (key, forms) in english {
        let Some(theirs) = translated.get(key) else {
            faults.push(format!("{tag}: {key} is missing"));
            continue;
        };
        let english_placeholders = placeholders(forms.values().next().map(String::as_str).unwrap_or_default());
        let plural = forms.keys().any(Option::is_some);
        // A language with one form writes the sentence once, without a suffix.
        let written: BTreeSet<&str> = theirs.keys().map(|form| form.unwrap_or("other")).collect();
        if plural && written != needed {
            faults.push(format!("{tag}: {key} has the forms {written:?}; its plural rules need {needed:?}"));
        }
        if !plural && theirs.keys().any(Option::is_some) {
            faults.push(format!("{tag}: {key} is not a plural in English"));
        }
        for text in theirs.values() {
            if placeholders(text) != english_placeholders {
                faults.push(format!("{tag}: {key} says {:?}, English {english_placeholders:?}", placeholders(text)));
            }
        }
    }
    faults.extend(translated.keys().filter(|key| !english.contains_key(*key)).map(|key| format!("{tag}: {key} is not in English")));
    faults
}

#[test]
fn every_language_says_every_sentence_with_englishs_placeholders_and_its_own_plural_forms() {
    let english = sentences(&crate_path("locales/en.json"));
    let mut all = Vec::new();
    for entry in std::fs::read_dir(crate_path("locales")).unwrap() {
        let path = entry.unwrap().path();
        let tag = path.file_stem().unwrap().to_str().unwrap().to_owned();
        all.extend(faults(&tag, &english, &sentences(&path)));
    }
    assert!(all.is_empty(), "{}", all.join("\n"));
}

#[test]
fn a_missing_sentence_a_changed_placeholder_or_a_missing_plural_form_is_found() {
    let english = sentences(&crate_path("locales/en.json"));
    let mut russian = sentences(&crate_path("locales/ru.json"));
    russian.remove("verify.title");
    russian.get_mut("verify.resend_in").unwrap().remove(&Some("few"));
    *russian.get_mut("verify.sent_sms").unwrap().get_mut(&None).unwrap() = "{{ number }}".into();
    let found = faults("ru", &english, &russian).join("\n");
    assert!(found.contains("verify.title is missing"), "{found}");
    assert!(found.contains("verify.resend_in has the forms"), "{found}");
    assert!(found.contains("verify.sent_sms says"), "{found}");
}

#[test]
fn shipped_languages_are_at_least_thirty_two_and_include_right_to_left_ones() {
    use crate::i18n::Locale;
    use leptos_i18n::{Direction, Locale as _};
    let all = Locale::get_all();
    assert!(all.len() >= 32, "{} languages", all.len());
    let rtl: Vec<&str> = all.iter().filter(|l| l.direction() == Direction::RightToLeft).map(|l| l.as_str()).collect();
    assert_eq!(rtl, ["ar", "fa", "he", "ur"]);
}

/// Sentences written in a component rather than taken from the locale files: a text node
/// (`>"Hello"<`) or a text attribute (`aria-label="Close"`) with a letter in it.
fn literal_sentences(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find('"') {
        let before = rest[..start].trim_end();
        let Some(len) = rest[start + 1..].find('"') else { break };
        let literal = &rest[start + 1..start + 1 + len];
        let after = rest[start + 2 + len..].trim_start();
        let text_node = before.ends_with('>') && after.starts_with('<');
        let text_attribute = ["aria-label=", "title=", "placeholder=", "alt=", "aria-description="].iter().any(|a| before.ends_with(a));
        if (text_node || text_attribute) && literal.chars().any(char::is_alphabetic) {
            found.push(literal.to_owned());
        }
        rest = &rest[start + 2 + len..];
    }
    found
}

#[test]
fn no_component_writes_a_sentence_of_its_own() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(crate_path("src/ui")).unwrap().map(|e| e.unwrap().path()).collect();
    files.push(crate_path("src/app.rs"));
    let found: Vec<String> = files
        .iter()
        .flat_map(|path| literal_sentences(&std::fs::read_to_string(path).unwrap()).into_iter().map(move |l| format!("{}: {l}", path.display())))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
    // The scan finds what it looks for.
    assert_eq!(literal_sentences(r#"<p>"Enter your code"</p> <a aria-label="Close" href="/x">" · "</a>"#), ["Enter your code", "Close"]);
}
