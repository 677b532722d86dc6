//! The longest text the portal takes in each field that comes from outside, declared once.
//!
//! Every input is measured against its bound before it is parsed, stored or counted, so that no
//! request can make the database, the session or a log line grow with what it sends. Lengths are
//! in bytes of UTF-8. The README's Security section lists each bound with the refusal it meets.

use unicode_general_category::{GeneralCategory, get_general_category};

/// A relying application's id for a user: the `sub` of a signed request, an API client's `user_id`.
pub const USER_ID: usize = 255;
/// The `nonce` of a signed request.
pub const NONCE: usize = 128;
/// A `return_url`.
pub const URL: usize = 2048;
/// An e-mail address (RFC 5321's limit on a path), as typed.
pub const EMAIL: usize = 254;
/// A phone number as typed, spaces and punctuation included (E.164 has at most 15 digits).
pub const PHONE_INPUT: usize = 32;
/// The country chosen for a phone number (an ISO 3166 code).
pub const COUNTRY: usize = 8;
/// A code as typed, spaces and dashes included.
pub const CODE_INPUT: usize = 32;
/// A whole signed request (JWT), room for every claim at its bound.
pub const SIGNED_TOKEN: usize = 8 * 1024;
/// A JSON body of `/api/v1`: room for every field at its bound.
pub const API_BODY: usize = 16 * 1024;

/// A relying application's name, as its button shows it.
pub const APP_NAME: usize = 64;

/// Whether `text` fits in `max` bytes.
pub fn fits(text: &str, max: usize) -> bool {
    text.len() <= max
}

/// Characters that draw nothing or reorder what is drawn: control (Cc) and format (Cf)
/// characters such as U+200B zero width space, U+202E right-to-left override and U+FEFF, line
/// and paragraph separators, and private-use characters. An identifier or an address with one
/// looks like another, or hides what it is.
pub fn is_hidden(c: char) -> bool {
    matches!(
        get_general_category(c),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
            | GeneralCategory::PrivateUse
    )
}

/// An identifier from outside (a user id, a nonce): not blank, within `max` bytes, and without
/// hidden characters.
pub fn is_identifier(text: &str, max: usize) -> bool {
    !text.trim().is_empty() && fits(text, max) && !text.chars().any(is_hidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_and_bidirectional_characters_are_hidden_ones() {
        let hidden = ['\u{0}', '\n', '\u{7f}', '\u{ad}', '\u{200b}', '\u{200e}', '\u{202e}', '\u{2066}', '\u{2069}', '\u{feff}', '\u{2028}', '\u{e000}'];
        for c in hidden {
            assert!(is_hidden(c), "{:?}", c);
        }
        for c in ['a', 'é', '@', ' ', '日', '-'] {
            assert!(!is_hidden(c), "{:?}", c);
        }
    }

    #[test]
    fn an_identifier_is_not_blank_fits_its_bound_and_shows_every_character() {
        assert!(is_identifier("alice", USER_ID));
        assert!(is_identifier(&"a".repeat(USER_ID), USER_ID));
        assert!(!is_identifier(&"a".repeat(USER_ID + 1), USER_ID));
        assert!(!is_identifier("  ", USER_ID));
        assert!(!is_identifier("ali\u{202e}ce", USER_ID));
    }
}
