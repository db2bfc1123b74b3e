//! Webhook endpoints, their deliveries (written by the events' fan-out) and the attempts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Page, StoreResult};
use crate::domain::event::Event;
use crate::domain::webhook::{AttemptOutcome, WebhookAttempt, WebhookEndpoint};

/// An event waiting to go to one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingDelivery {
    pub event: Event,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
}

#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn create_webhook_endpoint(&self, endpoint: &WebhookEndpoint) -> StoreResult<()>;
    async fn list_webhook_endpoints(&self, account_id: Uuid) -> StoreResult<Vec<WebhookEndpoint>>;
    async fn get_webhook_endpoint(
        &self,
        account_id: Uuid,
        id: Uuid,
    ) -> StoreResult<Option<WebhookEndpoint>>;
    /// Deletes the endpoint and what it had left to deliver.
    async fn delete_webhook_endpoint(&self, account_id: Uuid, id: Uuid) -> StoreResult<bool>;
    /// Stores rotated secrets (already sealed).
    async fn update_webhook_secrets(&self, endpoint: &WebhookEndpoint) -> StoreResult<bool>;
    /// Leases up to `limit` enabled endpoints that have a delivery due, for `node` until
    /// `until`; an endpoint is leased by one node at a time (`FOR UPDATE SKIP LOCKED` on
    /// PostgreSQL), and a lease left by a dead node expires.
    async fn claim_webhook_endpoints(
        &self,
        node: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<WebhookEndpoint>>;
    /// Extends the lease if `node` still holds it.
    async fn renew_webhook_lease(
        &self,
        id: Uuid,
        node: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    async fn release_webhook_endpoint(&self, id: Uuid, node: &str) -> StoreResult<()>;
    /// The endpoint's undelivered events in order, with their failed attempts so far and when
    /// each is due.
    async fn pending_webhook_deliveries(
        &self,
        endpoint_id: Uuid,
        limit: i64,
    ) -> StoreResult<Vec<PendingDelivery>>;
    /// Records an attempt and its outcome in one transaction.
    async fn record_webhook_attempt(
        &self,
        attempt: &WebhookAttempt,
        outcome: AttemptOutcome,
    ) -> StoreResult<()>;
    async fn list_webhook_attempts(
        &self,
        endpoint_id: Uuid,
        page: Page,
    ) -> StoreResult<Vec<WebhookAttempt>>;
    /// Disables the endpoint at `at`, or enables it with `None`; `false` when it is not the
    /// account's.
    async fn set_webhook_endpoint_disabled(
        &self,
        account_id: Uuid,
        id: Uuid,
        at: Option<DateTime<Utc>>,
    ) -> StoreResult<bool>;
    /// Makes every undelivered event of the endpoint due at `now`, those given up included;
    /// returns how many.
    async fn retry_webhook_deliveries(
        &self,
        endpoint_id: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    /// The endpoint's undelivered events: (waiting for an attempt, given up).
    async fn count_undelivered(&self, endpoint_id: Uuid) -> StoreResult<(i64, i64)>;
}
