//! Kondado's `POST /collection_guests` (seed 000): invite a temporary user to create one source
//! or destination. `client_id` must be the key's account `number`; `parent_collection_id` is a
//! connector `number`; the link goes to `recipient_email`, the only address allowed to use it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::describe;
use crate::domain::account::Scope;
use crate::domain::connector::Direction;
use crate::domain::invitation::NewInvitation;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{ApiJson, Owner};
use crate::service::ServiceError;

/// `client_id` may be sent as a string (as in Kondado's example) or as an integer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ClientId {
    Number(i64),
    Text(String),
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = KondadoCollectionGuestRequest)]
pub struct CollectionGuestRequest {
    /// The account `number` (Kondado's client id), as a string or an integer.
    pub client_id: ClientId,
    /// Who receives the link by email; the only address allowed to use it.
    pub recipient_email: String,
    /// The connector's `number` (Toggl Track is 130).
    pub parent_collection_id: i64,
    /// `src` (a source) or `dest` (a destination).
    pub parent_collection_direction: String,
    /// The name of the connection the guest creates.
    pub assigned_collection_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KondadoLink)]
pub struct Link {
    pub link: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KondadoInner)]
pub struct Inner {
    pub success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Link>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Kondado's envelope: `{"success": true, "data": {"success": true, "data": {"link": ...}}}`;
/// errors the same with `success: false` and a `message`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KondadoResponse)]
pub struct Envelope {
    pub success: bool,
    pub data: Inner,
}

fn failure(status: StatusCode, message: impl Into<String>) -> Response {
    let body = Envelope {
        success: false,
        data: Inner {
            success: false,
            data: None,
            message: Some(message.into()),
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

const RENAMES: &[(&str, &str)] = &[
    ("allowed_emails", "recipient_email"),
    ("connector", "parent_collection_id"),
    ("direction", "parent_collection_direction"),
    ("connection_name", "assigned_collection_name"),
];

/// Creates an invitation and returns its link (sent by email to `recipient_email`).
#[utoipa::path(post, path = "/collection_guests", tag = "kondado",
    request_body = CollectionGuestRequest,
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, body = Envelope, description = "The link"),
        (status = 400, body = Envelope), (status = 401, body = Envelope),
        (status = 403, body = Envelope, description = "client_id is not this key's account"),
        (status = 413, body = Envelope), (status = 415, body = Envelope),
        (status = 422, body = Envelope)))]
async fn create_collection_guest(
    State(state): State<AppState>,
    owner: Result<Owner, ApiError>,
    body: Result<ApiJson<Value>, ApiError>,
) -> Response {
    let owner = match owner {
        Ok(owner) => owner,
        Err(e) => return from_api(e),
    };
    let account_id = match owner.require(Scope::InvitationsWrite) {
        Ok(id) => id,
        Err(e) => return from_api(e),
    };
    let request: CollectionGuestRequest = match body.and_then(|ApiJson(v)| {
        serde_json::from_value(v).map_err(|e| ApiError::BadRequest(e.to_string()))
    }) {
        Ok(request) => request,
        Err(ApiError::BadRequest(m)) => {
            return failure(
                StatusCode::UNPROCESSABLE_ENTITY,
                crate::http::error::without_values(&m),
            );
        }
        Err(e) => return from_api(e),
    };
    let account = match state.portico.account(account_id).await {
        Ok(account) => account,
        Err(e) => return from_api(e.into()),
    };
    let client_id = match &request.client_id {
        ClientId::Number(n) => Some(*n),
        ClientId::Text(s) => s.trim().parse::<i64>().ok(),
    };
    if client_id != Some(account.number) {
        return failure(
            StatusCode::FORBIDDEN,
            "client_id is not the account of this API key",
        );
    }
    let direction = match request.parent_collection_direction.as_str() {
        "src" => Direction::Source,
        "dest" => Direction::Destination,
        _ => {
            return failure(
                StatusCode::UNPROCESSABLE_ENTITY,
                "parent_collection_direction: must be src or dest",
            );
        }
    };
    let Some(spec) = state
        .portico
        .catalog
        .by_number(request.parent_collection_id)
    else {
        return failure(
            StatusCode::UNPROCESSABLE_ENTITY,
            "parent_collection_id: is not a known parent collection",
        );
    };
    let invitation = NewInvitation {
        connector: Some(spec.id.clone()),
        direction: Some(direction),
        connection_name: Some(request.assigned_collection_name),
        allowed_emails: vec![request.recipient_email],
        send_email: true,
        ..NewInvitation::default()
    };
    match state
        .portico
        .create_invitation(account_id, invitation, None)
        .await
    {
        Ok(created) => {
            let body = Envelope {
                success: true,
                data: Inner {
                    success: true,
                    data: Some(Link {
                        link: created.invitation.url.unwrap_or_default(),
                    }),
                    message: None,
                },
            };
            (StatusCode::OK, axum::Json(body)).into_response()
        }
        Err(ServiceError::Invalid(errors)) => {
            failure(StatusCode::UNPROCESSABLE_ENTITY, describe(&errors, RENAMES))
        }
        Err(e) => from_api(e.into()),
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_collection_guest))
}
