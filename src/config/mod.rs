//! Settings: `TWOFA_*` environment variables over an optional TOML file over embedded defaults.
//!
//! The settings are plain data and sit below the rest of the server: they depend on the core
//! `domain` and a few leaf modules only. `load` reads them, `validate` refuses bad ones, `secrets`
//! holds the keys, and `sections` gives each gateway its own part.

mod load;
mod secrets;
mod sections;
mod validate;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

use crate::domain::Channel;
use crate::domain::{ConversionAlarm, Lockout, NumberType, NumberTypes, Policy, RegionRule, SendLimits};

pub use sections::{GatewaySettings, LookupSettings, SmtpSettings, TwilioAccount, TwilioMessagingSettings, TwilioVerifySettings};
pub use validate::ConfigError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Generated secrets, the `/demo` relying application, the console outbox.
    Development,
    Production,
}

/// What the conversion alarm does to a country whose codes are rarely entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConversionAction {
    /// New numbers of the country get no code until the ratio recovers.
    Hold,
    /// Only an error in the log and a `ConversionAlarm` event.
    Report,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GatewayKind {
    /// Prints codes and keeps them for `/dev/outbox`: development only.
    Console,
    /// Twilio Programmable Messaging and Voice: we make the code, Twilio delivers it.
    Twilio,
    /// Twilio Verify: Twilio makes, sends and checks the code.
    TwilioVerify,
}

