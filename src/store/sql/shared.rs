//! What every area's SQL reads rows with: timestamps, wrapped keys, the row an account owns,
//! keyset pages.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Db, Executor, QueryBuilder, Row, query};
use crate::crypto::WrappedKey;
use crate::store::{Page, StoreError, StoreResult, from_millis};

pub(super) use super::DbRow;

pub(super) fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// The timestamp (integer milliseconds) in `column`.
pub(super) fn time(row: &DbRow, column: &str) -> StoreResult<DateTime<Utc>> {
    from_millis(row.try_get(column)?)
}

/// The timestamp in `column`, which may be NULL.
pub(super) fn maybe_time(row: &DbRow, column: &str) -> StoreResult<Option<DateTime<Utc>>> {
    row.try_get::<Option<i64>, _>(column)?
        .map(from_millis)
        .transpose()
}

pub(super) fn wrapped_key(row: &DbRow) -> StoreResult<WrappedKey> {
    Ok(WrappedKey {
        key_id: row.try_get("data_key_id")?,
        bytes: row.try_get("data_key")?,
    })
}

/// `columns` (a comma-separated list) qualified by the table alias `table`, each
/// named as itself (SQLite leaves the name of an unaliased `t.col` unspecified).
pub(super) fn prefixed(table: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{table}.{0} AS {0}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The row of `columns` in `table` with this id, if the account owns it.
pub(super) async fn owned_row<'c, T>(
    db: impl Executor<'c>,
    columns: &str,
    table: &str,
    account_id: Uuid,
    id: Uuid,
    map: fn(&DbRow) -> StoreResult<T>,
) -> StoreResult<Option<T>> {
    query(sqlx::AssertSqlSafe(format!(
        "SELECT {columns} FROM {table} WHERE account_id = $1 AND id = $2"
    )))
    .bind(account_id)
    .bind(id)
    .fetch_optional(db)
    .await?
    .as_ref()
    .map(map)
    .transpose()
}

/// Keyset page, newest first.
pub(super) fn push_page(q: &mut QueryBuilder<Db>, page: Page) {
    if let Some(before) = page.before {
        q.push(" AND id < ").push_bind(before);
    }
    q.push(" ORDER BY id DESC LIMIT ").push_bind(page.limit);
}
