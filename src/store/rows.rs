//! Rows as both databases return them, and their reading into the core's types. Every column is
//! a text, a 64-bit integer, a boolean or bytes, so one `FromRow` serves SQLite and PostgreSQL.

use std::str::FromStr;

use super::{DeliveryRecord, StoreError};
use crate::domain::{
    Addition, Channel, CodeSecret, DeliveryProgress, DeliveryState, Destination, Purpose, StartedBy, Status, UnixTime, Verification,
    VerificationId,
};

/// The columns of `verifications` a verification is kept in, in the order `bind_verification!`
/// binds them; `revision` is the store's own.
pub(super) const VERIFICATION_COLUMNS: [&str; 18] = [
    "id", "subject", "destination", "channel", "code_hash", "status", "attempts", "sends", "created_at", "last_sent_at",
    "expires_at", "approved_at", "provider_sid", "holder", "purpose", "enrols", "enrols_channel", "request_ref",
];

/// `VERIFICATION_COLUMNS` as a column list, and its placeholders `$1, $2, …`.
pub(super) fn verification_columns_and_values() -> (String, String) {
    let values: Vec<String> = (1..=VERIFICATION_COLUMNS.len()).map(|n| format!("${n}")).collect();
    (VERIFICATION_COLUMNS.join(", "), values.join(", "))
}

#[derive(sqlx::FromRow)]
pub(super) struct VerificationRow {
    id: String,
    subject: String,
    destination: String,
    channel: String,
    code_hash: Vec<u8>,
    status: String,
    attempts: i64,
    sends: i64,
    created_at: i64,
    last_sent_at: i64,
    expires_at: i64,
    approved_at: Option<i64>,
    provider_sid: Option<String>,
    holder: String,
    purpose: String,
    enrols: Option<String>,
    enrols_channel: Option<String>,
    request_ref: Option<String>,
    pub revision: i64,
}

impl VerificationRow {
    pub fn read(self) -> Result<Verification, StoreError> {
        Ok(Verification {
            id: VerificationId::parse(&self.id).map_err(corrupt)?,
            subject: self.subject,
            started_by: StartedBy::from_str(&self.holder).map_err(StoreError::Corrupt)?,
            purpose: Purpose::from_str(&self.purpose).map_err(StoreError::Corrupt)?,
            enrols: match (self.enrols, self.enrols_channel) {
                (Some(key), Some(channel)) => Some(Addition {
                    destination: Destination::from_key(&key).map_err(corrupt)?,
                    channel: Channel::from_str(&channel).map_err(corrupt)?,
                }),
                _ => None,
            },
            request: self.request_ref,
            destination: Destination::from_key(&self.destination).map_err(corrupt)?,
            channel: Channel::from_str(&self.channel).map_err(corrupt)?,
            secret: match self.provider_sid {
                Some(sid) => CodeSecret::Provider(sid),
                None => CodeSecret::Hash(self.code_hash),
            },
            status: Status::from_str(&self.status).map_err(StoreError::Corrupt)?,
            attempts: self.attempts as u32,
            sends: self.sends as u32,
            created_at: UnixTime(self.created_at),
            last_sent_at: UnixTime(self.last_sent_at),
            expires_at: UnixTime(self.expires_at),
            approved_at: self.approved_at.map(UnixTime),
        })
    }
}

/// The stored hash; empty when the provider holds the code.
pub(super) fn code_hash(v: &Verification) -> &[u8] {
    match &v.secret {
        CodeSecret::Hash(hash) => hash,
        CodeSecret::Provider(_) => &[],
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct DeliveryRow {
    token_hash: String,
    verification_id: String,
    channel: String,
    gateway: Option<String>,
    provider_id: Option<String>,
    locale: String,
    sealed_code: Option<Vec<u8>>,
    state: String,
    sequence: Option<i64>,
    error_code: Option<String>,
    pub revision: i64,
}

impl DeliveryRow {
    pub fn read(self) -> Result<DeliveryRecord, StoreError> {
        let state = &self.state;
        Ok(DeliveryRecord {
            token_hash: self.token_hash,
            verification_id: VerificationId::parse(&self.verification_id).map_err(corrupt)?,
            channel: Channel::from_str(&self.channel).map_err(corrupt)?,
            gateway: self.gateway,
            provider_id: self.provider_id,
            locale: self.locale,
            sealed_code: self.sealed_code,
            progress: DeliveryProgress {
                state: DeliveryState::from_str(state).map_err(|_| StoreError::Corrupt(format!("delivery state {state:?}")))?,
                sequence: self.sequence,
            },
            error_code: self.error_code,
        })
    }
}

pub(super) fn corrupt(error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(error.to_string())
}
