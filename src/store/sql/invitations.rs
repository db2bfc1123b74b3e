//! Invitations in SQL. Four predicates here repeat `Invitation::status` for atomicity (the
//! list filter by status, the conditional increment of a use, the expiry worker's query and
//! its partial index, the conditional write of a renewal request); the store story test holds
//! them to the domain.

use super::{QueryBuilder, Row, query};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::types::Json;
use uuid::Uuid;

use super::batch::{Args, Batch, arg, placeholders};
use super::connections::{connection_statement, reconnect_connection_row};
use super::events::{commit_if_changed, push_events};
use super::guests::guest_session_statement;
use super::outbox::outbox_statement;
use super::results::result_statement;
use super::shared::{DbRow, corrupt, maybe_time, owned_row, push_page, time, wrapped_key};
use super::{Backend, Db};
use crate::domain::connector::Direction;
use crate::domain::event::NewEvent;
use crate::domain::invitation::{
    EndUser, Invitation, InvitationKind, InvitationStatus, RENEWAL_REQUEST_INTERVAL,
};
use crate::domain::values::TokenHash;
use crate::store::{
    ConnectionWrite, CreatedConnection, IdempotentResponse, Inserted, InvitationFilter,
    InvitationStore, InvitationUse, OutboxEmail, Page, StoreResult, Use, to_millis,
};

pub(super) const INVITATION_COLUMNS: &str = "id, account_id, kind, connector, direction, \
     connection_id, connection_name, allowed_emails, expires_at, max_uses, use_count, \
     language, prefill, locked_fields, end_user, redirect_url, send_email, metadata, \
     created_at, revoked_at, category, remote_environment, opened_at, renewal_requested_at, \
     renewed_from";

pub(super) fn invitation_row(row: &DbRow) -> StoreResult<Invitation> {
    let kind: String = row.try_get("kind")?;
    let direction: String = row.try_get("direction")?;
    Ok(Invitation {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        kind: InvitationKind::parse(&kind).ok_or_else(|| corrupt("kind"))?,
        // '' until the guest picks a connector of the invitation's category.
        connector: Some(row.try_get::<String, _>("connector")?).filter(|c| !c.is_empty()),
        category: row.try_get("category")?,
        remote_environment: row.try_get("remote_environment")?,
        direction: Direction::parse(&direction).ok_or_else(|| corrupt("direction"))?,
        connection_id: row.try_get("connection_id")?,
        connection_name: row.try_get("connection_name")?,
        allowed_emails: row.try_get::<Json<Vec<String>>, _>("allowed_emails")?.0,
        expires_at: maybe_time(row, "expires_at")?,
        max_uses: row.try_get("max_uses")?,
        use_count: row.try_get("use_count")?,
        language: row.try_get("language")?,
        prefill: row.try_get::<Json<Map<String, Value>>, _>("prefill")?.0,
        locked_fields: row.try_get::<Json<Vec<String>>, _>("locked_fields")?.0,
        end_user: row.try_get::<Json<EndUser>, _>("end_user")?.0,
        redirect_url: row.try_get("redirect_url")?,
        send_email: row.try_get("send_email")?,
        metadata: row.try_get::<Json<Map<String, Value>>, _>("metadata")?.0,
        created_at: time(row, "created_at")?,
        revoked_at: maybe_time(row, "revoked_at")?,
        opened_at: maybe_time(row, "opened_at")?,
        renewal_requested_at: maybe_time(row, "renewal_requested_at")?,
        renewed_from: row.try_get("renewed_from")?,
    })
}

fn invitation_statement(
    args: &mut Args,
    inv: &Invitation,
    token_hash: &TokenHash,
) -> StoreResult<String> {
    let sql = format!(
        "INSERT INTO invitations ({INVITATION_COLUMNS}, token_hash) VALUES {}",
        placeholders(args, 26)
    );
    arg(args, inv.id)?;
    arg(args, inv.account_id)?;
    arg(args, inv.kind.as_str())?;
    arg(args, inv.connector.as_deref().unwrap_or(""))?;
    arg(args, inv.direction.as_str())?;
    arg(args, inv.connection_id)?;
    arg(args, &inv.connection_name)?;
    arg(args, Json(&inv.allowed_emails))?;
    arg(args, inv.expires_at.map(to_millis))?;
    arg(args, inv.max_uses)?;
    arg(args, inv.use_count)?;
    arg(args, &inv.language)?;
    arg(args, Json(&inv.prefill))?;
    arg(args, Json(&inv.locked_fields))?;
    arg(args, Json(&inv.end_user))?;
    arg(args, &inv.redirect_url)?;
    arg(args, inv.send_email)?;
    arg(args, Json(&inv.metadata))?;
    arg(args, to_millis(inv.created_at))?;
    arg(args, inv.revoked_at.map(to_millis))?;
    arg(args, &inv.category)?;
    arg(args, &inv.remote_environment)?;
    arg(args, inv.opened_at.map(to_millis))?;
    arg(args, inv.renewal_requested_at.map(to_millis))?;
    arg(args, inv.renewed_from)?;
    arg(args, token_hash.as_bytes())?;
    Ok(sql)
}

