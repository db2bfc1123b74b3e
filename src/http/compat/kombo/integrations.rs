//! The integrations Kombo's links make, which are Portico connections (an integration id is a
//! connection id): the one exchange of the connection flow's token (`integration-by-token`,
//! and the older `activate-integration`), the details, deletion, enabling and disabling, and
//! `check-api-key`.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::error::ErrorBody;
use super::{KomboError, account, integration_id, parse};
use crate::domain::account::Scope;
use crate::domain::connection::ConnectionPatch;
use crate::domain::vendor::kombo::Integration;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{ApiJson, ApiPath, Owner};
use crate::service::ServiceError;
use crate::service::results::ExchangedResult;

/// Every integration is set up once its guest completed the flow: Portico has no filtering or
/// field mapping steps.
const SETUP_COMPLETED: &str = "COMPLETED";

/// What the connection flow's token hands off.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KomboTokenIntegration)]
pub struct TokenIntegration {
    /// The tool (connector id).
    pub tool: String,
    /// The integration's id: the Portico connection id.
    pub id: Uuid,
    pub end_user_origin_id: Option<String>,
    /// The end user's organization, else the connection's name.
    pub end_user_organization_name: String,
    pub end_user_email: Option<String>,
    /// Always `COMPLETED`.
    pub setup_status: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KomboTokenIntegrationResponse)]
pub struct TokenIntegrationResponse {
    /// Always `success`.
    pub status: String,
    pub data: TokenIntegration,
}

impl From<ExchangedResult> for TokenIntegrationResponse {
    fn from(result: ExchangedResult) -> Self {
        let connection = result.connection;
        TokenIntegrationResponse {
            status: "success".into(),
            data: TokenIntegration {
                tool: connection.connector,
                id: connection.id,
                end_user_origin_id: result.end_user.origin_id,
                end_user_organization_name: result
                    .end_user
                    .organization_name
                    .unwrap_or(connection.name),
                end_user_email: result.end_user.email,
                setup_status: SETUP_COMPLETED.into(),
            },
        }
    }
}

/// The older activation call's body.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = KomboActivateRequest)]
pub struct ActivateRequest {
    /// The token the connection flow gave the end user's page.
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KomboTool)]
pub struct Tool {
    /// The connector id.
    pub id: String,
    /// The connector's name.
    pub label: String,
    /// Always `null`.
    pub internal_label: Option<String>,
    /// Always empty: the catalog has no logos.
    pub logo_url: String,
    /// Always empty: the catalog has no icons.
    pub icon_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KomboEndUser)]
pub struct EndUserOut {
    /// The end user's organization, else the connection's name.
    pub organization_name: String,
    pub creator_email: Option<String>,
    pub origin_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KomboScopeConfig)]
pub struct ScopeConfig {
    /// The `scope_config_id` the link was created with, else `default`.
    pub id: String,
    /// Always `null`.
    pub name: Option<String>,
}

/// A connection as Kombo describes an integration.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KomboIntegration)]
pub struct IntegrationOut {
    /// The connection id.
    pub id: Uuid,
    pub tool: Tool,
    /// `HRIS`, `ATS`, `ASSESSMENT` or `LMS`.
    pub category: String,
    /// `ACTIVE`; `INACTIVE` when disabled; `INVALID` when its last check failed.
    pub status: String,
    /// Always `COMPLETED`.
    pub setup_status: String,
    pub end_user: EndUserOut,
    pub scope_config: ScopeConfig,
    /// Always `null`: Portico keeps no synced data.
    pub data_expired_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Always `false`.
    pub beta: bool,
    /// Always empty: Portico syncs nothing.
    #[schema(value_type = Vec<Object>)]
    pub read_models: Vec<Value>,
    /// Always empty: Portico writes nothing to the tool.
    #[schema(value_type = Vec<Object>)]
    pub write_actions: Vec<Value>,
}

