//! Accounts in SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::types::Json;
use uuid::Uuid;

use super::Backend;
use super::shared::{DbRow, corrupt};
use crate::domain::account::{Account, AccountChanges, EmbedOrigin};
use crate::store::{AccountStore, StoreError, StoreResult, to_millis};

const ACCOUNT_COLUMNS: &str = "id, number, name, embed_origins";

fn account_row(row: &DbRow) -> StoreResult<Account> {
    let embed_origins = row
        .try_get::<Json<Vec<String>>, _>("embed_origins")?
        .0
        .iter()
        .map(|o| EmbedOrigin::parse(o).map_err(|_| corrupt("accounts.embed_origins")))
        .collect::<StoreResult<_>>()?;
    Ok(Account {
        id: row.try_get("id")?,
        number: row.try_get("number")?,
        name: row.try_get("name")?,
        embed_origins,
    })
}

fn number_taken() -> StoreError {
    StoreError::Conflict("account number is taken")
}

fn unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}

#[async_trait]
impl AccountStore for Backend {
    async fn create_account(
        &self,
        name: &str,
        number: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Account> {
        // Without a number, take the next free one; a concurrent create may take the same,
        // so try again a few times on that conflict.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let id = Uuid::now_v7();
            let result = sqlx::query(
                "INSERT INTO accounts (id, number, name, created_at) VALUES ($1, \
                 COALESCE($2, (SELECT COALESCE(MAX(number), 0) + 1 FROM accounts)), \
                 $3, $4) RETURNING id, number, name, embed_origins",
            )
            .bind(id)
            .bind(number)
            .bind(name)
            .bind(to_millis(now))
            .fetch_one(self.writer())
            .await;
            match result {
                Ok(row) => return account_row(&row),
                Err(e) if unique_violation(&e) && number.is_none() && attempt < 5 => continue,
                Err(e) if unique_violation(&e) => return Err(number_taken()),
                Err(e) => return Err(e.into()),
            }
        }
    }

    async fn count_accounts(&self) -> StoreResult<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM accounts")
            .fetch_one(self.reader())
            .await?
            .try_get("n")?)
    }

    async fn get_account(&self, id: Uuid) -> StoreResult<Option<Account>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(account_row)
        .transpose()
    }

    async fn get_account_by_number(&self, number: i64) -> StoreResult<Option<Account>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE number = $1"
        )))
        .bind(number)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(account_row)
        .transpose()
    }

    async fn update_account(
        &self,
        id: Uuid,
        changes: &AccountChanges,
    ) -> StoreResult<Option<Account>> {
        let result = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE accounts SET name = COALESCE($2, name), number = COALESCE($3, number), \
             embed_origins = COALESCE($4, embed_origins) WHERE id = $1 \
             RETURNING {ACCOUNT_COLUMNS}"
        )))
        .bind(id)
        .bind(changes.name.as_deref())
        .bind(changes.number)
        .bind(changes.embed_origins.as_ref().map(Json))
        .fetch_optional(self.writer())
        .await;
        match result {
            Ok(row) => row.as_ref().map(account_row).transpose(),
            Err(e) if unique_violation(&e) => Err(number_taken()),
            Err(e) => Err(e.into()),
        }
    }
}
