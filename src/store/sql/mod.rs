//! The SQL both backends share, mounted once per backend (`#[path]` in `sqlite.rs` and
//! `postgres.rs`) and written against what the mounting module names: `Db`, `Backend` (its
//! store), `SKIP_LOCKED` and `MULTI_STATEMENT`. `$N` parameters work on SQLite and PostgreSQL
//! alike, ids bind as UUIDs (BLOB in SQLite), JSON as `Json` (TEXT in SQLite, JSONB in
//! PostgreSQL) and timestamps as integer milliseconds, so one body of code serves both.

use super::{Backend, Db, MULTI_STATEMENT, SKIP_LOCKED, Tx};

mod accounts;
mod batch;
mod connections;
mod data_keys;
mod events;
mod guests;
mod housekeeping;
mod invitations;
mod keys;
mod outbox;
mod results;
mod shared;
mod users;
mod webhooks;
