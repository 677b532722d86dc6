//! One send of a code through a provider: the token that names it in callback URLs, the code a
//! call reads aloud (sealed under that token), and the rules for applying delivery reports.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use sha2::{Digest, Sha256};

use super::code::OtpCode;
use super::random::{hex, random_bytes};
use crate::domain::DeliveryState;

const TOKEN_BYTES: usize = 32;
const NONCE_BYTES: usize = 12;

/// An unguessable name for one delivery, used only in the URLs the provider calls back.
/// The database keeps its SHA-256 (`lookup_key`), never the token itself, so the stored
/// sealed code cannot be opened from a database copy.
#[derive(Clone, PartialEq, Eq)]
pub struct DeliveryToken([u8; TOKEN_BYTES]);

impl std::fmt::Debug for DeliveryToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeliveryToken(******)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a delivery token")]
    Malformed,
    #[error("the sealed code does not open with this token")]
    WrongToken,
}

impl DeliveryToken {
    pub fn generate() -> Self {
        DeliveryToken(random_bytes())
    }

    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| TokenError::Malformed)?;
        Ok(DeliveryToken(bytes.try_into().map_err(|_| TokenError::Malformed)?))
    }

    /// The URL-safe text form, for paths.
    pub fn as_path_segment(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// What the database knows the delivery by.
    pub fn lookup_key(&self) -> String {
        hex(&Sha256::digest(self.0))
    }

    /// Encrypts the code so that only a holder of this token can read it (the call's TwiML route).
    pub fn seal(&self, code: &OtpCode) -> Vec<u8> {
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.0));
        let nonce: [u8; NONCE_BYTES] = random_bytes();
        let mut sealed = nonce.to_vec();
        // ChaCha20-Poly1305 refuses only plaintexts past 256 GiB; a code is a few bytes.
        #[allow(clippy::expect_used)]
        sealed.extend(cipher.encrypt(Nonce::from_slice(&nonce), code.expose().as_bytes()).expect("in-memory encryption"));
        sealed
    }

    pub fn open(&self, sealed: &[u8]) -> Result<OtpCode, TokenError> {
        if sealed.len() <= NONCE_BYTES {
            return Err(TokenError::WrongToken);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.0));
        let plain = cipher.decrypt(Nonce::from_slice(nonce), ciphertext).map_err(|_| TokenError::WrongToken)?;
        let digits = String::from_utf8(plain).map_err(|_| TokenError::WrongToken)?;
        OtpCode::parse(&digits, digits.len()).map_err(|_| TokenError::WrongToken)
    }
}

/// What one provider callback says about a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    pub state: DeliveryState,
    /// The provider's order of reports for this delivery, when it numbers them (calls do).
    pub sequence: Option<i64>,
    /// The provider's error code on failure, for the operator.
    pub error_code: Option<String>,
}

/// Where a delivery stands after the reports applied so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryProgress {
    pub state: DeliveryState,
    pub sequence: Option<i64>,
}

impl DeliveryProgress {
    /// Whether `report` is news. Reports come late, twice or out of order: a numbered report
    /// applies only after the ones before it, an unnumbered one only when it moves forward.
    pub fn is_superseded_by(&self, report: &DeliveryReport) -> bool {
        match (self.sequence, report.sequence) {
            (Some(current), Some(incoming)) => incoming > current && report.state.rank() >= self.state.rank(),
            _ => report.state.rank() > self.state.rank(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(state: DeliveryState, sequence: Option<i64>) -> DeliveryReport {
        DeliveryReport { state, sequence, error_code: None }
    }

    #[test]
    fn a_token_reads_back_from_its_path_form_and_its_lookup_key_hides_it() {
        let token = DeliveryToken::generate();
        let text = token.as_path_segment();
        assert!(text.len() >= 43 && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert!(DeliveryToken::parse(&text).unwrap() == token);
        assert!(!token.lookup_key().contains(&text));
        assert!(matches!(DeliveryToken::parse("short"), Err(TokenError::Malformed)));
    }

    #[test]
    fn a_sealed_code_opens_only_with_its_own_token() {
        let token = DeliveryToken::generate();
        let code = OtpCode::parse("012345", 6).unwrap();
        let sealed = token.seal(&code);
        assert!(!sealed.windows(6).any(|w| w == b"012345"), "the code is stored in clear");
        assert_eq!(token.open(&sealed).unwrap().expose(), "012345");
        assert_eq!(DeliveryToken::generate().open(&sealed).unwrap_err(), TokenError::WrongToken);
    }

    #[test]
    fn message_reports_never_move_back() {
        let sent = DeliveryProgress { state: DeliveryState::Sent, sequence: None };
        assert!(sent.is_superseded_by(&report(DeliveryState::Delivered, None)));
        assert!(!sent.is_superseded_by(&report(DeliveryState::Queued, None)));
        assert!(!sent.is_superseded_by(&report(DeliveryState::Sent, None)));
        let delivered = DeliveryProgress { state: DeliveryState::Delivered, sequence: None };
        assert!(!delivered.is_superseded_by(&report(DeliveryState::Sent, None)));
    }

    #[test]
    fn numbered_call_reports_apply_in_their_order() {
        let ringing = DeliveryProgress { state: DeliveryState::Ringing, sequence: Some(1) };
        assert!(ringing.is_superseded_by(&report(DeliveryState::Answered, Some(2))));
        assert!(!ringing.is_superseded_by(&report(DeliveryState::Queued, Some(0))), "a late 'initiated'");
        assert!(!ringing.is_superseded_by(&report(DeliveryState::Ringing, Some(1))), "a retried report");
        let completed = DeliveryProgress { state: DeliveryState::Completed, sequence: Some(3) };
        assert!(!completed.is_superseded_by(&report(DeliveryState::Answered, Some(2))));
    }
}
