//! Connections: a configured connector with credentials. Plain config is kept as JSON; secret
//! fields are kept encrypted, and the owner sees only which ones are set.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

use super::connector::Direction;
use super::invitation::EndUser;

/// The outcome of the last connector check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LastCheck {
    /// `ok` or `failed`.
    pub status: CheckStatus,
    pub checked_at: DateTime<Utc>,
    /// Why it failed; never contains a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Ok,
    Failed,
}

/// Secret field values as stored: field key to `base64(nonce || ciphertext || tag)`, sealed with
/// the connection's data key and bound to account, connection and field.
pub type SealedSecrets = BTreeMap<String, String>;

/// A connection as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    pub id: Uuid,
    pub account_id: Uuid,
    pub connector: String,
    pub direction: Direction,
    pub name: String,
    pub config: Map<String, Value>,
    pub secrets: SealedSecrets,
    pub data_key: crate::crypto::WrappedKey,
    pub end_user: EndUser,
    pub metadata: Map<String, Value>,
    pub invitation_id: Option<Uuid>,
    pub last_check: Option<LastCheck>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The environment of the connected tool, when it has several (Kombo's).
    pub remote_environment: Option<String>,
}

impl Connection {
    /// Associated data that binds a data key to its connection.
    pub fn data_key_binding(account_id: Uuid, connection_id: Uuid) -> Vec<u8> {
        format!("portico:data-key:{account_id}:{connection_id}").into_bytes()
    }

    /// Associated data that binds one secret field's ciphertext to its account, connection and
    /// field, so a ciphertext copied elsewhere fails to decrypt.
    pub fn secret_binding(account_id: Uuid, connection_id: Uuid, field: &str) -> Vec<u8> {
        format!("portico:secret:{account_id}:{connection_id}:{field}").into_bytes()
    }
}
