//! The database straight through SQL, beside Portico: the baseline's scratch table, seeding
//! invitations, sampling their ids.

use anyhow::bail;
use portico::store::SqliteStore;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, SqlitePool};
use std::time::Duration;
use uuid::Uuid;

/// Rows per multi-row INSERT while seeding (two parameters each), and per transaction.
const ROWS_PER_INSERT: usize = 1000;
const ROWS_PER_TRANSACTION: usize = 10_000;

#[derive(Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The same statements on either pool (each arm is type-checked for its own database).
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            Db::Sqlite($pool) => $body,
            Db::Postgres($pool) => $body,
        }
    };
}

impl Db {
    /// A pool configured like Portico's own writer: for SQLite the store's own connection and
    /// pool settings with one connection; for PostgreSQL a pool of 16.
    pub async fn open(url: &str) -> anyhow::Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            let options = SqliteStore::connect_options(url)?;
            let pool = SqliteStore::pool_options(1).connect_with(options).await?;
            Ok(Db::Sqlite(pool))
        }
    }

    pub async fn create_scratch_table(&self) -> anyhow::Result<()> {
        let id_type = match self {
            Db::Sqlite(_) => "BLOB",
            Db::Postgres(_) => "uuid",
        };
        let ddl = format!(
            "CREATE TABLE IF NOT EXISTS bench_scratch (id {id_type} PRIMARY KEY, \
             body TEXT NOT NULL, created_at BIGINT NOT NULL)"
        );
        on_pool!(self, pool => {
            sqlx::raw_sql(AssertSqlSafe(ddl)).execute(pool).await?;
        });
        Ok(())
    }

    pub async fn insert_scratch_row(&self, body: String) -> sqlx::Result<Uuid> {
        let id = Uuid::now_v7();
        let now = chrono::Utc::now().timestamp_millis();
        let sql = "INSERT INTO bench_scratch (id, body, created_at) VALUES ($1, $2, $3)";
        on_pool!(self, pool => {
            sqlx::query(sql).bind(id).bind(body).bind(now).execute(pool).await?;
        });
        Ok(id)
    }

    pub async fn count_invitations(&self) -> anyhow::Result<u64> {
        let sql = "SELECT COUNT(*) FROM invitations";
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await?);
        Ok(u64::try_from(n)?)
    }

    /// Invitation ids at random from the whole table.
    pub async fn sample_invitation_ids(&self, n: i64) -> anyhow::Result<Vec<Uuid>> {
        let sql = "SELECT id FROM invitations ORDER BY random() LIMIT $1";
        let ids = on_pool!(self, pool => sqlx::query_scalar(sql).bind(n).fetch_all(pool).await?);
        Ok(ids)
    }

    /// After a bulk load, what PostgreSQL's autovacuum would do before long anyway (planner
    /// statistics, visibility map), so the round measures settled tables rather than racing
    /// autovacuum. Every table, not only the seeded one: the earlier round grew `connections`
    /// from nothing within seconds, and plans the server cached while it was empty (a
    /// sequential scan) hold until its statistics change. Nothing on SQLite, which Portico
    /// never analyzes.
    pub async fn settle(&self) -> anyhow::Result<()> {
        if let Db::Postgres(pool) = self {
            sqlx::raw_sql("VACUUM ANALYZE").execute(pool).await?;
        }
        Ok(())
    }

    /// The columns of `invitations` a seeded row copies from its template: all but the id and
    /// the token's hash, read from the schema so a column added later is copied too.
    async fn copied_columns(&self) -> anyhow::Result<Vec<String>> {
        let columns: Vec<String> = match self {
            Db::Sqlite(pool) => {
                sqlx::query_scalar("SELECT name FROM pragma_table_info('invitations')")
                    .fetch_all(pool)
                    .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_scalar(
                    "SELECT column_name::text FROM information_schema.columns \
                     WHERE table_name = 'invitations' AND table_schema = current_schema() \
                     ORDER BY ordinal_position",
                )
                .fetch_all(pool)
                .await?
            }
        };
        Ok(columns
            .into_iter()
            .filter(|c| c != "id" && c != "token_hash")
            .collect())
    }

    /// Adds `n` invitations copied from `template` (ids UUIDv7, token hashes unique), in
    /// multi-row inserts, one transaction per `ROWS_PER_TRANSACTION`.
    pub async fn seed(&self, n: u64, template: Uuid) -> anyhow::Result<()> {
        let columns = self.copied_columns().await?;
        let copied: Vec<String> = columns.iter().map(|c| format!("t.{c}")).collect();
        let insert = |rows: usize| {
            let values: Vec<String> = (0..rows)
                .map(|r| format!("(${}, ${})", 2 * r + 1, 2 * r + 2))
                .collect();
            format!(
                "INSERT INTO invitations (id, token_hash, {}) SELECT v.column1, v.column2, {} \
                 FROM (VALUES {}) AS v CROSS JOIN invitations t WHERE t.id = ${}",
                columns.join(", "),
                copied.join(", "),
                values.join(", "),
                2 * rows + 1
            )
        };
        let full = insert(ROWS_PER_INSERT);
        let mut left = n as usize;
        while left > 0 {
            let in_tx = left.min(ROWS_PER_TRANSACTION);
            let rows: Vec<(Uuid, Vec<u8>)> = (0..in_tx)
                .map(|_| {
                    let id = Uuid::now_v7();
                    (id, portico::crypto::token::sha256(id.as_bytes()))
                })
                .collect();
            on_pool!(self, pool => {
                let mut tx = pool.begin().await?;
                for chunk in rows.chunks(ROWS_PER_INSERT) {
                    let sql = if chunk.len() == ROWS_PER_INSERT { full.clone() } else { insert(chunk.len()) };
                    let mut query = sqlx::query(AssertSqlSafe(sql));
                    for (id, hash) in chunk {
                        query = query.bind(*id).bind(hash.clone());
                    }
                    let done = query.bind(template).execute(&mut *tx).await?;
                    if done.rows_affected() != chunk.len() as u64 {
                        bail!("seeding inserted {} rows of {}", done.rows_affected(), chunk.len());
                    }
                }
                tx.commit().await?;
            });
            left -= in_tx;
        }
        Ok(())
    }
}
