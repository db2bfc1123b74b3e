//! SQLite, the embedded default: one file in WAL mode, one writer connection (SQLite allows one
//! writer at a time; a single connection makes writers queue in the pool instead of failing with
//! SQLITE_BUSY) and a pool of readers.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Sqlite};
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStore {
    writer: Pool<Sqlite>,
    reader: Pool<Sqlite>,
}

impl SqliteStore {
    /// Opens (creating when missing) the database at `url` (`sqlite://path/to/portico.db`).
    pub async fn connect(url: &str) -> StoreResult<SqliteStore> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        Ok(SqliteStore { writer, reader })
    }

    fn writer(&self) -> &Pool<Sqlite> {
        &self.writer
    }

    fn reader(&self) -> &Pool<Sqlite> {
        &self.reader
    }
}

super::sql::sql_store!(SqliteStore, sqlx::Sqlite, "");
