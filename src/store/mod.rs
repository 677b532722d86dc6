//! Persistence: users, verifications, sends, attempts and used request nonces, in SQL through sqlx.

mod deliveries;

pub use deliveries::{DeliveryRecord, ReportOutcome};

use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Row, Sqlite, SqlitePool};
use std::str::FromStr;

use crate::domain::Channel;
use crate::domain::{
    Addition, CodeSecret, Conversion, Destination, EmailAddress, Factors, FailureStreak, StartedBy, PastSend, PhoneNumber, Purpose, SendHistory, Status, UnixTime, Verification,
    VerificationId,
};

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
}

/// What a send is counted by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotKeys<'a> {
    pub subject: &'a str,
    pub destination: &'a Destination,
    pub channel: Channel,
    pub at: UnixTime,
    pub request: Option<&'a str>,
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

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database at `url` and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true);
        if let Some(folder) = options.get_filename().parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)
                .map_err(|source| StoreError::Folder { path: folder.display().to_string(), source })?;
        }
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        sqlx::migrate!().run(&pool).await?;
        Ok(Store { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Makes sure a user row exists. Nothing a request says about the user is stored: only
    /// destinations the portal verified become theirs (`save_verified_destination`).
    pub async fn ensure_user(&self, id: &str, now: UnixTime) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO users (id, created_at, updated_at) VALUES ($1, $2, $2) ON CONFLICT (id) DO NOTHING")
            .bind(id)
            .bind(now.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whether the portal has a row for the user (a refused request writes none).
    pub async fn user_exists(&self, id: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM users WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        Ok(found.is_some())
    }

    /// The destinations the portal verified for the user; none for a user it does not know.
    pub async fn factors(&self, id: &str) -> Result<Factors, StoreError> {
        let row = sqlx::query("SELECT phone, email FROM users WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        let Some(row) = row else { return Ok(Factors::default()) };
        let phone: Option<String> = row.get("phone");
        let email: Option<String> = row.get("email");
        Ok(Factors {
            phone: phone.map(|p| PhoneNumber::parse(None, &p)).transpose().map_err(corrupt)?,
            // Read in today's normal form; one kept before the parser refused it is left out
            // (the user registers it again) rather than making the user unreadable.
            email: email.and_then(|e| {
                EmailAddress::parse(&e).inspect_err(|_| tracing::warn!("a stored e-mail address no longer parses: left out")).ok()
            }),
        })
    }

    /// Records a destination the user has just proved they control, in place of the one of its kind,
    /// provided the user's factors still allow what the code was sent for (`purpose`): a first
    /// enrolment only while the user holds no factor, a challenge only while the column is empty
    /// or holds this very destination. False when they no longer do: a code sent before the
    /// factors changed adds nothing.
    pub async fn save_verified_destination(
        &self,
        user: &str,
        destination: &Destination,
        purpose: Purpose,
        at: UnixTime,
    ) -> Result<bool, StoreError> {
        let column = match destination {
            Destination::Phone(_) => "phone",
            Destination::Email(_) => "email",
        };
        let allowed = match purpose {
            Purpose::FirstEnrolment => "phone IS NULL AND email IS NULL".to_owned(),
            Purpose::Challenge => format!("({column} IS NULL OR {column} = $1)"),
            Purpose::Enrolment => "1 = 1".to_owned(),
        };
        let sql = format!("UPDATE users SET {column} = $1, {column}_verified_at = $2, updated_at = $2 WHERE id = $3 AND {allowed}");
        let saved = sqlx::query(&sql).bind(destination.key()).bind(at.0).bind(user).execute(&self.pool).await?;
        Ok(saved.rows_affected() == 1)
    }

    /// The user's wrong codes in a row, with the revision `set_failure_streak` expects back; none
    /// for a user the portal does not know.
    pub async fn failure_streak(&self, user: &str) -> Result<Option<(FailureStreak, i64)>, StoreError> {
        let row = sqlx::query("SELECT failed_checks, last_failed_at, streak_revision FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| {
            let streak = FailureStreak {
                count: row.get::<i64, _>("failed_checks") as u32,
                last_at: row.get::<Option<i64>, _>("last_failed_at").map(UnixTime),
            };
            (streak, row.get("streak_revision"))
        }))
    }

    /// Writes the streak read at `revision`. False when another check changed it meanwhile.
    pub async fn set_failure_streak(&self, user: &str, streak: FailureStreak, revision: i64) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE users SET failed_checks = $1, last_failed_at = $2, streak_revision = streak_revision + 1
             WHERE id = $3 AND streak_revision = $4",
        )
        .bind(i64::from(streak.count))
        .bind(streak.last_at.map(|at| at.0))
        .bind(user)
        .bind(revision)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Takes back one failure counted ahead of a check that turned out not to count.
    pub async fn refund_failure(&self, user: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE users SET failed_checks = MAX(failed_checks - 1, 0), streak_revision = streak_revision + 1 WHERE id = $1",
        )
        .bind(user)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends the user's streak: a right code, or a lift by the relying application or the operator.
    pub async fn clear_failure_streak(&self, user: &str) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE users SET failed_checks = 0, last_failed_at = NULL, streak_revision = streak_revision + 1 WHERE id = $1",
        )
        .bind(user)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// The wrong codes entered so far for `request`: each verification starts from the count of
    /// the ones before it, so the highest is the request's (an approval's own check not counted).
    pub async fn attempts_spent_in_request(&self, subject: &str, request: &str) -> Result<u32, StoreError> {
        let spent: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(attempts - CASE WHEN status = 'approved' THEN 1 ELSE 0 END)
             FROM verifications WHERE subject = $1 AND request_ref = $2",
        )
        .bind(subject)
        .bind(request)
        .fetch_one(&self.pool)
        .await?;
        Ok(spent.unwrap_or(0).max(0) as u32)
    }

    pub async fn insert_verification(&self, v: &Verification) -> Result<(), StoreError> {
        let (columns, values) = verification_columns_and_values();
        let sql = format!("INSERT INTO verifications ({columns}, revision) VALUES ({values}, 0)");
        bind_verification(sqlx::query(&sql), v).execute(&self.pool).await?;
        Ok(())
    }

    /// The verification with its revision, which `update_verification` expects back.
    pub async fn verification(&self, id: &VerificationId) -> Result<Option<(Verification, i64)>, StoreError> {
        let row = sqlx::query("SELECT * FROM verifications WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            let destination: String = row.get("destination");
            let channel: String = row.get("channel");
            let status: String = row.get("status");
            let started_by: String = row.get("holder");
            let purpose: String = row.get("purpose");
            let enrols: Option<String> = row.get("enrols");
            let enrols_channel: Option<String> = row.get("enrols_channel");
            let verification = Verification {
                id: id.clone(),
                subject: row.get("subject"),
                started_by: StartedBy::from_str(&started_by).map_err(StoreError::Corrupt)?,
                purpose: Purpose::from_str(&purpose).map_err(StoreError::Corrupt)?,
                enrols: match (enrols, enrols_channel) {
                    (Some(key), Some(channel)) => Some(Addition {
                        destination: Destination::from_key(&key).map_err(corrupt)?,
                        channel: Channel::from_str(&channel).map_err(corrupt)?,
                    }),
                    _ => None,
                },
                request: row.get("request_ref"),
                destination: Destination::from_key(&destination).map_err(corrupt)?,
                channel: Channel::from_str(&channel).map_err(corrupt)?,
                secret: match row.get::<Option<String>, _>("provider_sid") {
                    Some(sid) => CodeSecret::Provider(sid),
                    None => CodeSecret::Hash(row.get("code_hash")),
                },
                status: Status::from_str(&status).map_err(StoreError::Corrupt)?,
                attempts: row.get::<i64, _>("attempts") as u32,
                sends: row.get::<i64, _>("sends") as u32,
                created_at: UnixTime(row.get("created_at")),
                last_sent_at: UnixTime(row.get("last_sent_at")),
                expires_at: UnixTime(row.get("expires_at")),
                approved_at: row.get::<Option<i64>, _>("approved_at").map(UnixTime),
            };
            Ok((verification, row.get("revision")))
        })
        .transpose()
    }

    /// Writes back a verification read at `revision`. Returns false when someone changed it meanwhile.
    /// The whole row is written: what the core never changes is written back as it was read.
    pub async fn update_verification(&self, v: &Verification, revision: i64) -> Result<bool, StoreError> {
        let (columns, values) = verification_columns_and_values();
        let revision_read = VERIFICATION_COLUMNS.len() + 1;
        let sql = format!("UPDATE verifications SET ({columns}) = ({values}), revision = revision + 1 WHERE id = $1 AND revision = ${revision_read}");
        let result = bind_verification(sqlx::query(&sql), v).bind(revision).execute(&self.pool).await?;
        Ok(result.rows_affected() == 1)
    }

    /// Whether the approved verification `proof`, owned by `subject` through `started_by` and approved
    /// after `since`, lets its owner add `new`.
    pub async fn enrolment_confirmed(
        &self,
        proof: &VerificationId,
        subject: &str,
        started_by: StartedBy,
        new: &Destination,
        since: UnixTime,
    ) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM verifications WHERE id = $1 AND subject = $2 AND holder = $3 AND enrols = $4
                 AND status = 'approved' AND approved_at > $5",
        )
        .bind(proof.as_str())
        .bind(subject)
        .bind(started_by.as_str())
        .bind(new.key())
        .bind(since.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// Whether another pending verification still uses the provider's verification `sid`.
    pub async fn provider_sid_pending_elsewhere(&self, sid: &str, except: &VerificationId, now: UnixTime) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM verifications WHERE provider_sid = $1 AND id <> $2 AND status = 'pending' AND expires_at > $3 LIMIT 1",
        )
        .bind(sid)
        .bind(except.as_str())
        .bind(now.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// Takes a send slot if the rules allow one now: the history is read and the slot written in
    /// one write transaction (`BEGIN IMMEDIATE` waits for any other writer), so concurrent sends
    /// cannot both pass on one free slot. The core's refusal comes back inside `Ok`, beside the
    /// history it was judged on.
    pub async fn take_send_slot<R>(
        &self,
        send: &SlotKeys<'_>,
        since: UnixTime,
        allowed: impl FnOnce(&SendHistory) -> Result<(), R>,
    ) -> Result<(SendHistory, Result<SendSlot, R>), StoreError> {
        let mut transaction = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let hour_ago = UnixTime(send.at.0 - 3600);
        let rows = sqlx::query("SELECT destination, channel, taken_at FROM send_slots WHERE subject = $1 AND taken_at > $2")
            .bind(send.subject)
            .bind(since.0)
            .fetch_all(&mut *transaction)
            .await?;
        let mut history = SendHistory::default();
        for row in &rows {
            let at = UnixTime(row.get("taken_at"));
            history.by_user.push(at);
            if row.get::<&str, _>("destination") == send.destination.key() {
                let channel: String = row.get("channel");
                history.to_destination.push(PastSend { at, channel: Channel::from_str(&channel).map_err(corrupt)? });
            }
        }
        history.to_destination_by_others = sqlx::query_scalar::<_, i64>(
            "SELECT taken_at FROM send_slots WHERE destination = $1 AND subject <> $2 AND NOT to_a_factor AND taken_at > $3",
        )
        .bind(send.destination.key())
        .bind(send.subject)
        .bind(hour_ago.0)
        .fetch_all(&mut *transaction)
        .await?
        .into_iter()
        .map(UnixTime)
        .collect();
        if let Some(block) = &send.number_block {
            let sql = "SELECT taken_at FROM send_slots WHERE number_block = $1 AND taken_at > $2";
            history.to_prefix = send_times(&mut transaction, sql, block, hour_ago).await?;
        }
        if let Some(network) = &send.client_net {
            let sql = "SELECT taken_at FROM send_slots WHERE client_net = $1 AND taken_at > $2";
            history.from_client = send_times(&mut transaction, sql, network, hour_ago).await?;
        }
        if let Some(request) = send.request {
            let destinations: Vec<String> =
                sqlx::query_scalar("SELECT DISTINCT destination FROM send_slots WHERE subject = $1 AND request_ref = $2")
                    .bind(send.subject)
                    .bind(request)
                    .fetch_all(&mut *transaction)
                    .await?;
            history.new_to_request = !destinations.iter().any(|key| key == send.destination.key());
            history.other_destinations_in_request = destinations.iter().filter(|key| *key != send.destination.key()).count();
        }
        if let Some(country) = &send.country {
            let (sent, entered): (i64, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*), SUM(CASE WHEN verifications.status = 'approved' THEN 1 ELSE 0 END)
                 FROM send_slots LEFT JOIN verifications ON verifications.id = send_slots.verification_id
                 WHERE send_slots.country = $1 AND send_slots.taken_at > $2",
            )
            .bind(country)
            .bind(hour_ago.0)
            .fetch_one(&mut *transaction)
            .await?;
            history.country = Conversion { sent: sent as u32, entered: entered.unwrap_or(0) as u32 };
        }
        let everyone: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM send_slots WHERE taken_at > $1")
            .bind(hour_ago.0)
            .fetch_one(&mut *transaction)
            .await?;
        history.everyone_last_hour = everyone as u32;
        if let Err(refusal) = allowed(&history) {
            return Ok((history, Err(refusal)));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO send_slots (subject, destination, channel, taken_at, request_ref, client_net, number_block, country, to_a_factor)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(send.subject)
        .bind(send.destination.key())
        .bind(send.channel.as_str())
        .bind(send.at.0)
        .bind(send.request)
        .bind(send.client_net.as_deref())
        .bind(send.number_block.as_deref())
        .bind(send.country.as_deref())
        .bind(send.to_a_factor)
        .fetch_one(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok((history, Ok(SendSlot(id))))
    }

    /// Names the verification a slot's code belongs to, so that an entered code counts for its country.
    pub async fn bind_send_slot(&self, slot: SendSlot, verification: &VerificationId) -> Result<(), StoreError> {
        sqlx::query("UPDATE send_slots SET verification_id = $1 WHERE id = $2").bind(verification.as_str()).bind(slot.0).execute(&self.pool).await?;
        Ok(())
    }

    /// Gives back a slot whose code never left (the gateway refused or failed).
    pub async fn release_send_slot(&self, slot: SendSlot) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM send_slots WHERE id = $1").bind(slot.0).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn record_attempt(&self, id: &VerificationId, at: UnixTime, outcome: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO attempts (verification_id, checked_at, outcome) VALUES ($1, $2, $3)")
            .bind(id.as_str())
            .bind(at.0)
            .bind(outcome)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Marks a request nonce as used. False when it was used before and has not expired: a replay.
    pub async fn claim_nonce(&self, nonce: &str, expires_at: UnixTime, now: UnixTime) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "INSERT INTO used_nonces (nonce, expires_at) VALUES ($1, $2)
             ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE used_nonces.expires_at < $3",
        )
        .bind(nonce)
        .bind(expires_at.0)
        .bind(now.0)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Forgets the nonces that expired before `now` (housekeeping).
    pub async fn forget_nonces_before(&self, now: UnixTime) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM used_nonces WHERE expires_at < $1").bind(now.0).execute(&self.pool).await?;
        Ok(())
    }
}

