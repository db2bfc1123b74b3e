//! Statements built with their arguments, `Batch`: the writes of one transaction, sent in
//! as few round trips as the backend allows, and the writes of one statement.

use super::{Backend, DbRow, Executor, ONE_STATEMENT_BATCH, Query, arg_count, query_with};
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

/// The writes of one transaction, in order. Each statement is built by a function that
/// numbers its placeholders after the arguments it is given and adds its own.
///
/// Where the backend allows it (`ONE_STATEMENT_BATCH`: PostgreSQL) the statements share one
/// list of arguments and go as one statement, every write but the last a data-modifying
/// `WITH`: one round trip, atomic as a statement is. Those run on one snapshot, so a batch's
/// statements must be independent: none reads or writes a row another writes (a foreign key
/// to a row of the batch is checked at the statement's end, when every row is in). SQLite
/// (no data-modifying `WITH`, and no round trip to save) runs them one by one.
#[derive(Default)]
pub(super) struct Batch {
    statements: Vec<String>,
    /// One per statement, or the one list of them all.
    args: Vec<Args>,
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
        if !ONE_STATEMENT_BATCH || self.args.is_empty() {
            self.args.push(Args::default());
        }
        let args = self.args.last_mut().expect("pushed above");
        let before = arg_count(args);
        let sql = build(args)?;
        // A builder must add exactly one argument per placeholder it writes.
        debug_assert_eq!(sql.matches('$').count(), arg_count(args) - before, "{sql}");
        self.statements.push(sql);
        Ok(self)
    }

    pub(super) async fn execute(self, tx: &mut Tx) -> StoreResult<()> {
        self.run_on(&mut **tx).await
    }

    async fn run_on<C>(self, conn: &mut C) -> StoreResult<()>
    where
        C: ?Sized + Send,
        for<'c> &'c mut C: Executor<'c>,
    {
        if ONE_STATEMENT_BATCH {
            let (Some(sql), Some(args)) = (self.one_statement(), self.args.into_iter().next())
            else {
                return Ok(());
            };
            query_with(sqlx::AssertSqlSafe(sql), args)
                .execute(&mut *conn)
                .await?;
            return Ok(());
        }
        for (sql, args) in self.statements.into_iter().zip(self.args) {
            query_with(sqlx::AssertSqlSafe(sql), args)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// The statements as one: `WITH w1 AS (first), ... last`.
    fn one_statement(&self) -> Option<String> {
        let (last, before) = self.statements.split_last()?;
        if before.is_empty() {
            return Some(last.clone());
        }
        let writes: Vec<String> = before
            .iter()
            .enumerate()
            .map(|(i, sql)| format!("w{i} AS ({sql})"))
            .collect();
        Some(format!("WITH {} {last}", writes.join(", ")))
    }

    /// Runs the batch as a transaction of its own: in autocommit where it is one statement.
    pub(super) async fn commit_alone(self, store: &Backend) -> StoreResult<()> {
        if ONE_STATEMENT_BATCH {
            let mut conn = store.write_one().await?;
            self.run_on(&mut *conn).await?;
            return conn.commit().await;
        }
        let mut tx = store.write().await?;
        self.execute(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
