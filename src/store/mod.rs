//! Persistence: users, verifications, sends, attempts, deliveries and used request nonces.
//!
//! The application depends on `Storage` alone; a backend per database implements it (`sqlite`,
//! the embedded default; `postgres`, for several portals sharing one database), chosen at start
//! by the database URL. Each keeps its own migrations (`migrations/<database>/`) and runs the
//! SQL written once in `sql`.

mod postgres;
mod rows;
pub mod sessions;
mod sql;
mod sqlite;

use async_trait::async_trait;
use std::sync::Arc;

use crate::domain::{
    Channel, DeliveryReport, DeliveryState, Destination, EmailAddress, Factors, FailureStreak, PhoneNumber, Purpose, SendHistory,
    SendRefusal, StartedBy, UnixTime, Verification, VerificationId,
};
use sessions::SessionStores;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create the database folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    #[error("a stored row is invalid: {0}")]
    Corrupt(String),
    #[error("session store: {0}")]
    Sessions(String),
    #[error("Redis: {0}")]
    Redis(String),
    #[error("the database URL must start with sqlite:// or postgres://")]
    UnknownDatabase,
}

/// What a send is counted by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotKeys<'a> {
    pub subject: &'a str,
    pub destination: &'a Destination,
    pub channel: Channel,
    pub at: UnixTime,
    pub request: Option<&'a str>,
    /// The verification the code belongs to, so that an entered code counts for its country.
    pub verification: &'a VerificationId,
    /// See `domain::client_network`.
    pub client_net: Option<String>,
    pub number_block: Option<String>,
    /// The ISO region of a phone number.
    pub country: Option<String>,
    /// The destination is one of the user's own factors.
    pub to_a_factor: bool,
}

/// A send taken under the limits, until its code leaves or it is given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendSlot(i64);

/// A check of a code that spent an attempt: the audit trail's row (table `attempts`).
#[derive(Debug, Clone, Copy)]
pub struct CheckRecord {
    pub at: UnixTime,
    /// `approved`, `wrong` or `locked`.
    pub outcome: &'static str,
}


/// The rule a send is judged by, on the history read in the send's own transaction.
pub type SendRule<'a> = dyn Fn(&SendHistory) -> Result<(), SendRefusal> + Send + Sync + 'a;

/// What a send stores with its slot, in the same transaction: the verification it opens (with
/// its user) or renews, and the delivery that carries its code.
#[derive(Debug, Clone, Copy)]
pub struct SendRecords<'a> {
    pub verification: &'a Verification,
    /// The revision a renewed verification was read at; none for a new one.
    pub renews: Option<i64>,
    pub delivery: &'a DeliveryRecord,
}

/// What became of a send asking for its slot.
#[derive(Debug)]
pub enum Taken {
    Slot(SendSlot),
    Refused(SendRefusal),
    /// The verification to renew changed since it was read: nothing was written.
    Changed,
}

/// One code handed to a gateway, and what the provider reported about it since.
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
    pub progress: crate::domain::DeliveryProgress,
    pub error_code: Option<String>,
}

/// What applying a delivery report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportOutcome {
    Applied,
    /// Older than what is known, or a repeat: nothing changed.
    Stale,
}

/// Concurrent reports for one delivery are rare (one per state change); this bounds the rereads.
const REPORT_RETRIES: usize = 5;

/// What housekeeping clears away, each by its own age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    pub now: UnixTime,
    /// Sealed call codes of deliveries made before this: their codes have expired.
    pub call_codes_before: UnixTime,
    /// Send slots older than every window a limit looks back over.
    pub send_slots_before: UnixTime,
    /// Verifications that expired before this, with their attempts and deliveries.
    pub records_before: UnixTime,
}

/// What one round of housekeeping cleared away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub call_codes: u64,
    pub nonces: u64,
    pub send_slots: u64,
    pub attempts: u64,
    pub verifications: u64,
}

/// Everything the application keeps, on whichever database the settings name.
#[async_trait]
pub trait Storage: Send + Sync {
    async fn ping(&self) -> Result<(), StoreError>;

    /// The sessions kept in this database, beside everything else.
    fn sessions(&self) -> Result<SessionStores, StoreError>;

    /// Makes sure a user row exists. Nothing a request says about the user is stored: only
    /// destinations the portal verified become theirs (`save_verified_destination`).
    async fn ensure_user(&self, id: &str, now: UnixTime) -> Result<(), StoreError>;

    /// Whether the portal has a row for the user (a refused request writes none).
    async fn user_exists(&self, id: &str) -> Result<bool, StoreError>;

    /// The destinations the portal verified for the user; none for a user it does not know.
    async fn factors(&self, id: &str) -> Result<Factors, StoreError>;

    /// Records a destination the user has just proved they control, in place of the one of its kind,
    /// provided the user's factors still allow what the code was sent for (`purpose`): a first
    /// enrolment only while the user holds no factor, a challenge only while the column is empty
    /// or holds this very destination. False when they no longer do: a code sent before the
    /// factors changed adds nothing.
    async fn save_verified_destination(&self, user: &str, destination: &Destination, purpose: Purpose, at: UnixTime) -> Result<bool, StoreError>;

    /// The user's wrong codes in a row, with the revision `set_failure_streak` expects back; none
    /// for a user the portal does not know.
    async fn failure_streak(&self, user: &str) -> Result<Option<(FailureStreak, i64)>, StoreError>;

    /// Writes the streak read at `revision`. False when another check changed it meanwhile.
    async fn set_failure_streak(&self, user: &str, streak: FailureStreak, revision: i64) -> Result<bool, StoreError>;

    /// Takes back one failure counted ahead of a check that turned out not to count.
    async fn refund_failure(&self, user: &str) -> Result<(), StoreError>;