/// Every setting, as read. Secrets stay wrapped so they never reach a log line.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Settings {
    pub environment: Environment,
    pub gateway: GatewayKind,
    /// `sqlite://…` (one portal) or `postgres://…` (any number of portals sharing it).
    pub database_url: String,
    /// Sessions in Redis rather than in the database (`redis://…`); the URL may hold a password.
    #[serde(skip_serializing)]
    pub redis_url: Option<SecretString>,
    pub data_dir: PathBuf,
    pub public_url: url::Url,
    pub service_name: String,
    /// The relying application's name on the "Continue" button, for requests that name none.
    pub application_name: Option<String>,
    #[serde(deserialize_with = "load::comma_list")]
    pub methods: Vec<Channel>,
    /// Countries (ISO 3166) whose phone numbers may receive codes; empty: all.
    #[serde(deserialize_with = "load::comma_list")]
    pub allowed_countries: Vec<String>,
    /// Countries whose phone numbers never receive codes.
    #[serde(deserialize_with = "load::comma_list")]
    pub disallowed_countries: Vec<String>,
    /// Origins of relying applications the portal may send users back to, besides its own.
    #[serde(deserialize_with = "load::comma_list")]
    pub allowed_return_origins: Vec<url::Url>,
    /// Origins, besides the public URL's, whose pages may post to the pages embedded in a host
    /// site (the host's other origins); the portal on its own trusts only its public URL.
    #[serde(deserialize_with = "load::comma_list")]
    pub trusted_origins: Vec<url::Url>,
    /// Who may frame the pages: CSP `frame-ancestors` sources (`'self'`, origins); `'none'` by default.
    #[serde(deserialize_with = "load::comma_list")]
    pub frame_ancestors: Vec<String>,
    /// A whole request, body included, must be answered within this time.
    pub request_timeout_secs: u64,
    /// A client must send its request headers within this time (slowloris).
    pub header_read_timeout_secs: u64,
    /// Requests handled at once; the next ones are answered 503 at once rather than queued.
    pub max_concurrent_requests: usize,
    /// The largest request body accepted.
    pub max_body_bytes: usize,
    /// Users may add a phone number or e-mail address the portal does not know yet.
    pub allow_registration: bool,
    /// Users may replace a known phone number or e-mail address.
    pub allow_change: bool,
    /// A user without a phone number registers one before choosing a method.
    pub user_must_have_phone: bool,
    /// The registration pages offer "Not now": the user leaves without a second factor.
    pub registration_optional: bool,
    /// Where "Not now" leads: a path of the host site, or an allowed origin's URL. Unset: back
    /// to the relying application with `error=registration_skipped`.
    pub registration_optional_url: Option<String>,
    /// With one method and a known destination, the code goes out without asking first.
    pub send_immediately_on_single: bool,
    /// Too many wrong codes end the whole request, not only the code: no "try again".
    pub cancel_on_max_attempts: bool,
    /// New numbers are looked up with Twilio Lookup (line type intelligence) before a code goes out.
    pub carrier_lookup: bool,
    /// Line types Lookup may report for a new number (`mobile`, `landline`, `fixedVoip`, …); empty: any.
    #[serde(deserialize_with = "load::comma_list")]
    pub allowed_line_types: Vec<String>,
    /// Accept a number whose line type Lookup cannot tell.
    pub allow_unknown_line_type: bool,
    /// Look up Canadian numbers too (needs Twilio's approval for Canadian carrier data).
    pub carrier_lookup_canada: bool,
    pub twilio_lookup_url: url::Url,
    /// An image (URL) per method, in place of the built-in icon.
    pub method_icons: std::collections::BTreeMap<Channel, String>,
    /// Sentences that replace the built-in ones, per language and locale-file key: `[messages.en]
    /// "errors.wrong_code" = "…"` (the keys `crate::wording::is_overridable` accepts).
    pub messages: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
    pub code_length: usize,
    pub code_ttl_secs: u64,
    pub max_attempts: u32,
    pub resend_cooldown_secs: u64,
    pub max_sends: u32,
    pub send_window_secs: u64,
    pub max_sends_per_user: u32,
    pub user_send_window_secs: u64,
    /// Codes within an hour to one destination for all users together (not the asker's own factor).
    pub max_sends_per_destination_across_users: u32,
    /// Codes within an hour to one block of 1,000 numbers, for everyone.
    pub max_sends_per_prefix: u32,
    /// Codes within an hour asked from one client network.
    pub max_sends_per_client: u32,
    /// Destinations one request may send codes to.
    pub max_destinations_per_request: u32,
    /// Codes within an hour, all together.
    pub max_sends_per_hour: u32,
    /// Below this share (percent) of codes entered for a country within the hour…
    pub conversion_min_percent: u32,
    /// …once at least this many went there…
    pub conversion_min_sends: u32,
    /// …new numbers of the country get no code (`hold`), or the alarm is only logged (`report`).
    pub conversion_action: ConversionAction,
    /// Proxies (addresses or networks) whose `X-Forwarded-For` names the client.
    #[serde(deserialize_with = "load::comma_list")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Kinds of phone line texts and WhatsApp may go to (`mobile`, `fixed_line_or_mobile`, …).
    #[serde(deserialize_with = "load::comma_list")]
    pub text_number_types: Vec<NumberType>,
    /// Kinds of phone line calls may go to.
    #[serde(deserialize_with = "load::comma_list")]
    pub call_number_types: Vec<NumberType>,
    /// Wrong codes in a row a user may enter before waits begin (30 s, doubling, up to an hour).
    pub lockout_free_failures: u32,
    /// Wrong codes in a row after which the user is locked until a lift (at most 100: NIST).
    pub lockout_after: u32,
    pub session_idle_minutes: i64,
    pub default_region: String,
    pub cookie_secure: Option<bool>,
    #[serde(skip_serializing)]
    pub secret_key: Option<SecretString>,
    #[serde(skip_serializing)]
    pub client_secret: Option<SecretString>,
    /// Authenticates relying applications' servers on `POST /api/v1/requests`; unset, that
    /// endpoint is off.
    #[serde(skip_serializing)]
    pub api_key: Option<SecretString>,
    /// The relying application's endpoint for signed event webhooks.
    pub webhook_url: Option<url::Url>,
    #[serde(skip_serializing)]
    pub webhook_secret: Option<SecretString>,
    /// Takes over when the gateway fails for a transient reason.
    pub fallback_gateway: Option<GatewayKind>,
    pub twilio_account_sid: Option<String>,
    /// Signs Twilio's callbacks; also the API password unless an API key is set.
    #[serde(skip_serializing)]
    pub twilio_auth_token: Option<SecretString>,
    /// The secret of the SharedKey a Twilio Webhook Setting signs callbacks with (HMAC-SHA256),
    /// when one applies to our callback URLs.
    #[serde(skip_serializing)]
    pub twilio_webhook_shared_key: Option<SecretString>,
    pub twilio_api_key_sid: Option<String>,
    #[serde(skip_serializing)]
    pub twilio_api_key_secret: Option<SecretString>,
    /// The caller id and SMS sender (E.164 or an alphanumeric sender id for SMS).
    pub twilio_from: Option<String>,
    /// The WhatsApp sender, when it is not `twilio_from`.
    pub twilio_whatsapp_from: Option<String>,
    pub twilio_messaging_service_sid: Option<String>,
    pub twilio_api_url: url::Url,
    /// The Verify service (`VA…`) of the twilio-verify gateway.
    pub twilio_verify_service_sid: Option<String>,
    pub twilio_verify_url: url::Url,
    /// How long one request to Twilio may take before it counts as failed (and is retried).
    pub twilio_timeout_secs: u64,
    /// The longest a whole delivery may take (every retry and the fallback included).
    pub gateway_deadline_secs: u64,
    /// E-mail goes through this SMTP server when set (it may carry a password).
    #[serde(skip_serializing)]
    pub smtp_url: Option<SecretString>,
    pub smtp_from: String,
}

