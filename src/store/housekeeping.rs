//! What spans the areas: readiness, queue depths for `/metrics`, and the purge of what has no
//! use any more.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;

#[async_trait]
pub trait HousekeepingStore: Send + Sync {
    /// Whether the database answers (readiness).
    async fn ping(&self) -> StoreResult<()>;
    /// Undelivered webhook deliveries and unsent emails (for `/metrics`).
    async fn queue_depths(&self) -> StoreResult<(i64, i64)>;
    /// Deletes what has no use any more: guest sessions, email codes and result codes past
    /// their expiry, guest attempts out of every window and ended locks, idempotent replies
    /// older than `replies_before`, sent emails older than `sent_before`. Returns how many
    /// rows went.
    async fn purge_expired(
        &self,
        now: DateTime<Utc>,
        replies_before: DateTime<Utc>,
        sent_before: DateTime<Utc>,
    ) -> StoreResult<u64>;
}
