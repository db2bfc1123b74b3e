//! Statements, arguments and rows on rusqlite, in the shape the shared SQL (`sql/`) is written
//! in: `query(sql).bind(v).fetch_optional(db)`, `row.try_get("column")`, `QueryBuilder`. The
//! PostgreSQL backend mounts sqlx's own items under the same names.
//!
//! A statement runs synchronously on the connection it is given, in the calling thread (issue
//! 14, point 3): a read of a few indexed rows takes microseconds, less than handing it to a
//! connection's worker thread and back (sqlx's SQLite driver), which is what it replaces.
//! Statements are prepared once per connection (`prepare_cached`); `$N` placeholders are bound
//! by name, so the same SQL serves both backends.
//!
//! Values are stored as sqlx stored them, so files written before stay readable: ids as
//! 16-byte BLOBs, JSON as TEXT, booleans as 0/1, timestamps as integer milliseconds.

use rusqlite::types::Value;
use rusqlite::{CachedStatement, Connection};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::SqlSafeStr;
use sqlx::types::Json;
use std::fmt::Display;
use std::marker::PhantomData;
use std::sync::Arc;
use uuid::Uuid;

use super::{StoreError, StoreResult};

/// A statement's arguments, `$1` first.
pub type Args = Vec<Value>;

/// A value a statement can bind.
pub trait Encode {
    fn encode(&self) -> StoreResult<Value>;
}

/// A value a row's column can be read as.
pub trait Decode: Sized {
    fn decode(value: &Value) -> Result<Self, String>;
}

/// What the shared SQL names a bindable value (for PostgreSQL, sqlx's `Encode` and `Type`).
pub trait Bind<'t>: Encode {}
impl<T: Encode> Bind<'_> for T {}

/// Adds one value to a statement's arguments.
pub fn arg(args: &mut Args, value: impl Encode) -> StoreResult<()> {
    args.push(value.encode()?);
    Ok(())
}

/// How many arguments `args` holds.
pub fn arg_count(args: &Args) -> usize {
    args.len()
}

/// Adds `value`, or on failure a NULL in its place (keeping the numbering) and the first
/// failure, which the statement reports when it runs.
fn push_arg(args: &mut Args, unencodable: &mut Option<StoreError>, value: impl Encode) {
    match value.encode() {
        Ok(v) => args.push(v),
        Err(e) => {
            args.push(Value::Null);
            unencodable.get_or_insert(e);
        }
    }
}

/// A statement and its arguments.
pub struct SqliteQuery {
    sql: sqlx::SqlStr,
    args: Args,
    /// The first argument that could not be encoded, reported when the statement runs.
    unencodable: Option<StoreError>,
}

pub fn query(sql: impl SqlSafeStr) -> SqliteQuery {
    query_with(sql, Args::new())
}

pub fn query_with(sql: impl SqlSafeStr, args: Args) -> SqliteQuery {
    SqliteQuery {
        sql: sql.into_sql_str(),
        args,
        unencodable: None,
    }
}

/// What running a statement that returns no rows reports.
#[derive(Debug)]
pub struct Done {
    rows_affected: u64,
}

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

impl SqliteQuery {
    pub fn bind(mut self, value: impl Encode) -> Self {
        push_arg(&mut self.args, &mut self.unencodable, value);
        self
    }

