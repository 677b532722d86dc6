//! Every sentence the portal says, from the locale files: on the pages and in the JSON API (the
//! sentence for every refusal and notice, here), and in the texts, calls and mails that carry a
//! code (`messages`).

pub mod messages;

#[cfg(test)]
mod catalogue;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use crate::domain::Channel;
use crate::i18n::{Locale, td_string};
use crate::refusal::PortalError;
use crate::view::Notice;

/// The sentence for a notice: the outcome of the user's last action.
pub fn notice_text(locale: Locale, notice: &Notice) -> String {
    match notice {
        Notice::Error(error) => error.text(locale),
        Notice::CodeSent => td_string!(locale, notice.code_sent).to_string(),
        Notice::CodeResent => td_string!(locale, notice.code_resent).to_string(),
        Notice::ConfirmCurrentFactor => td_string!(locale, notice.confirm_current_factor).to_string(),
        Notice::ConfirmNewDestination => td_string!(locale, notice.confirm_new_destination).to_string(),
    }
}

/// The name of a method, as the locale file has it.
pub fn channel_text(locale: Locale, channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => td_string!(locale, channel.sms),
        Channel::Call => td_string!(locale, channel.call),
        Channel::Email => td_string!(locale, channel.email),
        Channel::Whatsapp => td_string!(locale, channel.whatsapp),
    }
}

/// Sentences a site replaces at run time, per language and locale-file key (see `is_overridable`).
pub type MessageOverrides = BTreeMap<String, BTreeMap<String, String>>;

/// The locale-file keys a site may override without a rebuild besides the refusals
/// (`PortalError::TEXT_KEYS`): every notice and the method names. Placeholders are written as in
/// the locale files; a sentence with plural forms is overridden by one sentence for every number
/// (`{{ count }}`).
const OVERRIDABLE_BESIDES_REFUSALS: &[&str] = &[
    "notice.code_sent",
    "notice.code_resent",
    "notice.confirm_current_factor",
    "notice.confirm_new_destination",
    "channel.sms",
    "channel.call",
    "channel.email",
    "channel.whatsapp",
];

/// Whether a site may override the sentence of `key`.
pub fn is_overridable(key: &str) -> bool {
    PortalError::TEXT_KEYS.contains(&key) || OVERRIDABLE_BESIDES_REFUSALS.contains(&key)
}

fn notice_key(notice: &Notice) -> Option<&'static str> {
    match notice {
        Notice::Error(_) => None,
        Notice::CodeSent => Some("notice.code_sent"),
        Notice::CodeResent => Some("notice.code_resent"),
        Notice::ConfirmCurrentFactor => Some("notice.confirm_current_factor"),
        Notice::ConfirmNewDestination => Some("notice.confirm_new_destination"),
    }
}

/// Every sentence in one language, the site's overrides first.
pub struct Wording<'a> {
    locale: Locale,
    overrides: Option<&'a BTreeMap<String, String>>,
}

impl<'a> Wording<'a> {
    pub fn new(locale: Locale, overrides: &'a MessageOverrides) -> Self {
        use leptos_i18n::Locale as _;
        Wording { locale, overrides: overrides.get(locale.as_str()) }
    }

    fn overridden(&self, key: &str, values: &[(&str, String)]) -> Option<String> {
        let template = self.overrides?.get(key)?;
        Some(values.iter().fold(template.clone(), |text, (name, value)| text.replace(&format!("{{{{ {name} }}}}"), value)))
    }

    pub fn error(&self, error: &PortalError) -> String {
        let (key, values) = error.text_key();
        self.overridden(key, &values).unwrap_or_else(|| error.text(self.locale))
    }

    pub fn notice(&self, notice: &Notice) -> String {
        match (notice, notice_key(notice)) {
            (Notice::Error(error), _) => self.error(error),
            (_, Some(key)) => self.overridden(key, &[]).unwrap_or_else(|| notice_text(self.locale, notice)),
            (_, None) => notice_text(self.locale, notice),
        }
    }

    /// The name of a method: the site's, when it renamed it.
    pub fn channel(&self, channel: Channel) -> String {
        self.overridden(&format!("channel.{}", channel.as_str()), &[]).unwrap_or_else(|| channel_text(self.locale, channel).to_owned())
    }
}

