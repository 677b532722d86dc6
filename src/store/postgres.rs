//! The shared backend: one PostgreSQL database for any number of portals (`postgres://…`).

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};
use tower_sessions_sqlx_store::PostgresStore;

use super::StoreError;
use super::sessions::SessionStores;

pub struct PostgresBackend {
    pool: PgPool,
    /// The same pool: PostgreSQL runs writers side by side.
    writer: PgPool,
}

/// The advisory lock every send's limit check holds until its slot is written, on every portal.
const SEND_LIMITS_LOCK: i64 = 0x0002_fa00_0000_0001;
/// The advisory lock of the one portal clearing away old rows.
const HOUSEKEEPING_LOCK: i64 = 0x0002_fa00_0000_0002;
/// The longest a send waits for the others' checks: past it the user is told to try again, and
/// the waiting request gives its connection back, rather than every pool filling with waiters
/// behind a stalled holder.
const SEND_LOCK_TIMEOUT: &str = "SET LOCAL lock_timeout = '5s'";

impl PostgresBackend {
    /// Connects and applies the migrations: sqlx's migrator holds an advisory lock while it
    /// runs, so portals starting together apply each migration once.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new().max_connections(16).connect(url).await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(PostgresBackend { writer: pool.clone(), pool })
    }

    /// The session table is created by our own migrations (`tower_sessions.session`, the store's
    /// default), not by the store at start, which races when portals start together.
    fn session_store(&self) -> Result<SessionStores, StoreError> {
        Ok(SessionStores::Postgres(PostgresStore::new(self.pool.clone())))
    }

    /// A transaction that waits for every other send's check, on any portal, to commit.
    async fn begin_serialized(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        let mut transaction = self.writer.begin().await?;
        sqlx::query(SEND_LOCK_TIMEOUT).execute(&mut *transaction).await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(SEND_LIMITS_LOCK).execute(&mut *transaction).await?;
        Ok(transaction)
    }

    /// None when another portal is housekeeping now: it would only delete the same rows.
    async fn begin_housekeeping(&self) -> Result<Option<Transaction<'static, Postgres>>, StoreError> {
        let mut transaction = self.writer.begin().await?;
        let ours: bool =
            sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)").bind(HOUSEKEEPING_LOCK).fetch_one(&mut *transaction).await?;
        Ok(ours.then_some(transaction))
    }
}

super::sql::sql_storage!(PostgresBackend, Postgres);
