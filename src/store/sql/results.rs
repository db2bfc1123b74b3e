//! Result codes in SQL: the insert that `use_invitation` batches with the connection, the
//! owner's read, and the conditional exchange.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Backend;
use super::batch::{Args, arg, placeholders};
use super::events::commit_if_changed;
use super::shared::{DbRow, corrupt, maybe_time, time};
use super::{Row, query};
use crate::domain::event::NewEvent;
use crate::domain::result::ResultCode;
use crate::domain::values::TokenHash;
use crate::store::{ResultStore, StoreResult, to_millis};

const RESULT_COLUMNS: &str =
    "code_hash, account_id, invitation_id, connection_id, created_at, expires_at, exchanged_at";

pub(super) fn result_statement(args: &mut Args, r: &ResultCode) -> StoreResult<String> {
    let sql = format!(
        "INSERT INTO results ({RESULT_COLUMNS}) VALUES {}",
        placeholders(args, 7)
    );
    arg(args, r.code_hash.as_bytes())?;
    arg(args, r.account_id)?;
    arg(args, r.invitation_id)?;
    arg(args, r.connection_id)?;
    arg(args, to_millis(r.created_at))?;
    arg(args, to_millis(r.expires_at))?;
    arg(args, r.exchanged_at.map(to_millis))?;
    Ok(sql)
}

fn result_row(row: &DbRow) -> StoreResult<ResultCode> {
    let hash: Vec<u8> = row.try_get("code_hash")?;
    Ok(ResultCode {
        code_hash: TokenHash::parse(&hash).ok_or_else(|| corrupt("code_hash"))?,
        account_id: row.try_get("account_id")?,
        invitation_id: row.try_get("invitation_id")?,
        connection_id: row.try_get("connection_id")?,
        created_at: time(row, "created_at")?,
        expires_at: time(row, "expires_at")?,
        exchanged_at: maybe_time(row, "exchanged_at")?,
    })
}

#[async_trait]
impl ResultStore for Backend {
    async fn find_result(
        &self,
        account_id: Uuid,
        code_hash: &TokenHash,
    ) -> StoreResult<Option<ResultCode>> {
        query(sqlx::AssertSqlSafe(format!(
            "SELECT {RESULT_COLUMNS} FROM results WHERE code_hash = $1 AND account_id = $2"
        )))
        .bind(code_hash.as_bytes())
        .bind(account_id)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(result_row)
        .transpose()
    }

    async fn exchange_result(
        &self,
        account_id: Uuid,
        code_hash: &TokenHash,
        now: DateTime<Utc>,
        event: &NewEvent,
    ) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        // `ResultCode::can_be_exchanged`; on PostgreSQL a concurrent exchange waits on the
        // row lock and then finds `exchanged_at` set.
        let taken = query(
            "UPDATE results SET exchanged_at = $3 \
             WHERE code_hash = $1 AND account_id = $2 \
             AND exchanged_at IS NULL AND expires_at > $3",
        )
        .bind(code_hash.as_bytes())
        .bind(account_id)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        commit_if_changed(tx, taken, std::slice::from_ref(event)).await
    }
}
