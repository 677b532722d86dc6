//! The portal's integration contract: signed requests in, signed results out (JWT, HS256).
//!
//! A relying application sends a user to `/start?request=<jwt>`; after the second factor the
//! portal sends the user back to the request's `return_url` with `?result=<jwt>`.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::time::Duration;

use crate::domain::Channel;
use crate::flow::UnixTime;

pub const REQUEST_AUDIENCE: &str = "leptos-2fa/request";
pub const RESULT_AUDIENCE: &str = "leptos-2fa/result";
/// How long a result stays acceptable to the relying application.
pub const RESULT_LIFETIME: Duration = Duration::from_secs(120);

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
}

/// What the portal answers once the user passed the second factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultClaims {
    pub sub: String,
    pub method: Channel,
    pub verified_at: i64,
    /// The code went to a destination the user registered in this flow without holding any factor
    /// before: nothing but the session that asked vouches for the user.
    #[serde(default)]
    pub first_enrolment: bool,
    /// The request's nonce, so the application matches the result to the request it made.
    pub nonce: String,
    pub iat: i64,
    pub exp: i64,
    pub aud: String,
}

/// A second factor passed in a flow, as the result reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassedFactor {
    pub channel: Channel,
    pub at: UnixTime,
    /// See `ResultClaims::first_enrolment`.
    pub first_enrolment: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("the token is malformed or its signature is wrong")]
    Invalid,
    #[error("the token has expired")]
    Expired,
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

    fn sign<T: Serialize>(&self, claims: &T) -> String {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding).expect("HS256 signing of plain claims cannot fail")
    }

    fn verify<T: for<'de> Deserialize<'de>>(&self, token: &str, audience: &str) -> Result<T, IdentityError> {
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

    pub fn verify_request(&self, token: &str, now: UnixTime) -> Result<RequestClaims, IdentityError> {
        let claims: RequestClaims = self.verify(token, REQUEST_AUDIENCE)?;
        if claims.exp <= now.0 {
            return Err(IdentityError::Expired);
        }
        if claims.nonce.trim().is_empty() || claims.sub.trim().is_empty() {
            return Err(IdentityError::Invalid);
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
        }
    }

    #[test]
    fn a_signed_request_is_accepted_before_it_expires() {
        let token = keys().sign_request(&request(1_000));
        assert_eq!(keys().verify_request(&token, UnixTime(999)), Ok(request(1_000)));
        assert_eq!(keys().verify_request(&token, UnixTime(1_000)), Err(IdentityError::Expired));
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
        assert_eq!(keys().verify_request(&token, UnixTime(0)), Err(IdentityError::BadReturnUrl));
    }
}
