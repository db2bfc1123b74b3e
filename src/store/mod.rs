//! Storage: one trait per area whose methods are its use cases' reads and atomic writes, and
//! `Store`, their sum, implemented for SQLite and PostgreSQL by one body of SQL (`sql/`) that
//! differs only where the dialects must.

mod accounts;
mod connections;
mod data_keys;
mod events;
pub mod group_commit;
mod guests;
mod housekeeping;
mod invitations;
mod keys;
mod oauth;
mod outbox;
mod postgres;
mod results;
mod sqlite;
mod sqlite_query;
mod sqlite_writer;
mod users;
mod webhooks;

use chrono::{DateTime, Utc};
use std::sync::Arc;
use uuid::Uuid;

pub use accounts::{AccountStore, StoredLogo};
pub use connections::ConnectionStore;
pub use data_keys::{DataKeyStore, KeyHolder};
pub use events::{EventStore, FunnelCounts};
pub use guests::{CodeSaved, Counted, GuestAttempt, GuestStore};
pub use housekeeping::HousekeepingStore;
pub use invitations::{
    ConnectionWrite, CreatedConnection, IdempotentResponse, Inserted, InvitationFilter,
    InvitationStore, InvitationUse, Use,
};
pub use keys::{ApiKeyStore, ListedKey};
pub use oauth::OAuthStore;
pub use outbox::{OutboxEmail, OutboxStore};
pub use postgres::PostgresStore;
pub use results::ResultStore;
pub use sqlite::SqliteStore;
pub use users::{PasswordLink, SignInRecord, UserStore};
pub use webhooks::{PendingDelivery, WebhookStore};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// A unique constraint refused the write (on either backend).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => e.is_unique_violation(),
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            }
            _ => false,
        }
    }
}

/// Keyset pagination: newest first (ids are UUIDv7), strictly older than `before` when given.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub limit: i64,
    pub before: Option<Uuid>,
}

/// Everything Portico stores, area by area.
pub trait Store:
    AccountStore
    + ApiKeyStore
    + ConnectionStore
    + InvitationStore
    + GuestStore
    + OAuthStore
    + OutboxStore
    + WebhookStore
    + DataKeyStore
    + EventStore
    + HousekeepingStore
    + ResultStore
    + UserStore
    + 'static
{
}

impl<T> Store for T where
    T: AccountStore
        + ApiKeyStore
        + ConnectionStore
        + InvitationStore
        + GuestStore
        + OAuthStore
        + OutboxStore
        + WebhookStore
        + DataKeyStore
        + EventStore
        + HousekeepingStore
        + ResultStore
        + UserStore
        + 'static
{
}

/// Opens the store a database URL names: `sqlite://...` or `postgres://...`; runs migrations.
pub async fn open(database_url: &str) -> StoreResult<Arc<dyn Store>> {
    if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(database_url).await?))
    } else {
        Ok(Arc::new(SqliteStore::connect(database_url).await?))
    }
}

pub(crate) fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {ms}")))
}
