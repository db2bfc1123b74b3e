//! Kombo's `POST /v1/connect/create-link` and the reconnection link
//! `POST /v1/integrations/{integration_id}/relink`: a link for an end user to connect one HRIS,
//! ATS or assessment tool. Without `integration_tool` the guest picks a tool of the category.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::Failure;
use crate::domain::account::Scope;
use crate::domain::invitation::{EndUser, InvitationKind, NewInvitation};
use crate::domain::vendor;
use crate::http::AppState;
use crate::http::error::{ApiError, without_values};
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
    /// `HRIS` (default), `ATS` or `ASSESSMENT`.
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
    /// Kept on the invitation's metadata.
    #[serde(default)]
    pub enable_filtering: Option<bool>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(as = KomboRelinkRequest)]
pub struct RelinkRequest {
    /// Language of the connection flow UI (default `en`).
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub scope_config_id: Option<String>,
    /// Accepted for compatibility; every Portico relink link asks for new credentials.
    #[serde(default)]
    #[expect(dead_code, reason = "read only to accept Kombo's request as written")]
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

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KomboErrorDetail)]
pub struct ErrorDetail {
    pub message: String,
}

/// `{"status": "error", "error": {"message": ...}}`
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KomboError)]
pub struct Error {
    /// Always `error`.
    pub status: String,
    pub error: ErrorDetail,
}

const RENAMES: &[(&str, &str)] = &[
    ("connector", "integration_tool"),
    ("category", "integration_category"),
    ("end_user.email", "end_user_email"),
    ("end_user.organization_name", "end_user_organization_name"),
    ("end_user.origin_id", "end_user_origin_id"),
    ("connection_name", "end_user_organization_name"),
];

/// A failure in Kombo's envelope: `{"status": "error", "error": {"message": ...}}`.
#[derive(Debug)]
pub struct KomboError(Failure);

impl KomboError {
    fn new(status: StatusCode, message: impl Into<String>) -> KomboError {
        KomboError(Failure::new(status, message))
    }

    fn no_such_integration() -> KomboError {
        KomboError::new(StatusCode::NOT_FOUND, "no such integration")
    }
}

impl From<ApiError> for KomboError {
    fn from(e: ApiError) -> KomboError {
        KomboError(Failure::from_api(e, RENAMES))
    }
}

impl From<ServiceError> for KomboError {
    /// Kombo answers invalid requests with 400.
    fn from(e: ServiceError) -> KomboError {
        match e {
            ServiceError::Invalid(errors) => {
                KomboError(Failure::invalid(StatusCode::BAD_REQUEST, errors, RENAMES))
            }
            other => ApiError::from(other).into(),
        }
    }
}

impl IntoResponse for KomboError {
    fn into_response(self) -> Response {
        let body = Error {
            status: "error".into(),
            error: ErrorDetail {
                message: self.0.message,
            },
        };
        (self.0.status, axum::Json(body)).into_response()
    }
}

fn success(link: Option<String>) -> axum::Json<Success> {
    axum::Json(Success {
        status: "success".into(),
        data: Link {
            link: link.unwrap_or_default(),
        },
    })
}

/// The authenticated account allowed to create links.
fn writer(owner: Result<Owner, ApiError>) -> Result<Uuid, KomboError> {
    Ok(owner?.require(Scope::InvitationsWrite)?)
}

fn parse<T: serde::de::DeserializeOwned>(
    body: Result<ApiJson<Value>, ApiError>,
) -> Result<T, KomboError> {
    let ApiJson(value) = body?;
    serde_json::from_value(value)
        .map_err(|e| KomboError::new(StatusCode::BAD_REQUEST, without_values(&e.to_string())))
}

/// Kombo's extras Portico keeps but does not act on.
fn kombo_metadata(
    scope_config_id: Option<String>,
    enable_filtering: Option<bool>,
) -> Option<Map<String, Value>> {
    let mut kombo = Map::new();
    if let Some(id) = scope_config_id {
        kombo.insert("scope_config_id".into(), json!(id));
    }
    if let Some(on) = enable_filtering {
        kombo.insert("enable_filtering".into(), json!(on));
    }
    (!kombo.is_empty()).then(|| Map::from_iter([("kombo".to_string(), Value::Object(kombo))]))
}

/// Creates a link for an end user to connect a tool (one use, valid 7 days).
#[utoipa::path(post, path = "/v1/connect/create-link", tag = "kombo",
    request_body = CreateLinkRequest,
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, body = Success),
        (status = 400, body = Error), (status = 401, body = Error),
        (status = 403, body = Error), (status = 413, body = Error),
        (status = 415, body = Error), (status = 422, body = Error)))]
async fn create_link(
    State(state): State<AppState>,
    owner: Result<Owner, ApiError>,
    body: Result<ApiJson<Value>, ApiError>,
) -> Result<axum::Json<Success>, KomboError> {
    let account_id = writer(owner)?;
    let request: CreateLinkRequest = parse(body)?;
    let category = vendor::kombo::link_category(
        request.integration_category.as_deref(),
        request.integration_tool.as_deref(),
        request.remote_environment.as_deref(),
    )
    .map_err(|errors| KomboError(Failure::invalid(StatusCode::BAD_REQUEST, errors, RENAMES)))?;
    let invitation = NewInvitation {
        connector: request.integration_tool,
        category: Some(category),
        remote_environment: request.remote_environment,
        connection_name: Some(request.end_user_organization_name.clone()),
        language: request.language,
        end_user: Some(EndUser {
            email: Some(request.end_user_email),
            organization_name: Some(request.end_user_organization_name),
            origin_id: request.end_user_origin_id,
        }),
        metadata: kombo_metadata(request.scope_config_id, request.enable_filtering),
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
        (status = 400, body = Error), (status = 401, body = Error),
        (status = 403, body = Error), (status = 404, body = Error),
        (status = 413, body = Error), (status = 415, body = Error)))]
async fn relink(
    State(state): State<AppState>,
    owner: Result<Owner, ApiError>,
    id: Result<ApiPath<Uuid>, ApiError>,
    body: Result<ApiJson<Value>, ApiError>,
) -> Result<axum::Json<Success>, KomboError> {
    let account_id = writer(owner)?;
    let ApiPath(connection_id) = id.map_err(|_| KomboError::no_such_integration())?;
    let request: RelinkRequest = match body {
        // An empty body is fine: every field is optional.
        Err(ApiError::UnsupportedMediaType(_)) | Err(ApiError::BadRequest(_)) => {
            RelinkRequest::default()
        }
        other => parse(other)?,
    };
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
        metadata: kombo_metadata(request.scope_config_id, None),
        ..NewInvitation::default()
    };
    let created = state
        .portico
        .create_invitation(account_id, invitation, None)
        .await?;
    Ok(success(created.invitation.url))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_link))
        .routes(routes!(relink))
}
