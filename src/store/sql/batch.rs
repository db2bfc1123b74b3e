//! Statements built with their arguments, `Batch`: the writes of one transaction, sent in
//! as few round trips as the backend allows, and the writes of one statement.

use super::{Backend, DbRow, Query, arg_count, query_with};
use crate::store::StoreResult;

pub(super) use super::{Args, Tx, arg};

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

/// `($k, ..., $k+n-1)`: `n` placeholders numbered after the arguments already in `args`.
pub(super) fn placeholders(args: &Args, n: usize) -> String {
    let first = arg_count(args) + 1;
    let list: Vec<String> = (first..first + n).map(|i| format!("${i}")).collect();
    format!("({})", list.join(", "))
}

/// The writes of one transaction, in order, one statement each. Each statement is built by
/// a function that numbers its placeholders after the arguments it is given and adds its
/// own.
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
        let mut args = Args::default();
        let sql = build(&mut args)?;
        // A builder must add exactly one argument per placeholder it writes.
        debug_assert_eq!(sql.matches('$').count(), arg_count(&args), "{sql}");
        self.statements.push((sql, args));
        Ok(self)
    }

    pub(super) async fn execute(self, tx: &mut Tx) -> StoreResult<()> {
        for (sql, args) in self.statements {
            query_with(sqlx::AssertSqlSafe(sql), args)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Runs the batch as a transaction of its own.
    pub(super) async fn commit_alone(self, store: &Backend) -> StoreResult<()> {
        let mut tx = store.write().await?;
        self.execute(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
