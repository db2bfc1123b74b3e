//! `POST /v1/connect/create-link` and the reconnection link
//! `POST /v1/integrations/{integration_id}/relink`: a link for an end user to connect one HRIS,
//! ATS, assessment or LMS tool. Without `integration_tool` the guest picks a tool of the
//! category. `link_type` sets the lifetime: `EMBEDDED` (default) one hour, `MAGIC_LINK` a year.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use super::error::ErrorBody;
use super::{KomboError, account, integration_id, parse, parse_optional};
use crate::domain::account::Scope;
use crate::domain::invitation::{EndUser, InvitationKind, NewInvitation};
use crate::domain::vendor::kombo;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{ApiJson, ApiPath, Owner};
use crate::service::ServiceError;

#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = KomboCreateLinkRequest)]
pub struct CreateLinkRequest {
    /// The email of the user this link is meant for.
    pub end_user_email: String,
    /// The name of the user's organization.
    pub end_user_organization_name: String,
    /// The id the user/organization has in your own database.
    #[serde(default)]
    pub end_user_origin_id: Option<String>,
    /// The tool's environment to connect; only together with `integration_tool`.
    #[serde(default)]
    pub remote_environment: Option<String>,
    /// `HRIS` (default), `ATS`, `ASSESSMENT` or `LMS` (the only built-in LMS tool is the sandbox).
    #[serde(default)]
    pub integration_category: Option<String>,
    /// Pre-define the tool this link can be used for.
    #[serde(default)]
    pub integration_tool: Option<String>,
    /// Language of the connection flow UI: `en` (default), `de`, `fr`, `it`, `es`.
    #[serde(default)]
    pub language: Option<String>,
    /// Kept on the invitation's metadata; Portico has no scope configs.
    #[serde(default)]
    pub scope_config_id: Option<String>,
    /// Kept on the invitation's metadata; Portico does not filter.
    #[serde(default)]
    pub enable_filtering: Option<bool>,
    /// Kept on the invitation's metadata; Portico has no field mapping step.
    #[serde(default)]
    pub enable_field_mapping: Option<bool>,
    /// Kept on the invitation's metadata; Portico has no static egress IPs to list.
    #[serde(default)]
    pub enable_static_ips: Option<bool>,
    /// `EMBEDDED` (default): the link is valid for one hour; `MAGIC_LINK`: one year (both
    /// shortened to the server's `max_invitation_lifetime`, if lower).
    #[serde(default)]
    pub link_type: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(as = KomboRelinkRequest)]
pub struct RelinkRequest {
    /// Language of the connection flow UI (default `en`).
    #[serde(default)]
    pub language: Option<String>,
    /// Kept on the invitation's metadata.
    #[serde(default)]
    pub scope_config_id: Option<String>,
    /// `EMBEDDED` (default): one hour; `MAGIC_LINK`: one year.
    #[serde(default)]
    pub link_type: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KomboLink)]
pub struct Link {
    pub link: String,
}

/// `{"status": "success", "data": {"link": ...}}`
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KomboSuccess)]
pub struct Success {
    /// Always `success`.
    pub status: String,
    pub data: Link,
}

fn success(link: Option<String>) -> axum::Json<Success> {
    axum::Json(Success {
        status: "success".into(),
        data: Link {
            link: link.unwrap_or_default(),
        },
    })
}

/// Kombo's extras Portico keeps but does not act on, under `metadata.kombo`.
fn kombo_metadata<const N: usize>(
    extras: [(&str, Option<Value>); N],
) -> Option<Map<String, Value>> {
    let kept: Map<String, Value> = extras
        .into_iter()
        .filter_map(|(key, value)| Some((key.to_string(), value?)))
        .collect();
    (!kept.is_empty())
        .then(|| Map::from_iter([(kombo::METADATA_KEY.to_string(), Value::Object(kept))]))
}

/// The link's lifetime for `link_type`, within the server's cap.
fn lifetime(state: &AppState, link_type: Option<&str>) -> Result<i64, KomboError> {
    let seconds = kombo::link_lifetime(link_type).map_err(|e| KomboError::invalid(vec![e]))?;
    let cap = state.portico.settings.max_invitation_lifetime;
    Ok(cap.map_or(seconds, |cap| seconds.min(cap.as_secs() as i64)))
}

/// Creates a link for an end user to connect a tool: one use, valid one hour (`EMBEDDED`) or
/// one year (`MAGIC_LINK`).
#[utoipa::path(post, path = "/v1/connect/create-link", tag = "kombo",
    request_body = CreateLinkRequest,
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, body = Success),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_link(
    State(state): State<AppState>,
    owner: Result<Owner, ApiError>,
    body: Result<ApiJson<Value>, ApiError>,
) -> Result<axum::Json<Success>, KomboError> {
    let account_id = account(owner, Scope::InvitationsWrite)?;
    let request: CreateLinkRequest = parse(body)?;
    let category = kombo::link_category(
        request.integration_category.as_deref(),
        request.integration_tool.as_deref(),
        request.remote_environment.as_deref(),
    )
    .map_err(KomboError::invalid)?;
    let seconds = lifetime(&state, request.link_type.as_deref())?;
    let invitation = NewInvitation {
        connector: request.integration_tool,
        category: Some(category),
        remote_environment: request.remote_environment,
        connection_name: Some(request.end_user_organization_name.clone()),
        language: request.language,
        expires_in_seconds: Some(Some(seconds)),
        end_user: Some(EndUser {
            email: Some(request.end_user_email),
            organization_name: Some(request.end_user_organization_name),
            origin_id: request.end_user_origin_id,
        }),
        metadata: kombo_metadata([
            ("scope_config_id", request.scope_config_id.map(Value::from)),
            (
                "enable_filtering",
                request.enable_filtering.map(Value::from),
            ),
            (
                "enable_field_mapping",
                request.enable_field_mapping.map(Value::from),
            ),
            (
                "enable_static_ips",
                request.enable_static_ips.map(Value::from),
            ),
        ]),
        ..NewInvitation::default()
    };
    let created = state
        .portico
        .create_invitation(account_id, invitation, None)
        .await?;
    Ok(success(created.invitation.url))
}

/// A link for the end user to enter new credentials for an existing integration (connection).
#[utoipa::path(post, path = "/v1/integrations/{integration_id}/relink", tag = "kombo",
    params(("integration_id" = String, Path, description = "The connection's id")),
    request_body = RelinkRequest,
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, body = Success),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn relink(
    State(state): State<AppState>,
    owner: Result<Owner, ApiError>,
    id: Result<ApiPath<Uuid>, ApiError>,
    body: Result<ApiJson<Value>, ApiError>,
) -> Result<axum::Json<Success>, KomboError> {
    let account_id = account(owner, Scope::InvitationsWrite)?;
    let connection_id = integration_id(id)?;
    let request: RelinkRequest = parse_optional(body)?;
    let seconds = lifetime(&state, request.link_type.as_deref())?;
    match state
        .portico
        .get_connection(account_id, connection_id)
        .await
    {
        Err(ServiceError::NotFound(_)) => return Err(KomboError::no_such_integration()),
        other => other?,
    };
    let invitation = NewInvitation {
        kind: InvitationKind::EditConnection,
        connection_id: Some(connection_id),
        language: request.language,
        expires_in_seconds: Some(Some(seconds)),
        metadata: kombo_metadata([(
            "scope_config_id",
            request.scope_config_id.map(|id| json!(id)),
        )]),
        ..NewInvitation::default()
    };
    let created = state
        .portico
        .create_invitation(account_id, invitation, None)
        .await?;
    Ok(success(created.invitation.url))
}
