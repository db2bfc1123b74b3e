//! Master key rotation: a new master key, then every data key re-wrapped under it, online.

use super::invitations::Idempotency;
use super::{Portico, ServiceResult};
use crate::domain::connection::Connection;

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rotation {
    pub key_id: String,
    pub rewrapped_connections: u64,
    pub rewrapped_idempotent_replies: u64,
}

const BATCH: i64 = 200;

impl Portico {
    /// Adds a master key and re-wraps every data key under it. Servers keep running: they read
    /// the key file again when they meet an unknown key id or before wrapping a new data key.
    /// Each swap is conditional on the old value, so a concurrent write is never overwritten;
    /// the loop ends only when no data key is left under another key id.
    pub async fn rotate_master_key(&self) -> ServiceResult<Rotation> {
        let key_id = self.keyring.rotate()?;
        let mut rotation = Rotation {
            key_id: key_id.clone(),
            rewrapped_connections: 0,
            rewrapped_idempotent_replies: 0,
        };
        loop {
            let batch = self.store.data_keys_not_under(&key_id, BATCH).await?;
            if batch.is_empty() {
                break;
            }
            for (account_id, id, old) in batch {
                let new = self
                    .keyring
                    .rewrap(&old, &Connection::data_key_binding(account_id, id))?;
                if self.store.replace_data_key(id, &old, &new).await? {
                    rotation.rewrapped_connections += 1;
                }
            }
        }
        loop {
            let batch = self
                .store
                .idempotency_keys_not_under(&key_id, BATCH)
                .await?;
            if batch.is_empty() {
                break;
            }
            for (account_id, key, old) in batch {
                let binding = Idempotency::binding_for(account_id, &key);
                let new = self.keyring.rewrap(&old, &binding)?;
                if self
                    .store
                    .replace_idempotency_data_key(account_id, &key, &old, &new)
                    .await?
                {
                    rotation.rewrapped_idempotent_replies += 1;
                }
            }
        }
        Ok(rotation)
    }
}
