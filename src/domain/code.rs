use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::Sha256;
use std::fmt;

use super::error::CodeFormatError;
use super::random::random_digits;
use super::verification_id::VerificationId;

/// A one-time code. Its digits are kept out of `Debug` output and logs.
#[derive(Clone)]
pub struct OtpCode(SecretString);

impl OtpCode {
    /// Draws `length` uniformly random digits.
    pub fn generate(length: usize) -> Self {
        OtpCode(random_digits(length).into())
    }

    /// Reads what a user typed: spaces and dashes are ignored, anything else must be a digit.
    pub fn parse(input: &str, expected_length: usize) -> Result<Self, CodeFormatError> {
        if !crate::bounds::fits(input, crate::bounds::CODE_INPUT) {
            return Err(CodeFormatError::WrongLength { expected: expected_length });
        }
        let digits: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '‐' | '‑' | '–'))
            .map(western_digit)
            .collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(CodeFormatError::NotDigits);
        }
        if digits.len() != expected_length {
            return Err(CodeFormatError::WrongLength { expected: expected_length });
        }
        Ok(OtpCode(digits.into()))
    }

    /// The digits, for the message that delivers them and nothing else.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OtpCode(******)")
    }
}

/// Keys the stored form of a code with the server secret, so a leaked database holds no codes.
pub struct CodeHasher {
    key: SecretBox<Vec<u8>>,
}

type HmacSha256 = Hmac<Sha256>;

impl CodeHasher {
    pub fn new(secret: &[u8]) -> Self {
        CodeHasher { key: SecretBox::new(Box::new(secret.to_vec())) }
    }

    fn mac(&self, id: &VerificationId, code: &OtpCode) -> HmacSha256 {
        // HMAC takes a key of any length: `new_from_slice` cannot fail.
        #[allow(clippy::expect_used)]
        let mut mac = HmacSha256::new_from_slice(self.key.expose_secret())
            .expect("HMAC accepts keys of any length");
        // The id binds the hash to one verification: equal codes never hash alike.
        mac.update(id.as_str().as_bytes());
        mac.update(b":");
        mac.update(code.expose().as_bytes());
        mac
    }

    pub fn hash(&self, id: &VerificationId, code: &OtpCode) -> Vec<u8> {
        self.mac(id, code).finalize().into_bytes().to_vec()
    }

    /// Constant-time comparison against the stored hash.
    pub fn matches(&self, id: &VerificationId, code: &OtpCode, stored: &[u8]) -> bool {
        self.mac(id, code).verify_slice(stored).is_ok()
    }
}

/// The digit 0–9 of a keyboard that types another script's digits (Arabic-Indic, Persian,
/// Devanagari, Bengali, Thai, full-width): a user types the code as their phone shows digits.
fn western_digit(c: char) -> char {
    const ZEROS: [u32; 6] = [0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0xFF10];
    ZEROS
        .iter()
        .find_map(|&zero| (zero..zero + 10).contains(&(c as u32)).then(|| char::from(b'0' + (c as u32 - zero) as u8)))
        .unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_have_the_requested_number_of_digits() {
        for length in 6..=10 {
            let code = OtpCode::generate(length);
            assert_eq!(code.expose().len(), length);
            assert!(code.expose().chars().all(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn generated_codes_differ_from_one_another() {
        let codes: std::collections::HashSet<String> =
            (0..50).map(|_| OtpCode::generate(8).expose().to_owned()).collect();
        assert!(codes.len() > 45, "50 random 8-digit codes gave only {} distinct", codes.len());
    }

    #[test]
    fn spaces_and_dashes_in_a_typed_code_are_ignored() {
        assert_eq!(OtpCode::parse(" 123-456 ", 6).unwrap().expose(), "123456");
        assert_eq!(OtpCode::parse("12 34 56", 6).unwrap().expose(), "123456");
    }

    #[test]
    fn a_code_typed_in_arabic_persian_or_full_width_digits_is_the_same_code() {
        assert_eq!(OtpCode::parse("٤٨٢ ٩١٣", 6).unwrap().expose(), "482913");
        assert_eq!(OtpCode::parse("۴۸۲۹۱۳", 6).unwrap().expose(), "482913");
        assert_eq!(OtpCode::parse("４８２９１３", 6).unwrap().expose(), "482913");
    }

    #[test]
    fn letters_in_a_typed_code_are_refused() {
        assert_eq!(OtpCode::parse("12a456", 6).unwrap_err(), CodeFormatError::NotDigits);
        assert_eq!(OtpCode::parse("", 6).unwrap_err(), CodeFormatError::NotDigits);
    }

    #[test]
    fn a_code_of_the_wrong_length_is_refused() {
        assert_eq!(
            OtpCode::parse("1234567", 6).unwrap_err(),
            CodeFormatError::WrongLength { expected: 6 }
        );
    }

    #[test]
    fn a_code_matches_only_its_own_hash_and_verification() {
        let hasher = CodeHasher::new(b"server secret");
        let id = VerificationId::generate();
        let code = OtpCode::parse("123456", 6).unwrap();
        let stored = hasher.hash(&id, &code);
        assert!(hasher.matches(&id, &code, &stored));
        assert!(!hasher.matches(&id, &OtpCode::parse("123457", 6).unwrap(), &stored));
        assert!(!hasher.matches(&VerificationId::generate(), &code, &stored));
        assert!(!CodeHasher::new(b"other secret").matches(&id, &code, &stored));
    }

    #[test]
    fn debug_output_never_shows_the_digits() {
        let code = OtpCode::parse("987654", 6).unwrap();
        assert!(!format!("{code:?}").contains("987654"));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn a_typed_code_is_refused_or_exactly_its_digits(input in prop_oneof![any::<String>(), "[0-9 ‐–-]{0,40}"], length in 6usize..=10) {
            if let Ok(code) = OtpCode::parse(&input, length) {
                prop_assert!(input.len() <= crate::bounds::CODE_INPUT);
                prop_assert_eq!(code.expose().len(), length);
                prop_assert!(code.expose().chars().all(|c| c.is_ascii_digit()));
            }
        }
    }
}
