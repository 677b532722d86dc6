//! The texts that carry a code, translated from the locale files.

use html_escape::encode_text;
use leptos_i18n::Locale as _;

use crate::domain::Channel;
use crate::domain::{Destination, OtpCode};
use crate::gateways::MessageText;
use crate::i18n::{Locale, td_string};

/// Who the messages come from: the service they name, and the portal's host, which ends a text
/// message in the origin-bound form (`@host #code`) so that phones offer the code to that site
/// alone and the WebOTP API can fill it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub service: String,
    pub site_host: Option<String>,
}

/// Writes the message for `channel` in `locale`.
pub fn compose(locale: Locale, channel: Channel, code: &OtpCode, from: &Signature, valid_minutes: u64) -> MessageText {
    let digits = code.expose();
    let service = from.service.as_str();
    match channel {
        Channel::Sms | Channel::Whatsapp => {
            let text = td_string!(locale, messages.sms, code = digits, service = service, count = valid_minutes).to_string();
            let body = match (&from.site_host, channel) {
                (Some(host), Channel::Sms) => format!("{text}\n\n@{host} #{digits}"),
                _ => text,
            };
            MessageText::Sms { body }
        }
        Channel::Call => MessageText::Call { script: Spoken::new(locale, service).transcript(code) },
        Channel::Email => email(
            locale,
            td_string!(locale, messages.email_subject, service = service).to_string(),
            &[
                td_string!(locale, messages.email_greeting).to_string(),
                td_string!(locale, messages.email_code, service = service, code = digits, count = valid_minutes).to_string(),
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
    /// TwiML `<Say voice language>`.
    pub voice: Voice,
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
        let (locale, voice) = match voice_for(locale.as_str()) {
            Some(voice) => (locale, voice),
            None => (Locale::en, FALLBACK_VOICE),
        };
        Spoken {
            voice,
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

/// A voice of Twilio's `<Say>`, and the language it speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Voice {
    pub name: &'static str,
    pub language: &'static str,
}

const FALLBACK_VOICE: Voice = Voice { name: "alice", language: "en-US" };

/// The voice for a UI locale (its language when the region has none of its own): Twilio's
/// standard `alice` voice where it speaks the language, else an Amazon Polly or Google voice that
/// does. None: no voice speaks it (Persian, Urdu), and the call speaks English.
pub fn voice_for(locale: &str) -> Option<Voice> {
    const VOICES: &[(&str, &str, &str)] = &[
        ("ca", "alice", "ca-ES"), ("da", "alice", "da-DK"), ("de", "alice", "de-DE"), ("en", "alice", "en-US"),
        ("en-au", "alice", "en-AU"), ("en-ca", "alice", "en-CA"), ("en-gb", "alice", "en-GB"), ("en-in", "alice", "en-IN"),
        ("es", "alice", "es-ES"), ("es-mx", "alice", "es-MX"), ("fi", "alice", "fi-FI"), ("fr", "alice", "fr-FR"),
        ("fr-ca", "alice", "fr-CA"), ("it", "alice", "it-IT"), ("ja", "alice", "ja-JP"), ("ko", "alice", "ko-KR"),
        ("nb", "alice", "nb-NO"), ("nl", "alice", "nl-NL"), ("pl", "alice", "pl-PL"), ("pt", "alice", "pt-BR"),
        ("pt-pt", "alice", "pt-PT"), ("ru", "alice", "ru-RU"), ("sv", "alice", "sv-SE"), ("zh", "alice", "zh-CN"),
        ("zh-hans", "alice", "zh-CN"), ("zh-hant", "alice", "zh-TW"), ("zh-hk", "alice", "zh-HK"), ("zh-tw", "alice", "zh-TW"),
        ("ar", "Polly.Zeina", "arb"), ("cy", "Polly.Gwyneth", "cy-GB"), ("hi", "Polly.Aditi", "hi-IN"),
        ("is", "Polly.Dora", "is-IS"), ("ro", "Polly.Carmen", "ro-RO"), ("tr", "Polly.Filiz", "tr-TR"),
        ("bn", "Google.bn-IN-Standard-A", "bn-IN"), ("cs", "Google.cs-CZ-Standard-A", "cs-CZ"),
        ("el", "Google.el-GR-Standard-A", "el-GR"), ("he", "Google.he-IL-Standard-A", "he-IL"),
        ("hu", "Google.hu-HU-Standard-A", "hu-HU"), ("id", "Google.id-ID-Standard-A", "id-ID"),
        ("sk", "Google.sk-SK-Standard-A", "sk-SK"), ("th", "Google.th-TH-Standard-A", "th-TH"),
        ("uk", "Google.uk-UA-Standard-A", "uk-UA"), ("vi", "Google.vi-VN-Standard-A", "vi-VN"),
    ];
    let tag = locale.to_ascii_lowercase().replace('_', "-");
    let language = tag.split('-').next().unwrap_or_default();
    let find = |key: &str| VOICES.iter().find(|(k, ..)| *k == key).map(|&(_, name, language)| Voice { name, language });
    find(&tag).or_else(|| find(language))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> OtpCode {
        OtpCode::parse("482913", 6).unwrap()
    }

    fn signature(service: &str) -> Signature {
        Signature { service: service.into(), site_host: Some("verify.example.com".into()) }
    }

    #[test]
    fn a_text_message_ends_with_the_origin_bound_line_and_says_its_minutes_in_the_plural_of_its_language() {
        let MessageText::Sms { body } = compose(Locale::en, Channel::Sms, &code(), &signature("Acme"), 1) else { panic!() };
        assert!(body.contains("It expires in 1 minute."), "{body}");
        assert!(body.ends_with("\n\n@verify.example.com #482913"), "{body}");
        let MessageText::Sms { body } = compose(Locale::ru, Channel::Sms, &code(), &signature("Acme"), 5) else { panic!() };
        assert!(body.contains("5 минут"), "{body}");
        let MessageText::Sms { body } = compose(Locale::ru, Channel::Sms, &code(), &signature("Acme"), 3) else { panic!() };
        assert!(body.contains("3 минуты"), "{body}");
        // WhatsApp messages are not read by the phone's SMS autofill: no origin line.
        let MessageText::Sms { body } = compose(Locale::en, Channel::Whatsapp, &code(), &signature("Acme"), 10) else { panic!() };
        assert!(!body.contains('@'), "{body}");
    }

    #[test]
    fn the_text_message_carries_the_code_in_the_users_language() {
        let MessageText::Sms { body } = compose(Locale::fr, Channel::Sms, &code(), &signature("Acme"), 10) else { panic!() };
        assert!(body.starts_with("482913 est votre code de vérification Acme"), "{body}");
    }

    #[test]
    fn a_call_spells_the_code_digit_by_digit_twice() {
        let MessageText::Call { script } = compose(Locale::en, Channel::Call, &code(), &signature("Acme"), 10) else { panic!() };
        assert_eq!(script.matches("4, 8, 2, 9, 1, 3").count(), 2, "{script}");
    }

    #[test]
    fn a_call_speaks_the_users_language_or_falls_back_to_english() {
        let french = Spoken::new(Locale::fr, "Acme");
        assert_eq!(french.voice, Voice { name: "alice", language: "fr-FR" });
        assert!(french.greeting.contains("Bonjour"), "{}", french.greeting);
        assert_eq!(voice_for("pt-PT").map(|v| v.language), Some("pt-PT"));
        assert_eq!(voice_for("de_AT").map(|v| v.language), Some("de-DE"));
        // No voice speaks Persian: its calls speak English, in English words.
        let persian = Spoken::new(Locale::fa, "Acme");
        assert_eq!(persian.voice, FALLBACK_VOICE);
        assert_eq!(persian.greeting, Spoken::new(Locale::en, "Acme").greeting);
    }

    #[test]
    fn an_e_mail_has_a_translated_subject_and_an_escaped_html_body() {
        let MessageText::Email { subject, text_body, html_body } =
            compose(Locale::en, Channel::Email, &code(), &signature("<Acme>"), 10)
        else {
            panic!()
        };
        assert_eq!(subject, "Your <Acme> verification code");
        assert!(text_body.contains("482913"));
        assert!(html_body.contains("&lt;Acme&gt;") && !html_body.contains("<Acme>"));
    }
}
