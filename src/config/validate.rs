//! Validation: a setting that is malformed, out of bounds or missing what it needs stops the
//! portal at start, with the `TWOFA_*` setting named.

use super::{Environment, GatewayKind, NO_FRAMING, Settings};
use crate::domain::Channel;
use crate::line_type::LINE_TYPES;
use crate::redirect::is_local_path;

/// Why the portal will not start with these settings.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {0}")]
    Parse(#[from] Box<figment::Error>),
    #[error("invalid configuration: {setting} {problem}")]
    Invalid { setting: &'static str, problem: String },
    #[error("cannot read or write the generated secret {path}: {source}")]
    SecretFile { path: String, source: std::io::Error },
}

pub(super) fn invalid(setting: &'static str, problem: impl Into<String>) -> ConfigError {
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

/// Twilio's SIDs: a two-letter prefix and 32 hex digits.
fn is_sid(value: &str, prefix: &str) -> bool {
    value.len() == 34 && value.starts_with(prefix) && value[2..].chars().all(|c| c.is_ascii_hexdigit())
}

impl Settings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
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
        crate::wording::validate_overrides(&self.messages).map_err(|problem| invalid("TWOFA_MESSAGES", problem))?;
        if !(1..=MAX_SESSION_IDLE_MINUTES).contains(&self.session_idle_minutes) {
            return Err(invalid("TWOFA_SESSION_IDLE_MINUTES", format!("must be between 1 and {MAX_SESSION_IDLE_MINUTES} (a day)")));
        }
        self.refuse_unsafe_production()?;
        self.validate_gateways()?;
        if self.webhook_url.is_some() != self.webhook_secret.is_some() {
            return Err(invalid("TWOFA_WEBHOOK_URL", "and TWOFA_WEBHOOK_SECRET go together"));
        }
        self.check_secret_lengths()
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load::from_pairs as load;
    use figment::Figment;
    use figment::providers::Serialized;

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
}
