//! The wrapped data keys of every row that holds one, for key rotation.

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreResult;
use crate::crypto::WrappedKey;

/// A row that holds a wrapped data key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyHolder {
    Connection { account_id: Uuid, id: Uuid },
    IdempotentReply { account_id: Uuid, key: String },
    OutboxEmail { id: Uuid },
    WebhookEndpoint { id: Uuid },
    OAuthApp { account_id: Uuid, connector: String },
}

#[async_trait]
pub trait DataKeyStore: Send + Sync {
    /// Data keys (of connections, idempotent replies, pending emails, webhook endpoints and
    /// OAuth apps) not wrapped by
    /// `key_id`, at most `limit` of each kind.
    async fn data_keys_not_under(
        &self,
        key_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<(KeyHolder, WrappedKey)>>;
    /// Swaps a wrapped data key if it is still `old` (rotation runs online).
    async fn replace_data_key(
        &self,
        holder: &KeyHolder,
        old: &WrappedKey,
        new: &WrappedKey,
    ) -> StoreResult<bool>;
}
