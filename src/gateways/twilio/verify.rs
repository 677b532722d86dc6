//! Twilio Verify: Twilio makes the code, sends it (SMS, call, e-mail, WhatsApp) and checks it.
//! The portal keeps its own record of each Verify verification and applies its own limits on top.

use async_trait::async_trait;
use serde::Deserialize;

use super::{TwilioClient, TwilioError, client_for, reported};
use crate::config::{ConfigError, TwilioVerifySettings};
use crate::domain::Channel;
use crate::events::Events;
use crate::domain::{Destination, OtpCode};
use crate::gateways::{CodeProvider, GatewayError, Refusal};

/// The part of Verify's Verification resource we read.
#[derive(Deserialize)]
struct Verification {
    sid: String,
    status: String,
}

pub struct TwilioVerify {
    client: TwilioClient,
    friendly_name: String,
    events: Events,
}

impl TwilioVerify {
    pub fn new(settings: &TwilioVerifySettings, events: Events) -> Result<Self, ConfigError> {
        let service = settings.service_sid.clone().ok_or_else(|| ConfigError::Invalid {
            setting: "TWOFA_TWILIO_VERIFY_SERVICE_SID",
            problem: "is required by the twilio-verify gateway".into(),
        })?;
        let base = format!("{}/v2/Services/{service}", settings.api_url.as_str().trim_end_matches('/'));
        Ok(TwilioVerify { client: client_for(&settings.account, base)?, friendly_name: settings.friendly_name.clone(), events })
    }

    /// Maps a refusal, and tells the host about it.
    fn refused(&self, error: TwilioError, channel: Option<Channel>) -> GatewayError {
        let mapped = match &error {
            TwilioError::InvalidNumber { .. } if channel == Some(Channel::Email) => GatewayError::Refused(Refusal::InvalidAddress),
            TwilioError::MaxCheckAttempts => GatewayError::MaxChecksReached,
            TwilioError::MaxSendAttempts => GatewayError::MaxSendsReached,
            TwilioError::NotFound => GatewayError::Expired,
            TwilioError::ConcurrentRequests => GatewayError::Busy { retry_after: None },
            TwilioError::RateLimited { retry_after, .. } => GatewayError::Busy { retry_after: *retry_after },
            _ => super::messaging::gateway_error(error.clone()),
        };
        reported(&self.events, self.name(), &error, mapped)
    }
}

/// Verify's locale for a UI locale, from Verify's list of supported languages: its region when
/// Verify has that one (our Portuguese is Brazilian, Traditional Chinese goes to `zh-HK`), else its
/// language.
fn verify_locale(language: &str) -> Option<&'static str> {
    const LOCALES: &[(&str, &str)] = &[
        ("af", "af"), ("ar", "ar"), ("bg", "bg"), ("bn", "bn"), ("ca", "ca"), ("cs", "cs"), ("da", "da"), ("de", "de"),
        ("el", "el"), ("en", "en"), ("en-gb", "en-GB"), ("es", "es"), ("et", "et"), ("fi", "fi"), ("fr", "fr"),
        ("he", "he"), ("hi", "hi"), ("hr", "hr"), ("hu", "hu"), ("id", "id"), ("it", "it"), ("ja", "ja"), ("ko", "ko"),
        ("lt", "lt"), ("lv", "lv"), ("ms", "ms"), ("nb", "nb"), ("nl", "nl"), ("pl", "pl"), ("pt", "pt-BR"),
        ("pt-br", "pt-BR"), ("pt-pt", "pt"), ("ro", "ro"), ("ru", "ru"), ("sk", "sk"), ("sl", "sl"), ("sv", "sv"),
        ("th", "th"), ("tl", "tl"), ("tr", "tr"), ("uk", "uk"), ("vi", "vi"), ("zh", "zh"), ("zh-hans", "zh-CN"),
        ("zh-cn", "zh-CN"), ("zh-hant", "zh-HK"), ("zh-hk", "zh-HK"), ("zh-tw", "zh-HK"),
    ];
    let tag = language.to_ascii_lowercase().replace('_', "-");
    let find = |key: &str| LOCALES.iter().find(|(k, _)| *k == key).map(|(_, locale)| *locale);
    find(&tag).or_else(|| find(tag.split('-').next().unwrap_or_default()))
}

#[async_trait]
impl CodeProvider for TwilioVerify {
    fn name(&self) -> &'static str {
        "twilio-verify"
    }

    async fn send(&self, to: &Destination, channel: Channel, language: &str) -> Result<String, GatewayError> {
        let mut fields = vec![
            ("To", to.key().to_owned()),
            ("Channel", channel.as_str().to_owned()),
            ("CustomFriendlyName", self.friendly_name.clone()),
        ];
        // Without one of its locales Verify picks the language by the number's country.
        if let Some(locale) = verify_locale(language) {
            fields.push(("Locale", locale.to_owned()));
        }
        let verification: Verification =
            self.client.create("Verifications", &fields).await.map_err(|error| self.refused(error, Some(channel)))?;
        Ok(verification.sid)
    }

    async fn check(&self, sid: &str, code: &OtpCode) -> Result<bool, GatewayError> {
        let fields = [("VerificationSid", sid.to_owned()), ("Code", code.expose().to_owned())];
        let checked: Verification =
            self.client.create("VerificationCheck", &fields).await.map_err(|error| self.refused(error, None))?;
        Ok(checked.status == "approved")
    }

    async fn cancel(&self, sid: &str) -> Result<(), GatewayError> {
        let fields = [("Status", "canceled".to_owned())];
        match self.client.create::<Verification>(&format!("Verifications/{sid}"), &fields).await {
            // Already over on Twilio's side: nothing left to cancel.
            Ok(_) | Err(TwilioError::NotFound) => Ok(()),
            Err(error) => Err(self.refused(error, None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::verify_locale;

    #[test]
    fn verify_gets_its_own_locale_for_ours_or_none_and_picks_by_country() {
        assert_eq!(verify_locale("pt"), Some("pt-BR"));
        assert_eq!(verify_locale("zh-Hant"), Some("zh-HK"));
        assert_eq!(verify_locale("zh-Hans"), Some("zh-CN"));
        assert_eq!(verify_locale("de-AT"), Some("de"));
        assert_eq!(verify_locale("fa"), None);
    }
}
