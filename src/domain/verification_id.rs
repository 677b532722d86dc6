use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use std::fmt;

use super::error::DomainError;
use super::random::random_bytes;

const ID_BYTES: usize = 16;
/// `ID_BYTES` in unpadded base64.
const ID_TEXT_LENGTH: usize = (ID_BYTES * 4).div_ceil(3);

/// An unguessable verification id: 128 random bits, URL-safe.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VerificationId(String);

impl VerificationId {
    pub fn generate() -> Self {
        VerificationId(URL_SAFE_NO_PAD.encode(random_bytes::<ID_BYTES>()))
    }

    /// Accepts only the shape `generate` produces, so junk never reaches a query.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        if value.len() != ID_TEXT_LENGTH {
            return Err(DomainError::NotFound);
        }
        let decoded = URL_SAFE_NO_PAD.decode(value).map_err(|_| DomainError::NotFound)?;
        if decoded.len() != ID_BYTES {
            return Err(DomainError::NotFound);
        }
        Ok(VerificationId(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VerificationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_ids_are_random_and_only_their_own_shape_parses() {
        let id = VerificationId::generate();
        assert_ne!(id, VerificationId::generate());
        assert_eq!(VerificationId::parse(id.as_str()), Ok(id));
        assert_eq!(VerificationId::parse("1"), Err(DomainError::NotFound));
        assert_eq!(VerificationId::parse("'; drop table x; --"), Err(DomainError::NotFound));
    }
}
