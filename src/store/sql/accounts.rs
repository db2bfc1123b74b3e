//! Accounts in SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;
use uuid::Uuid;

use super::Backend;
use super::shared::DbRow;
use crate::domain::account::Account;
use crate::store::{AccountStore, StoreError, StoreResult, to_millis};

fn account_row(row: &DbRow) -> StoreResult<Account> {
    Ok(Account {
        id: row.try_get("id")?,
        number: row.try_get("number")?,
        name: row.try_get("name")?,
    })
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
                 $3, $4) RETURNING id, number, name",
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
                Err(e) if unique_violation(&e) => {
                    return Err(StoreError::Conflict("account number is taken"));
                }
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
        sqlx::query("SELECT id, number, name FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .as_ref()
            .map(account_row)
            .transpose()
    }

    async fn get_account_by_number(&self, number: i64) -> StoreResult<Option<Account>> {
        sqlx::query("SELECT id, number, name FROM accounts WHERE number = $1")
            .bind(number)
            .fetch_optional(self.reader())
            .await?
            .as_ref()
            .map(account_row)
            .transpose()
    }
}
