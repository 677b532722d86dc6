//! The portal's integration contract: signed requests in, signed results out (JWT, HS256).
//!
//! A relying application sends a user to `/start?request=<jwt>`; after the second factor the
//! portal sends the user back to the request's `return_url` with `?result=<jwt>`.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::time::Duration;

use crate::bounds;
use crate::domain::Channel;
use crate::domain::{UnixTime, random_token};

pub const REQUEST_AUDIENCE: &str = "leptos-2fa/request";
pub const RESULT_AUDIENCE: &str = "leptos-2fa/result";
/// How long a result stays acceptable to the relying application.
pub const RESULT_LIFETIME: Duration = Duration::from_secs(120);
/// The longest a request may live: its `exp` at most this long after the portal's clock, and
/// after its `iat` when it has one. A link that leaks stops working soon; `POST /api/v1/requests`
/// makes none longer either.
pub const REQUEST_MAX_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// Random bytes in the nonce of a request the portal signs itself.
const NONCE_BYTES: usize = 16;

/// What a relying application asks: verify this user, then send them back to `return_url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestClaims {
    pub sub: String,
    pub return_url: String,
    pub nonce: String,
    pub exp: i64,
    pub aud: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The application's name, for "Continue to …" (else `TWOFA_APPLICATION_NAME`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_name: Option<String>,
}

/// What the portal answers once the user passed the second factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultClaims {
    pub sub: String,
    pub method: Channel,
    pub verified_at: i64,
    /// The code went to a destination the user registered in this journey without holding any factor
    /// before: nothing but the session that asked vouches for the user.
    #[serde(default)]
    pub first_enrolment: bool,
    /// The request's nonce, so the application matches the result to the request it made.
    pub nonce: String,
    pub iat: i64,
    pub exp: i64,
    pub aud: String,
}

/// A second factor passed in a journey, as the result reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassedFactor {
    pub channel: Channel,
    pub at: UnixTime,
    /// See `ResultClaims::first_enrolment`.
    pub first_enrolment: bool,
}

/// A request the portal signed itself, under a nonce of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    /// The signed request (JWT), for `/start?request=`.
    pub token: String,
    /// The nonce its result will carry back.
    pub nonce: String,
}

/// A request as signed, with the optional `iat` that bounds its lifetime.
#[derive(Deserialize)]
struct SignedRequest {
    #[serde(flatten)]
    claims: RequestClaims,
    iat: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("the token is malformed or its signature is wrong")]
    Invalid,
    #[error("the token has expired")]
    Expired,
    #[error("the token lives longer than a request may")]
    LivesTooLong,
    #[error("a claim is longer than its bound or holds hidden characters")]
    OversizedClaim,
    #[error("the return_url is not an absolute http(s) URL")]
    BadReturnUrl,
}

