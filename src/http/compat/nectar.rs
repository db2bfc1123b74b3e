//! Nectar's invitations: `POST /v2/invitation/connection/{connection_id}`
//! (reconnect), `POST /v2/invitation/connection` (create, with `prefill`),
//! `GET /v2/invitation/{id}` and a revoke, in Nectar's camelCase shape with upper-case statuses.
//! Nectar's defaults differ from the native API's: no `expiresInSeconds` means never expires,
//! no `maxUses` means unlimited, and `sendEmail` only sends when `allowedEmails` is non-empty.
//! Without a `datasource` the invitation is for the built-in `utility_portal` connector, and
//! `prefill` is Nectar's object (`url`, `initialSites`, `utilityTypes`, `country`,
//! `connectionOwnerEmail`, `dataCollectionStartDate`), mapped onto that connector's fields and
//! answered back exactly as sent.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::rename;
use crate::domain::FieldError;
use crate::domain::account::Scope;
use crate::domain::connector::Direction;
use crate::domain::invitation::{InvitationKind, InvitationStatus, NewInvitation};
use crate::domain::vendor::nectar;
use crate::http::AppState;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiJson, ApiPath, Owner};
use crate::service::ServiceError;
use crate::service::views::InvitationObject;

/// Request body for a reconnect invitation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = NectarReconnectRequest)]
pub struct ReconnectRequest {
    /// Restrict the invitation to these addresses; empty: anyone with the link.
    #[serde(default)]
    pub allowed_emails: Vec<String>,
    /// At least 60; omit for an invitation that never expires.
    #[serde(default, deserialize_with = "crate::domain::invitation::explicit_null")]
    #[schema(value_type = Option<i64>, minimum = 60)]
    pub expires_in_seconds: Option<Option<i64>>,
    /// At least 1; omit for unlimited uses.
    #[serde(default, deserialize_with = "crate::domain::invitation::explicit_null")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub max_uses: Option<Option<i64>>,
    /// Send the link to each allowed email (only when `allowedEmails` is non-empty).
    #[serde(default)]
    pub send_email: bool,
}

