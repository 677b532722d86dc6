//! Twilio's error answers (`{"code", "message", "more_info", "status"}`) as typed errors.
//!
//! Branch on `code`, never on `message`: the message is for the operator's log, the code decides
//! what the user is told and whether the request may be sent again.

use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    code: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TwilioError {
    #[error("Twilio refused the credentials (20003)")]
    BadCredentials,
    #[error("Twilio has no such resource (20404)")]
    NotFound,
    #[error("Twilio is rate limiting requests ({code:?})")]
    RateLimited { code: Option<u32>, retry_after: Option<Duration> },
    #[error("Twilio could not be reached: {0}")]
    Unreachable(String),
    #[error("Twilio is unavailable (HTTP {status})")]
    Unavailable { status: u16, retry_after: Option<Duration> },
    #[error("the number is not valid ({code})")]
    InvalidNumber { code: u32 },
    #[error("the destination's country is not enabled ({code})")]
    RegionNotAllowed { code: u32 },
    #[error("the recipient opted out of messages (21610)")]
    OptedOut,
    #[error("the number cannot receive text messages ({code})")]
    NotMobile { code: u32 },
    #[error("too many checks of this verification (60202)")]
    MaxCheckAttempts,
    #[error("too many codes sent to this destination (60203)")]
    MaxSendAttempts,
    #[error("too many concurrent requests for this number (60212)")]
    ConcurrentRequests,
    #[error("Twilio's fraud guard blocked this destination ({code})")]
    Blocked { code: u32 },
    #[error("the Twilio account or service is misconfigured ({code})")]
    Misconfigured { code: u32 },
    #[error("Twilio refused the request (code {code:?}, HTTP {status})")]
    Other { code: Option<u32>, status: u16 },
}

impl TwilioError {
    /// Reads an error answer: its HTTP status, its `Retry-After` header and its body.
    pub fn from_response(status: u16, retry_after: Option<&str>, body: &[u8]) -> Self {
        let code = serde_json::from_slice::<ErrorBody>(body).unwrap_or_default().code;
        let retry_after = retry_after.and_then(|value| value.trim().parse::<u64>().ok()).map(Duration::from_secs);
        match code {
            Some(20003) => TwilioError::BadCredentials,
            Some(20404) => TwilioError::NotFound,
            Some(20429) => TwilioError::RateLimited { code, retry_after },
            Some(code @ (21211 | 21217 | 60200)) => TwilioError::InvalidNumber { code },
            Some(code @ (21215 | 21408 | 21612 | 60605)) => TwilioError::RegionNotAllowed { code },
            Some(21610) => TwilioError::OptedOut,
            Some(code @ (21614 | 60205)) => TwilioError::NotMobile { code },
            Some(60202) => TwilioError::MaxCheckAttempts,
            Some(60203) => TwilioError::MaxSendAttempts,
            Some(60212) => TwilioError::ConcurrentRequests,
            Some(code @ (21216 | 60238 | 60410)) => TwilioError::Blocked { code },
            Some(code @ (21606 | 21608 | 60206 | 60207 | 60223)) => TwilioError::Misconfigured { code },
            _ if status >= 500 => TwilioError::Unavailable { status, retry_after },
            None if status == 429 => TwilioError::RateLimited { code: None, retry_after },
            code => TwilioError::Other { code, status },
        }
    }

    /// Whether sending the same request again may succeed: Twilio did not process it.
    /// Verify's own 429s (60202, 60203, 60212) are answers about the user, never retried.
    pub fn is_transient(&self) -> bool {
        matches!(self, TwilioError::RateLimited { .. } | TwilioError::Unavailable { .. } | TwilioError::Unreachable(_))
    }

    /// The number Twilio gave the error, for the operator's log.
    pub fn code(&self) -> Option<u32> {
        match self {
            TwilioError::BadCredentials => Some(20003),
            TwilioError::NotFound => Some(20404),
            TwilioError::OptedOut => Some(21610),
            TwilioError::MaxCheckAttempts => Some(60202),
            TwilioError::MaxSendAttempts => Some(60203),
            TwilioError::ConcurrentRequests => Some(60212),
            TwilioError::RateLimited { code, .. } | TwilioError::Other { code, .. } => *code,
            TwilioError::InvalidNumber { code }
            | TwilioError::RegionNotAllowed { code }
            | TwilioError::NotMobile { code }
            | TwilioError::Blocked { code }
            | TwilioError::Misconfigured { code } => Some(*code),
            TwilioError::Unreachable(_) | TwilioError::Unavailable { .. } => None,
        }
    }

    /// How long Twilio asked us to wait, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            TwilioError::RateLimited { retry_after, .. } | TwilioError::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: u32, status: u16) -> Vec<u8> {
        format!(
            r#"{{"code": {code}, "message": "m", "more_info": "https://www.twilio.com/docs/errors/{code}", "status": {status}}}"#
        )
        .into_bytes()
    }

    #[test]
    fn each_documented_code_a_user_can_meet_has_its_own_meaning() {
        let cases = [
            (20003, 401, TwilioError::BadCredentials),
            (20404, 404, TwilioError::NotFound),
            (21211, 400, TwilioError::InvalidNumber { code: 21211 }),
            (21408, 400, TwilioError::RegionNotAllowed { code: 21408 }),
            (21612, 400, TwilioError::RegionNotAllowed { code: 21612 }),
            (21610, 400, TwilioError::OptedOut),
            (21614, 400, TwilioError::NotMobile { code: 21614 }),
            (60200, 400, TwilioError::InvalidNumber { code: 60200 }),
            (60202, 429, TwilioError::MaxCheckAttempts),
            (60203, 429, TwilioError::MaxSendAttempts),
            (60205, 403, TwilioError::NotMobile { code: 60205 }),
            (60212, 429, TwilioError::ConcurrentRequests),
            (60410, 403, TwilioError::Blocked { code: 60410 }),
        ];
        for (code, status, expected) in cases {
            assert_eq!(TwilioError::from_response(status, None, &body(code, status)), expected, "code {code}");
        }
    }

    #[test]
    fn rate_limits_and_server_errors_are_transient_and_keep_retry_after() {
        let limited = TwilioError::from_response(429, Some("7"), &body(20429, 429));
        assert!(limited.is_transient());
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(7)));
        let down = TwilioError::from_response(503, None, b"<html>Service Unavailable</html>");
        assert!(down.is_transient());
        assert_eq!(down, TwilioError::Unavailable { status: 503, retry_after: None });
    }

    #[test]
    fn answers_about_the_user_are_never_retried() {
        for (code, status) in [(60202, 429), (60203, 429), (60212, 429), (21211, 400), (20003, 401)] {
            assert!(!TwilioError::from_response(status, Some("1"), &body(code, status)).is_transient(), "code {code}");
        }
    }

    #[test]
    fn an_unknown_code_is_kept_for_the_log() {
        assert_eq!(
            TwilioError::from_response(400, None, &body(21999, 400)),
            TwilioError::Other { code: Some(21999), status: 400 }
        );
        assert_eq!(TwilioError::from_response(418, None, b"not json"), TwilioError::Other { code: None, status: 418 });
    }
}
