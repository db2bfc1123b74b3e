//! Master key rotation: a new master key, then every data key re-wrapped under it, online.

use super::{Portico, ServiceResult};
use crate::crypto::binding;
use crate::store::KeyHolder;

/// What a rotation did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Rotation {
    /// The master key this rotation added.
    pub key_id: String,
    /// The master key every data key was under when the rotation ended: `key_id`, or the key
    /// of a rotation started later that this one handed over to.
    pub data_keys_under: String,
    pub rewrapped_connections: u64,
    pub rewrapped_idempotent_replies: u64,
    pub rewrapped_emails: u64,
    pub rewrapped_webhook_endpoints: u64,
    pub rewrapped_oauth_apps: u64,
}

const BATCH: i64 = 200;

impl KeyHolder {
    /// The associated data the holder's data key was wrapped with.
    pub fn binding(&self) -> Vec<u8> {
        match self {
            KeyHolder::Connection { account_id, id } => {
                binding::connection_data_key(*account_id, *id)
            }
            KeyHolder::IdempotentReply { account_id, key } => {
                binding::idempotent_reply(*account_id, key)
            }
            KeyHolder::OutboxEmail { id } => binding::outbox_email(*id),
            KeyHolder::WebhookEndpoint { id } => binding::webhook_endpoint(*id),
            KeyHolder::OAuthApp {
                account_id,
                connector,
            } => binding::oauth_app(*account_id, connector),
        }
    }
}

impl Portico {
    /// Adds a master key and re-wraps every data key under it. Servers keep running: they read
    /// the key file again when they meet an unknown key id or before wrapping a new data key.
    ///
    /// Why it ends, alone or beside another rotation:
    ///
    /// - Each pass has one explicit *target* key. It lists the data keys not under the target
    ///   and wraps each under the target ([`Keyring::rewrap_under`], never "whichever key is
    ///   newest"), so an empty list means every data key is under the target, and the loop
    ///   stops on exactly that. (Looking for keys "not under mine" while wrapping under "the
    ///   newest" never ended once a concurrent rotation had added a newer key.)
    /// - Each swap is conditional on the old value, so a concurrent write (a server's reconnect,
    ///   another rotation) is never overwritten with a stale key.
    /// - Two rotations at once must not each insist on their own key: they would undo each
    ///   other's work forever. So a rotation hands over to any rotation started after it:
    ///   before each swap it asks the key file ([`Keyring::rotation_target`]) whether a later
    ///   rotation has appended a newer key, and if so makes that its target and starts a new
    ///   pass. Rotations append under the key file's lock, so file order is start order; the
    ///   target only ever moves forward in it, and once both rotations target the latest key
    ///   nothing moves a data key away from it. Both finish, and then every data key is under
    ///   the key of the rotation that started last (also the key servers wrap new data keys
    ///   under); `data_keys_under` in the result says which key that was for this rotation.
    ///
    /// A data key wrapped by a server in the very instant a rotation adds its key may still
    /// land under the previous key (the server read the key file just before); it opens as
    /// before (old keys stay in the file), and the next rotation moves it.
    ///
    /// [`Keyring::rewrap_under`]: crate::crypto::Keyring::rewrap_under
    /// [`Keyring::rotation_target`]: crate::crypto::Keyring::rotation_target
    pub async fn rotate_master_key(&self) -> ServiceResult<Rotation> {
        let key_id = self.keyring.rotate()?;
        let mut target = key_id.clone();
        let mut rotation = Rotation {
            key_id,
            ..Rotation::default()
        };
        'passes: loop {
            let batch = self.store.data_keys_not_under(&target, BATCH).await?;
            if batch.is_empty() {
                break;
            }
            for (holder, old) in batch {
                let latest = self.keyring.rotation_target(&target)?;
                if latest != target {
                    target = latest;
                    continue 'passes;
                }
                let new = self
                    .keyring
                    .rewrap_under(&old, &holder.binding(), &target)?;
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
                        KeyHolder::OAuthApp { .. } => &mut rotation.rewrapped_oauth_apps,
                    } += 1;
                }
            }
        }
        rotation.data_keys_under = target;
        Ok(rotation)
    }
}