/// Request body for a create invitation: a reconnect's fields plus the datasource (connector)
/// and `prefill`, as in Nectar's invitation object.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = NectarCreateRequest)]
pub struct CreateRequest {
    /// The connector id (Portico's datasource). Absent: `utility_portal`, the connector of
    /// Nectar's utility accounts, whose form `prefill` fills with Nectar's keys.
    #[serde(default)]
    pub datasource: Option<String>,
    /// Name of the connection to create; default: the datasource's name.
    #[serde(default)]
    pub connection_name: Option<String>,
    /// `source` (default where possible) or `destination`.
    #[serde(default)]
    pub direction: Option<Direction>,
    #[serde(default)]
    pub allowed_emails: Vec<String>,
    #[serde(default, deserialize_with = "crate::domain::invitation::explicit_null")]
    #[schema(value_type = Option<i64>, minimum = 60)]
    pub expires_in_seconds: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::domain::invitation::explicit_null")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub max_uses: Option<Option<i64>>,
    #[serde(default)]
    pub send_email: bool,
    /// Values shown pre-filled. For `utility_portal` (no `datasource`): Nectar's object, `url`,
    /// `initialSites` (site UUIDs), `utilityTypes` (e.g. `ELECTRICITY`), `country` (ISO 3166-1
    /// alpha-2), `connectionOwnerEmail`, `dataCollectionStartDate` (`YYYY-MM-DD`), returned as
    /// sent. For another datasource: its non-secret field keys.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub prefill: Map<String, Value>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NectarCreatedConnection)]
pub struct CreatedConnection {
    pub id: Uuid,
    pub datasource_name: String,
    /// `ACTIVE`.
    pub status: String,
    pub created: String,
}

/// Nectar's invitation object.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NectarInvitation)]
pub struct Invitation {
    pub id: Uuid,
    /// The link's token, only in the response that created the invitation: Portico keeps only
    /// its hash, so later reads return an empty string.
    pub token: String,
    /// `CREATE_CONNECTION` or `EDIT_CONNECTION`.
    pub invitation_type: String,
    /// `ACTIVE`, `EXPIRED`, `REVOKED` or `FULFILLED`.
    pub status: String,
    /// The link; empty on later reads, like `token`.
    pub invitation_url: String,
    pub company_id: Uuid,
    /// For `EDIT_CONNECTION`, the connection to update; `null` otherwise.
    pub connection_id: Option<Uuid>,
    pub allowed_emails: Vec<String>,
    /// `null`: never expires.
    pub expires_at: Option<String>,
    /// `null`: unlimited.
    pub max_uses: Option<i64>,
    pub use_count: i64,
    pub created_at: String,
    #[schema(value_type = Object)]
    pub prefill: Map<String, Value>,
    pub created_connections: Vec<CreatedConnection>,
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Invitation {
    fn new(object: InvitationObject, datasource_name: impl Fn(&str) -> String) -> Invitation {
        Invitation {
            id: object.id,
            token: object.token.unwrap_or_default(),
            invitation_type: match object.kind {
                InvitationKind::CreateConnection => "CREATE_CONNECTION",
                InvitationKind::EditConnection => "EDIT_CONNECTION",
            }
            .into(),
            status: match object.status {
                InvitationStatus::Active => "ACTIVE",
                InvitationStatus::Expired => "EXPIRED",
                InvitationStatus::Revoked => "REVOKED",
                InvitationStatus::Fulfilled => "FULFILLED",
            }
            .into(),
            invitation_url: object.url.unwrap_or_default(),
            company_id: object.account_id,
            connection_id: match object.kind {
                InvitationKind::EditConnection => object.connection_id,
                InvitationKind::CreateConnection => None,
            },
            allowed_emails: object.allowed_emails,
            expires_at: object.expires_at.map(timestamp),
            max_uses: object.max_uses,
            use_count: object.use_count,
            created_at: timestamp(object.created_at),
            prefill: match object.kind {
                InvitationKind::CreateConnection
                    if object.connector.as_deref() == Some(nectar::DEFAULT_DATASOURCE) =>
                {
                    nectar::prefill_from_fields(&object.prefill)
                }
                InvitationKind::CreateConnection => object.prefill,
                InvitationKind::EditConnection => Map::new(),
            },
            created_connections: object
                .created_connections
                .iter()
                .map(|c| CreatedConnection {
                    id: c.id,
                    datasource_name: datasource_name(&c.connector),
                    status: "ACTIVE".into(),
                    created: timestamp(c.created_at),
                })
                .collect(),
        }
    }
}

const RENAMES: &[(&str, &str)] = &[
    ("allowed_emails", "allowedEmails"),
    ("expires_in_seconds", "expiresInSeconds"),
    ("max_uses", "maxUses"),
    ("send_email", "sendEmail"),
    ("connector", "datasource"),
    ("connection_name", "connectionName"),
    ("connection_id", "connection_id"),
];

/// Nectar's errors: problem+json, with Nectar's field names.
#[derive(Debug)]
pub struct NectarError(ApiError);

impl From<ApiError> for NectarError {
    fn from(e: ApiError) -> NectarError {
        NectarError(match e {
            ApiError::Validation(errors) => {
                let prefill: Vec<(String, String)> = nectar::prefill_renames().collect();
                let prefill: Vec<(&str, &str)> = prefill
                    .iter()
                    .map(|(ours, theirs)| (ours.as_str(), theirs.as_str()))
                    .collect();
                ApiError::Validation(rename(rename(errors, RENAMES), &prefill))
            }
            other => other,
        })
    }
}

impl From<ServiceError> for NectarError {
    fn from(e: ServiceError) -> NectarError {
        ApiError::from(e).into()
    }
}

impl IntoResponse for NectarError {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

fn parse<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, NectarError> {
    serde_json::from_value(value).map_err(|e| {
        ApiError::Validation(vec![FieldError::new(
            "body",
            crate::http::error::without_values(&e.to_string()),
        )])
        .into()
    })
}

async fn respond(
    state: &AppState,
    account_id: Uuid,
    request: NewInvitation,
) -> Result<(StatusCode, axum::Json<Invitation>), NectarError> {
    let created = state
        .portico
        .create_invitation(account_id, request, None)
        .await?;
    Ok((
        StatusCode::OK,
        axum::Json(nectar(state, created.invitation)),
    ))
}

fn nectar(state: &AppState, object: InvitationObject) -> Invitation {
    Invitation::new(object, |id| {
        state
            .portico
            .catalog
            .get(id)
            .map_or_else(|| id.to_string(), |spec| spec.name.clone())
    })
}

/// Creates an invitation that lets a contributor update the credentials of a connection.
#[utoipa::path(post, path = "/v2/invitation/connection/{connection_id}", tag = "nectar",
    params(("connection_id" = Uuid, Path, description = "The connection to reconnect")),
    request_body = ReconnectRequest,
    security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, body = Invitation), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create_reconnect_invitation(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(connection_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, axum::Json<Invitation>), NectarError> {
    let account_id = owner.require(Scope::InvitationsWrite)?;
    let request: ReconnectRequest = parse(body)?;
    match state
        .portico
        .get_connection(account_id, connection_id)
        .await
    {
        Err(ServiceError::NotFound(_)) => {
            return Err(ApiError::NotFound("no such connection".into()).into());
        }
        other => other?,
    };
    let (expires_in_seconds, max_uses) =
        nectar::lifetime_and_uses(request.expires_in_seconds, request.max_uses);
    let send_email = nectar::send_email(request.send_email, &request.allowed_emails);
    let invitation = NewInvitation {
        kind: InvitationKind::EditConnection,
        connection_id: Some(connection_id),
        allowed_emails: request.allowed_emails,
        expires_in_seconds,
        max_uses,
        send_email,
        lenient_emails: true,
        ..NewInvitation::default()
    };
    respond(&state, account_id, invitation).await
}

/// Creates an invitation for a contributor to create a connection of a datasource.
#[utoipa::path(post, path = "/v2/invitation/connection", tag = "nectar",
    request_body = CreateRequest,
    security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, body = Invitation), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)))]
