//! The embedded backend: one SQLite file, for a portal on one machine (`sqlite://…`).

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use tower_sessions_sqlx_store::SqliteStore;

use super::StoreError;
use super::sessions::SessionStores;

pub struct SqliteBackend {
    /// Reads (the write-ahead log lets them run beside a write) and sessions.
    pool: SqlitePool,
    /// Our writes, on one connection of their own: SQLite lets one writer in at a time, and a
    /// writer that finds the lock taken sleeps in SQLite's busy handler for up to 100 ms at a
    /// time (the tail of `make bench`'s wrong codes); behind this pool they queue in order instead.
    writer: SqlitePool,
}

/// Sessions live in the portal's own file, table `sessions`.
const SESSION_TABLE: &str = "sessions";

impl SqliteBackend {
    /// Opens (creating if needed) the database at `url` and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // With the write-ahead log, NORMAL syncs at checkpoints rather than at each commit: a
            // crash of the portal loses nothing, a power cut may lose the last moments' writes.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true);
        if let Some(folder) = options.get_filename().parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)
                .map_err(|source| StoreError::Folder { path: folder.display().to_string(), source })?;
        }
        let writer = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
        sqlx::migrate!("migrations/sqlite").run(&writer).await?;
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        let backend = SqliteBackend { pool, writer };
        backend.sql_sessions()?.migrate().await?;
        Ok(backend)
    }

    fn sql_sessions(&self) -> Result<SqliteStore, StoreError> {
        SqliteStore::new(self.pool.clone()).with_table_name(SESSION_TABLE).map_err(StoreError::Sessions)
    }

    fn session_store(&self) -> Result<SessionStores, StoreError> {
        Ok(SessionStores::Sqlite(self.sql_sessions()?))
    }

    /// `BEGIN IMMEDIATE` takes the write lock at once and waits for any other writer.
    async fn begin_serialized(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// One portal owns an SQLite file: its housekeeping always runs.
    async fn begin_housekeeping(&self) -> Result<Option<Transaction<'static, Sqlite>>, StoreError> {
        Ok(Some(self.begin_serialized().await?))
    }
}

super::sql::sql_storage!(SqliteBackend, Sqlite);
