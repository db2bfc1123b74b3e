//! Master key rotation: a new master key, then every data key re-wrapped under it, online.

use super::invitations::Idempotency;
use super::{Portico, ServiceResult};
use crate::domain::connection::Connection;
use crate::domain::webhook::WebhookEndpoint;
use crate::store::KeyHolder;

/// What a rotation did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Rotation {
    pub key_id: String,
    pub rewrapped_connections: u64,
    pub rewrapped_idempotent_replies: u64,
    pub rewrapped_emails: u64,
    pub rewrapped_webhook_endpoints: u64,
}

const BATCH: i64 = 200;

impl KeyHolder {
    /// The associated data the holder's data key was wrapped with.
    pub fn binding(&self) -> Vec<u8> {
        match self {
            KeyHolder::Connection { account_id, id } => {
                Connection::data_key_binding(*account_id, *id)
            }
            KeyHolder::IdempotentReply { account_id, key } => {
                Idempotency::binding_for(*account_id, key)
            }
            KeyHolder::OutboxEmail { id } => super::mail::binding(*id),
            KeyHolder::WebhookEndpoint { id } => WebhookEndpoint::binding(*id),
        }
    }
}

impl Portico {
    /// Adds a master key and re-wraps every data key under it. Servers keep running: they read
    /// the key file again when they meet an unknown key id or before wrapping a new data key.
    /// Each swap is conditional on the old value, so a concurrent write is never overwritten;
    /// the loop ends only when no data key is left under another key id.
    pub async fn rotate_master_key(&self) -> ServiceResult<Rotation> {
        let key_id = self.keyring.rotate()?;
        let mut rotation = Rotation {
            key_id: key_id.clone(),
            ..Rotation::default()
        };
        loop {
            let batch = self.store.data_keys_not_under(&key_id, BATCH).await?;
            if batch.is_empty() {
                break;
            }
            for (holder, old) in batch {
                let new = self.keyring.rewrap(&old, &holder.binding())?;
                if self.store.replace_data_key(&holder, &old, &new).await? {
                    *match holder {
                        KeyHolder::Connection { .. } => &mut rotation.rewrapped_connections,
                        KeyHolder::IdempotentReply { .. } => {
                            &mut rotation.rewrapped_idempotent_replies
                        }
                        KeyHolder::OutboxEmail { .. } => &mut rotation.rewrapped_emails,
                        KeyHolder::WebhookEndpoint { .. } => {
                            &mut rotation.rewrapped_webhook_endpoints
                        }
                    } += 1;
                }
            }
        }
        Ok(rotation)
    }
}
