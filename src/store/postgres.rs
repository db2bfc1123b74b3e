//! PostgreSQL: one pool shared by reads and writes; several `portico serve` processes may share
//! the database (migrations take PostgreSQL's advisory lock).

use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres};
use std::time::Duration;

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

use sqlx::Pool;

super::sql::sql_store!(
    PostgresStore,
    sqlx::Postgres,
    " FOR UPDATE SKIP LOCKED",
    false
);
