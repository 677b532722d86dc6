//! The part of the settings each gateway is given: a gateway sees its own section, never the
//! whole `Settings`. The `TWOFA_*` settings stay flat; the sections are made from them.

use secrecy::SecretString;
use std::time::Duration;

use super::{GatewayKind, Settings};

/// What the gateway factory is given: which gateways, and the section of each.
#[derive(Debug, Clone)]
pub struct GatewaySettings {
    pub gateway: GatewayKind,
    /// Takes over when the gateway fails for a transient reason.
    pub fallback: Option<GatewayKind>,
    /// The longest a whole delivery may take (every retry and the fallback included).
    pub deadline: Duration,
    pub twilio: TwilioMessagingSettings,
    pub twilio_verify: TwilioVerifySettings,
    /// E-mail goes through this mail server when set.
    pub smtp: Option<SmtpSettings>,
}

/// The Twilio account every Twilio gateway signs in to.
#[derive(Debug, Clone)]
pub struct TwilioAccount {
    pub sid: Option<String>,
    /// The API password unless an API key is set.
    pub auth_token: Option<SecretString>,
    pub api_key_sid: Option<String>,
    pub api_key_secret: Option<SecretString>,
    /// How long one request to Twilio may take before it counts as failed (and is retried).
    pub timeout: Duration,
}

/// The `twilio` gateway: Programmable Messaging and Voice.
#[derive(Debug, Clone)]
pub struct TwilioMessagingSettings {
    pub account: TwilioAccount,
    pub api_url: url::Url,
    /// The caller id and SMS sender (E.164 or an alphanumeric sender id for SMS).
    pub from: Option<String>,
    /// The WhatsApp sender, when it is not `from`.
    pub whatsapp_from: Option<String>,
    pub messaging_service_sid: Option<String>,
    /// Twilio calls back on paths under it: the portal's public URL.
    pub callback_base: url::Url,
    /// How long a code lives: a text still queued after that is no use.
    pub code_ttl: Duration,
}

/// The `twilio-verify` gateway.
#[derive(Debug, Clone)]
pub struct TwilioVerifySettings {
    pub account: TwilioAccount,
    pub api_url: url::Url,
    /// The Verify service (`VA…`).
    pub service_sid: Option<String>,
    /// The name Verify's messages give the service.
    pub friendly_name: String,
}

/// Twilio Lookup, for carrier lookup of new numbers.
#[derive(Debug, Clone)]
pub struct LookupSettings {
    pub account: TwilioAccount,
    pub api_url: url::Url,
}

/// The mail server e-mail goes through.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// `smtp://…` or `smtps://…`; it may carry a password.
    pub url: SecretString,
    pub from: String,
}

impl Settings {
    pub fn gateways(&self) -> GatewaySettings {
        GatewaySettings {
            gateway: self.gateway,
            fallback: self.fallback_gateway,
            deadline: Duration::from_secs(self.gateway_deadline_secs),
            twilio: TwilioMessagingSettings {
                account: self.twilio_account(),
                api_url: self.twilio_api_url.clone(),
                from: self.twilio_from.clone(),
                whatsapp_from: self.twilio_whatsapp_from.clone(),
                messaging_service_sid: self.twilio_messaging_service_sid.clone(),
                callback_base: self.public_url.clone(),
                code_ttl: Duration::from_secs(self.code_ttl_secs),
            },
            twilio_verify: TwilioVerifySettings {
                account: self.twilio_account(),
                api_url: self.twilio_verify_url.clone(),
                service_sid: self.twilio_verify_service_sid.clone(),
                friendly_name: self.service_name.clone(),
            },
            smtp: self.smtp_url.clone().map(|url| SmtpSettings { url, from: self.smtp_from.clone() }),
        }
    }

    pub fn lookup(&self) -> LookupSettings {
        LookupSettings { account: self.twilio_account(), api_url: self.twilio_lookup_url.clone() }
    }

    fn twilio_account(&self) -> TwilioAccount {
        TwilioAccount {
            sid: self.twilio_account_sid.clone(),
            auth_token: self.twilio_auth_token.clone(),
            api_key_sid: self.twilio_api_key_sid.clone(),
            api_key_secret: self.twilio_api_key_secret.clone(),
            timeout: Duration::from_secs(self.twilio_timeout_secs),
        }
    }
}
