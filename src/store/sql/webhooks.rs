//! Webhooks in SQL: endpoints leased to one node at a time, their deliveries and attempts.

use super::{QueryBuilder, Row, query};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::events::event_row;
use super::shared::{DbRow, maybe_time, owned_row, push_page, time, wrapped_key};
use super::{Backend, Db, SKIP_LOCKED};
use crate::domain::webhook::{
    AttemptOutcome, WebhookAttempt, WebhookEndpoint, WebhookFormat, parse_filter, stored_filter,
};
use crate::store::{Page, PendingDelivery, StoreResult, WebhookStore, to_millis};

const WEBHOOK_COLUMNS: &str = "id, account_id, url, event_types, data_key, data_key_id, \
     secret, previous_secret, previous_until, disabled_at, created_at, format";

fn webhook_row(row: &DbRow) -> StoreResult<WebhookEndpoint> {
    let stored: String = row.try_get("event_types")?;
    let format: String = row.try_get("format")?;
    Ok(WebhookEndpoint {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        url: row.try_get("url")?,
        event_types: parse_filter(&stored),
        data_key: wrapped_key(row)?,
        sealed_secret: row.try_get("secret")?,
        sealed_previous_secret: row.try_get("previous_secret")?,
        previous_until: maybe_time(row, "previous_until")?,
        disabled_at: maybe_time(row, "disabled_at")?,
        created_at: time(row, "created_at")?,
        // A value this build does not know (written by a newer one) is delivered as standard.
        format: WebhookFormat::parse(&format).unwrap_or_default(),
    })
}

fn attempt_row(row: &DbRow) -> StoreResult<WebhookAttempt> {
    let status: Option<i32> = row.try_get("status")?;
    Ok(WebhookAttempt {
        id: row.try_get("id")?,
        endpoint_id: row.try_get("endpoint_id")?,
        event_id: row.try_get("event_id")?,
        attempted_at: time(row, "attempted_at")?,
        status: status.and_then(|s| u16::try_from(s).ok()),
        error: row.try_get("error")?,
        duration_ms: row.try_get("duration_ms")?,
    })
}

