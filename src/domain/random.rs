//! Unguessable values, all drawn from the thread's CSPRNG here.

use rand::{Rng, RngCore};

/// `N` random bytes.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// `length` uniformly random decimal digits: a one-time code.
pub fn random_digits(length: usize) -> String {
    let mut rng = rand::rng();
    (0..length).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
}

/// `N` random bytes in lower-case hex: nonces and generated secrets.
pub fn random_token<const N: usize>() -> String {
    hex(&random_bytes::<N>())
}

/// `bytes` in lower-case hex, two digits each.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_two_hex_digits_per_byte_and_never_repeats() {
        let token = random_token::<16>();
        assert_eq!(token.len(), 32);
        assert!(token.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(token, random_token::<16>());
        assert_eq!(hex(&[0x00, 0x0f, 0xa5]), "000fa5");
    }
}
