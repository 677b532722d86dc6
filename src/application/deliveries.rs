//! The bookkeeping of the codes a gateway carries, after the hand-over (`verifier::issuers`):
//! the delivery token names each when a call asks what to say and when status reports come in.
//! Plain Rust over the store; the webhook routes speak HTTP for it.

use std::str::FromStr;

use crate::application::Application;
use crate::domain::{Channel, DeliveryReport, DeliveryToken, OtpCode, Status, UnixTime};
use crate::i18n::Locale;
use crate::refusal::PortalError;
use crate::store::ReportOutcome;

/// How long a provider's idempotency key is remembered: far longer than it retries.
const IDEMPOTENCY_WINDOW_SECS: i64 = 24 * 60 * 60;

/// The code a call reads out, while its verification waits for it.
pub struct CallCode {
    pub code: OtpCode,
    pub locale: Locale,
}

/// What a call says when it asks for its code. `None`: the token is unknown, the call has ended or
/// its verification no longer waits for this code; the call apologises and hangs up.
pub async fn call_code(app: &Application, token: &DeliveryToken, call_sid: Option<&str>) -> Result<Option<CallCode>, PortalError> {
    let key = token.lookup_key();
    let Some(delivery) = app.store.delivery(&key).await? else { return Ok(None) };
    let Some(sealed) = delivery.sealed_code.as_deref().filter(|_| delivery.channel == Channel::Call) else {
        return Ok(None);
    };
    // Twilio names the call it makes; another call presenting this token is not it.
    match (delivery.provider_id.as_deref(), call_sid) {
        (Some(known), Some(asking)) if known != asking => {
            tracing::warn!(delivery = %short(&key), "a call presented another call's token");
            return Ok(None);
        }
        (None, Some(asking)) => app.store.claim_provider_id(&key, asking).await?,
        _ => {}
    }
    let now = app.verifier.now();
    let pending = match app.store.verification(&delivery.verification_id).await? {
        Some((verification, _)) => verification.status_at(now) == Status::Pending,
        None => false,
    };
    if !pending {
        return Ok(None);
    }
    let Ok(code) = token.open(sealed) else {
        tracing::warn!(delivery = %short(&key), "a sealed code did not open with its token");
        return Ok(None);
    };
    Ok(Some(CallCode { code, locale: Locale::from_str(&delivery.locale).unwrap_or(Locale::en) }))
}

/// The language of a delivery, for a call that can no longer read its code.
pub async fn call_locale(app: &Application, token: &DeliveryToken) -> Locale {
    match app.store.delivery(&token.lookup_key()).await {
        Ok(Some(delivery)) => Locale::from_str(&delivery.locale).unwrap_or(Locale::en),
        _ => Locale::en,
    }
}

/// What became of a status report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportReceipt {
    Applied,
    /// Already known, older than what is known, or a repeat of a report already taken.
    Ignored,
    /// No delivery has this token, or the report names another message or call.
    Unknown,
}

/// Applies a provider's status report to the delivery its token names. `idempotency_key` (Twilio's
/// `I-Twilio-Idempotency-Token`) makes a retried report a no-op.
pub async fn record_report(
    app: &Application,
    token: &DeliveryToken,
    provider_id: Option<&str>,
    report: &DeliveryReport,
    idempotency_key: Option<&str>,
) -> Result<ReportReceipt, PortalError> {
    let key = token.lookup_key();
    let Some(delivery) = app.store.delivery(&key).await? else { return Ok(ReportReceipt::Unknown) };
    match (delivery.provider_id.as_deref(), provider_id) {
        (Some(known), Some(reported)) if known != reported => return Ok(ReportReceipt::Unknown),
        (None, Some(reported)) => app.store.claim_provider_id(&key, reported).await?,
        _ => {}
    }
    let now = app.verifier.now();
    // An over-long key (the header is not signed) is no key: the report then applies as any other.
    if let Some(idempotency_key) = idempotency_key.filter(|key| crate::bounds::fits(key, crate::bounds::NONCE)) {
        let expires = UnixTime(now.0 + IDEMPOTENCY_WINDOW_SECS);
        if !app.store.claim_nonce(&format!("delivery-report:{idempotency_key}"), expires, now).await? {
            return Ok(ReportReceipt::Ignored);
        }
    }
    let receipt = match app.store.apply_delivery_report(&key, report, now).await? {
        Some(ReportOutcome::Applied) => ReportReceipt::Applied,
        Some(ReportOutcome::Stale) => ReportReceipt::Ignored,
        None => ReportReceipt::Unknown,
    };
    tracing::info!(
        delivery = %short(&key),
        verification = %delivery.verification_id,
        state = report.state.as_str(),
        provider_error = report.error_code.as_deref().unwrap_or("-"),
        ?receipt,
        "delivery report"
    );
    Ok(receipt)
}

/// Enough of a lookup key to follow one delivery through the log.
fn short(key: &str) -> &str {
    &key[..key.len().min(12)]
}