    pub async fn execute<'c>(self, db: impl Executor<'c>) -> StoreResult<Done> {
        // Stepped to the end whatever it returns (a `SELECT 1` ping, a `RETURNING` ignored).
        self.run(db, |conn, stmt| {
            let mut rows = stmt.raw_query();
            while rows.next()?.is_some() {}
            Ok(Done {
                rows_affected: conn.changes(),
            })
        })
    }

    pub async fn fetch_all<'c>(self, db: impl Executor<'c>) -> StoreResult<Vec<SqliteRow>> {
        self.rows(db, usize::MAX)
    }

    pub async fn fetch_optional<'c>(self, db: impl Executor<'c>) -> StoreResult<Option<SqliteRow>> {
        Ok(self.rows(db, 1)?.pop())
    }

    /// The first `at_most` rows. Stopping early is safe for writes too: SQLite makes every
    /// change of an `INSERT/UPDATE ... RETURNING` at its first step.
    fn rows<'c>(self, db: impl Executor<'c>, at_most: usize) -> StoreResult<Vec<SqliteRow>> {
        self.run(db, |_, stmt| {
            let columns: Arc<[Box<str>]> =
                stmt.column_names().into_iter().map(Into::into).collect();
            let width = columns.len();
            let mut rows = stmt.raw_query();
            let mut all = Vec::new();
            while all.len() < at_most
                && let Some(row) = rows.next()?
            {
                let values = (0..width)
                    .map(|i| row.get::<_, Value>(i))
                    .collect::<rusqlite::Result<_>>()?;
                all.push(SqliteRow {
                    columns: columns.clone(),
                    values,
                });
            }
            Ok(all)
        })
    }

    pub async fn fetch_one<'c>(self, db: impl Executor<'c>) -> StoreResult<SqliteRow> {
        self.fetch_optional(db)
            .await?
            .ok_or(StoreError::Database(sqlx::Error::RowNotFound))
    }

    /// Prepares the statement on `db`'s connection, binds every `$N` to argument N and runs
    /// `f` on it.
    fn run<'c, R>(
        self,
        db: impl Executor<'c>,
        f: impl FnOnce(&Connection, &mut CachedStatement<'_>) -> rusqlite::Result<R>,
    ) -> StoreResult<R> {
        if let Some(e) = self.unencodable {
            return Err(e);
        }
        let SqliteQuery { sql, args, .. } = self;
        db.on_connection(|conn| {
            let mut stmt = conn.prepare_cached(sql.as_str())?;
            for i in 1..=stmt.parameter_count() {
                let n = stmt
                    .parameter_name(i)
                    .and_then(|name| name.strip_prefix('$'))
                    .and_then(|n| n.parse::<usize>().ok());
                let value = n.and_then(|n| args.get(n - 1)).ok_or_else(|| {
                    rusqlite::Error::InvalidParameterName(format!(
                        "parameter {i} of {}",
                        sql.as_str()
                    ))
                })?;
                stmt.raw_bind_parameter(i, value)?;
            }
            f(conn, &mut stmt)
        })
    }
}

/// Where a statement runs: a reader (`&Readers`) or the writer's connection in a write
/// transaction (`&mut *tx`). The lifetime is the PostgreSQL backend's (sqlx's executors).
pub trait Executor<'c> {
    fn on_connection<R>(self, f: impl FnOnce(&Connection) -> rusqlite::Result<R>)
    -> StoreResult<R>;
}

impl<'c> Executor<'c> for &mut Connection {
    fn on_connection<R>(
        self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<R>,
    ) -> StoreResult<R> {
        Ok(f(self)?)
    }
}

/// One row, its values owned.
pub struct SqliteRow {
    columns: Arc<[Box<str>]>,
    values: Box<[Value]>,
}

/// Reading a row's columns by name, as sqlx's `Row` does.
pub trait Row {
    fn try_get<T: Decode, I: AsRef<str>>(&self, column: I) -> StoreResult<T>;
}

impl Row for SqliteRow {
    fn try_get<T: Decode, I: AsRef<str>>(&self, column: I) -> StoreResult<T> {
        let column = column.as_ref();
        let index = self
            .columns
            .iter()
            .position(|c| &**c == column)
            .ok_or_else(|| sqlx::Error::ColumnNotFound(column.to_string()))?;
        T::decode(&self.values[index]).map_err(|e| {
            StoreError::Database(sqlx::Error::ColumnDecode {
                index: column.to_string(),
                source: e.into(),
            })
        })
    }
}

/// A statement built piece by piece, its placeholders numbered as arguments are pushed (the
/// shape of sqlx's `QueryBuilder::<Db>`).
pub struct QueryBuilder<DB> {
    sql: String,
    args: Args,
    unencodable: Option<StoreError>,
    db: PhantomData<DB>,
}

impl<DB> QueryBuilder<DB> {
    pub fn new(sql: impl Into<String>) -> Self {
        QueryBuilder {
            sql: sql.into(),
            args: Args::new(),
            unencodable: None,
            db: PhantomData,
        }
    }

