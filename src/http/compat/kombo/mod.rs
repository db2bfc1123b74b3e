//! Kombo's API as its official SDK (`kombo` on PyPI) calls it, under `/v1` (the SDK's
//! `server_url` is `{public_url}/v1`): connection links (`links`), the integrations they make
//! (`integrations`), and errors in Kombo's envelope with its platform codes (`error`).

mod error;
mod integrations;
mod links;

use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub use error::KomboError;

use crate::domain::account::Scope;
use crate::http::AppState;
use crate::http::error::{ApiError, without_values};
use crate::http::extract::{ApiJson, ApiPath, Owner};

/// The authenticated account, if the key holds `scope`.
fn account(owner: Result<Owner, ApiError>, scope: Scope) -> Result<Uuid, KomboError> {
    Ok(owner?.require(scope)?)
}

/// The request body as `T`, in Kombo's envelope when it is not.
fn parse<T: serde::de::DeserializeOwned>(
    body: Result<ApiJson<Value>, ApiError>,
) -> Result<T, KomboError> {
    let ApiJson(value) = body?;
    serde_json::from_value(value).map_err(|e| {
        KomboError::new(
            axum::http::StatusCode::BAD_REQUEST,
            without_values(&e.to_string()),
        )
    })
}

/// The body as `T`, or `T::default()` when there is none: every field of `T` is optional.
fn parse_optional<T: serde::de::DeserializeOwned + Default>(
    body: Result<ApiJson<Value>, ApiError>,
) -> Result<T, KomboError> {
    match body {
        Err(ApiError::UnsupportedMediaType(_)) | Err(ApiError::BadRequest(_)) => Ok(T::default()),
        other => parse(other),
    }
}

/// The integration (connection) id of the path; one that is not a UUID names no integration.
fn integration_id(id: Result<ApiPath<Uuid>, ApiError>) -> Result<Uuid, KomboError> {
    id.map(|ApiPath(id)| id)
        .map_err(|_| KomboError::no_such_integration())
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(links::create_link))
        .routes(routes!(links::relink))
        .routes(routes!(integrations::integration_by_token))
        .routes(routes!(integrations::activate_integration))
        .routes(routes!(
            integrations::get_integration,
            integrations::delete_integration
        ))
        .routes(routes!(integrations::set_enabled))
        .routes(routes!(integrations::check_api_key))
}
