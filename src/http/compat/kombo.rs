//! Kombo's `POST /v1/connect/create-link` (seed 002) and the reconnection link
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

use super::describe;
use crate::domain::account::Scope;
use crate::domain::invitation::{EndUser, InvitationKind, NewInvitation};
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

const CATEGORIES: [&str; 3] = ["HRIS", "ATS", "ASSESSMENT"];

const RENAMES: &[(&str, &str)] = &[
    ("connector", "integration_tool"),
    ("category", "integration_category"),
    ("end_user.email", "end_user_email"),
    ("end_user.organization_name", "end_user_organization_name"),
    ("end_user.origin_id", "end_user_origin_id"),
    ("connection_name", "end_user_organization_name"),
];

fn failure(status: StatusCode, message: impl Into<String>) -> Response {
    let body = Error {
        status: "error".into(),
        error: ErrorDetail {
            message: message.into(),
        },
    };
    (status, axum::Json(body)).into_response()
}

fn from_api(e: ApiError) -> Response {
    e.report();
    let message = match &e {
        ApiError::Validation(errors) => describe(errors, RENAMES),
        other => other.to_string(),
    };
    failure(e.status_code(), message)
}

fn from_service(e: ServiceError) -> Response {
    match e {
        ServiceError::Invalid(errors) => {
            failure(StatusCode::BAD_REQUEST, describe(&errors, RENAMES))
        }
        other => from_api(other.into()),
    }
}

fn success(link: Option<String>) -> Response {
    let body = Success {
        status: "success".into(),
        data: Link {
            link: link.unwrap_or_default(),
        },
    };
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// The authenticated account allowed to create links. (The error is the finished response;
/// these helpers run once per request, so its size does not matter.)
#[allow(clippy::result_large_err)]
fn writer(owner: Result<Owner, ApiError>) -> Result<Uuid, Response> {
    owner
        .and_then(|owner| owner.require(Scope::InvitationsWrite))
        .map_err(from_api)
}

#[allow(clippy::result_large_err)]
fn parse<T: serde::de::DeserializeOwned>(
    body: Result<ApiJson<Value>, ApiError>,
) -> Result<T, Response> {
    let ApiJson(value) = body.map_err(from_api)?;
    serde_json::from_value(value)
        .map_err(|e| failure(StatusCode::BAD_REQUEST, without_values(&e.to_string())))
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
) -> Response {
    let account_id = match writer(owner) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let request: CreateLinkRequest = match parse(body) {
        Ok(request) => request,
        Err(response) => return response,
    };
    let category = request
        .integration_category
        .clone()
        .unwrap_or_else(|| "HRIS".to_string());
    if !CATEGORIES.contains(&category.as_str()) {
        return failure(
            StatusCode::BAD_REQUEST,
            "integration_category: must be HRIS, ATS or ASSESSMENT",
        );
    }
    if request.remote_environment.is_some() && request.integration_tool.is_none() {
        return failure(
            StatusCode::BAD_REQUEST,
            "remote_environment: can only be used together with integration_tool",
        );
    }
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
    match state
        .portico
        .create_invitation(account_id, invitation, None)
        .await
    {
        Ok(created) => success(created.invitation.url),
        Err(e) => from_service(e),
    }
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
) -> Response {
    let account_id = match writer(owner) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let Ok(ApiPath(connection_id)) = id else {
        return failure(StatusCode::NOT_FOUND, "no such integration");
    };
    let request: RelinkRequest = match body {
        // An empty body is fine: every field is optional.
        Err(ApiError::UnsupportedMediaType(_)) | Err(ApiError::BadRequest(_)) => {
            RelinkRequest::default()
        }
        other => match parse(other) {
            Ok(request) => request,
            Err(response) => return response,
        },
    };
    if state
        .portico
        .get_connection(account_id, connection_id)
        .await
        .is_err()
    {
        return failure(StatusCode::NOT_FOUND, "no such integration");
    }
    let invitation = NewInvitation {
        kind: InvitationKind::EditConnection,
        connection_id: Some(connection_id),
        language: request.language,
        metadata: kombo_metadata(request.scope_config_id, None),
        ..NewInvitation::default()
    };
    match state
        .portico
        .create_invitation(account_id, invitation, None)
        .await
    {
        Ok(created) => success(created.invitation.url),
        Err(e) => from_service(e),
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_link))
        .routes(routes!(relink))
}
