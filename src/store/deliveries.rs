//! Deliveries: each code handed to a gateway, and what the provider reported about it since.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use std::str::FromStr;

use super::{Store, StoreError, corrupt};
use crate::domain::{Channel, DeliveryState};
use crate::domain::{DeliveryProgress, DeliveryReport, UnixTime, VerificationId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub token_hash: String,
    pub verification_id: VerificationId,
    pub channel: Channel,
    pub gateway: Option<String>,
    pub provider_id: Option<String>,
    /// The language the user reads, for what a call says.
    pub locale: String,
    pub sealed_code: Option<Vec<u8>>,
    pub progress: DeliveryProgress,
    pub error_code: Option<String>,
}

/// Concurrent reports for one delivery are rare (one per state change); this bounds the rereads.
const REPORT_RETRIES: usize = 5;

/// What applying a report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportOutcome {
    Applied,
    /// Older than what is known, or a repeat: nothing changed.
    Stale,
}

impl Store {
    pub async fn insert_delivery(&self, delivery: &DeliveryRecord, now: UnixTime) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO deliveries (token_hash, verification_id, channel, gateway, provider_id, locale, sealed_code,
                                     state, sequence, error_code, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
        )
        .bind(&delivery.token_hash)
        .bind(delivery.verification_id.as_str())
        .bind(delivery.channel.as_str())
        .bind(&delivery.gateway)
        .bind(&delivery.provider_id)
        .bind(&delivery.locale)
        .bind(&delivery.sealed_code)
        .bind(delivery.progress.state.as_str())
        .bind(delivery.progress.sequence)
        .bind(&delivery.error_code)
        .bind(now.0)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn delivery(&self, token_hash: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM deliveries WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| delivery_from_row(&row)).transpose()
    }

    /// The latest delivery of a verification: the one whose progress the token page shows.
    pub async fn latest_delivery(&self, verification: &VerificationId) -> Result<Option<DeliveryRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT * FROM deliveries WHERE verification_id = $1 ORDER BY created_at DESC, rowid DESC LIMIT 1",
        )
        .bind(verification.as_str())
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| delivery_from_row(&row)).transpose()
    }

    /// Records which gateway took the message and the id its provider gave it.
    pub async fn record_handover(
        &self,
        token_hash: &str,
        gateway: &str,
        provider_id: Option<&str>,
        state: DeliveryState,
        now: UnixTime,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE deliveries SET gateway = $1, provider_id = COALESCE(provider_id, $2), updated_at = $4,
                    state = CASE WHEN state = 'queued' THEN $3 ELSE state END, revision = revision + 1
             WHERE token_hash = $5",
        )
        .bind(gateway)
        .bind(provider_id)
        .bind(state.as_str())
        .bind(now.0)
        .bind(token_hash)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Remembers the provider's id when its first callback arrives before its answer to our request did.
    pub async fn claim_provider_id(&self, token_hash: &str, provider_id: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE deliveries SET provider_id = $1 WHERE token_hash = $2 AND provider_id IS NULL")
            .bind(provider_id)
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Drops the sealed codes of deliveries made before `before`: those codes have expired (a
    /// resend seals a new one), so no call may read them, and a call that never reported its end
    /// leaves nothing behind.
    pub async fn forget_call_codes_before(&self, before: UnixTime) -> Result<u64, StoreError> {
        let result = sqlx::query("UPDATE deliveries SET sealed_code = NULL WHERE sealed_code IS NOT NULL AND created_at < $1")
            .bind(before.0)
            .execute(self.pool())
            .await?;
        Ok(result.rows_affected())
    }

    /// Applies a provider report unless a newer one is already known. Concurrent reports for one
    /// delivery are settled by the row's revision: the loser reads again and re-decides.
    pub async fn apply_delivery_report(
        &self,
        token_hash: &str,
        report: &DeliveryReport,
        now: UnixTime,
    ) -> Result<Option<ReportOutcome>, StoreError> {
        for _ in 0..REPORT_RETRIES {
            let Some(row) = sqlx::query("SELECT * FROM deliveries WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(self.pool())
                .await?
            else {
                return Ok(None);
            };
            let current = delivery_from_row(&row)?;
            if !current.progress.is_superseded_by(report) {
                return Ok(Some(ReportOutcome::Stale));
            }
            let revision: i64 = row.get("revision");
            // A call that has ended never needs its code again.
            let keep_code = !report.state.is_final();
            let result = sqlx::query(
                "UPDATE deliveries SET state = $1, sequence = COALESCE($2, sequence), error_code = COALESCE($3, error_code),
                        sealed_code = CASE WHEN $4 THEN sealed_code ELSE NULL END, updated_at = $5, revision = revision + 1
                 WHERE token_hash = $6 AND revision = $7",
            )
            .bind(report.state.as_str())
            .bind(report.sequence)
            .bind(&report.error_code)
            .bind(keep_code)
            .bind(now.0)
            .bind(token_hash)
            .bind(revision)
            .execute(self.pool())
            .await?;
            if result.rows_affected() == 1 {
                return Ok(Some(ReportOutcome::Applied));
            }
        }
        // Other reports kept winning the race; each of them was newer than this one when written.
        Ok(Some(ReportOutcome::Stale))
    }
}

fn delivery_from_row(row: &SqliteRow) -> Result<DeliveryRecord, StoreError> {
    let verification_id: String = row.get("verification_id");
    let channel: String = row.get("channel");
    let state: String = row.get("state");
    Ok(DeliveryRecord {
        token_hash: row.get("token_hash"),
        verification_id: VerificationId::parse(&verification_id).map_err(corrupt)?,
        channel: Channel::from_str(&channel).map_err(corrupt)?,
        gateway: row.get("gateway"),
        provider_id: row.get("provider_id"),
        locale: row.get("locale"),
        sealed_code: row.get("sealed_code"),
        progress: DeliveryProgress {
            state: DeliveryState::from_str(&state).map_err(|_| StoreError::Corrupt(format!("delivery state {state:?}")))?,
            sequence: row.get("sequence"),
        },
        error_code: row.get("error_code"),
    })
}