impl From<Integration> for IntegrationOut {
    fn from(i: Integration) -> Self {
        IntegrationOut {
            id: i.id,
            tool: Tool {
                id: i.tool,
                label: i.tool_label,
                internal_label: None,
                logo_url: String::new(),
                icon_url: String::new(),
            },
            category: i.category.into(),
            status: i.status.into(),
            setup_status: SETUP_COMPLETED.into(),
            end_user: EndUserOut {
                organization_name: i.organization_name,
                creator_email: i.creator_email,
                origin_id: i.origin_id,
            },
            scope_config: ScopeConfig {
                id: i.scope_config_id.unwrap_or_else(|| "default".into()),
                name: None,
            },
            data_expired_at: None,
            created_at: i.created_at,
            beta: false,
            read_models: Vec::new(),
            write_actions: Vec::new(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KomboIntegrationResponse)]
pub struct IntegrationResponse {
    /// Always `success`.
    pub status: String,
    pub data: IntegrationOut,
}

/// `PUT /v1/integrations/{id}/enabled`'s body.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = KomboEnabledRequest)]
pub struct EnabledRequest {
    /// `true` to enable, `false` to disable (credentials are kept but not handed out).
    pub value: bool,
}

/// `DELETE /v1/integrations/{id}`'s body, as the SDK sends it: `{}`. Optional.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = KomboDeleteRequest)]
pub struct DeleteRequest {}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KomboEmptyData)]
pub struct EmptyData {}

/// `{"status": "success", "data": {}}`
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KomboEmptySuccess)]
pub struct EmptySuccess {
    /// Always `success`.
    pub status: String,
    pub data: EmptyData,
}

fn done() -> axum::Json<EmptySuccess> {
    axum::Json(EmptySuccess {
        status: "success".into(),
        data: EmptyData {},
    })
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KomboEnvironment)]
pub struct Environment {
    /// The key's account id: a Portico account is Kombo's environment.
    pub environment_id: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KomboCheckApiKeyResponse)]
pub struct CheckApiKeyResponse {
    /// Always `success`.
    pub status: String,
    pub data: Environment,
}

/// A connection that is not the account's is no integration.
fn not_found(e: ServiceError) -> KomboError {
    match e {
        ServiceError::NotFound(_) => KomboError::no_such_integration(),
        other => other.into(),
    }
}

async fn exchange(
    state: &AppState,
    owner: Result<Owner, ApiError>,
    token: &str,
) -> Result<axum::Json<TokenIntegrationResponse>, KomboError> {
    let account_id = account(owner, Scope::ConnectionsRead)?;
    let result = state
        .portico
        .exchange_result(account_id, token)
        .await
        .map_err(|e| match e {
            ServiceError::NotFound(_) => KomboError::new(
                axum::http::StatusCode::NOT_FOUND,
                "no integration for this token: it is unknown, expired or already used",
            ),
            other => other.into(),
        })?;
    Ok(axum::Json(result.into()))
}

/// Exchanges the token of a completed connection flow (Portico's result code) for the
/// integration it made, once, within ten minutes. Needs `connections:read`. An unknown,
/// expired, used or other account's token is the same 404.
#[utoipa::path(get, path = "/v1/connect/integration-by-token/{token}", tag = "kombo",
    params(("token" = String, Path, description = "The result code of the completed flow")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = TokenIntegrationResponse),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn integration_by_token(
    State(state): State<AppState>,
    owner: Result<Owner, ApiError>,
    token: Result<ApiPath<String>, ApiError>,
) -> Result<axum::Json<TokenIntegrationResponse>, KomboError> {
    let ApiPath(token) = token?;
    exchange(&state, owner, &token).await
}

/// The older form of `integration-by-token`: the token in the body. Same rules.
#[utoipa::path(post, path = "/v1/connect/activate-integration", tag = "kombo",
    request_body = ActivateRequest,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = TokenIntegrationResponse),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn activate_integration(
    State(state): State<AppState>,
    owner: Result<Owner, ApiError>,
    body: Result<ApiJson<Value>, ApiError>,
) -> Result<axum::Json<TokenIntegrationResponse>, KomboError> {
    let request: ActivateRequest = match owner {
        // Authentication first: an anonymous caller learns nothing about the body.
        Err(e) => return Err(e.into()),
        Ok(_) => parse(body)?,
    };
    exchange(&state, owner, &request.token).await
}

