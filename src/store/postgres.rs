//! PostgreSQL: one pool shared by reads and writes; several `portico serve` processes may share
//! the database (migrations take PostgreSQL's advisory lock).

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgArguments, PgPoolOptions, PgRow as DbRow};
use sqlx::{PgConnection, PgPool, Pool, Postgres, QueryBuilder, Row, query, query_with};
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
/// A transaction's writes go as one statement: a round trip each saved.
const ONE_STATEMENT_BATCH: bool = true;
type Args = PgArguments;
type Query<'q> = sqlx::query::Query<'q, Postgres, Args>;

/// Where a statement runs: the pool or a transaction's connection.
trait Executor<'c>: sqlx::Executor<'c, Database = Postgres> {}
impl<'c, E: sqlx::Executor<'c, Database = Postgres>> Executor<'c> for E {}

/// A value a statement can bind.
trait Bind<'t>: sqlx::Encode<'t, Postgres> + sqlx::Type<Postgres> {}
impl<'t, T: sqlx::Encode<'t, Postgres> + sqlx::Type<Postgres>> Bind<'t> for T {}

/// Adds one value to a statement's arguments.
fn arg<'t>(args: &mut Args, value: impl Bind<'t>) -> StoreResult<()> {
    use sqlx::Arguments;
    args.add(value).map_err(sqlx::Error::Encode)?;
    Ok(())
}

/// How many arguments `args` holds.
fn arg_count(args: &Args) -> usize {
    use sqlx::Arguments;
    args.len()
}

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
