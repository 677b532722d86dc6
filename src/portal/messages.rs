//! The texts that carry a code, translated from the locale files.

use html_escape::encode_text;
use leptos_i18n::Locale as _;

use crate::domain::Channel;
use crate::flow::OtpCode;
use crate::gateways::MessageText;
use crate::i18n::{Locale, td_string};

/// Writes the message for `channel` in `locale`.
pub fn compose(locale: Locale, channel: Channel, code: &OtpCode, service: &str, valid_minutes: u64) -> MessageText {
    let digits = code.expose();
    match channel {
        Channel::Sms => MessageText::Sms {
            body: td_string!(locale, messages.sms, code = digits, service = service, minutes = valid_minutes).to_string(),
        },
        Channel::Call => {
            // Spoken one digit at a time, with pauses, never as one large number.
            let spelled = digits.chars().map(String::from).collect::<Vec<_>>().join(", ");
            MessageText::Call {
                script: td_string!(locale, messages.call, service = service, digits = spelled.as_str()).to_string(),
            }
        }
        Channel::Email => {
            let subject = td_string!(locale, messages.email_subject, service = service).to_string();
            let paragraphs = [
                td_string!(locale, messages.email_greeting).to_string(),
                td_string!(locale, messages.email_code, service = service, code = digits, minutes = valid_minutes)
                    .to_string(),
                td_string!(locale, messages.email_ignore).to_string(),
            ];
            let html_paragraphs: String =
                paragraphs.iter().map(|p| format!("<p>{}</p>", encode_text(p))).collect::<Vec<_>>().join("\n");
            MessageText::Email {
                subject: subject.clone(),
                text_body: paragraphs.join("\n\n"),
                html_body: format!(
                    "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n{}\n</body></html>",
                    locale.as_str(),
                    encode_text(&subject),
                    html_paragraphs
                ),
            }
        }
    }
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
