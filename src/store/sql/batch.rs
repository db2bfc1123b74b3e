//! Statements built with their arguments, and `Batch`: the writes of one transaction, sent in
//! as few round trips as the backend allows.

use super::{Db, MULTI_STATEMENT};
use crate::store::StoreResult;

pub(super) type Args = <Db as sqlx::Database>::Arguments;
pub(super) type Tx<'a> = sqlx::Transaction<'a, Db>;

/// Adds one value to a statement's arguments.
pub(super) fn arg<'t, T>(args: &mut Args, value: T) -> StoreResult<()>
where
    T: sqlx::Encode<'t, Db> + sqlx::Type<Db>,
{
    use sqlx::Arguments;
    args.add(value).map_err(sqlx::Error::Encode)?;
    Ok(())
}

/// `($k, ..., $k+n-1)`: `n` placeholders numbered after the arguments already in `args`.
pub(super) fn placeholders(args: &Args, n: usize) -> String {
    use sqlx::Arguments;
    let first = args.len() + 1;
    let list: Vec<String> = (first..first + n).map(|i| format!("${i}")).collect();
    format!("({})", list.join(", "))
}

/// The writes of one transaction, in order. Where one query may hold several statements
/// (SQLite: sqlx binds `$n` across them) they go as one query, so the single writer's
/// thread is handed the work once instead of once per statement; elsewhere
/// (PostgreSQL, whose protocol prepares one statement at a time) one query each.
/// Each statement is built by a function that numbers its placeholders after the
/// arguments it is given and adds its own.
#[derive(Default)]
pub(super) struct Batch {
    statements: Vec<(String, Args)>,
}

impl Batch {
    /// A batch of the one statement `build` writes.
    pub(super) fn of(build: impl FnOnce(&mut Args) -> StoreResult<String>) -> StoreResult<Self> {
        let mut batch = Batch::default();
        batch.push(build)?;
        Ok(batch)
    }

    pub(super) fn push(
        &mut self,
        build: impl FnOnce(&mut Args) -> StoreResult<String>,
    ) -> StoreResult<&mut Self> {
        // A builder must add exactly one argument per placeholder it writes: SQLite
        // would bind NULL to a missing one without a word.
        fn checked(
            build: impl FnOnce(&mut Args) -> StoreResult<String>,
            args: &mut Args,
        ) -> StoreResult<String> {
            use sqlx::Arguments;
            let before = args.len();
            let sql = build(args)?;
            debug_assert_eq!(sql.matches('$').count(), args.len() - before, "{sql}");
            Ok(sql)
        }
        match self.statements.last_mut() {
            Some((sql, args)) if MULTI_STATEMENT => {
                let next = checked(build, args)?;
                sql.push_str("; ");
                sql.push_str(&next);
            }
            _ => {
                let mut args = Args::default();
                let sql = checked(build, &mut args)?;
                self.statements.push((sql, args));
            }
        }
        Ok(self)
    }

    pub(super) async fn execute(self, tx: &mut Tx<'_>) -> StoreResult<()> {
        for (sql, args) in self.statements {
            sqlx::query_with(sqlx::AssertSqlSafe(sql), args)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Runs the batch as a transaction of its own. On SQLite that is one query,
    /// `BEGIN IMMEDIATE`, the statements, `COMMIT`, handed to the writer's thread once
    /// instead of three times. It runs in a task of its own, so a caller that goes away
    /// (a client hanging up) cannot leave it half done; a failure is rolled back on the
    /// same connection before the connection goes back to the pool, or the connection
    /// is closed if even that fails. Elsewhere: begin, the statements, commit.
    pub(super) async fn commit_alone(self, pool: &sqlx::Pool<Db>) -> StoreResult<()> {
        if !MULTI_STATEMENT {
            let mut tx = pool.begin().await?;
            self.execute(&mut tx).await?;
            tx.commit().await?;
            return Ok(());
        }
        let Some((sql, args)) = self.statements.into_iter().next() else {
            return Ok(());
        };
        let pool = pool.clone();
        let write = tokio::spawn(async move {
            let mut conn = pool.acquire().await?;
            let sql = format!("BEGIN IMMEDIATE; {sql}; COMMIT");
            let done = sqlx::query_with(sqlx::AssertSqlSafe(sql), args)
                .execute(&mut *conn)
                .await;
            if done.is_err() && sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await.is_err() {
                // SQLite may have rolled back already (then there is nothing to do),
                // but the connection's state is not known for sure: do not reuse it.
                conn.close_on_drop();
            }
            done.map(|_| ())
        });
        match write.await {
            Ok(done) => Ok(done?),
            Err(e) => Err(sqlx::Error::Protocol(format!("the write task failed: {e}")).into()),
        }
    }
}
