//! Kombo's error envelope, `{"status": "error", "error": {"code", "title", "message",
//! "log_url"}}`, with the platform codes of its SDK, so that the SDK raises its own
//! `KomboGeneralError` carrying the code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::super::Failure;
use crate::domain::FieldError;
use crate::http::error::ApiError;
use crate::http::request_id;
use crate::service::ServiceError;

/// Ours to Kombo's field names, for messages.
pub const RENAMES: &[(&str, &str)] = &[
    ("connector", "integration_tool"),
    ("category", "integration_category"),
    ("end_user.email", "end_user_email"),
    ("end_user.organization_name", "end_user_organization_name"),
    ("end_user.origin_id", "end_user_origin_id"),
    ("connection_name", "end_user_organization_name"),
    ("expires_in_seconds", "link_type"),
];

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KomboErrorDetail)]
pub struct ErrorDetail {
    /// One of Kombo's platform codes: `PLATFORM.INPUT_INVALID`,
    /// `PLATFORM.AUTHENTICATION_INVALID`, `PLATFORM.INTEGRATION_NOT_FOUND`,
    /// `PLATFORM.RATE_LIMIT_EXCEEDED`, `PLATFORM.CONCURRENCY_LIMIT_EXCEEDED` or
    /// `PLATFORM.UNKNOWN_ERROR`.
    pub code: Option<String>,
    /// A static label of the code.
    pub title: Option<String>,
    /// What went wrong in this request; never a secret.
    pub message: String,
    /// Always `null`: Portico has no log pages. Quote the response's `x-request-id` instead.
    pub log_url: Option<String>,
}

/// `{"status": "error", "error": {...}}`
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = KomboError)]
pub struct ErrorBody {
    /// Always `error`.
    pub status: String,
    pub error: ErrorDetail,
}

/// A failure in Kombo's envelope.
#[derive(Debug)]
pub struct KomboError(Failure);

/// The platform code and its title for a status: what Kombo's SDK knows.
fn code_of(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        401 | 403 => ("PLATFORM.AUTHENTICATION_INVALID", "Authentication invalid"),
        404 => ("PLATFORM.INTEGRATION_NOT_FOUND", "Integration not found"),
        429 => ("PLATFORM.RATE_LIMIT_EXCEEDED", "Rate limit exceeded"),
        503 => (
            "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED",
            "Concurrency limit exceeded",
        ),
        400..=499 => ("PLATFORM.INPUT_INVALID", "Input invalid"),
        _ => ("PLATFORM.UNKNOWN_ERROR", "Unknown error"),
    }
}

impl KomboError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> KomboError {
        KomboError(Failure::new(status, message))
    }

    pub fn no_such_integration() -> KomboError {
        KomboError::new(StatusCode::NOT_FOUND, "no such integration")
    }

    /// Field errors as a 400, with Kombo's field names.
    pub fn invalid(errors: Vec<FieldError>) -> KomboError {
        KomboError(Failure::invalid(StatusCode::BAD_REQUEST, errors, RENAMES))
    }
}

impl From<ApiError> for KomboError {
    fn from(e: ApiError) -> KomboError {
        KomboError(Failure::from_api(e, RENAMES))
    }
}

impl From<ServiceError> for KomboError {
    /// Kombo answers invalid requests with 400.
    fn from(e: ServiceError) -> KomboError {
        match e {
            ServiceError::Invalid(errors) => KomboError::invalid(errors),
            other => ApiError::from(other).into(),
        }
    }
}

impl IntoResponse for KomboError {
    fn into_response(self) -> Response {
        let Failure { status, message } = self.0;
        let (code, title) = code_of(status);
        let message = match request_id::current() {
            Some(id) if status.is_server_error() => format!("{message} (request id {id})"),
            _ => message,
        };
        let body = ErrorBody {
            status: "error".into(),
            error: ErrorDetail {
                code: Some(code.into()),
                title: Some(title.into()),
                message,
                log_url: None,
            },
        };
        (status, axum::Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_code_of_the_sdk() {
        assert_eq!(code_of(StatusCode::BAD_REQUEST).0, "PLATFORM.INPUT_INVALID");
        assert_eq!(
            code_of(StatusCode::UNSUPPORTED_MEDIA_TYPE).0,
            "PLATFORM.INPUT_INVALID"
        );
        assert_eq!(
            code_of(StatusCode::UNAUTHORIZED).0,
            "PLATFORM.AUTHENTICATION_INVALID"
        );
        assert_eq!(
            code_of(StatusCode::NOT_FOUND).0,
            "PLATFORM.INTEGRATION_NOT_FOUND"
        );
        assert_eq!(
            code_of(StatusCode::TOO_MANY_REQUESTS).0,
            "PLATFORM.RATE_LIMIT_EXCEEDED"
        );
        assert_eq!(
            code_of(StatusCode::INTERNAL_SERVER_ERROR).0,
            "PLATFORM.UNKNOWN_ERROR"
        );
    }
}
