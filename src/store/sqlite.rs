//! SQLite, the embedded default: one file in WAL mode, one writer connection (SQLite allows one
//! writer at a time) whose writes are committed in groups (`sqlite_writer`), and readers
//! used synchronously from the calling thread (`sqlite_query`). Both on rusqlite; sqlx only
//! runs the migrations.

use rusqlite::{Connection, OpenFlags};
use sqlx::Sqlite;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use super::StoreResult;
use super::group_commit;
use super::sqlite_query::{
    Args, Bind, Executor, QueryBuilder, Row, SqliteQuery, SqliteRow as DbRow, arg, arg_count,
    query, query_with,
};
use super::sqlite_writer::{WriteTx, Writer};

pub struct SqliteStore {
    writer: Writer,
    readers: Readers,
}

/// Each reader's page cache, in KiB (SQLite's default is 2000). Any write by the writer
/// empties every reader's cache at its next read, so a large one mostly costs memory.
const READER_CACHE: i64 = -1024;

/// Statements each connection keeps prepared: every statement of the shared SQL, and room
/// for the variants of the built ones (filters, pages).
const PREPARED: usize = 256;

/// Idle readers kept open. A read holds one only while it runs (synchronously, on the
/// calling thread), so as many are in use as threads read at once.
const IDLE_READERS: usize = 8;

impl SqliteStore {
    /// Opens (creating when missing) the database at `url` (`sqlite://path/to/portico.db`).
    pub async fn connect(url: &str) -> StoreResult<SqliteStore> {
        let options = Self::connect_options(url)?;
        let path = options.get_filename().to_path_buf();
        let migrating = Self::pool_options(1).connect_with(options).await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&migrating)
            .await?;
        migrating.close().await;
        let conn = group_commit::open(&path)?;
        conn.set_prepared_statement_cache_capacity(PREPARED);
        Ok(SqliteStore {
            writer: Writer::new(conn),
            readers: Readers {
                path,
                idle: Mutex::new(Vec::new()),
            },
        })
    }

    /// How Portico's sqlx connections to the file are opened (the migrations', the
    /// benchmark's baseline): WAL, `synchronous = FULL` (each commit is on disk before it
    /// returns, so no request is answered before its transaction is durable: a guest who saw
    /// "All set" keeps the connection through a power loss; NORMAL would only be durable at
    /// the next checkpoint), foreign keys on, and a busy wait instead of an immediate
    /// SQLITE_BUSY; `group_commit::open` opens the store's own on the same settings.
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

    /// A write of one statement: the same, since every write waits for its batch's commit.
    async fn write_one(&self) -> StoreResult<Tx> {
        self.writer.begin().await
    }

    fn reader(&self) -> &Readers {
        &self.readers
    }
}

/// The read connections: WAL lets them read beside the writer, each from the last commit.
pub(super) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    fn open(path: &Path) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "cache_size", READER_CACHE)?;
        conn.set_prepared_statement_cache_capacity(PREPARED);
        Ok(conn)
    }
}

impl<'c> Executor<'c> for &Readers {
    fn on_connection<R>(
        self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<R>,
    ) -> StoreResult<R> {
        let idle = self.idle.lock().expect("not poisoned").pop();
        let conn = match idle {
            Some(conn) => conn,
            None => Readers::open(&self.path)?,
        };
        let read = f(&conn);
        let mut idle = self.idle.lock().expect("not poisoned");
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
        Ok(read?)
    }
}

/// The backend the shared SQL (`sql/`) is mounted for, and its dialect.
type Backend = SqliteStore;
type Db = Sqlite;
/// A write transaction: a savepoint in the writer's open batch.
type Tx = WriteTx;
type Query<'q> = SqliteQuery;
/// Nothing: the single writer already serialises claims.
const SKIP_LOCKED: &str = "";
/// No data-modifying `WITH` in SQLite, and no round trip to save: a statement each.
const ONE_STATEMENT_BATCH: bool = false;

#[path = "sql/mod.rs"]
#[allow(
    clippy::duplicate_mod,
    reason = "the shared SQL is mounted once per backend"
)]
#[allow(
    clippy::useless_conversion,
    clippy::needless_question_mark,
    reason = "the shared SQL converts sqlx's errors; this driver's are StoreErrors already"
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
        let tx = store.write().await.unwrap();
        let synchronous: i64 = tx
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(synchronous, 2);
        let mode: String = tx
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        tx.commit().await.unwrap();
    }
}
