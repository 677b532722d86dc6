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
        // A connection to a file does not go stale: no ping before each use (a round trip to
        // the connection's thread per statement).
        let writer = SqlitePoolOptions::new().max_connections(1).test_before_acquire(false).connect_with(options.clone()).await?;
        sqlx::migrate!("migrations/sqlite").run(&writer).await?;
        let pool = SqlitePoolOptions::new().max_connections(8).test_before_acquire(false).connect_with(options).await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Row;

    /// Every statement written out in `sql.rs`, as SQLite reads it (`$1` is a parameter there too).
    /// Statements assembled with `format!` (by primary key, or housekeeping's lists) are left out.
    fn statements() -> Vec<String> {
        include_str!("sql.rs")
            .split('"')
            .skip(1)
            .step_by(2)
            .map(|text| text.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|text| ["SELECT ", "UPDATE ", "DELETE ", "INSERT "].iter().any(|verb| text.starts_with(verb)) && !text.contains('{'))
            .collect()
    }

    /// Each lookup finds its rows through a key or an index: a statement that scans a table grows
    /// slower with every verification, send and delivery stored.
    #[tokio::test]
    async fn no_statement_scans_a_table() {
        let folder = tempfile::tempdir().unwrap();
        let backend = SqliteBackend::connect(&format!("sqlite://{}", folder.path().join("plan.db").display())).await.unwrap();
        let statements = statements();
        assert!(statements.len() > 25, "the statements of sql.rs were found: {statements:?}");
        for statement in statements {
            let plan: Vec<String> = sqlx::query(&format!("EXPLAIN QUERY PLAN {statement}"))
                .fetch_all(&backend.pool)
                .await
                .unwrap_or_else(|error| panic!("{statement}: {error}"))
                .iter()
                .map(|row| row.get::<String, _>("detail"))
                .collect();
            let scans: Vec<&String> = plan.iter().filter(|step| step.starts_with("SCAN") && step != &"SCAN CONSTANT ROW").collect();
            assert!(scans.is_empty(), "{statement}\nscans: {scans:?}");
        }
    }
}
