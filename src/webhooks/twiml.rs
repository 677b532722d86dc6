//! The TwiML a verification call runs: ask for a key first (so a voicemail never records the
//! code), then read the code digit by digit, twice, and offer to repeat it.

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use crate::domain::OtpCode;
use crate::wording::messages::{Spoken, Voice};

/// Seconds the callee has to press a key.
const KEY_TIMEOUT: u32 = 10;

struct Twiml {
    xml: String,
    voice: Voice,
}

impl Twiml {
    fn new(spoken: &Spoken) -> Self {
        Twiml { xml: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>"), voice: spoken.voice }
    }

    fn say(mut self, words: &str) -> Self {
        let Voice { name, language } = self.voice;
        self.xml.push_str(&format!("<Say voice=\"{name}\" language=\"{language}\">{}</Say>", text(words)));
        self
    }

    fn pause(mut self) -> Self {
        self.xml.push_str("<Pause length=\"1\"/>");
        self
    }

    /// One key press posts to `action`; without one the call goes on after the `Gather`.
    fn gather(mut self, action: &str, prompt: impl FnOnce(Twiml) -> Twiml) -> Self {
        self.xml.push_str(&format!(
            "<Gather input=\"dtmf\" numDigits=\"1\" timeout=\"{KEY_TIMEOUT}\" finishOnKey=\"\" action=\"{}\" method=\"POST\">",
            attr(action)
        ));
        let mut inner = prompt(Twiml { xml: String::new(), voice: self.voice });
        inner.xml.push_str("</Gather>");
        self.xml.push_str(&inner.xml);
        self
    }

    fn digits(mut self, code: &OtpCode) -> Self {
        for digit in code.expose().chars() {
            self = self.say(&digit.to_string()).pause();
        }
        self
    }

    fn hang_up(mut self) -> String {
        self.xml.push_str("<Hangup/></Response>");
        self.xml
    }
}

/// The answer to a call picked up: a greeting and "press any key".
pub fn greeting(spoken: &Spoken, code_url: &str) -> String {
    Twiml::new(spoken)
        .gather(code_url, |prompt| prompt.say(&spoken.greeting).pause().say(&spoken.press_key))
        .say(&spoken.no_key)
        .hang_up()
}

/// The code, twice, then an offer to hear it once more.
pub fn code(spoken: &Spoken, code: &OtpCode, code_url: &str) -> String {
    Twiml::new(spoken)
        .say(&spoken.code_is)
        .pause()
        .digits(code)
        .say(&spoken.again)
        .pause()
        .digits(code)
        .gather(code_url, |prompt| prompt.say(&spoken.repeat))
        .say(&spoken.goodbye)
        .hang_up()
}

/// For a call whose code is gone: say so and hang up.
pub fn unavailable(spoken: &Spoken) -> String {
    Twiml::new(spoken).say(&spoken.unavailable).hang_up()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    fn parse(xml: &str) -> Vec<String> {
        // Element names and texts in document order, enough to read the call as Twilio would.
        let mut out = Vec::new();
        let mut rest = xml;
        while let Some(start) = rest.find('<') {
            let text = rest[..start].trim();
            if !text.is_empty() {
                out.push(text.to_owned());
            }
            let end = rest[start..].find('>').unwrap() + start;
            out.push(rest[start..=end].to_owned());
            rest = &rest[end + 1..];
        }
        out
    }

    #[test]
    fn the_greeting_waits_for_a_key_before_any_code_is_said() {
        let spoken = Spoken::new(Locale::en, "Acme & Co");
        let xml = greeting(&spoken, "https://2fa.example/webhooks/twilio/voice/t/code?a=1&b=2");
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>"));
        assert!(xml.contains("action=\"https://2fa.example/webhooks/twilio/voice/t/code?a=1&amp;b=2\""), "{xml}");
        assert!(xml.contains("Acme &amp; Co"), "{xml}");
        let parts = parse(&xml);
        let gather = parts.iter().position(|p| p.starts_with("<Gather")).unwrap();
        let gather_end = parts.iter().position(|p| p == "</Gather>").unwrap();
        assert!(parts[gather..gather_end].iter().any(|p| p.contains("Press any key")));
        assert_eq!(parts.iter().filter(|p| p.starts_with("<Say voice=\"alice\" language=\"en-US\"")).count(), 3);
        assert!(xml.ends_with("<Hangup/></Response>"));
    }

    #[test]
    fn the_code_is_read_digit_by_digit_twice_keeping_leading_zeros() {
        let spoken = Spoken::new(Locale::fr, "Acme");
        let xml = code(&spoken, &OtpCode::parse("007319", 6).unwrap(), "https://x/code");
        let said: Vec<String> = parse(&xml)
            .windows(2)
            .filter(|pair| pair[0].starts_with("<Say voice=\"alice\" language=\"fr-FR\""))
            .map(|pair| pair[1].clone())
            .filter(|text| text.len() == 1)
            .collect();
        assert_eq!(said.concat(), "007319007319");
        assert!(xml.contains("réentendre"), "{xml}");
    }
}
