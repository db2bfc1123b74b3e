//! Connections: a configured connector with credentials, and the owner's request to create or
//! edit one, validated here. Plain config is kept as JSON; secret fields are kept encrypted,
//! and the owner sees only which ones are set.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

use super::FieldError;
use super::connector::{ConnectorSpec, Direction, ValidatedConfig};
use super::invitation::{EndUser, MAX_NAME_CHARS, check_metadata, check_text};

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
    /// A disabled connection keeps its credentials but does not hand them out.
    pub enabled: bool,
}

impl Connection {
    /// Whether `GET /v1/connections/{id}/credentials` may return the credentials: only while
    /// the connection is enabled.
    pub fn hands_out_credentials(&self) -> bool {
        self.enabled
    }
}

/// The owner's request for a new connection. Not `Debug`: `config` holds secrets.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConnection {
    pub connector: String,
    /// Needed when the connector has both directions.
    #[serde(default)]
    pub direction: Option<Direction>,
    pub name: String,
    /// Every field value, secrets included.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub config: Map<String, Value>,
    #[serde(default)]
    pub end_user: Option<EndUser>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
    /// The environment of the connected tool, when it has several.
    #[serde(default)]
    pub remote_environment: Option<String>,
}

/// A partial update: given keys replace, `null` in `config` removes a value. Not `Debug`:
/// `config` may hold secrets.
#[derive(Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub config: Option<Map<String, Value>>,
    #[serde(default)]
    pub end_user: Option<EndUser>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
    /// `false` keeps the credentials but refuses them to `GET .../credentials` until `true`.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A validated new connection, ready to be sealed and stored.
pub struct ConnectionDraft {
    pub direction: Direction,
    pub name: String,
    pub config: ValidatedConfig,
    pub end_user: EndUser,
    pub metadata: Map<String, Value>,
    pub remote_environment: Option<String>,
}

impl NewConnection {
    /// Checks every rule of the request against its connector at once and returns all the
    /// problems, config fields named `config.{key}`.
    pub fn validate(&self, spec: &ConnectorSpec) -> Result<ConnectionDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let direction = spec
            .resolve_direction(self.direction)
            .map_err(|e| errors.push(e))
            .ok();
        let end_user = self.end_user.clone().unwrap_or_default();
        let metadata = self.metadata.clone().unwrap_or_default();
        check_owner_fields(&mut errors, &self.name, &end_user, &metadata);
        if let Some(environment) = &self.remote_environment {
            check_text(
                &mut errors,
                "remote_environment",
                environment,
                MAX_NAME_CHARS,
            );
        }
        let config = spec
            .validate(&self.config)
            .map_err(|e| errors.extend(config_errors(e)))
            .ok();
        match (direction, config) {
            (Some(direction), Some(config)) if errors.is_empty() => Ok(ConnectionDraft {
                direction,
                name: self.name.trim().to_string(),
                config,
                end_user,
                metadata,
                remote_environment: self.remote_environment.clone(),
            }),
            _ => Err(errors),
        }
    }
}

/// What the owner says about a connection (name, end user, metadata), as created or edited.
pub fn check_owner_fields(
    errors: &mut Vec<FieldError>,
    name: &str,
    end_user: &EndUser,
    metadata: &Map<String, Value>,
) {
    if name.trim().is_empty() {
        errors.push(FieldError::new("name", "is required"));
    }
    check_text(errors, "name", name, MAX_NAME_CHARS);
    end_user.check(errors);
    check_metadata(errors, metadata);
}

/// A connector's field errors as errors of the request's `config` object.
pub fn config_errors(errors: Vec<FieldError>) -> impl Iterator<Item = FieldError> {
    errors
        .into_iter()
        .map(|e| FieldError::new(format!("config.{}", e.field), e.message))
}
