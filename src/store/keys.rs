//! What the store keeps of API keys: their hash, never the key.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreResult;
use crate::domain::account::ApiKey;
use crate::domain::values::TokenHash;

#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    async fn create_api_key(
        &self,
        key: &ApiKey,
        key_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn find_api_key(&self, key_hash: &TokenHash) -> StoreResult<Option<ApiKey>>;
    async fn revoke_api_key(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool>;
    /// The account's keys, newest first (at most `limit`), revoked ones included.
    async fn list_api_keys(&self, account_id: Uuid, limit: i64) -> StoreResult<Vec<ListedKey>>;
}

/// A key as the account's list shows it: never its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedKey {
    pub key: ApiKey,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}
