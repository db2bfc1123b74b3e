//! What the store keeps of accounts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreResult;
use crate::domain::account::{Account, AccountChanges};

/// A stored logo, as `GET /g/assets/logos/{hash}` serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLogo {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    async fn create_account(
        &self,
        name: &str,
        number: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Account>;
    async fn count_accounts(&self) -> StoreResult<i64>;
    async fn get_account(&self, id: Uuid) -> StoreResult<Option<Account>>;
    async fn get_account_by_number(&self, number: i64) -> StoreResult<Option<Account>>;
    /// Applies the changes (branding and logo included) in one transaction; `None` if there is
    /// no such account, `Conflict` if the number is another account's.
    async fn update_account(
        &self,
        id: Uuid,
        changes: &AccountChanges,
    ) -> StoreResult<Option<Account>>;
    /// The logo whose bytes have this hex SHA-256, whichever account holds it.
    async fn get_logo(&self, hash: &str) -> StoreResult<Option<StoredLogo>>;
}
