//! `/v1/connections`: the account's connections, secrets redacted; credentials only with the
//! `connections:secrets` scope.

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{List, PageQuery};
use crate::domain::account::Scope;
use crate::domain::connection::LastCheck;
use crate::domain::connection::{ConnectionPatch, NewConnection};
use crate::http::AppState;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, Owner};
use crate::service::views::{ConnectionObject, CredentialsObject};

/// Creates a connection directly (no guest involved).
#[utoipa::path(post, path = "/v1/connections", tag = "connections",
    request_body = NewConnection,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 201, body = ConnectionObject), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)))]
async fn create_connection(
    State(state): State<AppState>,
    owner: Owner,
    ApiJson(request): ApiJson<NewConnection>,
) -> Result<(StatusCode, axum::Json<ConnectionObject>), ApiError> {
    let account_id = owner.require(Scope::ConnectionsWrite)?;
    let created = state.portico.create_connection(account_id, request).await?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

/// The account's connections, newest first.
#[utoipa::path(get, path = "/v1/connections", tag = "connections",
    params(PageQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = List<ConnectionObject>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list_connections(
    State(state): State<AppState>,
    owner: Owner,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<axum::Json<List<ConnectionObject>>, ApiError> {
    let account_id = owner.require(Scope::ConnectionsRead)?;
    let page = query.page()?;
    let data = state.portico.list_connections(account_id, page).await?;
    Ok(axum::Json(List::new(data, page, |c| c.id)))
}

/// One connection, secrets redacted.
#[utoipa::path(get, path = "/v1/connections/{id}", tag = "connections",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = ConnectionObject), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_connection(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<ConnectionObject>, ApiError> {
    let account_id = owner.require(Scope::ConnectionsRead)?;
    Ok(axum::Json(
        state.portico.get_connection(account_id, id).await?,
    ))
}

/// Changes name, end user, metadata or config values (given keys replace, `null` removes).
#[utoipa::path(patch, path = "/v1/connections/{id}", tag = "connections",
    params(("id" = Uuid, Path)), request_body = ConnectionPatch,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = ConnectionObject), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn update_connection(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(patch): ApiJson<ConnectionPatch>,
) -> Result<axum::Json<ConnectionObject>, ApiError> {
    let account_id = owner.require(Scope::ConnectionsWrite)?;
    Ok(axum::Json(
        state
            .portico
            .update_connection(account_id, id, patch)
            .await?,
    ))
}

/// Deletes the connection and its encrypted credentials.
#[utoipa::path(delete, path = "/v1/connections/{id}", tag = "connections",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 204), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_connection(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    let account_id = owner.require(Scope::ConnectionsWrite)?;
    state.portico.delete_connection(account_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs the connector's check on the stored credentials now and records the result.
#[utoipa::path(post, path = "/v1/connections/{id}/check", tag = "connections",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = LastCheck), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn check_connection(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<LastCheck>, ApiError> {
    let account_id = owner.require(Scope::ConnectionsWrite)?;
    Ok(axum::Json(
        state.portico.check_connection(account_id, id).await?,
    ))
}

/// The decrypted credentials. Needs the `connections:secrets` scope; each read is recorded as a
/// `connection.credentials_read` event. A disabled connection (`enabled: false`) keeps its
/// credentials but refuses them with a 409 until it is enabled again.
#[utoipa::path(get, path = "/v1/connections/{id}/credentials", tag = "connections",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = CredentialsObject), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
async fn read_credentials(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<CredentialsObject>, ApiError> {
    let account_id = owner.require(Scope::ConnectionsSecrets)?;
    Ok(axum::Json(
        state
            .portico
            .read_credentials(account_id, id, owner.0.id)
            .await?,
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_connection, list_connections))
        .routes(routes!(
            get_connection,
            update_connection,
            delete_connection
        ))
        .routes(routes!(check_connection))
        .routes(routes!(read_credentials))
}
