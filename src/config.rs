//! Settings: `TWOFA_*` environment variables over an optional TOML file over embedded defaults.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use rand::RngCore;
use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::domain::Channel;
use crate::flow::{ConversionAlarm, Lockout, NumberType, NumberTypes, Policy, RegionRule, SendLimits};
use crate::line_type::LINE_TYPES;
use crate::redirect::is_local_path;

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
    pub database_url: String,
    pub data_dir: PathBuf,
    pub public_url: url::Url,
    pub service_name: String,
    #[serde(deserialize_with = "comma_list")]
    pub methods: Vec<Channel>,
    /// Countries (ISO 3166) whose phone numbers may receive codes; empty: all.
    #[serde(deserialize_with = "comma_list")]
    pub allowed_countries: Vec<String>,
    /// Countries whose phone numbers never receive codes.
    #[serde(deserialize_with = "comma_list")]
    pub disallowed_countries: Vec<String>,
    /// Origins of relying applications the portal may send users back to, besides its own.
    #[serde(deserialize_with = "comma_list")]
    pub allowed_return_origins: Vec<url::Url>,
    /// Origins, besides the public URL's, whose pages may post to the pages embedded in a host
    /// site (the host's other origins); the portal on its own trusts only its public URL.
    #[serde(deserialize_with = "comma_list")]
    pub trusted_origins: Vec<url::Url>,
    /// Who may frame the pages: CSP `frame-ancestors` sources (`'self'`, origins); `'none'` by default.
    #[serde(deserialize_with = "comma_list")]
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
    #[serde(deserialize_with = "comma_list")]
    pub allowed_line_types: Vec<String>,
    /// Accept a number whose line type Lookup cannot tell.
    pub allow_unknown_line_type: bool,
    /// Look up Canadian numbers too (needs Twilio's approval for Canadian carrier data).
    pub carrier_lookup_canada: bool,
    pub twilio_lookup_url: url::Url,
    /// An image (URL) per method, in place of the built-in icon.
    pub method_icons: std::collections::BTreeMap<Channel, String>,
    /// Sentences that replace the built-in ones, per language: `[messages.en]
    /// invalid_phone_number = "…"` (keys: `crate::texts::MESSAGE_KEYS`).
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
    #[serde(deserialize_with = "comma_list")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Kinds of phone line texts and WhatsApp may go to (`mobile`, `fixed_line_or_mobile`, …).
    #[serde(deserialize_with = "comma_list")]
    pub text_number_types: Vec<NumberType>,
    /// Kinds of phone line calls may go to.
    #[serde(deserialize_with = "comma_list")]
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
    fn default() -> Self {
        let policy = Policy::default();
        Settings {
            environment: Environment::Development,
            gateway: GatewayKind::Console,
            database_url: "sqlite://data/leptos-2fa.db".into(),
            data_dir: "data".into(),
            public_url: url::Url::parse("http://127.0.0.1:3000").expect("a valid default URL"),
            service_name: "leptos-2fa".into(),
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

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {0}")]
    Parse(#[from] Box<figment::Error>),
    #[error("invalid configuration: {setting} {problem}")]
    Invalid { setting: &'static str, problem: String },
    #[error("cannot read or write the generated secret {path}: {source}")]
    SecretFile { path: String, source: std::io::Error },
}

/// The `frame-ancestors` source that forbids framing.
pub const NO_FRAMING: &str = "'none'";

fn invalid(setting: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { setting, problem: problem.into() }
}

/// A session left alone longer than a day is over, whatever the settings say.
const MAX_SESSION_IDLE_MINUTES: i64 = 24 * 60;
/// A scheme, a host and maybe a port, nothing more: `https://app.example`.
fn is_origin(url: &url::Url) -> bool {
    matches!(url.scheme(), "http" | "https") && url.host().is_some() && url.path() == "/" && url.query().is_none()
}

/// A `frame-ancestors` source this portal accepts: `'none'`, `'self'` or an origin.
fn is_frame_ancestor(source: &str) -> bool {
    matches!(source, "'none'" | "'self'") || url::Url::parse(source).is_ok_and(|url| is_origin(&url))
}

/// Accepts `"sms,call"` from the environment as well as a TOML array; drops repeats.
fn comma_list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr + PartialEq,
    T::Err: std::fmt::Display,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        List(Vec<String>),
    }
    let names = match Raw::deserialize(deserializer)? {
        Raw::Text(text) => text.split(',').map(str::to_owned).collect(),
        Raw::List(list) => list,
    };
    let mut items = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let item: T = name.parse().map_err(|error| serde::de::Error::custom(format!("{name:?}: {error}")))?;
        if !items.contains(&item) {
            items.push(item);
        }
    }
    Ok(items)
}

