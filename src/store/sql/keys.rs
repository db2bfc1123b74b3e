//! API keys in SQL: looked up by the key's hash.

use super::{Row, query};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::Backend;
use crate::domain::account::{ApiKey, Scope};
use crate::domain::values::TokenHash;
use crate::store::{ApiKeyStore, ListedKey, StoreResult, from_millis, to_millis};

#[async_trait]
impl ApiKeyStore for Backend {
    async fn create_api_key(
        &self,
        key: &ApiKey,
        key_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write_execute(
            query(
                "INSERT INTO api_keys (id, account_id, key_hash, prefix, scopes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(key.id)
            .bind(key.account_id)
            .bind(key_hash.as_bytes())
            .bind(&key.prefix)
            .bind(Json(&key.scopes))
            .bind(to_millis(now)),
        )
        .await?;
        Ok(())
    }

    async fn find_api_key(&self, key_hash: &TokenHash) -> StoreResult<Option<ApiKey>> {
        let row = query(
            "SELECT id, account_id, prefix, scopes, revoked_at FROM api_keys \
             WHERE key_hash = $1",
        )
        .bind(key_hash.as_bytes())
        .fetch_optional(self.reader())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(ApiKey {
            id: row.try_get("id")?,
            account_id: row.try_get("account_id")?,
            prefix: row.try_get("prefix")?,
            scopes: row.try_get::<Json<Vec<Scope>>, _>("scopes")?.0,
            revoked: row.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
        }))
    }

    async fn revoke_api_key(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
        let done = self
            .write_execute(
                query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                    .bind(id)
                    .bind(to_millis(now)),
            )
            .await?;
        Ok(done == 1)
    }

    async fn list_api_keys(&self, account_id: Uuid, limit: i64) -> StoreResult<Vec<ListedKey>> {
        let rows = query(
            "SELECT id, account_id, prefix, scopes, created_at, revoked_at FROM api_keys \
             WHERE account_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(account_id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|row| {
                let revoked_at = row.try_get::<Option<i64>, _>("revoked_at")?;
                Ok(ListedKey {
                    key: ApiKey {
                        id: row.try_get("id")?,
                        account_id: row.try_get("account_id")?,
                        prefix: row.try_get("prefix")?,
                        scopes: row.try_get::<Json<Vec<Scope>>, _>("scopes")?.0,
                        revoked: revoked_at.is_some(),
                    },
                    created_at: from_millis(row.try_get("created_at")?)?,
                    revoked_at: revoked_at.map(from_millis).transpose()?,
                })
            })
            .collect()
    }
}