    pub fn push(&mut self, sql: impl Display) -> &mut Self {
        use std::fmt::Write;
        let _ = write!(self.sql, "{sql}");
        self
    }

    pub fn push_bind(&mut self, value: impl Encode) -> &mut Self {
        push_arg(&mut self.args, &mut self.unencodable, value);
        let n = self.args.len();
        self.push(format_args!("${n}"))
    }

    /// Pushes `separator` between the items pushed through the result.
    pub fn separated(&mut self, separator: &'static str) -> Separated<'_, DB> {
        Separated {
            builder: self,
            separator,
            first: true,
        }
    }

    pub fn build(&mut self) -> SqliteQuery {
        SqliteQuery {
            sql: sqlx::AssertSqlSafe(std::mem::take(&mut self.sql)).into_sql_str(),
            args: std::mem::take(&mut self.args),
            unencodable: self.unencodable.take(),
        }
    }
}

pub struct Separated<'b, DB> {
    builder: &'b mut QueryBuilder<DB>,
    separator: &'static str,
    first: bool,
}

impl<DB> Separated<'_, DB> {
    pub fn push_bind(&mut self, value: impl Encode) -> &mut Self {
        if !std::mem::take(&mut self.first) {
            self.builder.push(self.separator);
        }
        self.builder.push_bind(value);
        self
    }
}

impl<T: Encode + ?Sized> Encode for &T {
    fn encode(&self) -> StoreResult<Value> {
        (**self).encode()
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self) -> StoreResult<Value> {
        match self {
            Some(v) => v.encode(),
            None => Ok(Value::Null),
        }
    }
}

impl Encode for i64 {
    fn encode(&self) -> StoreResult<Value> {
        Ok(Value::Integer(*self))
    }
}

impl Encode for i32 {
    fn encode(&self) -> StoreResult<Value> {
        Ok(Value::Integer(i64::from(*self)))
    }
}

impl Encode for bool {
    fn encode(&self) -> StoreResult<Value> {
        Ok(Value::Integer(i64::from(*self)))
    }
}

impl Encode for str {
    fn encode(&self) -> StoreResult<Value> {
        Ok(Value::Text(self.to_string()))
    }
}

impl Encode for String {
    fn encode(&self) -> StoreResult<Value> {
        self.as_str().encode()
    }
}

impl Encode for [u8] {
    fn encode(&self) -> StoreResult<Value> {
        Ok(Value::Blob(self.to_vec()))
    }
}

impl Encode for Vec<u8> {
    fn encode(&self) -> StoreResult<Value> {
        self.as_slice().encode()
    }
}

impl Encode for Uuid {
    fn encode(&self) -> StoreResult<Value> {
        self.as_bytes().as_slice().encode()
    }
}

impl<T: Serialize> Encode for Json<T> {
    fn encode(&self) -> StoreResult<Value> {
        serde_json::to_string(&self.0)
            .map(Value::Text)
            .map_err(|e| StoreError::Database(sqlx::Error::Encode(e.into())))
    }
}

impl<T: Decode> Decode for Option<T> {
    fn decode(value: &Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            v => T::decode(v).map(Some),
        }
    }
}

fn mismatch(want: &str, value: &Value) -> String {
    format!("expected {want}, found {:?}", value.data_type())
}

impl Decode for i64 {
    fn decode(value: &Value) -> Result<Self, String> {
        match value {
            Value::Integer(i) => Ok(*i),
            v => Err(mismatch("an integer", v)),
        }
    }
}

impl Decode for i32 {
    fn decode(value: &Value) -> Result<Self, String> {
        i32::try_from(i64::decode(value)?).map_err(|e| e.to_string())
    }
}

impl Decode for bool {
    fn decode(value: &Value) -> Result<Self, String> {
        Ok(i64::decode(value)? != 0)
    }
}

impl Decode for String {
    fn decode(value: &Value) -> Result<Self, String> {
        match value {
            Value::Text(s) => Ok(s.clone()),
            v => Err(mismatch("text", v)),
        }
    }
}