#[async_trait]
impl WebhookStore for Backend {
    async fn create_webhook_endpoint(&self, w: &WebhookEndpoint) -> StoreResult<()> {
        self.write_execute(
            query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO webhook_endpoints ({WEBHOOK_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            )))
            .bind(w.id)
            .bind(w.account_id)
            .bind(&w.url)
            .bind(stored_filter(&w.event_types))
            .bind(&w.data_key.bytes)
            .bind(&w.data_key.key_id)
            .bind(&w.sealed_secret)
            .bind(&w.sealed_previous_secret)
            .bind(w.previous_until.map(to_millis))
            .bind(w.disabled_at.map(to_millis))
            .bind(to_millis(w.created_at))
            .bind(w.format.as_str()),
        )
        .await?;
        Ok(())
    }

    async fn list_webhook_endpoints(&self, account_id: Uuid) -> StoreResult<Vec<WebhookEndpoint>> {
        query(sqlx::AssertSqlSafe(format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhook_endpoints WHERE account_id = $1 ORDER BY id"
        )))
        .bind(account_id)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(webhook_row)
        .collect()
    }

    async fn get_webhook_endpoint(
        &self,
        account_id: Uuid,
        id: Uuid,
    ) -> StoreResult<Option<WebhookEndpoint>> {
        // The writer's view: the deliverer reads the secrets it was just given.
        let mut tx = self.write_one().await?;
        let table = "webhook_endpoints";
        let found = owned_row(
            &mut *tx,
            WEBHOOK_COLUMNS,
            table,
            account_id,
            id,
            webhook_row,
        )
        .await?;
        tx.commit().await?;
        Ok(found)
    }

    async fn delete_webhook_endpoint(&self, account_id: Uuid, id: Uuid) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        let done = query("DELETE FROM webhook_endpoints WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        query("DELETE FROM webhook_deliveries WHERE endpoint_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn update_webhook_secrets(&self, w: &WebhookEndpoint) -> StoreResult<bool> {
        let done = self
            .write_execute(
                query(
                    "UPDATE webhook_endpoints SET secret = $3, previous_secret = $4, \
             previous_until = $5 WHERE account_id = $1 AND id = $2",
                )
                .bind(w.account_id)
                .bind(w.id)
                .bind(&w.sealed_secret)
                .bind(&w.sealed_previous_secret)
                .bind(w.previous_until.map(to_millis)),
            )
            .await?;
        Ok(done == 1)
    }

    async fn claim_webhook_endpoints(
        &self,
        node: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<WebhookEndpoint>> {
        self.write_fetch_all(
            query(sqlx::AssertSqlSafe(format!(
                "UPDATE webhook_endpoints SET locked_until = $1, locked_by = $2 \
             WHERE id IN (SELECT w.id FROM webhook_endpoints w \
             WHERE w.disabled_at IS NULL \
             AND (w.locked_until IS NULL OR w.locked_until < $3) \
             AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = w.id \
             AND d.delivered_at IS NULL AND d.given_up_at IS NULL \
             AND d.next_attempt_at <= $3) \
             ORDER BY w.id LIMIT $4{SKIP_LOCKED}) RETURNING {WEBHOOK_COLUMNS}"
            )))
            .bind(to_millis(until))
            .bind(node)
            .bind(to_millis(now))
            .bind(limit),
        )
        .await?
        .iter()
        .map(webhook_row)
        .collect()
    }

    async fn renew_webhook_lease(
        &self,
        id: Uuid,
        node: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = self.write_execute(
query(
            "UPDATE webhook_endpoints SET locked_until = $3 WHERE id = $1 AND locked_by = $2",
        )
        .bind(id)
        .bind(node)
        .bind(to_millis(until)),
)
        .await?;
        Ok(done == 1)
    }

    async fn release_webhook_endpoint(&self, id: Uuid, node: &str) -> StoreResult<()> {
        self.write_execute(
            query(
                "UPDATE webhook_endpoints SET locked_until = NULL, locked_by = NULL \
             WHERE id = $1 AND locked_by = $2",
            )
            .bind(id)
            .bind(node),
        )
        .await?;
        Ok(())
    }

    async fn pending_webhook_deliveries(
        &self,
        endpoint_id: Uuid,
        limit: i64,
    ) -> StoreResult<Vec<PendingDelivery>> {
        self.write_fetch_all(
            query(
                "SELECT e.id, e.type, e.data, e.created_at, d.attempts, d.next_attempt_at \
             FROM webhook_deliveries d JOIN events e ON e.id = d.event_id \
             WHERE d.endpoint_id = $1 AND d.delivered_at IS NULL \
             AND d.given_up_at IS NULL ORDER BY d.event_seq LIMIT $2",
            )
            .bind(endpoint_id)
            .bind(limit),
        )
        .await?
        .iter()
        .map(|row| {
            Ok(PendingDelivery {
                event: event_row(row)?,
                attempts: row.try_get("attempts")?,
                next_attempt_at: time(row, "next_attempt_at")?,
            })
        })
        .collect()
    }

    async fn record_webhook_attempt(
        &self,
        a: &WebhookAttempt,
        outcome: AttemptOutcome,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        query(
            "INSERT INTO webhook_attempts (id, endpoint_id, event_id, attempted_at, \
             status, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(a.id)
        .bind(a.endpoint_id)
        .bind(a.event_id)
        .bind(to_millis(a.attempted_at))
        .bind(a.status.map(i32::from))
        .bind(&a.error)
        .bind(a.duration_ms)
        .execute(&mut *tx)
        .await?;
        let at = to_millis(a.attempted_at);
        let (sql, value) = match outcome {
            AttemptOutcome::Delivered => (
                "UPDATE webhook_deliveries SET attempts = attempts + 1, delivered_at = $3 \
                 WHERE endpoint_id = $1 AND event_id = $2",
                at,
            ),
            AttemptOutcome::Retry(next) => (
                "UPDATE webhook_deliveries SET attempts = attempts + 1, \
                 next_attempt_at = $3 WHERE endpoint_id = $1 AND event_id = $2",
                to_millis(next),
            ),
            AttemptOutcome::GiveUp | AttemptOutcome::Disable => (
                "UPDATE webhook_deliveries SET attempts = attempts + 1, given_up_at = $3 \
                 WHERE endpoint_id = $1 AND event_id = $2",
                at,
            ),
        };
        query(sql)
            .bind(a.endpoint_id)
            .bind(a.event_id)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        if outcome == AttemptOutcome::Disable {
            query("UPDATE webhook_endpoints SET disabled_at = $2 WHERE id = $1")
                .bind(a.endpoint_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn list_webhook_attempts(
        &self,
        endpoint_id: Uuid,
        page: Page,
    ) -> StoreResult<Vec<WebhookAttempt>> {
        let mut q = QueryBuilder::<Db>::new(
            "SELECT id, endpoint_id, event_id, attempted_at, status, error, duration_ms \
             FROM webhook_attempts WHERE endpoint_id = ",
        );
        q.push_bind(endpoint_id);
        push_page(&mut q, page);
        q.build()
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(attempt_row)
            .collect()
    }

    async fn set_webhook_endpoint_disabled(
        &self,
        account_id: Uuid,
        id: Uuid,
        at: Option<DateTime<Utc>>,
    ) -> StoreResult<bool> {
        let done = self.write_execute(
query(
            "UPDATE webhook_endpoints SET disabled_at = $3 WHERE account_id = $1 AND id = $2",
        )
        .bind(account_id)
        .bind(id)
        .bind(at.map(to_millis)),
)
        .await?;
        Ok(done == 1)
    }

    async fn retry_webhook_deliveries(
        &self,
        endpoint_id: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let done = self
            .write_execute(
                query(
                    "UPDATE webhook_deliveries SET next_attempt_at = $2, given_up_at = NULL \
             WHERE endpoint_id = $1 AND delivered_at IS NULL",
                )
                .bind(endpoint_id)
                .bind(to_millis(now)),
            )
            .await?;
        Ok(done)
    }

    async fn count_undelivered(&self, endpoint_id: Uuid) -> StoreResult<(i64, i64)> {
        let row = query(
            "SELECT COUNT(*) - COUNT(given_up_at) AS waiting, COUNT(given_up_at) AS given_up \
             FROM webhook_deliveries WHERE endpoint_id = $1 AND delivered_at IS NULL",
        )
        .bind(endpoint_id)
        .fetch_one(self.reader())
        .await?;
        Ok((row.try_get("waiting")?, row.try_get("given_up")?))
    }
}
