//! The public objects: what the API returns and what event `data` holds. Never a secret; the
//! invitation's token and URL only in the response that created it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::connection::{Connection, LastCheck};
use crate::domain::connector::Direction;
use crate::domain::invitation::{EndUser, Invitation, InvitationKind, InvitationStatus};
use crate::store::CreatedConnection;

/// A connection created through an invitation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreatedConnectionObject {
    pub id: Uuid,
    pub name: String,
    pub connector: String,
    pub created_at: DateTime<Utc>,
}

impl From<&CreatedConnection> for CreatedConnectionObject {
    fn from(c: &CreatedConnection) -> Self {
        CreatedConnectionObject {
            id: c.id,
            name: c.name.clone(),
            connector: c.connector.clone(),
            created_at: c.created_at,
        }
    }
}

/// An invitation as the owner sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InvitationObject {
    pub id: Uuid,
    /// Always `invitation`.
    pub object: String,
    pub account_id: Uuid,
    pub kind: InvitationKind,
    /// Computed at read time: `active`, `expired`, `revoked` or `fulfilled`.
    pub status: InvitationStatus,
    /// `null` when the guest picks a connector of `category`.
    pub connector: Option<String>,
    pub category: Option<String>,
    /// The environment of the tool to connect, when it has several.
    pub remote_environment: Option<String>,
    pub direction: Direction,
    /// For `edit_connection`: the connection the guest edits.
    pub connection_id: Option<Uuid>,
    pub connection_name: String,
    pub allowed_emails: Vec<String>,
    /// `null`: never expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// `null`: unlimited.
    pub max_uses: Option<i64>,
    pub use_count: i64,
    pub language: String,
    #[schema(value_type = Object)]
    pub prefill: Map<String, Value>,
    pub locked_fields: Vec<String>,
    pub end_user: EndUser,
    pub redirect_url: Option<String>,
    pub send_email: bool,
    #[schema(value_type = Object)]
    pub metadata: Map<String, Value>,
    pub created_connections: Vec<CreatedConnectionObject>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// When the guest of this expired or fulfilled link asked for a new one (at most one
    /// request an hour is recorded, the latest kept); `null` when there is no open request. A
    /// resend answers the request and clears it (the `invitation.renewal_requested` event
    /// stays).
    #[serde(default)]
    pub renewal_requested_at: Option<DateTime<Utc>>,
    /// The invitation this one was resent from (`POST /v1/invitations/{id}/resend`).
    #[serde(default)]
    pub renewed_from: Option<Uuid>,
    /// Only in the response that created the invitation; Portico keeps only its hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// `{public_url}/g/{token}`; only in the creation response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl InvitationObject {
    pub fn new(
        inv: &Invitation,
        now: DateTime<Utc>,
        created: &[CreatedConnection],
    ) -> InvitationObject {
        InvitationObject {
            id: inv.id,
            object: "invitation".into(),
            account_id: inv.account_id,
            kind: inv.kind,
            status: inv.status(now),
            connector: inv.connector.clone(),
            category: inv.category.clone(),
            remote_environment: inv.remote_environment.clone(),
            direction: inv.direction,
            connection_id: inv.connection_id,
            connection_name: inv.connection_name.clone(),
            allowed_emails: inv.allowed_emails.clone(),
            expires_at: inv.expires_at,
            max_uses: inv.max_uses,
            use_count: inv.use_count,
            language: inv.language.clone(),
            prefill: inv.prefill.clone(),
            locked_fields: inv.locked_fields.clone(),
            end_user: inv.end_user.clone(),
            redirect_url: inv.redirect_url.clone(),
            send_email: inv.send_email,
            metadata: inv.metadata.clone(),
            created_connections: created
                .iter()
                .filter(|c| c.invitation_id == inv.id)
                .map(CreatedConnectionObject::from)
                .collect(),
            created_at: inv.created_at,
            revoked_at: inv.revoked_at,
            renewal_requested_at: inv.renewal_requested_at,
            renewed_from: inv.renewed_from,
            token: None,
            url: None,
        }
    }
}

/// A connection as the owner sees it: plain config, and only the names of the secret fields set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConnectionObject {
    pub id: Uuid,
    /// Always `connection`.
    pub object: String,
    pub account_id: Uuid,
    pub connector: String,
    pub direction: Direction,
    pub name: String,
    /// The non-secret field values.
    #[schema(value_type = Object)]
    pub config: Map<String, Value>,
    /// Keys of the secret fields that hold a value (the values are never returned here).
    pub secret_fields: Vec<String>,
    pub end_user: EndUser,
    #[schema(value_type = Object)]
    pub metadata: Map<String, Value>,
    /// The invitation the connection was created through, if any.
    pub invitation_id: Option<Uuid>,
    pub last_check: Option<LastCheck>,
    pub remote_environment: Option<String>,
    /// `false` while disabled: the credentials are kept but not handed out.
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Connection> for ConnectionObject {
    fn from(c: &Connection) -> Self {
        ConnectionObject {
            id: c.id,
            object: "connection".into(),
            account_id: c.account_id,
            connector: c.connector.clone(),
            direction: c.direction,
            name: c.name.clone(),
            config: c.config.clone(),
            secret_fields: c.secrets.keys().cloned().collect(),
            end_user: c.end_user.clone(),
            metadata: c.metadata.clone(),
            invitation_id: c.invitation_id,
            last_check: c.last_check.clone(),
            remote_environment: c.remote_environment.clone(),
            enabled: c.enabled,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// Decrypted credentials: every field value, secrets included. Deliberately not `Debug`.
#[derive(Clone, Serialize, ToSchema)]
pub struct CredentialsObject {
    pub connection_id: Uuid,
    pub connector: String,
    #[schema(value_type = Object)]
    pub config: Map<String, Value>,
}

/// The JSON of a value that is known to serialise (our own view types).
pub fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("view types serialise")
}
