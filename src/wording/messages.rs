//! The texts that carry a code, translated from the locale files.

use html_escape::encode_text;
use leptos_i18n::Locale as _;

use crate::domain::Channel;
use crate::domain::{Destination, OtpCode};
use crate::gateways::MessageText;
use crate::i18n::{Locale, td_string};

/// Writes the message for `channel` in `locale`.
pub fn compose(locale: Locale, channel: Channel, code: &OtpCode, service: &str, valid_minutes: u64) -> MessageText {
    let digits = code.expose();
    match channel {
        Channel::Sms | Channel::Whatsapp => MessageText::Sms {
            body: td_string!(locale, messages.sms, code = digits, service = service, minutes = valid_minutes).to_string(),
        },
        Channel::Call => MessageText::Call { script: Spoken::new(locale, service).transcript(code) },
        Channel::Email => email(
            locale,
            td_string!(locale, messages.email_subject, service = service).to_string(),
            &[
                td_string!(locale, messages.email_greeting).to_string(),
                td_string!(locale, messages.email_code, service = service, code = digits, minutes = valid_minutes).to_string(),
                td_string!(locale, messages.email_ignore).to_string(),
            ],
        ),
    }
}

/// The message to one of a user's factors that `added` (masked) now receives their codes too,
/// or in place of it: a text to a number, a mail to an address.
pub fn factor_added(locale: Locale, factor: &Destination, service: &str, added: &str) -> MessageText {
    let body = td_string!(locale, messages.factor_added, service = service, destination = added).to_string();
    match factor {
        Destination::Phone(_) => MessageText::Sms { body },
        Destination::Email(_) => email(
            locale,
            td_string!(locale, messages.factor_added_subject, service = service).to_string(),
            &[td_string!(locale, messages.email_greeting).to_string(), body],
        ),
    }
}

/// A mail of `paragraphs`, as plain text and as HTML.
fn email(locale: Locale, subject: String, paragraphs: &[String]) -> MessageText {
    let html_paragraphs: String = paragraphs.iter().map(|p| format!("<p>{}</p>", encode_text(p))).collect::<Vec<_>>().join("\n");
    MessageText::Email {
        text_body: paragraphs.join("\n\n"),
        html_body: format!(
            "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n{}\n</body></html>",
            locale.as_str(),
            encode_text(&subject),
            html_paragraphs
        ),
        subject,
    }
}

/// What a call says, in a language the call's text-to-speech can speak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spoken {
    /// TwiML `<Say language>`.
    pub language: &'static str,
    pub greeting: String,
    pub press_key: String,
    pub code_is: String,
    pub again: String,
    pub repeat: String,
    pub no_key: String,
    pub goodbye: String,
    pub unavailable: String,
}

impl Spoken {
    /// The texts in `locale` when Twilio can speak it, else in English: never silence.
    pub fn new(locale: Locale, service: &str) -> Self {
        let (locale, language) = match say_language(locale.as_str()) {
            Some(language) => (locale, language),
            None => (Locale::en, FALLBACK_SAY_LANGUAGE),
        };
        Spoken {
            language,
            greeting: td_string!(locale, messages.call_greeting, service = service).to_string(),
            press_key: td_string!(locale, messages.call_press_key).to_string(),
            code_is: td_string!(locale, messages.call_code_is).to_string(),
            again: td_string!(locale, messages.call_again).to_string(),
            repeat: td_string!(locale, messages.call_repeat).to_string(),
            no_key: td_string!(locale, messages.call_no_key).to_string(),
            goodbye: td_string!(locale, messages.call_goodbye).to_string(),
            unavailable: td_string!(locale, messages.call_unavailable).to_string(),
        }
    }

    /// The whole call as one text, for gateways that print it.
    pub fn transcript(&self, code: &OtpCode) -> String {
        let digits = spelled(code);
        format!("{} {} {digits}. {} {digits}. {}", self.greeting, self.code_is, self.again, self.goodbye)
    }
}

/// The digits one at a time, never read as one large number.
pub fn spelled(code: &OtpCode) -> String {
    code.expose().chars().map(String::from).collect::<Vec<_>>().join(", ")
}

const FALLBACK_SAY_LANGUAGE: &str = "en-US";

/// The `<Say>` language for a UI locale: Twilio's standard voices (the `alice` list).
pub fn say_language(locale: &str) -> Option<&'static str> {
    const LANGUAGES: &[(&str, &str)] = &[
        ("ca", "ca-ES"), ("da", "da-DK"), ("de", "de-DE"), ("en", "en-US"), ("en-au", "en-AU"), ("en-ca", "en-CA"),
        ("en-gb", "en-GB"), ("en-in", "en-IN"), ("es", "es-ES"), ("es-mx", "es-MX"), ("fi", "fi-FI"), ("fr", "fr-FR"),
        ("fr-ca", "fr-CA"), ("it", "it-IT"), ("ja", "ja-JP"), ("ko", "ko-KR"), ("nb", "nb-NO"), ("nl", "nl-NL"),
        ("pl", "pl-PL"), ("pt", "pt-BR"), ("pt-pt", "pt-PT"), ("ru", "ru-RU"), ("sv", "sv-SE"), ("zh", "zh-CN"),
        ("zh-hk", "zh-HK"), ("zh-tw", "zh-TW"),
    ];
    let tag = locale.to_ascii_lowercase().replace('_', "-");
    let language = tag.split('-').next().unwrap_or_default();
    let find = |key: &str| LANGUAGES.iter().find(|(k, _)| *k == key).map(|(_, say)| *say);
    find(&tag).or_else(|| find(language))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> OtpCode {
        OtpCode::parse("482913", 6).unwrap()
    }

    #[test]
    fn the_text_message_carries_the_code_in_the_users_language() {
        let MessageText::Sms { body } = compose(Locale::fr, Channel::Sms, &code(), "Acme", 10) else { panic!() };
        assert!(body.starts_with("482913 est votre code de vérification Acme"), "{body}");
    }

    #[test]
    fn a_call_spells_the_code_digit_by_digit_twice() {
        let MessageText::Call { script } = compose(Locale::en, Channel::Call, &code(), "Acme", 10) else { panic!() };
        assert_eq!(script.matches("4, 8, 2, 9, 1, 3").count(), 2, "{script}");
    }

    #[test]
    fn a_call_speaks_the_users_language_or_falls_back_to_english() {
        let french = Spoken::new(Locale::fr, "Acme");
        assert_eq!(french.language, "fr-FR");
        assert!(french.greeting.contains("Bonjour"), "{}", french.greeting);
        assert_eq!(say_language("pt-PT"), Some("pt-PT"));
        assert_eq!(say_language("de_AT"), Some("de-DE"));
        // Esperanto has no voice: such a site's calls speak English.
        assert_eq!(say_language("eo"), None);
    }

    #[test]
    fn an_e_mail_has_a_translated_subject_and_an_escaped_html_body() {
        let MessageText::Email { subject, text_body, html_body } =
            compose(Locale::en, Channel::Email, &code(), "<Acme>", 10)
        else {
            panic!()
        };
        assert_eq!(subject, "Your <Acme> verification code");
        assert!(text_body.contains("482913"));
        assert!(html_body.contains("&lt;Acme&gt;") && !html_body.contains("<Acme>"));
    }
}
