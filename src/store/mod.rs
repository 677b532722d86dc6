//! Persistence: users, verifications, sends, attempts and used request nonces, in SQL through sqlx.

mod deliveries;

pub use deliveries::{DeliveryRecord, ReportOutcome};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Row, SqlitePool};
use std::str::FromStr;

use crate::domain::Channel;
use crate::flow::{
    CodeSecret, Destination, EmailAddress, Holder, PastSend, PhoneNumber, Status, UnixTime, Verification, VerificationId,
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

/// What the portal knows of a user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserRecord {
    pub id: String,
    pub phone: Option<PhoneNumber>,
    pub email: Option<EmailAddress>,
}

impl UserRecord {
    /// Where `channel` would send this user's code, if the portal knows it.
    pub fn destination_for(&self, channel: Channel) -> Option<Destination> {
        if channel.uses_phone() {
            self.phone.clone().map(Destination::Phone)
        } else {
            self.email.clone().map(Destination::Email)
        }
    }
}

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

    /// Makes sure a user row exists; a phone or e-mail the relying application vouches for is recorded.
    pub async fn ensure_user(
        &self,
        id: &str,
        phone: Option<&PhoneNumber>,
        email: Option<&EmailAddress>,
        now: UnixTime,
    ) -> Result<UserRecord, StoreError> {
        sqlx::query(
            "INSERT INTO users (id, phone, email, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (id) DO UPDATE SET
                 phone = COALESCE(excluded.phone, users.phone),
                 email = COALESCE(excluded.email, users.email),
                 updated_at = excluded.updated_at",
        )
        .bind(id)
        .bind(phone.map(PhoneNumber::e164))
        .bind(email.map(EmailAddress::as_str))
        .bind(now.0)
        .execute(&self.pool)
        .await?;
        self.user(id).await?.ok_or_else(|| StoreError::Corrupt(format!("user {id} vanished")))
    }

    pub async fn user(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
        let row = sqlx::query("SELECT id, phone, email FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            let phone: Option<String> = row.get("phone");
            let email: Option<String> = row.get("email");
            Ok(UserRecord {
                id: row.get("id"),
                phone: phone.map(|p| PhoneNumber::parse(None, &p)).transpose().map_err(corrupt)?,
                // Read in today's normal form; one kept before the parser refused it is left out
                // (the user registers it again) rather than making the user unreadable.
                email: email.and_then(|e| {
                    EmailAddress::parse(&e).inspect_err(|_| tracing::warn!("a stored e-mail address no longer parses: left out")).ok()
                }),
            })
        })
        .transpose()
    }

    /// Records a destination the user has just proved they control; returns the one it replaced.
    pub async fn save_verified_destination(
        &self,
        user: &str,
        destination: &Destination,
        at: UnixTime,
    ) -> Result<Option<Destination>, StoreError> {
        let previous = self.user(user).await?.and_then(|record| match destination {
            Destination::Phone(_) => record.phone.map(Destination::Phone),
            Destination::Email(_) => record.email.map(Destination::Email),
        });
        let sql = match destination {
            Destination::Phone(_) => "UPDATE users SET phone = $1, phone_verified_at = $2, updated_at = $2 WHERE id = $3",
            Destination::Email(_) => "UPDATE users SET email = $1, email_verified_at = $2, updated_at = $2 WHERE id = $3",
        };
        sqlx::query(sql).bind(destination.key()).bind(at.0).bind(user).execute(&self.pool).await?;
        Ok(previous.filter(|previous| previous != destination))
    }

    pub async fn insert_verification(&self, v: &Verification) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO verifications (id, subject, destination, channel, code_hash, status, attempts, sends,
                                        created_at, last_sent_at, expires_at, approved_at, provider_sid, holder, revision)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0)",
        )
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
        .bind(v.holder.as_str())
        .execute(&self.pool)
        .await?;
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
            let holder: String = row.get("holder");
            let verification = Verification {
                id: id.clone(),
                subject: row.get("subject"),
                holder: Holder::from_str(&holder).map_err(StoreError::Corrupt)?,
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
    pub async fn update_verification(&self, v: &Verification, revision: i64) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE verifications SET code_hash = $1, status = $2, attempts = $3, sends = $4, last_sent_at = $5,
                    expires_at = $6, approved_at = $7, provider_sid = $10, revision = revision + 1
             WHERE id = $8 AND revision = $9",
        )
        .bind(code_hash(v))
        .bind(v.status.as_str())
        .bind(v.attempts as i64)
        .bind(v.sends as i64)
        .bind(v.last_sent_at.0)
        .bind(v.expires_at.0)
        .bind(v.approved_at.map(|t| t.0))
        .bind(v.id.as_str())
        .bind(revision)
        .bind(v.provider_sid())
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
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

    pub async fn record_send(&self, v: &Verification, at: UnixTime) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sends (destination, verification_id, channel, sent_at) VALUES ($1, $2, $3, $4)")
            .bind(v.destination.key())
            .bind(v.id.as_str())
            .bind(v.channel.as_str())
            .bind(at.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn sends_since(&self, destination: &Destination, since: UnixTime) -> Result<Vec<PastSend>, StoreError> {
        let rows = sqlx::query("SELECT sent_at, channel FROM sends WHERE destination = $1 AND sent_at > $2")
            .bind(destination.key())
            .bind(since.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let channel: String = row.get("channel");
                Ok(PastSend { at: UnixTime(row.get("sent_at")), channel: Channel::from_str(&channel).map_err(corrupt)? })
            })
            .collect()
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
