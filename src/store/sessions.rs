//! Where the journey's server-side sessions live: in the portal's database (its SQL session
//! table), or in Redis when the settings name one (`TWOFA_REDIS_URL`), chosen at start.

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_redis_store::RedisStore;
use fred::prelude::{ClientLike, Config, PerformanceConfig, Pool, ReconnectPolicy};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use super::StoreError;

/// Connections to Redis each portal keeps open.
const REDIS_CONNECTIONS: usize = 4;
/// A Redis that does not answer within this fails the request (and the health check) rather
/// than holding it while the client reconnects.
const REDIS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

#[derive(Debug, Clone)]
pub enum SessionStores {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
    /// Redis forgets an expired session by itself.
    Redis { store: RedisStore<Pool>, pool: Pool },
}

impl SessionStores {
    /// Connects to Redis at `url` (`rediss://` over TLS), reconnecting with growing pauses
    /// whenever it goes away.
    pub async fn redis(url: &str) -> Result<Self, StoreError> {
        let redis = |error: fred::error::Error| StoreError::Redis(error.to_string());
        // The URL may hold a password: the error names neither.
        let config = Config::from_url(url).map_err(|_| StoreError::Redis("TWOFA_REDIS_URL is not a Redis URL".into()))?;
        let reconnect = ReconnectPolicy::new_exponential(0, 100, 10_000, 2);
        let performance = PerformanceConfig { default_command_timeout: REDIS_TIMEOUT, ..PerformanceConfig::default() };
        let pool = Pool::new(config, Some(performance), None, Some(reconnect), REDIS_CONNECTIONS).map_err(redis)?;
        pool.init().await.map_err(redis)?;
        Ok(SessionStores::Redis { store: RedisStore::new(pool.clone()), pool })
    }

    /// Whether Redis answers; the database's sessions answer with the database (`Storage::ping`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            SessionStores::Redis { pool, .. } => pool.ping::<()>(None).await.map_err(|error| StoreError::Redis(error.to_string())),
            SessionStores::Sqlite(_) | SessionStores::Postgres(_) => Ok(()),
        }
    }

    /// Deletes the expired sessions of a database; nothing to do in Redis.
    pub async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            SessionStores::Sqlite(store) => store.delete_expired().await,
            SessionStores::Postgres(store) => store.delete_expired().await,
            SessionStores::Redis { .. } => Ok(()),
        }
    }
}

#[async_trait]
impl SessionStore for SessionStores {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            SessionStores::Sqlite(store) => store.create(record).await,
            SessionStores::Postgres(store) => store.create(record).await,
            SessionStores::Redis { store, .. } => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            SessionStores::Sqlite(store) => store.save(record).await,
            SessionStores::Postgres(store) => store.save(record).await,
            SessionStores::Redis { store, .. } => store.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            SessionStores::Sqlite(store) => store.load(id).await,
            SessionStores::Postgres(store) => store.load(id).await,
            SessionStores::Redis { store, .. } => store.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            SessionStores::Sqlite(store) => store.delete(id).await,
            SessionStores::Postgres(store) => store.delete(id).await,
            SessionStores::Redis { store, .. } => store.delete(id).await,
        }
    }
}
