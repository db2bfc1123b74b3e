//! Connections in SQL: the owner's reads and writes, and the rows a guest's use writes.

use super::{QueryBuilder, Row, query};
use async_trait::async_trait;
use serde_json::{Map, Value};
use sqlx::types::Json;
use uuid::Uuid;

use super::batch::{Args, Batch, Tx, arg, placeholders};
use super::events::{commit_if_changed, insert_events};
use super::shared::{DbRow, corrupt, owned_row, push_page, time, wrapped_key};
use super::{Backend, Db};
use crate::domain::connection::{Connection, LastCheck};
use crate::domain::connector::Direction;
use crate::domain::event::NewEvent;
use crate::domain::invitation::{DuplicateKey, EndUser};
use crate::store::{ConnectionStore, Page, StoreResult, to_millis};

const CONNECTION_COLUMNS: &str = "id, account_id, connector, direction, name, config, \
     secrets, data_key, data_key_id, end_user, metadata, invitation_id, last_check, \
     created_at, updated_at, remote_environment, enabled";

fn connection_row(row: &DbRow) -> StoreResult<Connection> {
    let direction: String = row.try_get("direction")?;
    Ok(Connection {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        connector: row.try_get("connector")?,
        direction: Direction::parse(&direction).ok_or_else(|| corrupt("direction"))?,
        name: row.try_get("name")?,
        config: row.try_get::<Json<Map<String, Value>>, _>("config")?.0,
        secrets: row.try_get::<Json<_>, _>("secrets")?.0,
        data_key: wrapped_key(row)?,
        end_user: row.try_get::<Json<EndUser>, _>("end_user")?.0,
        metadata: row.try_get::<Json<Map<String, Value>>, _>("metadata")?.0,
        invitation_id: row.try_get("invitation_id")?,
        last_check: row
            .try_get::<Option<Json<LastCheck>>, _>("last_check")?
            .map(|j| j.0),
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
        remote_environment: row.try_get("remote_environment")?,
        enabled: row.try_get("enabled")?,
    })
}

pub(super) fn connection_statement(args: &mut Args, c: &Connection) -> StoreResult<String> {
    let sql = format!(
        "INSERT INTO connections ({CONNECTION_COLUMNS}) VALUES {}",
        placeholders(args, 17)
    );
    arg(args, c.id)?;
    arg(args, c.account_id)?;
    arg(args, &c.connector)?;
    arg(args, c.direction.as_str())?;
    arg(args, &c.name)?;
    arg(args, Json(&c.config))?;
    arg(args, Json(&c.secrets))?;
    arg(args, &c.data_key.bytes)?;
    arg(args, &c.data_key.key_id)?;
    arg(args, Json(&c.end_user))?;
    arg(args, Json(&c.metadata))?;
    arg(args, c.invitation_id)?;
    arg(args, c.last_check.as_ref().map(Json))?;
    arg(args, to_millis(c.created_at))?;
    arg(args, to_millis(c.updated_at))?;
    arg(args, &c.remote_environment)?;
    arg(args, c.enabled)?;
    Ok(sql)
}

/// A guest's reconnect: the credentials and the last check only, never the owner's
/// name, end user or metadata.
pub(super) async fn reconnect_connection_row(tx: &mut Tx, c: &Connection) -> StoreResult<bool> {
    let done = query(
        "UPDATE connections SET config = $3, secrets = $4, data_key = $5, \
         data_key_id = $6, last_check = $7, updated_at = $8 \
         WHERE account_id = $1 AND id = $2",
    )
    .bind(c.account_id)
    .bind(c.id)
    .bind(Json(&c.config))
    .bind(Json(&c.secrets))
    .bind(&c.data_key.bytes)
    .bind(&c.data_key.key_id)
    .bind(c.last_check.as_ref().map(Json))
    .bind(to_millis(c.updated_at))
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[async_trait]
impl ConnectionStore for Backend {
    async fn insert_connection(&self, c: &Connection, events: &[NewEvent]) -> StoreResult<()> {
        let mut tx = self.write().await?;
        Batch::of(|args| connection_statement(args, c))?
            .execute(&mut tx)
            .await?;
        insert_events(&mut tx, events).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_connection(&self, account_id: Uuid, id: Uuid) -> StoreResult<Option<Connection>> {
        let table = "connections";
        owned_row(
            self.reader(),
            CONNECTION_COLUMNS,
            table,
            account_id,
            id,
            connection_row,
        )
        .await
    }

    async fn list_connections(&self, account_id: Uuid, page: Page) -> StoreResult<Vec<Connection>> {
        let mut q = QueryBuilder::<Db>::new(format!(
            "SELECT {CONNECTION_COLUMNS} FROM connections WHERE account_id = "
        ));
        q.push_bind(account_id);
        push_page(&mut q, page);
        q.build()
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(connection_row)
            .collect()
    }

    async fn find_duplicate_connection(
        &self,
        account_id: Uuid,
        key: &DuplicateKey,
    ) -> StoreResult<Option<Connection>> {
        // `->>` reads a JSON member as text on both backends (JSONB in PostgreSQL, JSON text in
        // SQLite 3.38 and later); `connections_duplicate` (migration 0013) indexes exactly this
        // expression, so the lookup reads the matching rows only.
        query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONNECTION_COLUMNS} FROM connections WHERE account_id = $1 \
             AND connector = $2 AND direction = $3 AND end_user ->> 'origin_id' = $4 \
             ORDER BY id DESC LIMIT 1"
        )))
        .bind(account_id)
        .bind(&key.connector)
        .bind(key.direction.as_str())
        .bind(&key.origin_id)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(connection_row)
        .transpose()
    }

    async fn update_connection(&self, c: &Connection, events: &[NewEvent]) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        let done = query(
            "UPDATE connections SET name = $3, config = $4, secrets = $5, data_key = $6, \
             data_key_id = $7, end_user = $8, metadata = $9, updated_at = $10, \
             enabled = $11 WHERE account_id = $1 AND id = $2",
        )
        .bind(c.account_id)
        .bind(c.id)
        .bind(&c.name)
        .bind(Json(&c.config))
        .bind(Json(&c.secrets))
        .bind(&c.data_key.bytes)
        .bind(&c.data_key.key_id)
        .bind(Json(&c.end_user))
        .bind(Json(&c.metadata))
        .bind(to_millis(c.updated_at))
        .bind(c.enabled)
        .execute(&mut *tx)
        .await?;
        commit_if_changed(tx, done.rows_affected() > 0, events).await
    }

    async fn record_check(
        &self,
        account_id: Uuid,
        id: Uuid,
        check: &LastCheck,
        events: &[NewEvent],
    ) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        let done =
            query("UPDATE connections SET last_check = $3 WHERE account_id = $1 AND id = $2")
                .bind(account_id)
                .bind(id)
                .bind(Json(check))
                .execute(&mut *tx)
                .await?;
        commit_if_changed(tx, done.rows_affected() > 0, events).await
    }

    async fn delete_connection(
        &self,
        account_id: Uuid,
        id: Uuid,
        events: &[NewEvent],
    ) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        let done = query("DELETE FROM connections WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        commit_if_changed(tx, done.rows_affected() > 0, events).await
    }
}
