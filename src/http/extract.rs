//! Extractors whose rejections are problem+json: JSON bodies, query strings, paths, and the
//! owner's API key.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::ApiError;
use crate::domain::account::{ApiKey, Scope};
use crate::secret::Secret;

/// A JSON body.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(value))
    }
}

/// A query string.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(value))
    }
}

/// Path parameters.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(value) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(ApiPath(value))
    }
}

/// The authenticated owner: the API key from `Authorization: Bearer <key>` or `X-API-KEY`.
pub struct Owner(pub ApiKey);

impl Owner {
    /// The account id, if the key holds `scope`; 403 otherwise.
    pub fn require(&self, scope: Scope) -> Result<uuid::Uuid, ApiError> {
        if self.0.allows(scope) {
            Ok(self.0.account_id)
        } else {
            Err(ApiError::Forbidden(format!(
                "this API key lacks the scope {}",
                scope.as_str()
            )))
        }
    }
}

/// The token of `Authorization: Bearer <token>`, untrimmed.
fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
}

fn presented_key(parts: &Parts) -> Option<Secret<String>> {
    let header_key = parts.headers.get("x-api-key").and_then(|v| v.to_str().ok());
    bearer(parts)
        .or(header_key)
        .map(|k| Secret::new(k.trim().to_string()))
}

/// Leave to read `GET /metrics`: anyone's when no `metrics_token` is set, else only with that
/// token as `Authorization: Bearer <token>`, compared in constant time. A missing or wrong
/// token is a 401 with `WWW-Authenticate: Bearer`; neither is ever logged.
pub struct MetricsScraper;

impl FromRequestParts<AppState> for MetricsScraper {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(expected) = &state.portico.settings.metrics_token else {
            return Ok(MetricsScraper);
        };
        match bearer(parts) {
            Some(presented)
                if crate::crypto::token::same_secret(
                    expected.expose().as_bytes(),
                    presented.trim().as_bytes(),
                ) =>
            {
                Ok(MetricsScraper)
            }
            Some(_) => Err(ApiError::Unauthorized("the metrics token is not valid")),
            None => Err(ApiError::Unauthorized(
                "send the metrics token as Authorization: Bearer <token>",
            )),
        }
    }
}

impl FromRequestParts<AppState> for Owner {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let presented = presented_key(parts).ok_or(ApiError::Unauthorized(
            "send an API key as Authorization: Bearer <key> or X-API-KEY",
        ))?;
        state
            .portico
            .authenticate(&presented)
            .await?
            .map(Owner)
            .ok_or(ApiError::Unauthorized("the API key is not valid"))
    }
}
