//! Where Twilio calls the portal back about one delivery: its status reports and a call's
//! script. Declared here, beside the gateway that hands the URLs to Twilio; the webhook routes
//! (`webhooks::twilio`) are mounted on the same paths.

use crate::domain::DeliveryToken;

/// Every Twilio callback is under this path.
const PREFIX: &str = "/webhooks/twilio";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callback {
    /// A message's or a call's status report.
    Status,
    /// Fetched when the callee answers.
    Voice,
    /// Fetched when the callee presses a key.
    VoiceCode,
}

impl Callback {
    /// The route the portal serves it on, `{token}` standing for the delivery's token.
    pub fn route(self) -> String {
        self.path("{token}")
    }

    fn path(self, token: &str) -> String {
        match self {
            Callback::Status => format!("{PREFIX}/status/{token}"),
            Callback::Voice => format!("{PREFIX}/voice/{token}"),
            Callback::VoiceCode => format!("{PREFIX}/voice/{token}/code"),
        }
    }
}

/// The absolute URLs handed to Twilio for one delivery.
#[derive(Debug, Clone)]
pub struct CallbackUrls {
    /// The portal's public URL, without its trailing slash.
    base: String,
}

impl CallbackUrls {
    pub fn new(public_url: &url::Url) -> Self {
        CallbackUrls { base: public_url.as_str().trim_end_matches('/').to_owned() }
    }

    pub fn url(&self, callback: Callback, token: &DeliveryToken) -> String {
        format!("{}{}", self.base, callback.path(&token.as_path_segment()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callback_url_is_its_route_under_the_public_url_with_the_token_in_place() {
        let token = DeliveryToken::generate();
        let urls = CallbackUrls::new(&"https://2fa.example/".parse().unwrap());
        for callback in [Callback::Status, Callback::Voice, Callback::VoiceCode] {
            let expected = format!("https://2fa.example{}", callback.route().replace("{token}", &token.as_path_segment()));
            assert_eq!(urls.url(callback, &token), expected);
        }
        assert_eq!(Callback::VoiceCode.route(), "/webhooks/twilio/voice/{token}/code");
    }
}