async fn create_invitation(
    State(state): State<AppState>,
    owner: Owner,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, axum::Json<Invitation>), NectarError> {
    let account_id = owner.require(Scope::InvitationsWrite)?;
    let request: CreateRequest = parse(body)?;
    let (expires_in_seconds, max_uses) =
        nectar::lifetime_and_uses(request.expires_in_seconds, request.max_uses);
    let send_email = nectar::send_email(request.send_email, &request.allowed_emails);
    let datasource = request
        .datasource
        .unwrap_or_else(|| nectar::DEFAULT_DATASOURCE.to_string());
    let prefill = if datasource == nectar::DEFAULT_DATASOURCE {
        nectar::prefill_fields(&request.prefill).map_err(ApiError::Validation)?
    } else {
        request.prefill
    };
    let spec = state.portico.catalog.get(&datasource);
    let connection_name = request
        .connection_name
        .or_else(|| spec.map(|spec| spec.name.clone()));
    let direction = nectar::direction(
        request.direction,
        spec.is_some_and(|spec| spec.has_direction(Direction::Source)),
    );
    let invitation = NewInvitation {
        connector: Some(datasource),
        direction,
        connection_name,
        allowed_emails: request.allowed_emails,
        expires_in_seconds,
        max_uses,
        send_email,
        prefill,
        lenient_emails: true,
        ..NewInvitation::default()
    };
    respond(&state, account_id, invitation).await
}

/// One invitation; `token` and `invitationUrl` are empty (shown only at creation).
#[utoipa::path(get, path = "/v2/invitation/{id}", tag = "nectar",
    params(("id" = Uuid, Path)),
    security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, body = Invitation), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_invitation(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<Invitation>, NectarError> {
    let account_id = owner.require(Scope::InvitationsRead)?;
    let object = state.portico.get_invitation(account_id, id).await?;
    Ok(axum::Json(nectar(&state, object)))
}

/// Revokes the invitation (idempotent); answers with it, status `REVOKED`.
#[utoipa::path(post, path = "/v2/invitation/{id}/revoke", tag = "nectar",
    params(("id" = Uuid, Path)),
    security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, body = Invitation), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn revoke_invitation(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<Invitation>, NectarError> {
    let account_id = owner.require(Scope::InvitationsWrite)?;
    let object = state.portico.revoke_invitation(account_id, id).await?;
    Ok(axum::Json(nectar(&state, object)))
}

/// Revokes the invitation, as `POST /v2/invitation/{id}/revoke` does.
#[utoipa::path(delete, path = "/v2/invitation/{id}", tag = "nectar",
    params(("id" = Uuid, Path)),
    security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, body = Invitation), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_invitation(
    state: State<AppState>,
    owner: Owner,
    id: ApiPath<Uuid>,
) -> Result<axum::Json<Invitation>, NectarError> {
    revoke_invitation(state, owner, id).await
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_invitation))
        .routes(routes!(create_reconnect_invitation))
        .routes(routes!(get_invitation, delete_invitation))
        .routes(routes!(revoke_invitation))
}