/// Refuses overrides for a language the portal does not have, a key it does not know, or a
/// placeholder the sentence does not have (it would be shown as written: an override kept from
/// before a sentence's placeholder was renamed).
pub fn validate_overrides(overrides: &MessageOverrides) -> Result<(), String> {
    use leptos_i18n::Locale as _;
    for (language, messages) in overrides {
        if !Locale::get_all().iter().any(|locale| locale.as_str() == language) {
            return Err(format!("has no locale {language:?}"));
        }
        if let Some(key) = messages.keys().find(|key| !is_overridable(key)) {
            return Err(format!("{key:?} is not a message that can be overridden"));
        }
        for (key, text) in messages {
            let known = english_placeholders(key);
            let unknown: Vec<&str> = placeholders(text).into_iter().filter(|name| !known.contains(*name)).collect();
            if !unknown.is_empty() {
                return Err(format!("{key:?} names {unknown:?}, which its sentence does not have (it has {known:?})"));
            }
        }
    }
    Ok(())
}

/// The names of a sentence's `{{ placeholders }}`.
pub(crate) fn placeholders(text: &str) -> BTreeSet<&str> {
    text.split("{{").skip(1).filter_map(|rest| Some(rest.split_once("}}")?.0.trim())).collect()
}

/// The placeholders of English's sentence for `key` (its plural forms share them).
fn english_placeholders(key: &str) -> BTreeSet<String> {
    static ENGLISH: LazyLock<serde_json::Value> =
        LazyLock::new(|| serde_json::from_str(include_str!("../../locales/en.json")).unwrap_or(serde_json::Value::Null));
    let Some((group, name)) = key.split_once('.') else { return BTreeSet::new() };
    let section = &ENGLISH[group];
    let text = section[name].as_str().or_else(|| section[format!("{name}_other")].as_str()).unwrap_or_default();
    placeholders(text).into_iter().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overrides(key: &str, text: &str) -> MessageOverrides {
        [("en".to_owned(), [(key.to_owned(), text.to_owned())].into())].into()
    }

    #[test]
    fn an_override_replaces_the_sentence_in_its_language_only() {
        let site = overrides("errors.resend_cooldown", "Hold on for {{ count }} s.");
        let error = PortalError::ResendCooldown { retry_in: 12 };
        assert_eq!(Wording::new(Locale::en, &site).error(&error), "Hold on for 12 s.");
        assert_eq!(Wording::new(Locale::fr, &site).error(&error), error.text(Locale::fr));
        assert_eq!(Wording::new(Locale::en, &site).notice(&Notice::Error(error)), "Hold on for 12 s.");
    }

    #[test]
    fn a_refusal_reads_its_sentence_with_its_placeholder_filled() {
        let too_many = PortalError::TooManySends { retry_in: 61 };
        assert_eq!(too_many.text(Locale::en), "Too many codes were sent to this destination. Try again in 2 minutes.");
        let busy = PortalError::ProviderBusy { retry_in: Some(60) };
        assert_eq!(busy.text(Locale::en), "Too many requests for this destination right now. Try again in 60 seconds, or choose another method.");
        assert_eq!(PortalError::InvalidEmail.text(Locale::en), "This e-mail address is not valid.");
    }

    #[test]
    fn every_refusal_has_an_overridable_key() {
        let errors = [PortalError::InvalidPhoneNumber, PortalError::WrongCode { attempts_left: 1 }, PortalError::Network, PortalError::NoMethodAvailable];
        for error in errors {
            assert!(is_overridable(error.text_key().0), "{error:?}");
        }
    }

    #[test]
    fn unknown_keys_and_languages_are_refused() {
        assert!(validate_overrides(&overrides("channel.sms", "SMS")).is_ok());
        assert!(validate_overrides(&overrides("errors.made_up", "x")).is_err());
        // A placeholder the sentence does not have would be shown as written: `seconds` became `count`.
        assert!(validate_overrides(&overrides("errors.resend_cooldown", "Wait {{ count }} s.")).is_ok());
        let stale = validate_overrides(&overrides("errors.resend_cooldown", "Wait {{ seconds }} s.")).unwrap_err();
        assert!(stale.contains("seconds") && stale.contains("count"), "{stale}");
        let mut klingon = overrides("channel.sms", "x");
        klingon.insert("tlh".into(), BTreeMap::new());
        assert!(validate_overrides(&klingon).is_err());
    }
}
