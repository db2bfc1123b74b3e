//! `/v1/invitations`: create (with `Idempotency-Key`), read, list, revoke, resend.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{List, cursor, limit};
use crate::domain::FieldError;
use crate::domain::account::Scope;
use crate::domain::invitation::{InvitationKind, InvitationStatus, NewInvitation};
use crate::http::AppState;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, Owner};
use crate::service::invitations::Idempotency;
use crate::service::views::InvitationObject;
use crate::store::{InvitationFilter, Page};

/// Creates an invitation. The response holds the `token` and `url`, shown this once.
/// A retry with the same `Idempotency-Key` and body returns the first response. With
/// `on_duplicate: update` it may be a reconnect of an existing connection (see `kind` and
/// `connection_id`); with `on_duplicate: reject` a duplicate is a 409 naming the connection.
#[utoipa::path(post, path = "/v1/invitations", tag = "invitations",
    request_body = NewInvitation,
    params(("Idempotency-Key" = Option<String>, Header,
        description = "Makes retries safe: same key and body, same response")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 201, body = InvitationObject), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem,
            description = "on_duplicate is reject and the account has that connection"),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)))]
async fn create_invitation(
    State(state): State<AppState>,
    owner: Owner,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let account_id = owner.require(Scope::InvitationsWrite)?;
    let idempotency = match headers.get("idempotency-key") {
        None => None,
        Some(key) => {
            let key = key.to_str().map_err(|_| {
                ApiError::Validation(vec![FieldError::new(
                    "Idempotency-Key",
                    "must be visible ASCII",
                )])
            })?;
            let canonical = serde_json::to_vec(&body).expect("JSON value serialises");
            Some(Idempotency::new(key, &canonical)?)
        }
    };
    let request: NewInvitation = serde_json::from_value(body).map_err(|e| {
        ApiError::Validation(vec![FieldError::new(
            "body",
            crate::http::error::without_values(&e.to_string()),
        )])
    })?;
    let created = state
        .portico
        .create_invitation(account_id, request, idempotency)
        .await?;
    let mut response = (StatusCode::CREATED, axum::Json(created.invitation)).into_response();
    if created.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// One invitation (never its token).
#[utoipa::path(get, path = "/v1/invitations/{id}", tag = "invitations",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = InvitationObject), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_invitation(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<InvitationObject>, ApiError> {
    let account_id = owner.require(Scope::InvitationsRead)?;
    Ok(axum::Json(
        state.portico.get_invitation(account_id, id).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvitationQuery {
    /// `active`, `expired`, `revoked` or `fulfilled`.
    pub status: Option<InvitationStatus>,
    /// `create_connection` or `edit_connection`.
    pub kind: Option<InvitationKind>,
    /// A connector id.
    pub connector: Option<String>,
    /// `true`: only invitations whose guest asked for a new link and that no resend answered
    /// yet (`renewal_requested_at` set); `false`: only the others.
    pub renewal_requested: Option<bool>,
    /// 1 to 100, default 20.
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The account's invitations, newest first.
#[utoipa::path(get, path = "/v1/invitations", tag = "invitations",
    params(InvitationQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = List<InvitationObject>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list_invitations(
    State(state): State<AppState>,
    owner: Owner,
    ApiQuery(query): ApiQuery<InvitationQuery>,
) -> Result<axum::Json<List<InvitationObject>>, ApiError> {
    let account_id = owner.require(Scope::InvitationsRead)?;
    let page = Page {
        limit: limit(query.limit)?,
        before: cursor("cursor", query.cursor.as_deref())?,
    };
    let filter = InvitationFilter {
        status: query.status,
        kind: query.kind,
        connector: query.connector,
        renewal_requested: query.renewal_requested,
        ..InvitationFilter::default()
    };
    let data = state
        .portico
        .list_invitations(account_id, &filter, page)
        .await?;
    Ok(axum::Json(List::new(data, page, |i| i.id)))
}

/// Revokes the invitation at once and ends its guest sessions; revoking again changes nothing.
#[utoipa::path(post, path = "/v1/invitations/{id}/revoke", tag = "invitations",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = InvitationObject), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn revoke_invitation(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<InvitationObject>, ApiError> {
    let account_id = owner.require(Scope::InvitationsWrite)?;
    Ok(axum::Json(
        state.portico.revoke_invitation(account_id, id).await?,
    ))
}

/// Resends the invitation: a new invitation with every setting of this one and the same
/// lifetime (created to expiry, capped as any new one), `renewed_from` this one, its link
/// emailed to the allowed addresses (else to `end_user.email`). This one is revoked in the same
/// transaction (its link and guest sessions end), and its renewal request, if any, is answered
/// (`renewal_requested_at` cleared). The response holds the new `token` and `url`, shown once.
#[utoipa::path(post, path = "/v1/invitations/{id}/resend", tag = "invitations",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 201, body = InvitationObject), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem,
            description = "the invitation can no longer be made again (its connection is gone)")))]
async fn resend_invitation(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let account_id = owner.require(Scope::InvitationsWrite)?;
    let created = state.portico.resend_invitation(account_id, id).await?;
    Ok((StatusCode::CREATED, axum::Json(created.invitation)).into_response())
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_invitation, list_invitations))
        .routes(routes!(get_invitation))
        .routes(routes!(revoke_invitation))
        .routes(routes!(resend_invitation))
}
