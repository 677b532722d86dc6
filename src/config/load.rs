//! Loading: the embedded defaults, then a TOML file, then `TWOFA_*` environment variables.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Deserializer};

use super::{ConfigError, Settings};

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
}

/// Accepts `"sms,call"` from the environment as well as a TOML array; drops repeats.
pub(super) fn comma_list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
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
    "application_name",
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

/// The embedded defaults with `pairs` over them, as the tests set them.
#[cfg(test)]
pub(super) fn from_pairs(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let mut figment = Figment::from(Serialized::defaults(Settings::default()));
    for (key, value) in pairs {
        figment = figment.merge((*key, *value));
    }
    Settings::from_figment(figment)
}

#[cfg(test)]
mod tests {
    use super::{from_pairs as load, *};
    use crate::config::GatewayKind;
    use crate::domain::Channel;

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
}
