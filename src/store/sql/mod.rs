//! The SQL both backends share, mounted once per backend (`#[path]` in `sqlite.rs` and
//! `postgres.rs`) and written against what the mounting module names: `Db`, `Backend` (its
//! store), `Tx`, `SKIP_LOCKED`, `ONE_STATEMENT_BATCH` (see `Batch`), and its driver's statements, arguments and rows under sqlx's
//! names (`query`, `query_with`, `Query`, `QueryBuilder`, `Row`, `DbRow`, `Args`, `arg`,
//! `arg_count`, `Executor`: sqlx's own for PostgreSQL, `sqlite_query`'s for SQLite). `$N` parameters work on SQLite and PostgreSQL
//! alike, ids bind as UUIDs (BLOB in SQLite), JSON as `Json` (TEXT in SQLite, JSONB in
//! PostgreSQL) and timestamps as integer milliseconds, so one body of code serves both.

use super::{
    Args, Backend, Bind, Db, DbRow, Executor, ONE_STATEMENT_BATCH, Query, QueryBuilder, Row,
    SKIP_LOCKED, Tx, arg, arg_count, query, query_with,
};

mod accounts;
mod batch;
mod connections;
mod data_keys;
mod events;
mod guests;
mod housekeeping;
mod invitations;
mod keys;
mod oauth;
mod outbox;
mod results;
mod shared;
mod users;
mod webhooks;