/// The shared secret between the portal and its relying applications.
pub struct ClientKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl ClientKeys {
    pub fn new(secret: &SecretString) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        ClientKeys { encoding: EncodingKey::from_secret(bytes), decoding: DecodingKey::from_secret(bytes) }
    }

    // HS256 with a secret key fails only if the claims do not serialize, and ours are plain structs.
    #[allow(clippy::expect_used)]
    fn sign<T: Serialize>(&self, claims: &T) -> String {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding).expect("HS256 signing of plain claims cannot fail")
    }

    fn verify<T: for<'de> Deserialize<'de>>(&self, token: &str, audience: &str) -> Result<T, IdentityError> {
        if !bounds::fits(token, bounds::SIGNED_TOKEN) {
            return Err(IdentityError::Invalid);
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[audience]);
        // Expiry is checked against the portal's clock by the caller.
        validation.validate_exp = false;
        validation.required_spec_claims = ["exp", "aud", "sub"].iter().map(|c| c.to_string()).collect();
        decode::<T>(token, &self.decoding, &validation).map(|data| data.claims).map_err(|_| IdentityError::Invalid)
    }

    pub fn sign_request(&self, claims: &RequestClaims) -> String {
        self.sign(claims)
    }

    /// Signs a request for `sub` under a fresh random nonce, as a relying application would (the
    /// demo application, `POST /api/v1/requests`).
    pub fn sign_new_request(
        &self,
        sub: String,
        return_url: String,
        expires_at: UnixTime,
        phone: Option<String>,
        email: Option<String>,
        app_name: Option<String>,
    ) -> NewRequest {
        let nonce = random_token::<NONCE_BYTES>();
        let token = self.sign_request(&RequestClaims {
            sub,
            return_url,
            nonce: nonce.clone(),
            exp: expires_at.0,
            aud: REQUEST_AUDIENCE.to_owned(),
            phone,
            email,
            app_name,
        });
        NewRequest { token, nonce }
    }

    /// Checks a relying application's request: signature, audience, expiry, lifetime, and every
    /// claim within its bound (`crate::bounds`).
    pub fn verify_request(&self, token: &str, now: UnixTime) -> Result<RequestClaims, IdentityError> {
        let SignedRequest { claims, iat } = self.verify(token, REQUEST_AUDIENCE)?;
        if claims.exp <= now.0 {
            return Err(IdentityError::Expired);
        }
        let longest = REQUEST_MAX_LIFETIME.as_secs() as i64;
        if claims.exp - now.0 > longest || iat.is_some_and(|iat| claims.exp.saturating_sub(iat) > longest) {
            return Err(IdentityError::LivesTooLong);
        }
        let within_bounds = bounds::is_identifier(&claims.sub, bounds::USER_ID)
            && bounds::is_identifier(&claims.nonce, bounds::NONCE)
            && bounds::fits(&claims.return_url, bounds::URL)
            && claims.phone.as_deref().is_none_or(|phone| bounds::fits(phone, bounds::PHONE_INPUT))
            && claims.email.as_deref().is_none_or(|email| bounds::fits(email, bounds::EMAIL))
            && claims.app_name.as_deref().is_none_or(|name| bounds::is_identifier(name, bounds::APP_NAME));
        if !within_bounds {
            return Err(IdentityError::OversizedClaim);
        }
        match url::Url::parse(&claims.return_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(claims),
            _ => Err(IdentityError::BadReturnUrl),
        }
    }

    pub fn sign_result(&self, subject: &str, passed: &PassedFactor, nonce: &str, now: UnixTime) -> String {
        self.sign(&ResultClaims {
            sub: subject.to_owned(),
            method: passed.channel,
            verified_at: passed.at.0,
            first_enrolment: passed.first_enrolment,
            nonce: nonce.to_owned(),
            iat: now.0,
            exp: now.plus(RESULT_LIFETIME).0,
            aud: RESULT_AUDIENCE.to_owned(),
        })
    }

    pub fn verify_result(&self, token: &str, now: UnixTime) -> Result<ResultClaims, IdentityError> {
        let claims: ResultClaims = self.verify(token, RESULT_AUDIENCE)?;
        if claims.exp <= now.0 {
            return Err(IdentityError::Expired);
        }
        Ok(claims)
    }
}

