//! `/v1/webhook-endpoints`: subscriptions to the account's events, their secrets and attempts.

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{List, PageQuery};
use crate::domain::account::Scope;
use crate::domain::webhook::WebhookAttempt;
use crate::http::AppState;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, Owner};
use crate::service::webhooks::{NewWebhookEndpoint, WebhookEndpointObject};

/// Subscribes a URL to the account's events; the answer holds the signing `secret`, once.
#[utoipa::path(post, path = "/v1/webhook-endpoints", tag = "webhooks",
    request_body = NewWebhookEndpoint,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 201, body = WebhookEndpointObject), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)))]
async fn create_webhook_endpoint(
    State(state): State<AppState>,
    owner: Owner,
    ApiJson(request): ApiJson<NewWebhookEndpoint>,
) -> Result<(StatusCode, axum::Json<WebhookEndpointObject>), ApiError> {
    let account_id = owner.require(Scope::WebhooksWrite)?;
    let created = state
        .portico
        .create_webhook_endpoint(account_id, request)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

/// The account's endpoints (without secrets).
#[utoipa::path(get, path = "/v1/webhook-endpoints", tag = "webhooks",
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = List<WebhookEndpointObject>), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
async fn list_webhook_endpoints(
    State(state): State<AppState>,
    owner: Owner,
) -> Result<axum::Json<List<WebhookEndpointObject>>, ApiError> {
    let account_id = owner.require(Scope::WebhooksRead)?;
    Ok(axum::Json(List {
        data: state.portico.list_webhook_endpoints(account_id).await?,
        next_cursor: None,
    }))
}

/// One endpoint.
#[utoipa::path(get, path = "/v1/webhook-endpoints/{id}", tag = "webhooks",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = WebhookEndpointObject), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_webhook_endpoint(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<WebhookEndpointObject>, ApiError> {
    let account_id = owner.require(Scope::WebhooksRead)?;
    Ok(axum::Json(
        state.portico.get_webhook_endpoint(account_id, id).await?,
    ))
}

/// Deletes the endpoint; what it had not received yet is dropped.
#[utoipa::path(delete, path = "/v1/webhook-endpoints/{id}", tag = "webhooks",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 204), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_webhook_endpoint(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    let account_id = owner.require(Scope::WebhooksWrite)?;
    state
        .portico
        .delete_webhook_endpoint(account_id, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new signing secret, shown once; the old one keeps signing (a second signature) for 24 h.
#[utoipa::path(post, path = "/v1/webhook-endpoints/{id}/rotate-secret", tag = "webhooks",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = WebhookEndpointObject), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn rotate_webhook_secret(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<WebhookEndpointObject>, ApiError> {
    let account_id = owner.require(Scope::WebhooksWrite)?;
    Ok(axum::Json(
        state.portico.rotate_webhook_secret(account_id, id).await?,
    ))
}

/// Every delivery attempt to the endpoint, newest first.
#[utoipa::path(get, path = "/v1/webhook-endpoints/{id}/attempts", tag = "webhooks",
    params(("id" = Uuid, Path), PageQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = List<WebhookAttempt>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn list_webhook_attempts(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<axum::Json<List<WebhookAttempt>>, ApiError> {
    let account_id = owner.require(Scope::WebhooksRead)?;
    let page = query.page()?;
    let data = state
        .portico
        .list_webhook_attempts(account_id, id, page)
        .await?;
    Ok(axum::Json(List::new(data, page, |a| a.id)))
}

/// How many undelivered events `retry` made due now.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RetriedDeliveries {
    /// Always `webhook_retry`.
    pub object: &'static str,
    /// Undelivered events of the endpoint, those given up included, now due at once.
    pub retried: u64,
}

/// Sends every event the endpoint has not received yet (those given up included) now, instead
/// of at their next retry time.
#[utoipa::path(post, path = "/v1/webhook-endpoints/{id}/retry", tag = "webhooks",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = RetriedDeliveries), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn retry_webhook_deliveries(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<RetriedDeliveries>, ApiError> {
    let account_id = owner.require(Scope::WebhooksWrite)?;
    let retried = state
        .portico
        .retry_webhook_deliveries(account_id, id)
        .await?;
    Ok(axum::Json(RetriedDeliveries {
        object: "webhook_retry",
        retried,
    }))
}

/// Disables the endpoint: nothing is sent to it or kept for it until it is enabled.
#[utoipa::path(post, path = "/v1/webhook-endpoints/{id}/disable", tag = "webhooks",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = WebhookEndpointObject), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn disable_webhook_endpoint(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<WebhookEndpointObject>, ApiError> {
    set_enabled(state, owner, id, false).await
}

/// Enables the endpoint again (also one a 410 disabled): events from now on are sent to it.
#[utoipa::path(post, path = "/v1/webhook-endpoints/{id}/enable", tag = "webhooks",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = WebhookEndpointObject), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn enable_webhook_endpoint(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<WebhookEndpointObject>, ApiError> {
    set_enabled(state, owner, id, true).await
}

async fn set_enabled(
    state: AppState,
    owner: Owner,
    id: Uuid,
    enabled: bool,
) -> Result<axum::Json<WebhookEndpointObject>, ApiError> {
    let account_id = owner.require(Scope::WebhooksWrite)?;
    Ok(axum::Json(
        state
            .portico
            .set_webhook_endpoint_enabled(account_id, id, enabled)
            .await?,
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_webhook_endpoint, list_webhook_endpoints))
        .routes(routes!(get_webhook_endpoint, delete_webhook_endpoint))
        .routes(routes!(rotate_webhook_secret))
        .routes(routes!(list_webhook_attempts))
        .routes(routes!(retry_webhook_deliveries))
        .routes(routes!(disable_webhook_endpoint))
        .routes(routes!(enable_webhook_endpoint))
}