/// Narrows `q` to the invitations whose `Invitation::status` at `now` is `status`, with the
/// same precedence: revoked, fulfilled, expired, active.
/// The search of the console's list: `text` in the connection name, `end_user.email` or the
/// allowed emails (their JSON text), any case, with LIKE's wildcards escaped.
fn push_search(q: &mut QueryBuilder<Db>, text: &str) {
    let pattern = format!(
        "%{}%",
        text.to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    q.push(" AND (lower(connection_name) LIKE ")
        .push_bind(pattern.clone())
        .push(" ESCAPE '\\' OR lower(COALESCE(end_user ->> 'email', '')) LIKE ")
        .push_bind(pattern.clone())
        .push(" ESCAPE '\\' OR lower(CAST(allowed_emails AS TEXT)) LIKE ")
        .push_bind(pattern)
        .push(" ESCAPE '\\')");
}

fn push_status(q: &mut QueryBuilder<Db>, status: InvitationStatus, now: DateTime<Utc>) {
    const UNREVOKED: &str = " AND revoked_at IS NULL";
    const OPEN_USES: &str = " AND (max_uses IS NULL OR use_count < max_uses)";
    let now = to_millis(now);
    match status {
        InvitationStatus::Revoked => {
            q.push(" AND revoked_at IS NOT NULL");
        }
        InvitationStatus::Fulfilled => {
            q.push(UNREVOKED)
                .push(" AND max_uses IS NOT NULL AND use_count >= max_uses");
        }
        InvitationStatus::Expired => {
            q.push(UNREVOKED)
                .push(OPEN_USES)
                .push(" AND expires_at IS NOT NULL AND expires_at <= ")
                .push_bind(now);
        }
        InvitationStatus::Active => {
            q.push(UNREVOKED)
                .push(OPEN_USES)
                .push(" AND (expires_at IS NULL OR expires_at > ")
                .push_bind(now)
                .push(")");
        }
    }
}

#[async_trait]
impl InvitationStore for Backend {
    async fn insert_invitation(
        &self,
        inv: &Invitation,
        token_hash: &TokenHash,
        events: &[NewEvent],
        emails: &[OutboxEmail],
        idempotency: Option<&IdempotentResponse>,
    ) -> StoreResult<Inserted> {
        let mut batch = Batch::of(|args| invitation_statement(args, inv, token_hash))?;
        push_events(&mut batch, events)?;
        for email in emails {
            batch.push(|args| outbox_statement(args, email))?;
        }
        let Some(idem) = idempotency else {
            batch.commit_alone(self).await?;
            return Ok(Inserted::Yes);
        };
        let mut tx = self.write().await?;
        // A concurrent request with the same key waits here on PostgreSQL until the
        // first commits, then inserts nothing; on SQLite the single writer serialises.
        let taken = query(
            "INSERT INTO idempotency_keys (account_id, key, request_hash, status, \
             data_key, data_key_id, response, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(inv.account_id)
        .bind(&idem.key)
        .bind(&idem.request_hash)
        .bind(i32::from(idem.status))
        .bind(&idem.data_key.bytes)
        .bind(&idem.data_key.key_id)
        .bind(&idem.sealed_response)
        .bind(to_millis(idem.created_at))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 0;
        if taken {
            return Ok(Inserted::KeyTaken);
        }
        batch.execute(&mut tx).await?;
        tx.commit().await?;
        Ok(Inserted::Yes)
    }

    async fn get_idempotent_response(
        &self,
        account_id: Uuid,
        key: &str,
    ) -> StoreResult<Option<IdempotentResponse>> {
        let row = self
            .write_fetch_optional(
                query(
                    "SELECT key, request_hash, status, data_key, data_key_id, response, \
             created_at FROM idempotency_keys WHERE account_id = $1 AND key = $2",
                )
                .bind(account_id)
                .bind(key),
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let status: i32 = row.try_get("status")?;
        Ok(Some(IdempotentResponse {
            key: row.try_get("key")?,
            request_hash: row.try_get("request_hash")?,
            status: u16::try_from(status).map_err(|_| corrupt("status"))?,
            data_key: wrapped_key(&row)?,
            sealed_response: row.try_get("response")?,
            created_at: time(&row, "created_at")?,
        }))
    }

    async fn get_invitation(&self, account_id: Uuid, id: Uuid) -> StoreResult<Option<Invitation>> {
        let table = "invitations";
        owned_row(
            self.reader(),
            INVITATION_COLUMNS,
            table,
            account_id,
            id,
            invitation_row,
        )
        .await
    }

    async fn list_invitations(
        &self,
        account_id: Uuid,
        filter: &InvitationFilter,
        now: DateTime<Utc>,
        page: Page,
    ) -> StoreResult<Vec<Invitation>> {
        let mut q = QueryBuilder::<Db>::new(format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations WHERE account_id = "
        ));
        q.push_bind(account_id);
        if let Some(kind) = filter.kind {
            q.push(" AND kind = ").push_bind(kind.as_str());
        }
        if let Some(connector) = &filter.connector {
            q.push(" AND connector = ").push_bind(connector.clone());
        }
        if let Some(status) = filter.status {
            push_status(&mut q, status, now);
        }
        match filter.renewal_requested {
            Some(true) => q.push(" AND renewal_requested_at IS NOT NULL"),
            Some(false) => q.push(" AND renewal_requested_at IS NULL"),
            None => &mut q,
        };
        if let Some(text) = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            push_search(&mut q, text);
        }
        let Some(after) = filter.after else {
            push_page(&mut q, page);
            return q
                .build()
                .fetch_all(self.reader())
                .await?
                .iter()
                .map(invitation_row)
                .collect();
        };
        // The page just newer than `after`: the oldest `limit` of those, shown newest first.
        q.push(" AND id > ")
            .push_bind(after)
            .push(" ORDER BY id ASC LIMIT ")
            .push_bind(page.limit);
        let mut found = q
            .build()
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(invitation_row)
            .collect::<StoreResult<Vec<_>>>()?;
        found.reverse();
        Ok(found)
    }

    async fn revoke_invitation(
        &self,
        account_id: Uuid,
        id: Uuid,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        let done = query(
            "UPDATE invitations SET revoked_at = $3 \
             WHERE account_id = $1 AND id = $2 AND revoked_at IS NULL",
        )
        .bind(account_id)
        .bind(id)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        commit_if_changed(tx, done.rows_affected() > 0, events).await
    }

    async fn resend_invitation(
        &self,
        renewed: &Invitation,
        token_hash: &TokenHash,
        created: &[NewEvent],
        revoked: &NewEvent,
        emails: &[OutboxEmail],
    ) -> StoreResult<()> {
        let old = renewed
            .renewed_from
            .ok_or_else(|| corrupt("renewed_from"))?;
        let mut tx = self.write().await?;
        // The old one's open renewal request is answered by this resend.
        query(
            "UPDATE invitations SET renewal_requested_at = NULL \
             WHERE account_id = $1 AND id = $2",
        )
        .bind(renewed.account_id)
        .bind(old)
        .execute(&mut *tx)
        .await?;
        // `revoke_invitation`'s own write: only the one that revokes it writes the event.
        let revoking = query(
            "UPDATE invitations SET revoked_at = $3 \
             WHERE account_id = $1 AND id = $2 AND revoked_at IS NULL",
        )
        .bind(renewed.account_id)
        .bind(old)
        .bind(to_millis(renewed.created_at))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        let mut batch = Batch::of(|args| invitation_statement(args, renewed, token_hash))?;
        push_events(
            &mut batch,
            created.iter().chain(revoking.then_some(revoked)),
        )?;
        for email in emails {
            batch.push(|args| outbox_statement(args, email))?;
        }
        batch.execute(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn record_renewal_request(
        &self,
        invitation_id: Uuid,
        now: DateTime<Utc>,
        event: &NewEvent,
    ) -> StoreResult<bool> {
        let now_ms = to_millis(now);
        let mut tx = self.write().await?;
        // `Invitation::records_renewal_request`, re-checked in the write so that two requests
        // at once record one: expired or fulfilled, not revoked, none within the interval.
        let recorded = query(
            "UPDATE invitations SET renewal_requested_at = $2 \
             WHERE id = $1 AND revoked_at IS NULL \
             AND ((max_uses IS NOT NULL AND use_count >= max_uses) \
                  OR (expires_at IS NOT NULL AND expires_at <= $2)) \
             AND (renewal_requested_at IS NULL OR renewal_requested_at <= $3)",
        )
        .bind(invitation_id)
        .bind(now_ms)
        .bind(now_ms - RENEWAL_REQUEST_INTERVAL.num_milliseconds())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        commit_if_changed(tx, recorded, std::slice::from_ref(event)).await
    }

    async fn created_connections(
        &self,
        invitation_ids: &[Uuid],
    ) -> StoreResult<Vec<CreatedConnection>> {
        if invitation_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Db>::new(
            "SELECT invitation_id, id, name, connector, created_at FROM connections \
             WHERE invitation_id IN (",
        );
        let mut ids = q.separated(", ");
        for id in invitation_ids {
            ids.push_bind(*id);
        }
        // Sorted here rather than by an ORDER BY id, which can lead PostgreSQL's generic
        // plan to walk the whole primary key instead of the invitation_id index.
        q.push(")");
        let mut created = q
            .build()
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(|row| {
                Ok(CreatedConnection {
                    invitation_id: row.try_get("invitation_id")?,
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    connector: row.try_get("connector")?,
                    created_at: time(row, "created_at")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        created.sort_by_key(|c| c.id);
        Ok(created)
    }

    async fn find_invitation_by_token(
        &self,
        token_hash: &TokenHash,
    ) -> StoreResult<Option<Invitation>> {
        query(sqlx::AssertSqlSafe(format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations WHERE token_hash = $1"
        )))
        .bind(token_hash.as_bytes())
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(invitation_row)
        .transpose()
    }

    async fn mark_invitation_opened(
        &self,
        invitation_id: Uuid,
        at: DateTime<Utc>,
        event: &NewEvent,
    ) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        // Two first opens at once: only one marks the invitation and writes the event.
        let first =
            query("UPDATE invitations SET opened_at = $2 WHERE id = $1 AND opened_at IS NULL")
                .bind(invitation_id)
                .bind(to_millis(at))
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
        commit_if_changed(tx, first, std::slice::from_ref(event)).await
    }

    async fn use_invitation(&self, using: InvitationUse<'_>) -> StoreResult<Use> {
        let mut tx = self.write().await?;
        // The conditional increment (`Invitation::can_be_used`): on PostgreSQL a concurrent
        // use waits on the row lock and then re-checks the condition against the committed
        // count.
        let used = query(
            "UPDATE invitations SET use_count = use_count + 1 \
             WHERE id = $1 AND revoked_at IS NULL \
             AND (max_uses IS NULL OR use_count < max_uses) \
             AND (expires_at IS NULL OR expires_at > $2) \
             RETURNING use_count, max_uses",
        )
        .bind(using.invitation_id)
        .bind(to_millis(using.at))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(used) = used else {
            return Ok(Use::Refused);
        };
        let use_count: i64 = used.try_get("use_count")?;
        let max_uses: Option<i64> = used.try_get("max_uses")?;
        // The connection, the result code, the events and the session: one query on SQLite.
        let mut batch = Batch::default();
        match using.write {
            ConnectionWrite::Create(c) => {
                batch.push(|args| connection_statement(args, c))?;
            }
            ConnectionWrite::Update(c) => {
                // Dropping the transaction rolls the increment back.
                if !reconnect_connection_row(&mut tx, c).await? {
                    return Ok(Use::ConnectionGone);
                }
            }
        }
        batch.push(|args| result_statement(args, using.result))?;
        let last_use = max_uses == Some(use_count);
        push_events(
            &mut batch,
            using
                .events
                .iter()
                .chain(last_use.then_some(using.fulfilled)),
        )?;
        if let Some(session) = using.session {
            batch.push(|args| guest_session_statement(args, session))?;
        }
        batch.execute(&mut tx).await?;
        tx.commit().await?;
        Ok(Use::Used(use_count))
    }

    async fn invitations_to_expire(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<Invitation>> {
        query(sqlx::AssertSqlSafe(format!(
            // The terms of the partial index invitations_expiry_due, as written there.
            "SELECT {INVITATION_COLUMNS} FROM invitations WHERE expired_event_at IS NULL \
             AND revoked_at IS NULL AND expires_at IS NOT NULL \
             AND (max_uses IS NULL OR use_count < max_uses) AND expires_at <= $1 \
             ORDER BY expires_at, id LIMIT $2"
        )))
        .bind(to_millis(now))
        .bind(limit)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(invitation_row)
        .collect()
    }

    async fn mark_invitation_expired(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        event: &NewEvent,
    ) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        let done = query(
            "UPDATE invitations SET expired_event_at = $2 \
             WHERE id = $1 AND expired_event_at IS NULL",
        )
        .bind(id)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        commit_if_changed(tx, done.rows_affected() > 0, std::slice::from_ref(event)).await
    }
}