impl Settings {
    /// Reads the defaults, then `TWOFA_CONFIG` (a TOML file) if set, then `TWOFA_*` variables.
    pub fn load() -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Ok(path) = std::env::var("TWOFA_CONFIG") {
            figment = figment.merge(Toml::file_exact(path));
        }
        let figment = figment.merge(Env::prefixed("TWOFA_").ignore(&["config"]));
        Self::from_figment(keep_as_text(figment, |name| std::env::var(name).ok()))
    }

    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let settings: Settings = figment.extract().map_err(Box::new)?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.policy().validate().map_err(|e| invalid("TWOFA_*", e.to_string()))?;
        if self.methods.is_empty() {
            return Err(invalid("TWOFA_METHODS", "must name at least one of sms, call, email"));
        }
        if !matches!(self.public_url.scheme(), "http" | "https") {
            return Err(invalid("TWOFA_PUBLIC_URL", "must be an http or https URL"));
        }
        for (setting, origins) in [("TWOFA_ALLOWED_RETURN_ORIGINS", &self.allowed_return_origins), ("TWOFA_TRUSTED_ORIGINS", &self.trusted_origins)] {
            if let Some(bad) = origins.iter().find(|url| !is_origin(url)) {
                return Err(invalid(setting, format!("{bad} is not an origin like https://app.example")));
            }
        }
        if let Some(bad) = self.frame_ancestors.iter().find(|source| !is_frame_ancestor(source.as_str())) {
            return Err(invalid("TWOFA_FRAME_ANCESTORS", format!("{bad:?} is not 'self' or an origin like https://app.example")));
        }
        if self.frame_ancestors.len() > 1 && self.frame_ancestors.iter().any(|source| source == NO_FRAMING) {
            return Err(invalid("TWOFA_FRAME_ANCESTORS", "'none' stands alone"));
        }
        let limits = [
            ("TWOFA_REQUEST_TIMEOUT_SECS", self.request_timeout_secs as usize),
            ("TWOFA_HEADER_READ_TIMEOUT_SECS", self.header_read_timeout_secs as usize),
            ("TWOFA_MAX_CONCURRENT_REQUESTS", self.max_concurrent_requests),
            ("TWOFA_MAX_BODY_BYTES", self.max_body_bytes),
        ];
        if let Some((setting, _)) = limits.iter().find(|(_, value)| *value == 0) {
            return Err(invalid(setting, "must be greater than zero"));
        }
        for (setting, list) in [("TWOFA_ALLOWED_COUNTRIES", &self.allowed_countries), ("TWOFA_DISALLOWED_COUNTRIES", &self.disallowed_countries)] {
            if let Some(bad) = list.iter().find(|code| code.to_ascii_uppercase().parse::<phonenumber::country::Id>().is_err()) {
                return Err(invalid(setting, format!("{bad:?} is not an ISO 3166 region code")));
            }
        }
        if self.default_region.parse::<phonenumber::country::Id>().is_err() {
            return Err(invalid("TWOFA_DEFAULT_REGION", format!("{:?} is not an ISO 3166 region code", self.default_region)));
        }
        if let Some(url) = &self.registration_optional_url
            && !is_local_path(url)
            && !url::Url::parse(url).is_ok_and(|url| self.allows_return_to(&url))
        {
            return Err(invalid("TWOFA_REGISTRATION_OPTIONAL_URL", "must be a path (/…) or a URL on an allowed return origin"));
        }
        if let Some(bad) = self.allowed_line_types.iter().find(|t| !LINE_TYPES.contains(&t.as_str())) {
            return Err(invalid("TWOFA_ALLOWED_LINE_TYPES", format!("{bad:?} is not a line type Twilio Lookup reports")));
        }
        if self.carrier_lookup && (self.twilio_account_sid.is_none() || self.twilio_auth_token.is_none()) {
            return Err(invalid("TWOFA_CARRIER_LOOKUP", "needs TWOFA_TWILIO_ACCOUNT_SID and TWOFA_TWILIO_AUTH_TOKEN"));
        }
        if self.user_must_have_phone && !self.methods.iter().any(|method| method.uses_phone()) {
            return Err(invalid("TWOFA_USER_MUST_HAVE_PHONE", "needs a phone method in TWOFA_METHODS"));
        }
        crate::texts::validate_overrides(&self.messages).map_err(|problem| invalid("TWOFA_MESSAGES", problem))?;
        if !(1..=MAX_SESSION_IDLE_MINUTES).contains(&self.session_idle_minutes) {
            return Err(invalid("TWOFA_SESSION_IDLE_MINUTES", format!("must be between 1 and {MAX_SESSION_IDLE_MINUTES} (a day)")));
        }
        if self.environment == Environment::Production {
            if self.secret_key.is_none() {
                return Err(invalid("TWOFA_SECRET_KEY", "is required in production"));
            }
            if self.client_secret.is_none() {
                return Err(invalid("TWOFA_CLIENT_SECRET", "is required in production"));
            }
            // Even on 127.0.0.1: a production portal behind a TLS proxy still says https here.
            if self.public_url.scheme() != "https" {
                return Err(invalid("TWOFA_PUBLIC_URL", "must be an https URL in production"));
            }
            if self.cookie_secure == Some(false) {
                return Err(invalid("TWOFA_COOKIE_SECURE", "cannot be false in production: the session cookie would travel in clear"));
            }
        }
        self.validate_gateways()?;
        if self.webhook_url.is_some() != self.webhook_secret.is_some() {
            return Err(invalid("TWOFA_WEBHOOK_URL", "and TWOFA_WEBHOOK_SECRET go together"));
        }
        let secrets = [
            ("TWOFA_SECRET_KEY", &self.secret_key),
            ("TWOFA_CLIENT_SECRET", &self.client_secret),
            ("TWOFA_API_KEY", &self.api_key),
            ("TWOFA_WEBHOOK_SECRET", &self.webhook_secret),
        ];
        for (setting, secret) in secrets {
            if secret.as_ref().is_some_and(|s| secrecy::ExposeSecret::expose_secret(s).len() < 32) {
                return Err(invalid(setting, "must be at least 32 characters long"));
            }
        }
        Ok(())
    }

    fn validate_gateways(&self) -> Result<(), ConfigError> {
        let uses = |kind| self.gateway == kind || self.fallback_gateway == Some(kind);
        if self.environment == Environment::Production && uses(GatewayKind::Console) {
            return Err(invalid("TWOFA_GATEWAY", "console prints codes and is for development only"));
        }
        if uses(GatewayKind::TwilioVerify) {
            let service = self.twilio_verify_service_sid.as_deref().unwrap_or_default();
            if !is_sid(service, "VA") {
                return Err(invalid("TWOFA_TWILIO_VERIFY_SERVICE_SID", "must be set to the Verify service SID (VA followed by 32 hex digits)"));
            }
            if !matches!(self.twilio_verify_url.scheme(), "http" | "https") {
                return Err(invalid("TWOFA_TWILIO_VERIFY_URL", "must be an http or https URL"));
            }
        }
        if uses(GatewayKind::Twilio) || uses(GatewayKind::TwilioVerify) {
            let sid = self.twilio_account_sid.as_deref().unwrap_or_default();
            if !is_sid(sid, "AC") {
                return Err(invalid("TWOFA_TWILIO_ACCOUNT_SID", "must be set to the account SID (AC followed by 32 hex digits)"));
            }
            if self.twilio_auth_token.is_none() {
                return Err(invalid("TWOFA_TWILIO_AUTH_TOKEN", "is required: it checks the signature of Twilio's callbacks"));
            }
            if self.twilio_api_key_sid.is_some() != self.twilio_api_key_secret.is_some() {
                return Err(invalid("TWOFA_TWILIO_API_KEY_SID", "and TWOFA_TWILIO_API_KEY_SECRET go together"));
            }
            if let Some(key) = self.twilio_api_key_sid.as_deref().filter(|key| !is_sid(key, "SK")) {
                return Err(invalid("TWOFA_TWILIO_API_KEY_SID", format!("{key:?} is not an API key SID (SK…)")));
            }
            if self.twilio_timeout_secs == 0 {
                return Err(invalid("TWOFA_TWILIO_TIMEOUT_SECS", "must be greater than zero"));
            }
        }
        if self.gateway_deadline_secs == 0 {
            return Err(invalid("TWOFA_GATEWAY_DEADLINE_SECS", "must be greater than zero"));
        }
        if uses(GatewayKind::Twilio) {
            if self.twilio_from.is_none() && self.twilio_messaging_service_sid.is_none() {
                return Err(invalid("TWOFA_TWILIO_FROM", "or TWOFA_TWILIO_MESSAGING_SERVICE_SID must be set"));
            }
            if self.methods.contains(&Channel::Call) && self.twilio_from.is_none() {
                return Err(invalid("TWOFA_TWILIO_FROM", "is required for phone calls (the caller id)"));
            }
            if !matches!(self.twilio_api_url.scheme(), "http" | "https") {
                return Err(invalid("TWOFA_TWILIO_API_URL", "must be an http or https URL"));
            }
        }
        // Only the console gateway can show an e-mail without a mail server; Verify sends its own.
        let sends_its_own_email = matches!(self.gateway, GatewayKind::Console | GatewayKind::TwilioVerify);
        if self.methods.contains(&Channel::Email) && self.smtp_url.is_none() && !sends_its_own_email {
            return Err(invalid("TWOFA_SMTP_URL", "is required to send codes by e-mail (or remove email from TWOFA_METHODS)"));
        }
        Ok(())
    }

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

    /// The code-hashing key: configured, or in development generated once and kept in the data folder.
    pub fn secret_key(&self) -> Result<SecretString, ConfigError> {
        self.secret_or_generated(&self.secret_key, "secret_key")
    }

    /// The key shared with relying applications, configured or generated likewise.
    pub fn client_secret(&self) -> Result<SecretString, ConfigError> {
        self.secret_or_generated(&self.client_secret, "client_secret")
    }

    fn secret_or_generated(&self, configured: &Option<SecretString>, file: &str) -> Result<SecretString, ConfigError> {
        match configured {
            Some(secret) => Ok(secret.clone()),
            None => read_or_create_secret(&self.data_dir.join(file)),
        }
    }
}

