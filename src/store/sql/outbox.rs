//! The outbox in SQL: emails queued with the write that asks for them, claimed under a lease.

use super::{Row, query};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::batch::{Args, Batch, arg, placeholders};
use super::shared::{DbRow, time, wrapped_key};
use super::{Backend, SKIP_LOCKED};
use crate::store::{OutboxEmail, OutboxStore, StoreResult, to_millis};

fn outbox_row(row: &DbRow) -> StoreResult<OutboxEmail> {
    Ok(OutboxEmail {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        recipient: row.try_get("recipient")?,
        data_key: wrapped_key(row)?,
        sealed_message: row.try_get("message")?,
        created_at: time(row, "created_at")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: time(row, "next_attempt_at")?,
    })
}

pub(super) fn outbox_statement(args: &mut Args, e: &OutboxEmail) -> StoreResult<String> {
    let sql = format!(
        "INSERT INTO outbox_emails (id, account_id, recipient, data_key, data_key_id, \
         message, created_at, attempts, next_attempt_at) VALUES {}",
        placeholders(args, 9)
    );
    arg(args, e.id)?;
    arg(args, e.account_id)?;
    arg(args, &e.recipient)?;
    arg(args, &e.data_key.bytes)?;
    arg(args, &e.data_key.key_id)?;
    arg(args, &e.sealed_message)?;
    arg(args, to_millis(e.created_at))?;
    arg(args, e.attempts)?;
    arg(args, to_millis(e.next_attempt_at))?;
    Ok(sql)
}

#[async_trait]
impl OutboxStore for Backend {
    async fn enqueue_email(&self, email: &OutboxEmail) -> StoreResult<()> {
        let mut tx = self.write().await?;
        Batch::of(|args| outbox_statement(args, email))?
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn claim_emails(
        &self,
        node: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: i64,
    ) -> StoreResult<Vec<OutboxEmail>> {
        let mut claimed = self
            .write_fetch_all(
                query(sqlx::AssertSqlSafe(format!(
                    "UPDATE outbox_emails SET locked_until = $2, locked_by = $3 \
             WHERE id IN (SELECT id FROM outbox_emails \
             WHERE sent_at IS NULL AND next_attempt_at <= $1 \
             AND (locked_until IS NULL OR locked_until < $1) \
             ORDER BY id LIMIT $4{SKIP_LOCKED}) RETURNING id, account_id, recipient, data_key, \
             data_key_id, message, created_at, attempts, next_attempt_at"
                )))
                .bind(to_millis(now))
                .bind(to_millis(now + lease))
                .bind(node)
                .bind(limit),
            )
            .await?
            .iter()
            .map(outbox_row)
            .collect::<StoreResult<Vec<_>>>()?;
        // RETURNING promises no order; ids are UUIDv7, so this is oldest first.
        claimed.sort_by_key(|e| e.id);
        Ok(claimed)
    }

    async fn mark_email_sent(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
        self.write_execute(
            query(
                "UPDATE outbox_emails SET sent_at = $2, message = NULL, \
             attempts = attempts + 1, locked_until = NULL, locked_by = NULL \
             WHERE id = $1",
            )
            .bind(id)
            .bind(to_millis(now)),
        )
        .await?;
        Ok(())
    }

    async fn mark_email_failed(
        &self,
        id: Uuid,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write_execute(
            query(
                "UPDATE outbox_emails SET attempts = attempts + 1, last_error = $2, \
             next_attempt_at = $3, locked_until = NULL, locked_by = NULL \
             WHERE id = $1 AND sent_at IS NULL",
            )
            .bind(id)
            .bind(error)
            .bind(to_millis(next_attempt_at)),
        )
        .await?;
        Ok(())
    }
}