impl Default for Settings {
    // The four default URLs below are literals that parse.
    #[allow(clippy::expect_used)]
    fn default() -> Self {
        let policy = Policy::default();
        Settings {
            environment: Environment::Development,
            gateway: GatewayKind::Console,
            database_url: "sqlite://data/leptos-2fa.db".into(),
            redis_url: None,
            data_dir: "data".into(),
            public_url: url::Url::parse("http://127.0.0.1:3000").expect("a valid default URL"),
            service_name: "leptos-2fa".into(),
            application_name: None,
            methods: Channel::DEFAULT_METHODS.to_vec(),
            allowed_return_origins: Vec::new(),
            trusted_origins: Vec::new(),
            frame_ancestors: vec![NO_FRAMING.to_owned()],
            request_timeout_secs: 30,
            header_read_timeout_secs: 10,
            max_concurrent_requests: 512,
            max_body_bytes: 64 * 1024,
            allowed_countries: Vec::new(),
            disallowed_countries: Vec::new(),
            allow_registration: true,
            allow_change: true,
            user_must_have_phone: false,
            registration_optional: false,
            registration_optional_url: None,
            send_immediately_on_single: false,
            cancel_on_max_attempts: false,
            carrier_lookup: false,
            allowed_line_types: Vec::new(),
            allow_unknown_line_type: true,
            carrier_lookup_canada: false,
            twilio_lookup_url: url::Url::parse("https://lookups.twilio.com").expect("a valid default URL"),
            method_icons: Default::default(),
            messages: Default::default(),
            code_length: policy.code_length,
            code_ttl_secs: policy.code_ttl.as_secs(),
            max_attempts: policy.max_attempts,
            resend_cooldown_secs: policy.resend_cooldown.as_secs(),
            max_sends: policy.max_sends,
            send_window_secs: policy.send_window.as_secs(),
            max_sends_per_user: policy.max_sends_per_user,
            user_send_window_secs: policy.user_send_window.as_secs(),
            max_sends_per_destination_across_users: policy.send_limits.per_destination_across_users_per_hour,
            max_sends_per_prefix: policy.send_limits.per_prefix_per_hour,
            max_sends_per_client: policy.send_limits.per_client_per_hour,
            max_destinations_per_request: policy.send_limits.destinations_per_request,
            max_sends_per_hour: policy.send_limits.hourly_budget,
            conversion_min_percent: policy.send_limits.conversion.min_percent,
            conversion_min_sends: policy.send_limits.conversion.min_sends,
            conversion_action: ConversionAction::Hold,
            trusted_proxies: Vec::new(),
            text_number_types: policy.number_types.texts.clone(),
            call_number_types: policy.number_types.calls.clone(),
            lockout_free_failures: policy.lockout.free_failures,
            lockout_after: policy.lockout.lock_after,
            session_idle_minutes: 30,
            default_region: "US".into(),
            cookie_secure: None,
            secret_key: None,
            client_secret: None,
            api_key: None,
            webhook_url: None,
            webhook_secret: None,
            fallback_gateway: None,
            twilio_account_sid: None,
            twilio_auth_token: None,
            twilio_webhook_shared_key: None,
            twilio_api_key_sid: None,
            twilio_api_key_secret: None,
            twilio_from: None,
            twilio_whatsapp_from: None,
            twilio_messaging_service_sid: None,
            twilio_api_url: url::Url::parse("https://api.twilio.com").expect("a valid default URL"),
            twilio_verify_service_sid: None,
            twilio_verify_url: url::Url::parse("https://verify.twilio.com").expect("a valid default URL"),
            twilio_timeout_secs: 10,
            gateway_deadline_secs: 30,
            smtp_url: None,
            smtp_from: "leptos-2fa <no-reply@localhost>".into(),
        }
    }
}

/// The `frame-ancestors` source that forbids framing.
pub const NO_FRAMING: &str = "'none'";

impl Settings {
    pub fn policy(&self) -> Policy {
        Policy {
            code_length: self.code_length,
            code_ttl: Duration::from_secs(self.code_ttl_secs),
            max_attempts: self.max_attempts,
            resend_cooldown: Duration::from_secs(self.resend_cooldown_secs),
            max_sends: self.max_sends,
            send_window: Duration::from_secs(self.send_window_secs),
            max_sends_per_user: self.max_sends_per_user,
            user_send_window: Duration::from_secs(self.user_send_window_secs),
            regions: RegionRule { allowed: self.allowed_countries.clone(), disallowed: self.disallowed_countries.clone() },
            lockout: Lockout { free_failures: self.lockout_free_failures, lock_after: self.lockout_after, ..Lockout::default() },
            number_types: NumberTypes { texts: self.text_number_types.clone(), calls: self.call_number_types.clone() },
            send_limits: SendLimits {
                per_destination_across_users_per_hour: self.max_sends_per_destination_across_users,
                per_prefix_per_hour: self.max_sends_per_prefix,
                per_client_per_hour: self.max_sends_per_client,
                destinations_per_request: self.max_destinations_per_request,
                hourly_budget: self.max_sends_per_hour,
                conversion: ConversionAlarm {
                    min_percent: self.conversion_min_percent,
                    min_sends: self.conversion_min_sends,
                    hold: self.conversion_action == ConversionAction::Hold,
                },
            },
        }
    }

    /// Whether the portal may send a user to `url`: its own origin, or an allowed one. Nothing
    /// else, even in a correctly signed request: no open redirect.
    pub fn allows_return_to(&self, url: &url::Url) -> bool {
        let origin = url.origin();
        origin == self.public_url.origin() || self.allowed_return_origins.iter().any(|allowed| allowed.origin() == origin)
    }

    /// Secure cookies unless told otherwise or served over plain http.
    pub fn cookie_secure(&self) -> bool {
        self.cookie_secure.unwrap_or(self.public_url.scheme() == "https")
    }
}
