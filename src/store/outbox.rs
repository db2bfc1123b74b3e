//! The outbox of emails: queued in the transaction that asks for them, claimed by the mail
//! workers under a lease.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreResult;
use crate::crypto::WrappedKey;

/// A queued email: the message (RFC 5322 text) sealed with its own data key.
#[derive(Debug, Clone)]
pub struct OutboxEmail {
    pub id: Uuid,
    pub account_id: Uuid,
    pub recipient: String,
    pub data_key: WrappedKey,
    pub sealed_message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
}

#[async_trait]
pub trait OutboxStore: Send + Sync {
    async fn enqueue_email(&self, email: &OutboxEmail) -> StoreResult<()>;
    /// Claims up to `limit` unsent emails due by `now` whose lease is free or expired, oldest
    /// first, for `node` until `now + lease`: in one statement, so two workers (on one database,
    /// in any number of processes) never hold the same email at once; a worker that dies leaves
    /// a lease that expires, and the email is claimed again.
    async fn claim_emails(
        &self,
        node: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: i64,
    ) -> StoreResult<Vec<OutboxEmail>>;
    /// Marks sent, drops the sealed message and the lease.
    async fn mark_email_sent(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<()>;
    /// Counts a failed attempt, keeps `error` as the last one, schedules the next attempt and
    /// drops the lease (an email already marked sent stays sent).
    async fn mark_email_failed(
        &self,
        id: Uuid,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> StoreResult<()>;
}
