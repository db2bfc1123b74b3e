//! Kondado's `POST /collection_guests`: invite a temporary user to create one source
//! or destination. `client_id` must be the key's account `number`; `parent_collection_id` is a
//! connector `number`. The link is emailed to `recipient_email` (as the invitation's
//! `end_user.email`) and returned; the address restricts nothing: it may be a placeholder, and
//! the link alone opens the connector's form, as Kondado documents.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Failure;
use crate::domain::FieldError;
use crate::domain::account::Scope;
use crate::domain::invitation::NewInvitation;
use crate::domain::vendor;
use crate::http::AppState;
use crate::http::error::{ApiError, without_values};
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
    /// Who receives the link by email; may be a placeholder address, since the link is also in
    /// the response and opens the form by itself.
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

const RENAMES: &[(&str, &str)] = &[
    ("end_user.email", "recipient_email"),
    ("connector", "parent_collection_id"),
    ("direction", "parent_collection_direction"),
    ("connection_name", "assigned_collection_name"),
];

/// A failure in Kondado's envelope, `success: false` with a `message`.
#[derive(Debug)]
pub struct KondadoError(Failure);

impl KondadoError {
    fn new(status: StatusCode, message: impl Into<String>) -> KondadoError {
        KondadoError(Failure::new(status, message))
    }

    fn invalid(errors: Vec<FieldError>) -> KondadoError {
        KondadoError(Failure::invalid(
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            RENAMES,
        ))
    }
}

impl From<ApiError> for KondadoError {
    fn from(e: ApiError) -> KondadoError {
        KondadoError(Failure::from_api(e, RENAMES))
    }
}

impl From<ServiceError> for KondadoError {
    fn from(e: ServiceError) -> KondadoError {
        match e {
            ServiceError::Invalid(errors) => KondadoError::invalid(errors),
            other => ApiError::from(other).into(),
        }
    }
}

impl IntoResponse for KondadoError {
    fn into_response(self) -> Response {
        let body = Envelope {
            success: false,
            data: Inner {
                success: false,
                data: None,
                message: Some(self.0.message),
            },
        };
        (self.0.status, axum::Json(body)).into_response()
    }
}

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
) -> Result<axum::Json<Envelope>, KondadoError> {
    let account_id = owner?.require(Scope::InvitationsWrite)?;
    // Kondado answers a body it cannot read, JSON syntax or shape, with 422.
    let unreadable = |message: &str| {
        KondadoError::new(StatusCode::UNPROCESSABLE_ENTITY, without_values(message))
    };
    let body = match body {
        Err(ApiError::BadRequest(message)) => return Err(unreadable(&message)),
        other => other?.0,
    };
    let request: CollectionGuestRequest =
        serde_json::from_value(body).map_err(|e| unreadable(&e.to_string()))?;
    let account = state.portico.account(account_id).await?;
    let (number, text) = match &request.client_id {
        ClientId::Number(n) => (Some(*n), None),
        ClientId::Text(s) => (None, Some(s.as_str())),
    };
    if !vendor::kondado::is_own_account(number, text, account.number) {
        return Err(KondadoError::new(
            StatusCode::FORBIDDEN,
            "client_id is not the account of this API key",
        ));
    }
    let direction = vendor::kondado::direction(&request.parent_collection_direction)
        .map_err(|e| KondadoError::invalid(vec![e]))?;
    let spec = state
        .portico
        .catalog
        .by_number(request.parent_collection_id)
        .ok_or_else(|| {
            KondadoError::invalid(vec![FieldError::new(
                "connector",
                "is not a known parent collection",
            )])
        })?;
    let invitation = NewInvitation {
        connector: Some(spec.id.clone()),
        direction: Some(direction),
        connection_name: Some(request.assigned_collection_name),
        end_user: Some(vendor::kondado::recipient(request.recipient_email)),
        send_email: true,
        ..NewInvitation::default()
    };
    let created = state
        .portico
        .create_invitation(account_id, invitation, None)
        .await?;
    Ok(axum::Json(Envelope {
        success: true,
        data: Inner {
            success: true,
            data: Some(Link {
                link: created.invitation.url.unwrap_or_default(),
            }),
            message: None,
        },
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_collection_guest))
}
