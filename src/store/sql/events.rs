//! Events in SQL: written in the transaction of the change they report (their webhook
//! deliveries by the `events_fan_out` trigger), read in order.

use async_trait::async_trait;
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{QueryBuilder, Row};
use uuid::Uuid;

use super::batch::{Args, Batch, Tx, arg, placeholders};
use super::shared::{DbRow, time};
use super::{Backend, Db};
use crate::domain::event::{Event, NewEvent};
use crate::store::{EventStore, StoreResult, to_millis};

pub(super) fn event_row(row: &DbRow) -> StoreResult<Event> {
    Ok(Event {
        id: row.try_get("id")?,
        kind: row.try_get("type")?,
        timestamp: time(row, "created_at")?,
        data: row.try_get::<Json<Value>, _>("data")?.0,
    })
}

/// Events in one multi-row statement. Their webhook deliveries (one per subscribed
/// endpoint) are written by the `events_fan_out` trigger, in the same transaction.
fn events_statement(args: &mut Args, events: &[&NewEvent]) -> StoreResult<String> {
    let mut rows = Vec::with_capacity(events.len());
    for e in events {
        rows.push(placeholders(args, 5));
        arg(args, e.event.id)?;
        arg(args, e.account_id)?;
        arg(args, &e.event.kind)?;
        arg(args, Json(&e.event.data))?;
        arg(args, to_millis(e.event.timestamp))?;
    }
    Ok(format!(
        "INSERT INTO events (id, account_id, type, data, created_at) VALUES {}",
        rows.join(", ")
    ))
}

/// Adds the events' statement to `batch`, unless there are none.
pub(super) fn push_events<'e>(
    batch: &mut Batch,
    events: impl IntoIterator<Item = &'e NewEvent>,
) -> StoreResult<()> {
    let events: Vec<&NewEvent> = events.into_iter().collect();
    if !events.is_empty() {
        batch.push(|args| events_statement(args, &events))?;
    }
    Ok(())
}

pub(super) async fn insert_events<'e>(
    tx: &mut Tx<'_>,
    events: impl IntoIterator<Item = &'e NewEvent>,
) -> StoreResult<()> {
    let mut batch = Batch::default();
    push_events(&mut batch, events)?;
    batch.execute(tx).await
}

/// Commits `tx` with `events` if its write changed a row; `false`, and nothing written, if not.
pub(super) async fn commit_if_changed<'e>(
    mut tx: Tx<'_>,
    changed: bool,
    events: impl IntoIterator<Item = &'e NewEvent>,
) -> StoreResult<bool> {
    if !changed {
        return Ok(false);
    }
    insert_events(&mut tx, events).await?;
    tx.commit().await?;
    Ok(true)
}

#[async_trait]
impl EventStore for Backend {
    async fn record_events(&self, events: &[NewEvent]) -> StoreResult<()> {
        let mut batch = Batch::default();
        push_events(&mut batch, events)?;
        batch.commit_alone(self.writer()).await
    }

    async fn get_event(&self, account_id: Uuid, id: Uuid) -> StoreResult<Option<Event>> {
        sqlx::query(
            "SELECT id, type, data, created_at FROM events WHERE account_id = $1 AND id = $2",
        )
        .bind(account_id)
        .bind(id)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(event_row)
        .transpose()
    }

    async fn list_events(
        &self,
        account_id: Uuid,
        after: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<Event>> {
        let mut q = QueryBuilder::<Db>::new(
            "SELECT id, type, data, created_at FROM events WHERE account_id = ",
        );
        q.push_bind(account_id);
        if let Some(after) = after {
            // The cursor must be one of this account's events; another account's id
            // names nothing here (and the service reports it as unknown).
            q.push(" AND seq > (SELECT seq FROM events WHERE account_id = ")
                .push_bind(account_id)
                .push(" AND id = ")
                .push_bind(after)
                .push(")");
        }
        q.push(" ORDER BY seq LIMIT ").push_bind(limit);
        q.build()
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(event_row)
            .collect()
    }

    async fn invitation_events(
        &self,
        account_id: Uuid,
        invitation_id: Uuid,
        limit: i64,
    ) -> StoreResult<Vec<Event>> {
        // `->>` reads a JSON member as text on both backends. No index serves it: this reads
        // the account's events, for one owner's page at a time.
        sqlx::query(
            "SELECT id, type, data, created_at FROM events WHERE account_id = $1 \
             AND ((type LIKE 'invitation.%' AND data ->> 'id' = $2) \
                  OR data ->> 'invitation_id' = $2) \
             ORDER BY seq LIMIT $3",
        )
        .bind(account_id)
        .bind(invitation_id.to_string())
        .bind(limit)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(event_row)
        .collect()
    }

    async fn recent_events(
        &self,
        account_id: Uuid,
        kind: Option<&str>,
        before: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<Event>> {
        let mut q = QueryBuilder::<Db>::new(
            "SELECT id, type, data, created_at FROM events WHERE account_id = ",
        );
        q.push_bind(account_id);
        if let Some(kind) = kind {
            q.push(" AND type = ").push_bind(kind.to_string());
        }
        if let Some(before) = before {
            // As in `list_events`: the cursor is one of this account's events, else no seq
            // compares and nothing is listed.
            q.push(" AND seq < (SELECT seq FROM events WHERE account_id = ")
                .push_bind(account_id)
                .push(" AND id = ")
                .push_bind(before)
                .push(")");
        }
        q.push(" ORDER BY seq DESC LIMIT ").push_bind(limit);
        q.build()
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(event_row)
            .collect()
    }
}
