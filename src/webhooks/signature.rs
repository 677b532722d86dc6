//! `X-Twilio-Signature`: base64(HMAC-SHA1(auth token, URL + sorted form fields)). Where a
//! Webhook Setting applies, Twilio signs the same string with its SharedKey instead, with the
//! algorithm it names in `X-Twilio-Webhooks-Signature-Settings: key=<id>,algorithm=HMAC_SHA256`.
//!
//! Twilio is inconsistent about default ports, so, like its official validators, a signature is
//! accepted over the URL with and without its port. JSON bodies are signed through the
//! `bodySHA256` query parameter instead of their fields.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use url::Url;

/// The header in which Twilio names the shared key and the algorithm it signed with.
pub const SETTINGS_HEADER: &str = "x-twilio-webhooks-signature-settings";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    HmacSha1,
    HmacSha256,
}

impl Algorithm {
    /// The algorithm named in `X-Twilio-Webhooks-Signature-Settings`, if one we know.
    pub fn announced(settings: &str) -> Option<Self> {
        let algorithm = settings.split(',').find_map(|part| part.trim().strip_prefix("algorithm="))?;
        match algorithm.trim() {
            "HMAC_SHA256" => Some(Algorithm::HmacSha256),
            "HMAC_SHA1" => Some(Algorithm::HmacSha1),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the X-Twilio-Signature header is missing")]
    Missing,
    #[error("the X-Twilio-Signature header does not match the request")]
    Mismatch,
    #[error("the body does not match its bodySHA256 parameter")]
    BodyHashMismatch,
}

/// The body of a request Twilio signed.
pub enum SignedBody<'a> {
    /// `application/x-www-form-urlencoded` fields, already decoded.
    Form(&'a [(String, String)]),
    /// A raw JSON body, vouched for by `bodySHA256` in the query.
    Json(&'a [u8]),
    /// A GET or an empty POST: the URL carries everything.
    Empty,
}

/// The string Twilio signs: the URL, then every form field as `name` + `value`, sorted.
fn string_to_sign(url: &str, fields: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = fields.iter().collect();
    sorted.sort();
    sorted.dedup();
    sorted.iter().fold(url.to_owned(), |mut signed, (name, value)| {
        signed.push_str(name);
        signed.push_str(value);
        signed
    })
}

fn mac(key: &str, algorithm: Algorithm, url: &str, fields: &[(String, String)]) -> Vec<u8> {
    fn digest<M: Mac + hmac::digest::KeyInit>(key: &str, signed: &str) -> Vec<u8> {
        // HMAC takes a key of any length: `new_from_slice` cannot fail.
        #[allow(clippy::expect_used)]
        let mut mac = <M as Mac>::new_from_slice(key.as_bytes()).expect("HMAC accepts keys of any length");
        mac.update(signed.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
    let signed = string_to_sign(url, fields);
    match algorithm {
        Algorithm::HmacSha1 => digest::<Hmac<Sha1>>(key, &signed),
        Algorithm::HmacSha256 => digest::<Hmac<Sha256>>(key, &signed),
    }
}

/// The signature Twilio would send for this request.
#[cfg(test)]
fn sign(key: &str, algorithm: Algorithm, url: &str, fields: &[(String, String)]) -> String {
    STANDARD.encode(mac(key, algorithm, url, fields))
}

/// The URL as written, without its port, and with its port (explicit or the scheme's default).
fn url_variants(url: &str) -> Vec<String> {
    let mut variants = vec![url.to_owned()];
    let Ok(mut parsed) = Url::parse(url) else { return variants };
    let port = parsed.port_or_known_default();
    // The url crate drops default ports; clearing the port gives the port-less form.
    if parsed.set_port(None).is_ok() {
        let without = parsed.to_string();
        if let (Some(port), Some(host)) = (port, parsed.host_str()) {
            variants.push(without.replacen(host, &format!("{host}:{port}"), 1));
        }
        variants.push(without);
    }
    variants.sort();
    variants.dedup();
    variants
}

/// Checks a request Twilio sent to `url` (the public URL it called, query included, as received),
/// signed with `key` (the auth token, or the shared key) by `algorithm`.
pub fn verify(key: &str, algorithm: Algorithm, url: &str, body: SignedBody<'_>, header: Option<&str>) -> Result<(), SignatureError> {
    let header = header.filter(|h| !h.trim().is_empty()).ok_or(SignatureError::Missing)?;
    let claimed = STANDARD.decode(header.trim()).map_err(|_| SignatureError::Mismatch)?;
    let fields: &[(String, String)] = match body {
        SignedBody::Form(fields) => fields,
        SignedBody::Json(_) | SignedBody::Empty => &[],
    };
    let signed = url_variants(url).iter().any(|candidate| bool::from(mac(key, algorithm, candidate, fields).as_slice().ct_eq(claimed.as_slice())));
    if !signed {
        return Err(SignatureError::Mismatch);
    }
    if let SignedBody::Json(raw) = body {
        let expected = Url::parse(url)
            .ok()
            .and_then(|u| u.query_pairs().find(|(name, _)| name == "bodySHA256").map(|(_, value)| value.into_owned()))
            .ok_or(SignatureError::BodyHashMismatch)?;
        let actual = crate::domain::hex(&Sha256::digest(raw));
        if !bool::from(actual.as_bytes().ct_eq(expected.to_ascii_lowercase().as_bytes())) {
            return Err(SignatureError::BodyHashMismatch);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    }

    /// Twilio's own worked example from its webhook-security documentation.
    fn documented() -> (&'static str, &'static str, Vec<(String, String)>) {
        (
            "12345",
            "https://mycompany.com/myapp.php?foo=1&bar=2",
            fields(&[
                ("CallSid", "CA1234567890ABCDE"),
                ("Caller", "+12349013030"),
                ("Digits", "1234"),
                ("From", "+12349013030"),
                ("To", "+18005551212"),
            ]),
        )
    }

    #[test]
    fn the_documented_example_signs_as_twilio_says() {
        let (token, url, fields) = documented();
        assert_eq!(sign(token, Algorithm::HmacSha1, url, &fields), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assert_eq!(verify(token, Algorithm::HmacSha1, url, SignedBody::Form(&fields), Some("0/KCTR6DLpKmkAf8muzZqo1nDgQ=")), Ok(()));
    }

    #[test]
    fn field_order_does_not_matter_but_every_field_does() {
        let (token, url, mut fields) = documented();
        fields.reverse();
        assert_eq!(verify(token, Algorithm::HmacSha1, url, SignedBody::Form(&fields), Some("0/KCTR6DLpKmkAf8muzZqo1nDgQ=")), Ok(()));
        fields[0].1.push('9');
        assert_eq!(
            verify(token, Algorithm::HmacSha1, url, SignedBody::Form(&fields), Some("0/KCTR6DLpKmkAf8muzZqo1nDgQ=")),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_missing_foreign_or_garbled_signature_is_refused() {
        let (token, url, fields) = documented();
        assert_eq!(verify(token, Algorithm::HmacSha1, url, SignedBody::Form(&fields), None), Err(SignatureError::Missing));
        let foreign = sign("another token", Algorithm::HmacSha1, url, &fields);
        assert_eq!(verify(token, Algorithm::HmacSha1, url, SignedBody::Form(&fields), Some(&foreign)), Err(SignatureError::Mismatch));
        assert_eq!(verify(token, Algorithm::HmacSha1, url, SignedBody::Form(&fields), Some("not base64!")), Err(SignatureError::Mismatch));
    }

    #[test]
    fn a_signature_over_the_url_with_or_without_its_default_port_is_accepted() {
        let fields = fields(&[("MessageStatus", "delivered")]);
        let with_port = sign("t", Algorithm::HmacSha1, "https://2fa.example:443/webhooks/twilio/status?v=1", &fields);
        assert_eq!(
            verify("t", Algorithm::HmacSha1, "https://2fa.example/webhooks/twilio/status?v=1", SignedBody::Form(&fields), Some(&with_port)),
            Ok(())
        );
        let without_port = sign("t", Algorithm::HmacSha1, "https://2fa.example/webhooks/twilio/status?v=1", &fields);
        assert_eq!(
            verify("t", Algorithm::HmacSha1, "https://2fa.example:443/webhooks/twilio/status?v=1", SignedBody::Form(&fields), Some(&without_port)),
            Ok(())
        );
    }

    #[test]
    fn a_json_body_must_match_its_signed_hash() {
        let body = br#"{"status":"delivered"}"#;
        let hash = crate::domain::hex(&Sha256::digest(body));
        let url = format!("https://2fa.example/webhooks/twilio/events?bodySHA256={hash}");
        let signature = sign("t", Algorithm::HmacSha1, &url, &[]);
        assert_eq!(verify("t", Algorithm::HmacSha1, &url, SignedBody::Json(body), Some(&signature)), Ok(()));
        assert_eq!(
            verify("t", Algorithm::HmacSha1, &url, SignedBody::Json(br#"{"status":"failed"}"#), Some(&signature)),
            Err(SignatureError::BodyHashMismatch)
        );
    }

    #[test]
    fn a_get_is_signed_by_its_url_alone() {
        let url = "https://2fa.example/webhooks/twilio/call/abc?attempt=1";
        let signature = sign("t", Algorithm::HmacSha1, url, &[]);
        assert_eq!(verify("t", Algorithm::HmacSha1, url, SignedBody::Empty, Some(&signature)), Ok(()));
        assert_eq!(
            verify("t", Algorithm::HmacSha1, "https://2fa.example/webhooks/twilio/call/abd?attempt=1", SignedBody::Empty, Some(&signature)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_shared_key_signature_is_hmac_sha256_of_the_same_string() {
        let (_, url, fields) = documented();
        let signature = sign("shared-key-secret", Algorithm::HmacSha256, url, &fields);
        assert_eq!(STANDARD.decode(&signature).unwrap().len(), 32);
        let signed = string_to_sign(url, &fields);
        let mut expected = Hmac::<Sha256>::new_from_slice(b"shared-key-secret").unwrap();
        expected.update(signed.as_bytes());
        assert_eq!(signature, STANDARD.encode(expected.finalize().into_bytes()));
        assert_eq!(verify("shared-key-secret", Algorithm::HmacSha256, url, SignedBody::Form(&fields), Some(&signature)), Ok(()));
        assert_eq!(
            verify("shared-key-secret", Algorithm::HmacSha1, url, SignedBody::Form(&fields), Some(&signature)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(verify("12345", Algorithm::HmacSha256, url, SignedBody::Form(&fields), Some(&signature)), Err(SignatureError::Mismatch));
    }

    #[test]
    fn the_settings_header_names_the_algorithm() {
        assert_eq!(Algorithm::announced("key=webhooks_sharedkey_01,algorithm=HMAC_SHA256"), Some(Algorithm::HmacSha256));
        assert_eq!(Algorithm::announced("algorithm=HMAC_SHA1, key=k"), Some(Algorithm::HmacSha1));
        assert_eq!(Algorithm::announced("key=k,algorithm=MD5"), None);
        assert_eq!(Algorithm::announced("key=k"), None);
    }
}

/// Whatever a caller sends: no panic, and a signature holds only over what was signed.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::collection::vec;
    use proptest::option;
    use proptest::prelude::*;

    fn algorithm() -> impl Strategy<Value = Algorithm> {
        prop_oneof![Just(Algorithm::HmacSha1), Just(Algorithm::HmacSha256)]
    }

    fn callback_url() -> impl Strategy<Value = String> {
        "https://[a-z]{1,10}\\.example(:[0-9]{2,4})?/[a-z/]{0,20}(\\?[a-z]{1,4}=[a-z0-9]{0,5})?"
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn any_request_is_checked_without_panicking(
            algorithm in algorithm(),
            url in prop_oneof![any::<String>(), callback_url()],
            fields in vec((any::<String>(), any::<String>()), 0..6),
            body in vec(any::<u8>(), 0..64),
            header in option::of(prop_oneof![any::<String>(), "[A-Za-z0-9+/]{27}="]),
        ) {
            prop_assert!(verify("token", algorithm, &url, SignedBody::Form(&fields), header.as_deref()).is_err());
            prop_assert!(verify("token", algorithm, &url, SignedBody::Json(&body), header.as_deref()).is_err());
            prop_assert!(verify("token", algorithm, &url, SignedBody::Empty, header.as_deref()).is_err());
        }

        #[test]
        fn any_form_body_reads_and_holds_its_signature(body in vec(any::<u8>(), 0..200), url in callback_url(), algorithm in algorithm()) {
            let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
            let signature = sign("token", algorithm, &url, &fields);
            prop_assert_eq!(verify("token", algorithm, &url, SignedBody::Form(&fields), Some(&signature)), Ok(()));
            prop_assert_eq!(verify("another token", algorithm, &url, SignedBody::Form(&fields), Some(&signature)), Err(SignatureError::Mismatch));
        }

        #[test]
        fn a_field_added_or_changed_breaks_the_signature(
            algorithm in algorithm(),
            url in callback_url(),
            fields in vec(("[A-Za-z]{1,8}", any::<String>()), 0..5),
            name in "[A-Za-z]{1,8}",
        ) {
            let signature = sign("token", algorithm, &url, &fields);
            let added = (name, "\u{1}added".to_owned());
            prop_assume!(!fields.contains(&added));
            let tampered = [fields.clone(), vec![added]].concat();
            prop_assert_eq!(verify("token", algorithm, &url, SignedBody::Form(&tampered), Some(&signature)), Err(SignatureError::Mismatch));
        }
    }
}