/// Settings that are text even when they look like numbers: figment reads `+15005550006` from
/// the environment as the integer 15005550006, losing the `+` (and a digits-only secret with it).
const TEXT_SETTINGS: &[&str] = &[
    "twilio_from",
    "twilio_whatsapp_from",
    "twilio_auth_token",
    "twilio_webhook_shared_key",
    "twilio_api_key_secret",
    "secret_key",
    "client_secret",
    "api_key",
    "webhook_secret",
    "service_name",
    "smtp_from",
];

/// Puts the environment's raw text back for `TEXT_SETTINGS`.
fn keep_as_text(mut figment: Figment, variable: impl Fn(&str) -> Option<String>) -> Figment {
    for key in TEXT_SETTINGS {
        if let Some(raw) = variable(&format!("TWOFA_{}", key.to_ascii_uppercase())) {
            figment = figment.merge(Serialized::global(key, raw));
        }
    }
    figment
}

/// Twilio's SIDs: a two-letter prefix and 32 hex digits.
fn is_sid(value: &str, prefix: &str) -> bool {
    value.len() == 34 && value.starts_with(prefix) && value[2..].chars().all(|c| c.is_ascii_hexdigit())
}

/// Keeps a development secret across restarts, so pending codes and sessions survive them.
fn read_or_create_secret(path: &Path) -> Result<SecretString, ConfigError> {
    let io_error = |source| ConfigError::SecretFile { path: path.display().to_string(), source };
    match std::fs::read_to_string(path) {
        Ok(existing) if existing.trim().len() >= 32 => return Ok(existing.trim().to_owned().into()),
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(io_error(error)),
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(io_error)?;
    }
    std::fs::write(path, &secret).map_err(io_error)?;
    restrict_to_owner(path).map_err(io_error)?;
    tracing::warn!(path = %path.display(), "generated a development secret; set it explicitly in production");
    Ok(secret.into())
}

