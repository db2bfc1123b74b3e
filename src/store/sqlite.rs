//! SQLite, the embedded default: one file in WAL mode, one writer connection (SQLite allows one
//! writer at a time) whose writes are committed in groups (`sqlite_writer`), and a pool of
//! readers.

use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Pool, Sqlite};
use std::str::FromStr;
use std::time::Duration;

use super::StoreResult;
use super::sqlite_writer::{WriteTx, Writer};

pub struct SqliteStore {
    writer: Writer,
    reader: Pool<Sqlite>,
}

/// Reader connections: SQLite in WAL mode lets readers run beside the one writer.
const READERS: u32 = 4;

/// Each reader's page cache, in KiB (SQLite's default is 2000). Any write by the writer
/// empties every reader's cache at its next read, so a large one mostly costs memory.
const READER_CACHE: &str = "-1024";

impl SqliteStore {
    /// Opens (creating when missing) the database at `url` (`sqlite://path/to/portico.db`).
    pub async fn connect(url: &str) -> StoreResult<SqliteStore> {
        let options = Self::connect_options(url)?;
        // Migrated through a pool of one (a future the server can spawn), whose connection
        // then becomes the writer's.
        let migrating = Self::pool_options(1).connect_with(options.clone()).await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&migrating)
            .await?;
        let writer = Writer::new(migrating.acquire().await?.detach());
        migrating.close().await;
        let reader = Self::pool_options(READERS)
            .connect_with(options.read_only(true).pragma("cache_size", READER_CACHE))
            .await?;
        Ok(SqliteStore { writer, reader })
    }

    /// How every Portico connection to the file is opened: WAL, `synchronous = FULL` (each
    /// commit is on disk before it returns, so no request is answered before its transaction
    /// is durable: a guest who saw "All set" keeps the connection through a power loss;
    /// NORMAL would only be durable at the next checkpoint), foreign keys on, and a busy wait
    /// instead of an immediate SQLITE_BUSY. Public so the benchmark's baseline runs on the
    /// same settings.
    pub fn connect_options(url: &str) -> StoreResult<SqliteConnectOptions> {
        Ok(SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10)))
    }

    /// A pool of `size` connections. No ping before each acquire (sqlx's default): the file is
    /// local, so there is no far end that could have gone away, and the ping would cost a
    /// round trip to the connection's worker thread on every query.
    pub fn pool_options(size: u32) -> SqlitePoolOptions {
        SqlitePoolOptions::new()
            .max_connections(size)
            .test_before_acquire(false)
    }

    /// A write transaction in the writer's open batch.
    async fn write(&self) -> StoreResult<Tx> {
        self.writer.begin().await
    }

    /// A batch's statements (on SQLite, one query of them all) as a write transaction of its
    /// own, handed to the writer's connection once.
    async fn commit_batch(&self, statements: Vec<(String, SqliteArguments)>) -> StoreResult<()> {
        let mut statements = statements.into_iter();
        let Some((sql, args)) = statements.next() else {
            return Ok(());
        };
        debug_assert!(statements.next().is_none(), "see MULTI_STATEMENT");
        self.writer.commit_query(&sql, args).await
    }

    /// A write of one statement: the same, since every write waits for its batch's commit.
    async fn write_one(&self) -> StoreResult<Tx> {
        self.writer.begin().await
    }

    fn reader(&self) -> &Pool<Sqlite> {
        &self.reader
    }
}

/// The backend the shared SQL (`sql/`) is mounted for, and its dialect.
type Backend = SqliteStore;
type Db = Sqlite;
/// A write transaction: a savepoint in the writer's open batch.
type Tx = WriteTx;
/// Nothing: the single writer already serialises claims.
const SKIP_LOCKED: &str = "";
/// sqlx binds `$n` across the statements of one SQLite query (see `Batch`).
const MULTI_STATEMENT: bool = true;

#[path = "sql/mod.rs"]
#[allow(
    clippy::duplicate_mod,
    reason = "the shared SQL is mounted once per backend"
)]
mod sql;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_commit_is_durable_before_it_returns() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("p.db").display());
        let store = SqliteStore::connect(&url).await.unwrap();
        // 2 is FULL: the WAL is synced at every commit, not only at checkpoints.
        let mut tx = store.write().await.unwrap();
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(synchronous, 2);
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        tx.commit().await.unwrap();
    }
}
