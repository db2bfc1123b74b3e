//! PostgreSQL: one pool shared by reads and writes; several `portico serve` processes may share
//! the database (migrations take PostgreSQL's advisory lock).

use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Pool, Postgres};
use std::time::Duration;

use super::StoreResult;

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub async fn connect(url: &str) -> StoreResult<PostgresStore> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PostgresStore { pool })
    }

    fn writer(&self) -> &Pool<Postgres> {
        &self.pool
    }

    fn reader(&self) -> &Pool<Postgres> {
        &self.pool
    }
}

/// The backend the shared SQL (`sql/`) is mounted for, and its dialect.
type Backend = PostgresStore;
type Db = Postgres;
/// Several processes claim at once: each skips the rows another is claiming.
const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";
/// PostgreSQL's protocol prepares one statement at a time.
const MULTI_STATEMENT: bool = false;

#[path = "sql/mod.rs"]
#[allow(
    clippy::duplicate_mod,
    reason = "the shared SQL is mounted once per backend"
)]
mod sql;
