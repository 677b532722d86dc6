//! Secrets: the keys the portal signs and hashes with, generated in development and refused
//! when missing or weak, and what production refuses to run without.

use secrecy::{ExposeSecret, SecretString};
use std::path::Path;

use super::validate::invalid;
use super::{ConfigError, Environment, Settings};

impl Settings {
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

    /// Production runs only with its secrets configured, over https, with secure cookies.
    pub(super) fn refuse_unsafe_production(&self) -> Result<(), ConfigError> {
        if self.environment != Environment::Production {
            return Ok(());
        }
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
        Ok(())
    }

    pub(super) fn check_secret_lengths(&self) -> Result<(), ConfigError> {
        let secrets = [
            ("TWOFA_SECRET_KEY", &self.secret_key),
            ("TWOFA_CLIENT_SECRET", &self.client_secret),
            ("TWOFA_API_KEY", &self.api_key),
            ("TWOFA_WEBHOOK_SECRET", &self.webhook_secret),
        ];
        for (setting, secret) in secrets {
            if secret.as_ref().is_some_and(|s| s.expose_secret().len() < 32) {
                return Err(invalid(setting, "must be at least 32 characters long"));
            }
        }
        Ok(())
    }
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
    let secret = crate::domain::random_token::<32>();
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
    use crate::config::load::from_pairs as load;

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