/// The integration (connection): its tool, category, status, end user and creation time.
/// Needs `connections:read`. A connection whose connector has no Kombo category (a database)
/// is no integration: 404.
#[utoipa::path(get, path = "/v1/integrations/{integration_id}", tag = "kombo",
    params(("integration_id" = String, Path, description = "The connection's id")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = IntegrationResponse),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_integration(
    State(state): State<AppState>,
    owner: Result<Owner, ApiError>,
    id: Result<ApiPath<Uuid>, ApiError>,
) -> Result<axum::Json<IntegrationResponse>, KomboError> {
    let account_id = account(owner, Scope::ConnectionsRead)?;
    let id = integration_id(id)?;
    let integration = state
        .portico
        .kombo_integration(account_id, id)
        .await
        .map_err(not_found)?
        .ok_or_else(|| {
            KomboError::new(
                axum::http::StatusCode::NOT_FOUND,
                "this connection is no integration: its connector has no HRIS, ATS, \
                 ASSESSMENT or LMS category",
            )
        })?;
    Ok(axum::Json(IntegrationResponse {
        status: "success".into(),
        data: integration.into(),
    }))
}

/// Deletes the integration (connection) and its encrypted credentials. Needs
/// `connections:write`. The body (`{}` from the SDK) is optional.
#[utoipa::path(delete, path = "/v1/integrations/{integration_id}", tag = "kombo",
    params(("integration_id" = String, Path, description = "The connection's id")),
    request_body(content = DeleteRequest, description = "Optional"),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = EmptySuccess),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn delete_integration(
    State(state): State<AppState>,
    owner: Result<Owner, ApiError>,
    id: Result<ApiPath<Uuid>, ApiError>,
) -> Result<axum::Json<EmptySuccess>, KomboError> {
    let account_id = account(owner, Scope::ConnectionsWrite)?;
    let id = integration_id(id)?;
    state
        .portico
        .delete_connection(account_id, id)
        .await
        .map_err(not_found)?;
    Ok(done())
}

/// Enables or disables the integration (connection). A disabled one keeps its credentials,
/// but `GET /v1/connections/{id}/credentials` refuses them until it is enabled again. Needs
/// `connections:write`.
#[utoipa::path(put, path = "/v1/integrations/{integration_id}/enabled", tag = "kombo",
    params(("integration_id" = String, Path, description = "The connection's id")),
    request_body = EnabledRequest,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = EmptySuccess),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn set_enabled(
    State(state): State<AppState>,
    owner: Result<Owner, ApiError>,
    id: Result<ApiPath<Uuid>, ApiError>,
    body: Result<ApiJson<Value>, ApiError>,
) -> Result<axum::Json<EmptySuccess>, KomboError> {
    let account_id = account(owner, Scope::ConnectionsWrite)?;
    let id = integration_id(id)?;
    let request: EnabledRequest = parse(body)?;
    let patch = ConnectionPatch {
        enabled: Some(request.value),
        ..ConnectionPatch::default()
    };
    state
        .portico
        .update_connection(account_id, id, patch)
        .await
        .map_err(not_found)?;
    Ok(done())
}

/// Whether the API key is valid; its `environment_id` is the key's account id.
#[utoipa::path(get, path = "/v1/check-api-key", tag = "kombo",
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = CheckApiKeyResponse),
        (status = 401, body = ErrorBody)))]
pub async fn check_api_key(
    owner: Result<Owner, ApiError>,
) -> Result<axum::Json<CheckApiKeyResponse>, KomboError> {
    let Owner(key) = owner?;
    Ok(axum::Json(CheckApiKeyResponse {
        status: "success".into(),
        data: Environment {
            environment_id: key.account_id,
        },
    }))
}
