//! Data keys in SQL: every table whose rows hold a wrapped data key, for rotation.

use super::{Row, query};
use async_trait::async_trait;

use super::Backend;
use super::shared::{DbRow, wrapped_key};
use crate::crypto::WrappedKey;
use crate::store::{DataKeyStore, KeyHolder, StoreResult};

/// How a row of a holding table names its holder.
type HolderOf = fn(&DbRow) -> StoreResult<KeyHolder>;

/// Each holding table: its query for the keys not under `$1` (at most `$2`), and its holder.
const HOLDERS: [(&str, HolderOf); 5] = [
    (
        "SELECT account_id, id, data_key, data_key_id FROM connections \
         WHERE data_key_id <> $1 ORDER BY id LIMIT $2",
        |row| {
            Ok(KeyHolder::Connection {
                account_id: row.try_get("account_id")?,
                id: row.try_get("id")?,
            })
        },
    ),
    (
        "SELECT account_id, key, data_key, data_key_id FROM idempotency_keys \
         WHERE data_key_id <> $1 ORDER BY account_id, key LIMIT $2",
        |row| {
            Ok(KeyHolder::IdempotentReply {
                account_id: row.try_get("account_id")?,
                key: row.try_get("key")?,
            })
        },
    ),
    (
        "SELECT id, data_key, data_key_id FROM outbox_emails \
         WHERE data_key_id <> $1 ORDER BY id LIMIT $2",
        |row| {
            Ok(KeyHolder::OutboxEmail {
                id: row.try_get("id")?,
            })
        },
    ),
    (
        "SELECT id, data_key, data_key_id FROM webhook_endpoints \
         WHERE data_key_id <> $1 ORDER BY id LIMIT $2",
        |row| {
            Ok(KeyHolder::WebhookEndpoint {
                id: row.try_get("id")?,
            })
        },
    ),
    (
        "SELECT account_id, connector, data_key, data_key_id FROM oauth_apps \
         WHERE data_key_id <> $1 ORDER BY account_id, connector LIMIT $2",
        |row| {
            Ok(KeyHolder::OAuthApp {
                account_id: row.try_get("account_id")?,
                connector: row.try_get("connector")?,
            })
        },
    ),
];

#[async_trait]
impl DataKeyStore for Backend {
    async fn data_keys_not_under(
        &self,
        key_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<(KeyHolder, WrappedKey)>> {
        let mut found = Vec::new();
        for (sql, holder) in HOLDERS {
            for row in query(sql)
                .bind(key_id)
                .bind(limit)
                .fetch_all(self.reader())
                .await?
            {
                found.push((holder(&row)?, wrapped_key(&row)?));
            }
        }
        Ok(found)
    }

    async fn replace_data_key(
        &self,
        holder: &KeyHolder,
        old: &WrappedKey,
        new: &WrappedKey,
    ) -> StoreResult<bool> {
        // $1 and $2 the new key, $3 and $4 the old one, then the row's key columns.
        let swap = |sql: &'static str| {
            query(sql)
                .bind(&new.bytes)
                .bind(&new.key_id)
                .bind(&old.bytes)
                .bind(&old.key_id)
        };
        let q = match holder {
            KeyHolder::Connection { id, .. } => swap(
                "UPDATE connections SET data_key = $1, data_key_id = $2 \
                 WHERE data_key = $3 AND data_key_id = $4 AND id = $5",
            )
            .bind(*id),
            KeyHolder::WebhookEndpoint { id } => swap(
                "UPDATE webhook_endpoints SET data_key = $1, data_key_id = $2 \
                 WHERE data_key = $3 AND data_key_id = $4 AND id = $5",
            )
            .bind(*id),
            KeyHolder::OutboxEmail { id } => swap(
                "UPDATE outbox_emails SET data_key = $1, data_key_id = $2 \
                 WHERE data_key = $3 AND data_key_id = $4 AND id = $5",
            )
            .bind(*id),
            KeyHolder::IdempotentReply { account_id, key } => swap(
                "UPDATE idempotency_keys SET data_key = $1, data_key_id = $2 \
                 WHERE data_key = $3 AND data_key_id = $4 AND account_id = $5 \
                 AND key = $6",
            )
            .bind(*account_id)
            .bind(key.as_str()),
            KeyHolder::OAuthApp {
                account_id,
                connector,
            } => swap(
                "UPDATE oauth_apps SET data_key = $1, data_key_id = $2 \
                 WHERE data_key = $3 AND data_key_id = $4 AND account_id = $5 \
                 AND connector = $6",
            )
            .bind(*account_id)
            .bind(connector.as_str()),
        };
        Ok(self.write_execute(q).await? == 1)
    }
}