/// The times of the sends `sql` selects by `key` since `since`.
async fn send_times(connection: &mut sqlx::SqliteConnection, sql: &'static str, key: &str, since: UnixTime) -> Result<Vec<UnixTime>, StoreError> {
    let times: Vec<i64> = sqlx::query_scalar(sql).bind(key).bind(since.0).fetch_all(connection).await?;
    Ok(times.into_iter().map(UnixTime).collect())
}

/// The columns of `verifications` a verification is kept in, in the order `bind_verification`
/// binds them; `revision` is the store's own.
const VERIFICATION_COLUMNS: [&str; 18] = [
    "id", "subject", "destination", "channel", "code_hash", "status", "attempts", "sends", "created_at", "last_sent_at",
    "expires_at", "approved_at", "provider_sid", "holder", "purpose", "enrols", "enrols_channel", "request_ref",
];

/// `VERIFICATION_COLUMNS` as a column list, and its placeholders `$1, $2, …`.
fn verification_columns_and_values() -> (String, String) {
    let values: Vec<String> = (1..=VERIFICATION_COLUMNS.len()).map(|n| format!("${n}")).collect();
    (VERIFICATION_COLUMNS.join(", "), values.join(", "))
}

/// Binds `v` to `$1`… in the order of `VERIFICATION_COLUMNS`.
fn bind_verification<'q>(query: Query<'q, Sqlite, SqliteArguments<'q>>, v: &'q Verification) -> Query<'q, Sqlite, SqliteArguments<'q>> {
    query
        .bind(v.id.as_str())
        .bind(&v.subject)
        .bind(v.destination.key())
        .bind(v.channel.as_str())
        .bind(code_hash(v))
        .bind(v.status.as_str())
        .bind(v.attempts as i64)
        .bind(v.sends as i64)
        .bind(v.created_at.0)
        .bind(v.last_sent_at.0)
        .bind(v.expires_at.0)
        .bind(v.approved_at.map(|t| t.0))
        .bind(v.provider_sid())
        .bind(v.started_by.as_str())
        .bind(v.purpose.as_str())
        .bind(v.enrols.as_ref().map(|addition| addition.destination.key()))
        .bind(v.enrols.as_ref().map(|addition| addition.channel.as_str()))
        .bind(v.request.as_deref())
}

/// The stored hash; empty when the provider holds the code.
fn code_hash(v: &Verification) -> &[u8] {
    match &v.secret {
        CodeSecret::Hash(hash) => hash,
        CodeSecret::Provider(_) => &[],
    }
}

fn corrupt(error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(error.to_string())
}