    /// Ends the user's streak: a right code, or a lift by the relying application or the operator.
    async fn clear_failure_streak(&self, user: &str) -> Result<bool, StoreError>;

    /// The wrong codes entered so far for `request`: each verification starts from the count of
    /// the ones before it, so the highest is the request's (an approval's own check not counted).
    async fn attempts_spent_in_request(&self, subject: &str, request: &str) -> Result<u32, StoreError>;

    /// Stores a new verification, recording its user first if the portal did not know them.
    async fn insert_verification(&self, v: &Verification) -> Result<(), StoreError>;

    /// The verification with its revision, which `update_verification` expects back.
    async fn verification(&self, id: &VerificationId) -> Result<Option<(Verification, i64)>, StoreError>;

    /// Writes back a verification read at `revision`. Returns false when someone changed it meanwhile.
    /// The whole row is written: what the core never changes is written back as it was read.
    /// A check that spent an attempt is recorded in the same transaction (`check`).
    async fn update_verification(&self, v: &Verification, revision: i64, check: Option<CheckRecord>) -> Result<bool, StoreError>;

    /// Whether the approved verification `proof`, owned by `subject` through `started_by` and approved
    /// after `since`, lets its owner add `new`.
    async fn enrolment_confirmed(
        &self,
        proof: &VerificationId,
        subject: &str,
        started_by: StartedBy,
        new: &Destination,
        since: UnixTime,
    ) -> Result<bool, StoreError>;

    /// Whether another pending verification still uses the provider's verification `sid`.
    async fn provider_sid_pending_elsewhere(&self, sid: &str, except: &VerificationId, now: UnixTime) -> Result<bool, StoreError>;

    /// Takes a send slot if `allowed` lets one go now, and stores `records` with it: the history
    /// is read, and the slot and records written, in one transaction that no other send runs
    /// beside, on this portal or any other sharing the database, so concurrent sends cannot both
    /// pass on one free slot, and a send is stored whole or not at all. What became of it comes
    /// back beside the history it was judged on.
    async fn take_send_slot(
        &self,
        send: &SlotKeys<'_>,
        since: UnixTime,
        allowed: &SendRule<'_>,
        records: Option<SendRecords<'_>>,
    ) -> Result<(SendHistory, Taken), StoreError>;

    /// Gives back a slot whose code never left (the gateway refused or failed).
    async fn release_send_slot(&self, slot: SendSlot) -> Result<(), StoreError>;


    /// Marks a request nonce as used. False when it was used before and has not expired: a replay.
    async fn claim_nonce(&self, nonce: &str, expires_at: UnixTime, now: UnixTime) -> Result<bool, StoreError>;

    async fn delivery(&self, token_hash: &str) -> Result<Option<DeliveryRecord>, StoreError>;

    /// The latest delivery of a verification: the one whose progress the token page shows.
    async fn latest_delivery(&self, verification: &VerificationId) -> Result<Option<DeliveryRecord>, StoreError>;

    /// Records which gateway took the message and the id its provider gave it.
    async fn record_handover(
        &self,
        token_hash: &str,
        gateway: &str,
        provider_id: Option<&str>,
        state: DeliveryState,
        now: UnixTime,
    ) -> Result<(), StoreError>;

    /// Remembers the provider's id when its first callback arrives before its answer to our request did.
    async fn claim_provider_id(&self, token_hash: &str, provider_id: &str) -> Result<(), StoreError>;

    /// Applies a provider report unless a newer one is already known. Concurrent reports for one
    /// delivery are settled by the row's revision: the loser reads again and re-decides.
    async fn apply_delivery_report(&self, token_hash: &str, report: &DeliveryReport, now: UnixTime) -> Result<Option<ReportOutcome>, StoreError>;

    /// Clears away what `cutoffs` says has aged out, in one transaction. `None` when another
    /// portal sharing the database is doing it right now: housekeeping never runs twice at once.
    async fn housekeep(&self, cutoffs: &Cutoffs) -> Result<Option<Swept>, StoreError>;
}

/// The storage the application holds, shared by every part of it.
pub type Store = Arc<dyn Storage>;

/// Opens the database `url` names (creating an SQLite file if needed) and applies its migrations.
pub async fn connect(url: &str) -> Result<Store, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteBackend::connect(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PostgresBackend::connect(url).await?))
    } else {
        Err(StoreError::UnknownDatabase)
    }
}

fn read_factors(row: Option<(Option<String>, Option<String>)>) -> Result<Factors, StoreError> {
    let Some((phone, email)) = row else { return Ok(Factors::default()) };
    Ok(Factors {
        phone: phone.map(|p| PhoneNumber::parse(None, &p)).transpose().map_err(rows::corrupt)?,
        // Read in today's normal form; one kept before the parser refused it is left out
        // (the user registers it again) rather than making the user unreadable.
        email: email.and_then(|e| {
            EmailAddress::parse(&e).inspect_err(|_| tracing::warn!("a stored e-mail address no longer parses: left out")).ok()
        }),
    })
}

/// The update `save_verified_destination` runs: `$1` the destination, `$2` the time, `$3` the user.
fn save_destination_sql(destination: &Destination, purpose: Purpose) -> String {
    let column = match destination {
        Destination::Phone(_) => "phone",
        Destination::Email(_) => "email",
    };
    let allowed = match purpose {
        Purpose::FirstEnrolment => "phone IS NULL AND email IS NULL".to_owned(),
        Purpose::Challenge => format!("({column} IS NULL OR {column} = $1)"),
        Purpose::Enrolment => "1 = 1".to_owned(),
    };
    format!("UPDATE users SET {column} = $1, {column}_verified_at = $2, updated_at = $2 WHERE id = $3 AND {allowed}")
}