impl Decode for Vec<u8> {
    fn decode(value: &Value) -> Result<Self, String> {
        match value {
            Value::Blob(b) => Ok(b.clone()),
            v => Err(mismatch("a blob", v)),
        }
    }
}

impl Decode for Uuid {
    fn decode(value: &Value) -> Result<Self, String> {
        match value {
            Value::Blob(b) => Uuid::from_slice(b).map_err(|e| e.to_string()),
            v => Err(mismatch("a 16-byte id", v)),
        }
    }
}

impl<T: DeserializeOwned> Decode for Json<T> {
    fn decode(value: &Value) -> Result<Self, String> {
        let parsed = match value {
            Value::Text(s) => serde_json::from_str(s),
            Value::Blob(b) => serde_json::from_slice(b),
            Value::Integer(i) => serde_json::from_value(serde_json::Value::from(*i)),
            Value::Real(f) => serde_json::from_value(serde_json::Value::from(*f)),
            Value::Null => return Err(mismatch("JSON", value)),
        };
        parsed.map(Json).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id BLOB PRIMARY KEY, n INTEGER, doc TEXT, ok INTEGER)")
            .unwrap();
        conn
    }

    /// `$N` binds argument N wherever it stands and however often; values come back as
    /// they went in.
    #[tokio::test]
    async fn placeholders_bind_by_number_and_values_round_trip() {
        let mut conn = db();
        let id = Uuid::now_v7();
        let doc = serde_json::json!({"a": [1, 2]});
        let done = query("INSERT INTO t (ok, doc, id, n) VALUES ($4, $3, $1, $2 + $2)")
            .bind(id)
            .bind(21_i64)
            .bind(Json(&doc))
            .bind(true)
            .execute(&mut conn)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1);
        let row = query("SELECT id, n, doc, ok, NULL AS gone FROM t WHERE id = $1")
            .bind(id)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(row.try_get::<Uuid, _>("id").unwrap(), id);
        assert_eq!(row.try_get::<i64, _>("n").unwrap(), 42);
        assert_eq!(
            row.try_get::<Json<serde_json::Value>, _>("doc").unwrap().0,
            doc
        );
        assert!(row.try_get::<bool, _>("ok").unwrap());
        assert_eq!(row.try_get::<Option<String>, _>("gone").unwrap(), None);
        assert!(
            row.try_get::<String, _>("n").is_err(),
            "an integer is not text"
        );
        assert!(row.try_get::<i64, _>("missing").is_err());
    }

    /// A placeholder without its argument is an error, never a silent NULL.
    #[tokio::test]
    async fn a_missing_argument_is_an_error() {
        let mut conn = db();
        let missing = query("INSERT INTO t (id, n) VALUES ($1, $2)")
            .bind(Uuid::now_v7())
            .execute(&mut conn)
            .await;
        assert!(missing.is_err());
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }

    /// The builder numbers its placeholders as it goes, and a taken key is a unique violation.
    #[tokio::test]
    async fn built_statements_number_their_placeholders_and_duplicates_are_unique_violations() {
        let mut conn = db();
        let ids = [Uuid::now_v7(), Uuid::now_v7()];
        for id in ids {
            query("INSERT INTO t (id, n) VALUES ($1, 1)")
                .bind(id)
                .execute(&mut conn)
                .await
                .unwrap();
        }
        let again = query("INSERT INTO t (id, n) VALUES ($1, 1)")
            .bind(ids[0])
            .execute(&mut conn)
            .await
            .unwrap_err();
        assert!(again.is_unique_violation(), "{again}");
        let mut q = QueryBuilder::<()>::new("SELECT id FROM t WHERE n = ");
        q.push_bind(1_i64).push(" AND id IN (");
        let mut listed = q.separated(", ");
        for id in ids {
            listed.push_bind(id);
        }
        q.push(") ORDER BY id");
        let rows = q.build().fetch_all(&mut conn).await.unwrap();
        let found: Vec<Uuid> = rows.iter().map(|r| r.try_get("id").unwrap()).collect();
        assert_eq!(found, ids);
        let one = query("SELECT id FROM t ORDER BY id")
            .fetch_optional(&mut conn)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(one.try_get::<Uuid, _>("id").unwrap(), ids[0]);
    }
}
