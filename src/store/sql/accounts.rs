//! Accounts in SQL.

use super::{Row, query};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::Backend;
use super::shared::{DbRow, corrupt};
use crate::domain::account::{Account, AccountChanges, EmbedOrigin};
use crate::domain::branding::{Branding, Colour, DisplayName, LogoRef};
use crate::store::{AccountStore, StoreError, StoreResult, StoredLogo, to_millis};

const ACCOUNT_COLUMNS: &str =
    "id, number, name, embed_origins, display_name, primary_color, logo_hash";

fn branding_row(row: &DbRow) -> StoreResult<Branding> {
    let display_name = row
        .try_get::<Option<String>, _>("display_name")?
        .map(|n| DisplayName::parse(&n).map_err(|_| corrupt("accounts.display_name")))
        .transpose()?;
    let primary_color = row
        .try_get::<Option<String>, _>("primary_color")?
        .map(|c| Colour::parse(&c).map_err(|_| corrupt("accounts.primary_color")))
        .transpose()?;
    let logo = row
        .try_get::<Option<String>, _>("logo_hash")?
        .map(|hash| LogoRef { hash });
    Ok(Branding {
        display_name,
        primary_color,
        logo,
    })
}

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
        branding: branding_row(row)?,
    })
}

fn number_taken() -> StoreError {
    StoreError::Conflict("account number is taken")
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
            let result = self
                .write_fetch_one(
                    query(
                        "INSERT INTO accounts (id, number, name, created_at) VALUES ($1, \
                 COALESCE($2, (SELECT COALESCE(MAX(number), 0) + 1 FROM accounts)), \
                 $3, $4) RETURNING id, number, name, embed_origins, display_name, \
                 primary_color, logo_hash",
                    )
                    .bind(id)
                    .bind(number)
                    .bind(name)
                    .bind(to_millis(now)),
                )
                .await;
            match result {
                Ok(row) => return account_row(&row),
                Err(e) if e.is_unique_violation() && number.is_none() && attempt < 5 => continue,
                Err(e) if e.is_unique_violation() => return Err(number_taken()),
                Err(e) => return Err(e),
            }
        }
    }

    async fn count_accounts(&self) -> StoreResult<i64> {
        Ok(query("SELECT COUNT(*) AS n FROM accounts")
            .fetch_one(self.reader())
            .await?
            .try_get("n")?)
    }

    async fn get_account(&self, id: Uuid) -> StoreResult<Option<Account>> {
        query(sqlx::AssertSqlSafe(format!(
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
        query(sqlx::AssertSqlSafe(format!(
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
        // `$5`..`$7`: whether to set each branding part (a part set to NULL is removed).
        let branding = &changes.branding;
        let new_logo = branding
            .logo
            .as_ref()
            .map(|l| l.as_ref().map(|l| l.hash.as_str()));
        let mut tx = self.write().await?;
        let result = query(sqlx::AssertSqlSafe(format!(
            "UPDATE accounts SET name = COALESCE($2, name), number = COALESCE($3, number), \
             embed_origins = COALESCE($4, embed_origins), \
             display_name = CASE WHEN $5 THEN $8 ELSE display_name END, \
             primary_color = CASE WHEN $6 THEN $9 ELSE primary_color END, \
             logo_hash = CASE WHEN $7 THEN $10 ELSE logo_hash END WHERE id = $1 \
             RETURNING {ACCOUNT_COLUMNS}"
        )))
        .bind(id)
        .bind(changes.name.as_deref())
        .bind(changes.number)
        .bind(changes.embed_origins.as_ref().map(Json))
        .bind(branding.display_name.is_some())
        .bind(branding.primary_color.is_some())
        .bind(new_logo.is_some())
        .bind(
            branding
                .display_name
                .as_ref()
                .and_then(|n| n.as_ref().map(|n| n.as_str().to_string())),
        )
        .bind(
            branding
                .primary_color
                .as_ref()
                .and_then(|c| c.as_ref().map(Colour::css)),
        )
        .bind(new_logo.flatten())
        .fetch_optional(&mut *tx)
        .await
        .map_err(StoreError::from);
        let account = match result {
            Ok(None) => return Ok(None),
            Ok(Some(row)) => account_row(&row)?,
            Err(e) if e.is_unique_violation() => return Err(number_taken()),
            Err(e) => return Err(e),
        };
        match &branding.logo {
            None => {}
            Some(None) => {
                query("DELETE FROM account_logos WHERE account_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            Some(Some(logo)) => {
                query(
                    "INSERT INTO account_logos (account_id, hash, content_type, bytes) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (account_id) DO UPDATE \
                     SET hash = excluded.hash, content_type = excluded.content_type, \
                     bytes = excluded.bytes",
                )
                .bind(id)
                .bind(&logo.hash)
                .bind(logo.kind.content_type())
                .bind(&logo.bytes)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(Some(account))
    }

    async fn get_logo(&self, hash: &str) -> StoreResult<Option<StoredLogo>> {
        query("SELECT content_type, bytes FROM account_logos WHERE hash = $1 LIMIT 1")
            .bind(hash)
            .fetch_optional(self.reader())
            .await?
            .map(|row| {
                Ok(StoredLogo {
                    content_type: row.try_get("content_type")?,
                    bytes: row.try_get("bytes")?,
                })
            })
            .transpose()
    }
}
