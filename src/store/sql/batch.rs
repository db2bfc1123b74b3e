//! Statements built with their arguments, `Batch`: the writes of one transaction, sent in
//! as few round trips as the backend allows, and the writes of one statement.

use super::shared::DbRow;
use super::{Backend, Db, MULTI_STATEMENT};
use crate::store::StoreResult;

pub(super) use super::Tx;

pub(super) type Args = <Db as sqlx::Database>::Arguments;
type Query<'q> = sqlx::query::Query<'q, Db, Args>;

/// One statement written (or read where only the writer's view will do) as a transaction of
/// its own: on SQLite in the writer's batch, answered once durable; on PostgreSQL in
/// autocommit.
impl Backend {
    /// The number of rows `q` changed.
    pub(super) async fn write_execute(&self, q: Query<'_>) -> StoreResult<u64> {
        let mut tx = self.write_one().await?;
        let changed = q.execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(changed)
    }

    pub(super) async fn write_fetch_optional(&self, q: Query<'_>) -> StoreResult<Option<DbRow>> {
        let mut tx = self.write_one().await?;
        let row = q.fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub(super) async fn write_fetch_one(&self, q: Query<'_>) -> StoreResult<DbRow> {
        let mut tx = self.write_one().await?;
        let row = q.fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub(super) async fn write_fetch_all(&self, q: Query<'_>) -> StoreResult<Vec<DbRow>> {
        let mut tx = self.write_one().await?;
        let rows = q.fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(rows)
    }
}

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

    pub(super) async fn execute(self, tx: &mut Tx) -> StoreResult<()> {
        for (sql, args) in self.statements {
            sqlx::query_with(sqlx::AssertSqlSafe(sql), args)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Runs the batch as a transaction of its own (see each backend's `commit_batch`).
    pub(super) async fn commit_alone(self, store: &Backend) -> StoreResult<()> {
        store.commit_batch(self.statements).await
    }
}
