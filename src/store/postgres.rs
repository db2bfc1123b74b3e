//! PostgreSQL: one pool shared by reads and writes; several `portico serve` processes may share
//! the database (migrations take PostgreSQL's advisory lock).

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgArguments, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Pool, Postgres};
use std::ops::{Deref, DerefMut};
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

    async fn write(&self) -> StoreResult<Tx> {
        Ok(self.pool.begin().await?)
    }

    /// A batch's statements as a transaction of their own: begin, each, commit.
    async fn commit_batch(&self, statements: Vec<(String, PgArguments)>) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        for (sql, args) in statements {
            sqlx::query_with(sqlx::AssertSqlSafe(sql), args)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A write of one statement: a pooled connection in autocommit, one round trip.
    async fn write_one(&self) -> StoreResult<Autocommit> {
        Ok(Autocommit(self.pool.acquire().await?))
    }

    fn reader(&self) -> &Pool<Postgres> {
        &self.pool
    }
}

/// The backend the shared SQL (`sql/`) is mounted for, and its dialect.
type Backend = PostgresStore;
type Db = Postgres;
type Tx = sqlx::Transaction<'static, Postgres>;
/// Several processes claim at once: each skips the rows another is claiming.
const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";
/// PostgreSQL's protocol prepares one statement at a time.
const MULTI_STATEMENT: bool = false;

/// A connection whose statements commit as they run; `commit` has nothing left to do. It
/// stands where the SQLite backend's `write_one` gives a transaction.
struct Autocommit(PoolConnection<Postgres>);

impl Autocommit {
    async fn commit(self) -> StoreResult<()> {
        Ok(())
    }
}

impl Deref for Autocommit {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.0
    }
}

impl DerefMut for Autocommit {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.0
    }
}

#[path = "sql/mod.rs"]
#[allow(
    clippy::duplicate_mod,
    reason = "the shared SQL is mounted once per backend"
)]
mod sql;
