//! OAuth in SQL: apps (one row per account and connector, the secret sealed) and the flows
//! under way (taken once, by `DELETE ... RETURNING`).

use super::{Row, query};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::Backend;
use super::batch::{Args, Batch, arg, placeholders};
use super::guests::guest_session_statement;
use super::shared::{DbRow, corrupt, time, wrapped_key};
use crate::domain::guest::GuestSession;
use crate::domain::oauth::{OAuthApp, OAuthState};
use crate::domain::values::TokenHash;
use crate::store::{OAuthStore, StoreResult, to_millis};

const OAUTH_APP_COLUMNS: &str = "id, account_id, connector, client_id, client_secret, \
     data_key, data_key_id, scopes, authorize_url, token_url, revoke_url, created_at, updated_at";

fn oauth_app_row(row: &DbRow) -> StoreResult<OAuthApp> {
    Ok(OAuthApp {
        account_id: row.try_get("account_id")?,
        connector: row.try_get("connector")?,
        client_id: row.try_get("client_id")?,
        sealed_client_secret: row.try_get("client_secret")?,
        data_key: wrapped_key(row)?,
        scopes: row.try_get::<Json<Vec<String>>, _>("scopes")?.0,
        authorize_url: row.try_get("authorize_url")?,
        token_url: row.try_get("token_url")?,
        revoke_url: row.try_get("revoke_url")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

const OAUTH_STATE_COLUMNS: &str = "state_hash, session_hash, invitation_id, connector, config, \
     code_challenge, created_at, expires_at";

fn oauth_state_row(row: &DbRow) -> StoreResult<OAuthState> {
    let hash = |column: &str| -> StoreResult<TokenHash> {
        TokenHash::parse(&row.try_get::<Vec<u8>, _>(column)?).ok_or_else(|| corrupt(column))
    };
    Ok(OAuthState {
        state_hash: hash("state_hash")?,
        session_hash: hash("session_hash")?,
        invitation_id: row.try_get("invitation_id")?,
        connector: row.try_get("connector")?,
        config: row
            .try_get::<Json<serde_json::Map<String, serde_json::Value>>, _>("config")?
            .0,
        code_challenge: row.try_get("code_challenge")?,
        created_at: time(row, "created_at")?,
        expires_at: time(row, "expires_at")?,
    })
}

fn oauth_state_statement(args: &mut Args, s: &OAuthState) -> StoreResult<String> {
    let sql = format!(
        "INSERT INTO oauth_states ({OAUTH_STATE_COLUMNS}) VALUES {}",
        placeholders(args, 8)
    );
    arg(args, s.state_hash.as_bytes())?;
    arg(args, s.session_hash.as_bytes())?;
    arg(args, s.invitation_id)?;
    arg(args, &s.connector)?;
    arg(args, Json(&s.config))?;
    arg(args, &s.code_challenge)?;
    arg(args, to_millis(s.created_at))?;
    arg(args, to_millis(s.expires_at))?;
    Ok(sql)
}

#[async_trait]
impl OAuthStore for Backend {
    async fn put_oauth_app(&self, app: &OAuthApp) -> StoreResult<bool> {
        // A replaced row keeps its id: the id written comes back only from an insert.
        let id = Uuid::now_v7();
        let mut tx = self.write_one().await?;
        let kept: Uuid = query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO oauth_apps ({OAUTH_APP_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
             ON CONFLICT (account_id, connector) DO UPDATE SET \
             client_id = excluded.client_id, client_secret = excluded.client_secret, \
             data_key = excluded.data_key, data_key_id = excluded.data_key_id, \
             scopes = excluded.scopes, authorize_url = excluded.authorize_url, \
             token_url = excluded.token_url, revoke_url = excluded.revoke_url, \
             updated_at = excluded.updated_at \
             RETURNING id"
        )))
        .bind(id)
        .bind(app.account_id)
        .bind(&app.connector)
        .bind(&app.client_id)
        .bind(&app.sealed_client_secret)
        .bind(&app.data_key.bytes)
        .bind(&app.data_key.key_id)
        .bind(Json(&app.scopes))
        .bind(&app.authorize_url)
        .bind(&app.token_url)
        .bind(&app.revoke_url)
        .bind(to_millis(app.updated_at))
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        tx.commit().await?;
        Ok(kept == id)
    }

    async fn get_oauth_app(
        &self,
        account_id: Uuid,
        connector: &str,
    ) -> StoreResult<Option<OAuthApp>> {
        query(sqlx::AssertSqlSafe(format!(
            "SELECT {OAUTH_APP_COLUMNS} FROM oauth_apps WHERE account_id = $1 AND connector = $2"
        )))
        .bind(account_id)
        .bind(connector)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(oauth_app_row)
        .transpose()
    }

    async fn list_oauth_apps(&self, account_id: Uuid) -> StoreResult<Vec<OAuthApp>> {
        query(sqlx::AssertSqlSafe(format!(
            "SELECT {OAUTH_APP_COLUMNS} FROM oauth_apps WHERE account_id = $1 ORDER BY connector"
        )))
        .bind(account_id)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(oauth_app_row)
        .collect()
    }

    async fn delete_oauth_app(&self, account_id: Uuid, connector: &str) -> StoreResult<bool> {
        let deleted = self
            .write_execute(
                query("DELETE FROM oauth_apps WHERE account_id = $1 AND connector = $2")
                    .bind(account_id)
                    .bind(connector),
            )
            .await?;
        Ok(deleted == 1)
    }

    async fn start_oauth(
        &self,
        state: &OAuthState,
        session: Option<&GuestSession>,
    ) -> StoreResult<()> {
        let mut batch = Batch::of(|args| oauth_state_statement(args, state))?;
        if let Some(session) = session {
            batch.push(|args| guest_session_statement(args, session))?;
        }
        batch.commit_alone(self).await
    }

    async fn take_oauth_state(
        &self,
        state_hash: &TokenHash,
        session_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<OAuthState>> {
        let mut tx = self.write_one().await?;
        let taken = query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM oauth_states WHERE state_hash = $1 AND session_hash = $2 \
             AND expires_at > $3 RETURNING {OAUTH_STATE_COLUMNS}"
        )))
        .bind(state_hash.as_bytes())
        .bind(session_hash.as_bytes())
        .bind(to_millis(now))
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(oauth_state_row)
        .transpose()?;
        tx.commit().await?;
        Ok(taken)
    }
}
