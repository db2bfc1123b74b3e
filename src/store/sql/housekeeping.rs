//! Housekeeping in SQL: readiness, queue depths and the purge of expired rows.

use super::{Row, query};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Backend;
use crate::domain::guest::ATTEMPT_WINDOW;
use crate::store::{HousekeepingStore, StoreResult, to_millis};

#[async_trait]
impl HousekeepingStore for Backend {
    async fn ping(&self) -> StoreResult<()> {
        query("SELECT 1").execute(self.reader()).await?;
        Ok(())
    }

    async fn queue_depths(&self) -> StoreResult<(i64, i64)> {
        let row = query(
            "SELECT (SELECT COUNT(*) FROM webhook_deliveries WHERE delivered_at IS NULL \
             AND given_up_at IS NULL) AS hooks, (SELECT COUNT(*) FROM outbox_emails \
             WHERE sent_at IS NULL) AS mails",
        )
        .fetch_one(self.reader())
        .await?;
        Ok((row.try_get("hooks")?, row.try_get("mails")?))
    }

    async fn purge_expired(
        &self,
        now: DateTime<Utc>,
        replies_before: DateTime<Utc>,
        sent_before: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let mut tx = self.write().await?;
        let mut purged = 0;
        for (sql, at) in [
            ("DELETE FROM email_codes WHERE expires_at <= $1", now),
            ("DELETE FROM guest_sessions WHERE expires_at <= $1", now),
            ("DELETE FROM results WHERE expires_at <= $1", now),
            ("DELETE FROM oauth_states WHERE expires_at <= $1", now),
            (
                "DELETE FROM guest_attempts WHERE attempted_at <= $1",
                now - ATTEMPT_WINDOW,
            ),
            // A lock row with no lock on and no attempt left to count (those went
            // just before).
            (
                "DELETE FROM invitation_locks \
                 WHERE (locked_until IS NULL OR locked_until <= $1) \
                 AND NOT EXISTS (SELECT 1 FROM guest_attempts a \
                 WHERE a.invitation_id = invitation_locks.invitation_id)",
                now,
            ),
            (
                "DELETE FROM idempotency_keys WHERE created_at < $1",
                replies_before,
            ),
            ("DELETE FROM outbox_emails WHERE sent_at < $1", sent_before),
        ] {
            purged += query(sql)
                .bind(to_millis(at))
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(purged)
    }
}