#[cfg(unix)]
fn restrict_to_owner(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict_to_owner(_: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        for (key, value) in pairs {
            figment = figment.merge((*key, *value));
        }
        Settings::from_figment(figment)
    }

    #[test]
    fn the_embedded_defaults_run_the_console_gateway_on_sqlite() {
        let settings = load(&[]).unwrap();
        assert_eq!(settings.gateway, GatewayKind::Console);
        assert!(settings.database_url.starts_with("sqlite://data/"));
        assert_eq!(settings.methods, Channel::DEFAULT_METHODS.to_vec());
        assert!(!settings.cookie_secure());
    }

    #[test]
    fn methods_are_read_from_a_comma_separated_list() {
        let settings = load(&[("methods", "email, sms")]).unwrap();
        assert_eq!(settings.methods, vec![Channel::Email, Channel::Sms]);
    }

    #[test]
    fn bad_settings_are_refused_with_the_setting_named() {
        let error = load(&[("methods", "sms,fax")]).unwrap_err().to_string();
        assert!(error.contains("fax"), "{error}");
        let error = load(&[("code_length", "4")]).unwrap_err().to_string();
        assert!(error.contains("code_length"), "{error}");
        let error = load(&[("default_region", "XX")]).unwrap_err().to_string();
        assert!(error.contains("TWOFA_DEFAULT_REGION"), "{error}");
        let error = load(&[("gateway", "pigeon")]).unwrap_err().to_string();
        assert!(error.contains("gateway"), "{error}");
    }

    #[test]
    fn settings_above_their_upper_bound_stop_the_portal() {
        let load_number =
            |key: &str, value: u64| Settings::from_figment(Figment::from(Serialized::defaults(Settings::default())).merge((key, value)));
        let error = load_number("code_ttl_secs", 601).unwrap_err().to_string();
        assert!(error.contains("code_ttl_secs must be at most 600"), "{error}");
        let error = load_number("max_attempts", 11).unwrap_err().to_string();
        assert!(error.contains("max_attempts must be at most 10"), "{error}");
        let error = load_number("session_idle_minutes", 1441).unwrap_err().to_string();
        assert!(error.contains("TWOFA_SESSION_IDLE_MINUTES must be between 1 and 1440"), "{error}");
        for (key, highest) in [("code_ttl_secs", 600), ("max_attempts", 10), ("session_idle_minutes", 1440)] {
            assert!(load_number(key, highest).is_ok(), "{key} = {highest}");
        }
    }

    const SID: &str = "AC0123456789abcdef0123456789abcdef";

    #[test]
    fn the_twilio_gateway_names_each_missing_setting() {
        let error = load(&[("gateway", "twilio"), ("methods", "sms")]).unwrap_err().to_string();
        assert!(error.contains("TWOFA_TWILIO_ACCOUNT_SID"), "{error}");
        let error = load(&[("gateway", "twilio"), ("methods", "sms"), ("twilio_account_sid", SID)]).unwrap_err().to_string();
        assert!(error.contains("TWOFA_TWILIO_AUTH_TOKEN"), "{error}");
        let twilio = [("gateway", "twilio"), ("twilio_account_sid", SID), ("twilio_auth_token", "token")];
        let error = load(&[twilio.as_slice(), &[("methods", "sms,call"), ("twilio_messaging_service_sid", "MG0")]].concat())
            .unwrap_err()
            .to_string();
        assert!(error.contains("TWOFA_TWILIO_FROM") && error.contains("calls"), "{error}");
        let error = load(&[twilio.as_slice(), &[("twilio_from", "+15005550006")]].concat()).unwrap_err().to_string();
        assert!(error.contains("TWOFA_SMTP_URL"), "{error}");
        let settings =
            load(&[twilio.as_slice(), &[("twilio_from", "+15005550006"), ("smtp_url", "smtp://127.0.0.1:2525")]].concat())
                .unwrap();
        assert_eq!(settings.gateway, GatewayKind::Twilio);
    }

    #[test]
    fn a_caller_id_from_the_environment_keeps_its_plus() {
        let figment = Figment::from(Serialized::defaults(Settings::default()))
            .merge(("twilio_from", 15005550006u64))
            .merge(("service_name", 2048u64));
        let environment = |name: &str| match name {
            "TWOFA_TWILIO_FROM" => Some("+15005550006".to_owned()),
            "TWOFA_SERVICE_NAME" => Some("2048".to_owned()),
            _ => None,
        };
        let settings = Settings::from_figment(keep_as_text(figment, environment)).unwrap();
        assert_eq!(settings.twilio_from.as_deref(), Some("+15005550006"));
        assert_eq!(settings.service_name, "2048");
    }

    #[test]
    fn users_go_back_only_to_the_portal_or_an_allowed_origin() {
        let settings = load(&[("allowed_return_origins", "https://app.example, http://localhost:8080")]).unwrap();
        let allowed = |url: &str| settings.allows_return_to(&url.parse().unwrap());
        assert!(allowed("https://app.example/after-2fa?state=1"));
        assert!(allowed("http://localhost:8080/"));
        assert!(allowed("http://127.0.0.1:3000/demo/return"));
        assert!(!allowed("https://app.example.evil.example/"));
        assert!(!allowed("http://app.example/"), "another scheme is another origin");
        assert!(!allowed("https://app.example:8443/"));
        let error = load(&[("allowed_return_origins", "https://app.example/path")]).unwrap_err().to_string();
        assert!(error.contains("TWOFA_ALLOWED_RETURN_ORIGINS"), "{error}");
    }

    #[test]
    fn production_never_prints_codes_to_the_console() {
        let secrets = [("secret_key", "k".repeat(32)), ("client_secret", "c".repeat(32))];
        let pairs: Vec<(&str, &str)> = secrets.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let production = [("environment", "production"), ("public_url", "https://2fa.example")];
        let error = load(&[pairs.as_slice(), &production].concat()).unwrap_err().to_string();
        assert!(error.contains("TWOFA_GATEWAY"), "{error}");
    }

    #[test]
    fn production_refuses_a_plain_http_public_url() {
        let secrets = [("secret_key", "k".repeat(32)), ("client_secret", "c".repeat(32))];
        let pairs: Vec<(&str, &str)> = secrets.iter().map(|(k, v)| (*k, v.as_str())).collect();
        for url in ["http://2fa.example", "http://127.0.0.1:3000"] {
            let production = [("environment", "production"), ("public_url", url)];
            let error = load(&[pairs.as_slice(), &production].concat()).unwrap_err().to_string();
            assert!(error.contains("TWOFA_PUBLIC_URL"), "{error}");
        }
        let mut settings = load(&pairs).unwrap();
        settings.environment = Environment::Production;
        settings.public_url = "https://2fa.example".parse().unwrap();
        settings.cookie_secure = Some(false);
        let error = settings.validate().unwrap_err().to_string();
        assert!(error.contains("TWOFA_COOKIE_SECURE"), "{error}");
    }

    #[test]
    fn framing_and_server_limits_are_checked_at_start() {
        assert_eq!(load(&[]).unwrap().frame_ancestors, vec![NO_FRAMING.to_owned()]);
        let settings = load(&[("frame_ancestors", "'self', https://host.example")]).unwrap();
        assert_eq!(settings.frame_ancestors, vec!["'self'".to_owned(), "https://host.example".to_owned()]);
        for bad in ["*", "https://host.example/page", "'none', 'self'", "'unsafe-inline'"] {
            let error = load(&[("frame_ancestors", bad)]).unwrap_err().to_string();
            assert!(error.contains("TWOFA_FRAME_ANCESTORS"), "{bad}: {error}");
        }
        let unbounded = Figment::from(Serialized::defaults(Settings::default())).merge(("max_concurrent_requests", 0));
        let error = Settings::from_figment(unbounded).unwrap_err().to_string();
        assert!(error.contains("TWOFA_MAX_CONCURRENT_REQUESTS"), "{error}");
        let error = load(&[("trusted_origins", "https://host.example/2fa")]).unwrap_err().to_string();
        assert!(error.contains("TWOFA_TRUSTED_ORIGINS"), "{error}");
    }

    #[test]
    fn production_refuses_to_start_without_its_secrets() {
        let error = load(&[("environment", "production")]).unwrap_err().to_string();
        assert!(error.contains("TWOFA_SECRET_KEY"), "{error}");
    }

    #[test]
    fn a_generated_development_secret_survives_a_restart() {
        let folder = tempfile::tempdir().unwrap();
        let settings = Settings { data_dir: folder.path().to_owned(), ..Settings::default() };
        let first = settings.secret_key().unwrap();
        let second = settings.secret_key().unwrap();
        assert_eq!(secrecy::ExposeSecret::expose_secret(&first), secrecy::ExposeSecret::expose_secret(&second));
    }
}
