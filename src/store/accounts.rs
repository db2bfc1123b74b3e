//! What the store keeps of accounts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreResult;
use crate::domain::account::{Account, AccountChanges};

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
    /// Applies the changes; `None` if there is no such account, `Conflict` if the number is
    /// another account's.
    async fn update_account(
        &self,
        id: Uuid,
        changes: &AccountChanges,
    ) -> StoreResult<Option<Account>>;
}
