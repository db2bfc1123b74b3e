//! `/v1/oauth-apps/{connector}`: the account's OAuth client for a connector whose guests sign
//! in at the vendor.

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::List;
use crate::domain::account::Scope;
use crate::http::AppState;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiJson, ApiPath, Owner};
use crate::service::oauth_apps::{NewOAuthApp, OAuthAppObject};

/// Registers the account's OAuth app for the connector, replacing the one it had (201 when
/// new, 200 when replaced). The answer never holds the secret; it names the redirect URI to
/// register at the vendor.
#[utoipa::path(put, path = "/v1/oauth-apps/{connector}", tag = "oauth",
    params(("connector" = String, Path, description = "An OAuth connector's id, e.g. `oauth2`")),
    request_body = NewOAuthApp,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = OAuthAppObject), (status = 201, body = OAuthAppObject),
        (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)))]
async fn put_oauth_app(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(connector): ApiPath<String>,
    ApiJson(request): ApiJson<NewOAuthApp>,
) -> Result<(StatusCode, axum::Json<OAuthAppObject>), ApiError> {
    let account_id = owner.require(Scope::AccountWrite)?;
    let (app, created) = state
        .portico
        .put_oauth_app(account_id, &connector, request)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(app)))
}

/// The account's app for the connector, without its secret.
#[utoipa::path(get, path = "/v1/oauth-apps/{connector}", tag = "oauth",
    params(("connector" = String, Path, description = "An OAuth connector's id")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = OAuthAppObject), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_oauth_app(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(connector): ApiPath<String>,
) -> Result<axum::Json<OAuthAppObject>, ApiError> {
    let account_id = owner.require(Scope::AccountRead)?;
    Ok(axum::Json(
        state.portico.get_oauth_app(account_id, &connector).await?,
    ))
}

/// Deletes the account's app for the connector: new invitations for it are refused until
/// another is registered.
#[utoipa::path(delete, path = "/v1/oauth-apps/{connector}", tag = "oauth",
    params(("connector" = String, Path, description = "An OAuth connector's id")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 204), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_oauth_app(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(connector): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let account_id = owner.require(Scope::AccountWrite)?;
    state
        .portico
        .delete_oauth_app(account_id, &connector)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account's OAuth apps, by connector.
#[utoipa::path(get, path = "/v1/oauth-apps", tag = "oauth",
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = List<OAuthAppObject>), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
async fn list_oauth_apps(
    State(state): State<AppState>,
    owner: Owner,
) -> Result<axum::Json<List<OAuthAppObject>>, ApiError> {
    let account_id = owner.require(Scope::AccountRead)?;
    Ok(axum::Json(List {
        data: state.portico.list_oauth_apps(account_id).await?,
        next_cursor: None,
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_oauth_apps))
        .routes(routes!(put_oauth_app, get_oauth_app, delete_oauth_app))
}