/// `return_url` with `name=value` added to its query.
pub fn with_query_param(return_url: &str, name: &str, value: &str) -> String {
    match url::Url::parse(return_url) {
        Ok(mut url) => {
            url.query_pairs_mut().append_pair(name, value);
            url.into()
        }
        Err(_) => return_url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> ClientKeys {
        ClientKeys::new(&SecretString::from("client secret"))
    }

    fn request(exp: i64) -> RequestClaims {
        RequestClaims {
            sub: "alice".into(),
            return_url: "https://app.example/2fa/done".into(),
            nonce: "n-1".into(),
            exp,
            aud: REQUEST_AUDIENCE.into(),
            phone: None,
            email: None,
            app_name: None,
        }
    }

    #[test]
    fn a_signed_request_is_accepted_before_it_expires() {
        let token = keys().sign_request(&request(1_000));
        assert_eq!(keys().verify_request(&token, UnixTime(999)), Ok(request(1_000)));
        assert_eq!(keys().verify_request(&token, UnixTime(1_000)), Err(IdentityError::Expired));
    }

    #[test]
    fn a_new_request_carries_a_fresh_nonce_and_verifies() {
        let new = || keys().sign_new_request("alice".into(), "https://app.example/done".into(), UnixTime(1_000), Some("+33612345678".into()), None, None);
        let (first, second) = (new(), new());
        assert_ne!(first.nonce, second.nonce);
        let claims = keys().verify_request(&first.token, UnixTime(999)).unwrap();
        assert_eq!(claims.nonce, first.nonce);
        assert_eq!((claims.sub.as_str(), claims.exp, claims.phone.as_deref()), ("alice", 1_000, Some("+33612345678")));
    }

    #[test]
    fn a_tampered_or_foreign_request_is_refused() {
        let token = keys().sign_request(&request(1_000));
        let mut tampered = token.clone();
        tampered.insert(tampered.find('.').unwrap() + 5, 'x');
        assert_eq!(keys().verify_request(&tampered, UnixTime(0)), Err(IdentityError::Invalid));
        let foreign = ClientKeys::new(&SecretString::from("another secret")).sign_request(&request(1_000));
        assert_eq!(keys().verify_request(&foreign, UnixTime(0)), Err(IdentityError::Invalid));
        assert_eq!(keys().verify_request("not a token", UnixTime(0)), Err(IdentityError::Invalid));
    }

    #[test]
    fn a_result_token_is_never_accepted_as_a_request() {
        let passed = PassedFactor { channel: Channel::Sms, at: UnixTime(10), first_enrolment: false };
        let result = keys().sign_result("alice", &passed, "n-1", UnixTime(10));
        assert_eq!(keys().verify_request(&result, UnixTime(11)), Err(IdentityError::Invalid));
        assert_eq!(keys().verify_result(&result, UnixTime(11)).unwrap().nonce, "n-1");
    }

    #[test]
    fn a_return_url_that_is_not_http_is_refused() {
        let mut claims = request(1_000);
        claims.return_url = "javascript:alert(1)".into();
        let token = keys().sign_request(&claims);
        assert_eq!(keys().verify_request(&token, UnixTime(500)), Err(IdentityError::BadReturnUrl));
    }

    #[test]
    fn a_request_may_live_fifteen_minutes_from_now_and_from_its_issue() {
        let now = UnixTime(100_000);
        let longest = REQUEST_MAX_LIFETIME.as_secs() as i64;
        let token = keys().sign_request(&request(now.0 + longest));
        assert!(keys().verify_request(&token, now).is_ok());
        let token = keys().sign_request(&request(now.0 + longest + 1));
        assert_eq!(keys().verify_request(&token, now), Err(IdentityError::LivesTooLong));
        let mut issued_long_ago = serde_json::to_value(request(now.0 + 60)).unwrap();
        issued_long_ago["iat"] = (now.0 + 60 - longest - 1).into();
        assert_eq!(keys().verify_request(&keys().sign(&issued_long_ago), now), Err(IdentityError::LivesTooLong));
    }

    #[test]
    fn a_claim_over_its_bound_or_with_hidden_characters_is_refused() {
        let at_bound = RequestClaims { sub: "u".repeat(bounds::USER_ID), nonce: "n".repeat(bounds::NONCE), ..request(1_000) };
        assert!(keys().verify_request(&keys().sign_request(&at_bound), UnixTime(500)).is_ok());
        let oversized = [
            RequestClaims { sub: "u".repeat(bounds::USER_ID + 1), ..request(1_000) },
            RequestClaims { nonce: "n".repeat(bounds::NONCE + 1), ..request(1_000) },
            RequestClaims { return_url: format!("https://app.example/{}", "p".repeat(bounds::URL)), ..request(1_000) },
            RequestClaims { phone: Some("1".repeat(bounds::PHONE_INPUT + 1)), ..request(1_000) },
            RequestClaims { email: Some("e".repeat(bounds::EMAIL + 1)), ..request(1_000) },
            RequestClaims { sub: "ali\u{202e}ce".into(), ..request(1_000) },
            RequestClaims { app_name: Some("A".repeat(bounds::APP_NAME + 1)), ..request(1_000) },
            RequestClaims { app_name: Some("Acme\u{202e}".into()), ..request(1_000) },
        ];
        for claims in oversized {
            assert_eq!(keys().verify_request(&keys().sign_request(&claims), UnixTime(500)), Err(IdentityError::OversizedClaim), "{claims:?}");
        }
        let huge = "x".repeat(bounds::SIGNED_TOKEN + 1);
        assert_eq!(keys().verify_request(&huge, UnixTime(500)), Err(IdentityError::Invalid));
    }
}

/// Attacker input through `verify_request`: no panic, and an accepted request keeps every bound.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::option;
    use proptest::prelude::*;

    const NOW: UnixTime = UnixTime(1_800_000_000);

    fn keys() -> ClientKeys {
        ClientKeys::new(&SecretString::from("client secret"))
    }

    /// Any text, and text around a bound's length.
    fn text(around: usize) -> impl Strategy<Value = String> {
        prop_oneof![any::<String>(), proptest::string::string_regex(&format!("[a-z\\u{{202e}}]{{0,{}}}", around + 2)).unwrap()]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn any_text_is_refused_as_a_request(
            token in prop_oneof![any::<String>(), "[A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_-]{0,80}\\.[A-Za-z0-9_-]{0,43}"],
        ) {
            prop_assert!(keys().verify_request(&token, NOW).is_err());
        }

        #[test]
        fn an_accepted_request_keeps_every_bound(
            sub in text(bounds::USER_ID),
            nonce in text(bounds::NONCE),
            return_url in prop_oneof![any::<String>(), "https://app\\.example/[a-z]{0,2100}", "javascript:[a-z]{0,8}"],
            lifetime in -10i64..2 * REQUEST_MAX_LIFETIME.as_secs() as i64,
            issued in option::of(-7200i64..60),
            phone in option::of(text(bounds::PHONE_INPUT)),
            email in option::of(text(bounds::EMAIL)),
        ) {
            let claims = RequestClaims { sub, return_url, nonce, exp: NOW.0 + lifetime, aud: REQUEST_AUDIENCE.into(), phone, email, app_name: None };
            let mut signed = serde_json::to_value(&claims).unwrap();
            if let Some(issued) = issued {
                signed["iat"] = (NOW.0 + issued).into();
            }
            let Ok(accepted) = keys().verify_request(&keys().sign(&signed), NOW) else { return Ok(()) };
            prop_assert_eq!(&accepted, &claims);
            prop_assert!(accepted.exp > NOW.0 && accepted.exp - NOW.0 <= REQUEST_MAX_LIFETIME.as_secs() as i64);
            prop_assert!(issued.is_none_or(|issued| lifetime - issued <= REQUEST_MAX_LIFETIME.as_secs() as i64));
            prop_assert!(bounds::is_identifier(&accepted.sub, bounds::USER_ID) && bounds::is_identifier(&accepted.nonce, bounds::NONCE));
            prop_assert!(accepted.return_url.len() <= bounds::URL && accepted.return_url.starts_with("http"));
            prop_assert!(accepted.phone.is_none_or(|p| p.len() <= bounds::PHONE_INPUT));
            prop_assert!(accepted.email.is_none_or(|e| e.len() <= bounds::EMAIL));
        }
    }
}
