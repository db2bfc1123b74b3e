//! Events in SQL: written in the transaction of the change they report (their webhook
//! deliveries by the `events_fan_out` trigger), read in order.

use super::{QueryBuilder, Row, query};
use async_trait::async_trait;
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use super::batch::{Args, Batch, Tx, arg, placeholders};
use super::shared::{DbRow, time};
use super::{Backend, Db};
use crate::domain::event::{Event, NewEvent};
use crate::domain::funnel::Period;
use crate::store::{EventStore, FunnelCounts, StoreResult, from_millis, to_millis};

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
    tx: &mut Tx,
    events: impl IntoIterator<Item = &'e NewEvent>,
) -> StoreResult<()> {
    let mut batch = Batch::default();
    push_events(&mut batch, events)?;
    batch.execute(tx).await
}

/// Commits `tx` with `events` if its write changed a row; `false`, and nothing written, if not.
pub(super) async fn commit_if_changed<'e>(
    mut tx: Tx,
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

/// One row per invitation created in the period (`$1` the account, `$2`..`$3` the period in
/// milliseconds, `$4` the connector or NULL): when it was first opened and first completed,
/// and whether it had its email verified or a failed check. The invitation's own events carry
/// it as `data.id`, the connection events as `data.invitation_id`; both are read as text
/// (`->>`) on both backends. The account's events are read once (from the period's start:
/// nothing about an invitation precedes its creation) and grouped by invitation, then joined
/// to the cohort by that text, so no event is matched against every invitation.
const FUNNEL_STAGES: &str = "\
    WITH cohort AS ( \
        SELECT DISTINCT data ->> 'id' AS invitation_id FROM events \
        WHERE account_id = $1 AND type = 'invitation.created' \
          AND created_at >= $2 AND created_at < $3 \
          AND ($4 IS NULL OR data ->> 'connector' = $4) \
    ), marks AS ( \
        SELECT CASE WHEN type LIKE 'invitation.%' THEN data ->> 'id' \
                    ELSE data ->> 'invitation_id' END AS invitation_id, \
               MIN(CASE WHEN type = 'invitation.opened' THEN created_at END) AS opened_at, \
               MAX(CASE WHEN type = 'invitation.email_verified' THEN 1 ELSE 0 END) AS verified, \
               MAX(CASE WHEN type = 'connection.check_failed' THEN 1 ELSE 0 END) AS failed, \
               MIN(CASE WHEN type IN ('connection.created', 'connection.updated', \
                                      'invitation.fulfilled') \
                        THEN created_at END) AS completed_at \
        FROM events \
        WHERE account_id = $1 AND created_at >= $2 \
          AND type IN ('invitation.opened', 'invitation.email_verified', \
                       'invitation.fulfilled', 'connection.check_failed', \
                       'connection.created', 'connection.updated') \
        GROUP BY CASE WHEN type LIKE 'invitation.%' THEN data ->> 'id' \
                      ELSE data ->> 'invitation_id' END \
    ), stages AS ( \
        SELECT c.invitation_id, m.opened_at, COALESCE(m.verified, 0) AS verified, \
               COALESCE(m.failed, 0) AS failed, m.completed_at \
        FROM cohort c LEFT JOIN marks m ON m.invitation_id = c.invitation_id \
    ) ";

#[async_trait]
impl EventStore for Backend {
    async fn record_events(&self, events: &[NewEvent]) -> StoreResult<()> {
        let mut batch = Batch::default();
        push_events(&mut batch, events)?;
        batch.commit_alone(self).await
    }

    async fn get_event(&self, account_id: Uuid, id: Uuid) -> StoreResult<Option<Event>> {
        query("SELECT id, type, data, created_at FROM events WHERE account_id = $1 AND id = $2")
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
        query(
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

    async fn funnel(
        &self,
        account_id: Uuid,
        period: Period,
        connector: Option<&str>,
        sample: i64,
    ) -> StoreResult<FunnelCounts> {
        let (from, to) = (to_millis(period.from), to_millis(period.to));
        let counts = query(sqlx::AssertSqlSafe(format!(
            // Constant SQL: only the statement's tail differs.
            "{FUNNEL_STAGES} SELECT COUNT(*) AS created, COUNT(opened_at) AS opened, \
             COALESCE(SUM(verified), 0) AS email_verified, \
             COALESCE(SUM(failed), 0) AS check_failed, \
             COUNT(completed_at) AS completed FROM stages"
        )))
        .bind(account_id)
        .bind(from)
        .bind(to)
        .bind(connector)
        .fetch_one(self.reader())
        .await?;
        let open_to_complete = query(sqlx::AssertSqlSafe(format!(
            // Constant SQL: only the statement's tail differs.
            "{FUNNEL_STAGES} SELECT opened_at, completed_at FROM stages \
             WHERE opened_at IS NOT NULL AND completed_at IS NOT NULL \
             ORDER BY completed_at LIMIT $5"
        )))
        .bind(account_id)
        .bind(from)
        .bind(to)
        .bind(connector)
        .bind(sample)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|row| {
            Ok((
                from_millis(row.try_get("opened_at")?)?,
                from_millis(row.try_get("completed_at")?)?,
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
        Ok(FunnelCounts {
            created: counts.try_get("created")?,
            opened: counts.try_get("opened")?,
            email_verified: counts.try_get("email_verified")?,
            check_failed: counts.try_get("check_failed")?,
            completed: counts.try_get("completed")?,
            open_to_complete,
        })
    }
}
