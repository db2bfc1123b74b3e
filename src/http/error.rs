//! One error type for HTTP: every failure renders as RFC 9457 `application/problem+json`.
//! Causes of 500s are logged and hidden from clients.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::FieldError;
use crate::service::ServiceError;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// One entry per invalid field, for 422s.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("invalid request")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Unprocessable(String),
    #[error("internal error")]
    Internal(String),
    #[error("{0}")]
    Unavailable(String),
}

impl ApiError {
    pub fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_) | ApiError::Unprocessable(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not-found",
            ApiError::MethodNotAllowed => "method-not-allowed",
            ApiError::BadRequest(_) => "bad-request",
            ApiError::Conflict(_) => "conflict",
            ApiError::PayloadTooLarge => "payload-too-large",
            ApiError::UnsupportedMediaType(_) => "unsupported-media-type",
            ApiError::Validation(_) => "validation",
            ApiError::Unprocessable(_) => "unprocessable",
            ApiError::Internal(_) => "internal",
            ApiError::Unavailable(_) => "unavailable",
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let detail = match self {
            ApiError::Internal(_) => Some("something went wrong on our side".to_string()),
            ApiError::Validation(_) => Some("some fields are invalid; see errors".to_string()),
            other => Some(other.to_string()),
        };
        Problem {
            kind: format!("https://portico.dev/problems/{}", self.slug()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            errors: match self {
                ApiError::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let mut response = (self.status_code(), axum::Json(self.problem())).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if matches!(self, ApiError::Unauthorized(_)) {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound(what) => ApiError::NotFound(format!("no such {what}")),
            ServiceError::Invalid(errors) => ApiError::Validation(errors),
            ServiceError::Forbidden(m) => ApiError::Forbidden(m),
            ServiceError::Conflict(m) => ApiError::Conflict(m),
            ServiceError::IdempotencyMismatch => ApiError::Unprocessable(e.to_string()),
            ServiceError::CheckFailed(f) => ApiError::Unprocessable(f.message),
            ServiceError::Store(e) => ApiError::Internal(e.to_string()),
            ServiceError::Crypto(e) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => ApiError::Validation(vec![FieldError::new(
                "body",
                without_values(&e.body_text()),
            )]),
            JsonRejection::JsonSyntaxError(_) => {
                ApiError::BadRequest("the request body is not valid JSON".into())
            }
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
                "send the body as JSON with Content-Type: application/json".into(),
            ),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

/// A deserializer's message without the values it quotes (serde writes `string "<value>"` and
/// ``unknown variant `<value>` ``): the value may be a secret sent in the wrong place. Field names
/// and the expected shape stay, so the message still says what to fix.
pub(crate) fn without_values(message: &str) -> String {
    static QUOTED: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let quoted = QUOTED.get_or_init(|| {
        regex::Regex::new(r#"string "(?:[^"\\]|\\.)*"|(unknown variant) `[^`]*`"#)
            .expect("a valid pattern")
    });
    quoted
        .replace_all(message, |c: &regex::Captures<'_>| match c.get(1) {
            Some(variant) => variant.as_str().to_string(),
            None => "a string".to_string(),
        })
        .into_owned()
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::Validation(vec![FieldError::new(
            "query",
            without_values(&rejection.body_text()),
        )])
    }
}

impl From<PathRejection> for ApiError {
    /// A malformed id names no resource: 404, as for an id of another account.
    fn from(_: PathRejection) -> Self {
        ApiError::NotFound("no such resource".into())
    }
}

#[cfg(test)]
mod tests {
    use super::without_values;

    #[test]
    fn deserializer_messages_lose_the_values_they_quote() {
        assert_eq!(
            without_values(
                r#"metadata: invalid type: string "s3cr\"et", expected a map at line 1"#
            ),
            "metadata: invalid type: a string, expected a map at line 1"
        );
        assert_eq!(
            without_values(
                "direction: unknown variant `s3cret`, expected `source` or `destination`"
            ),
            "direction: unknown variant, expected `source` or `destination`"
        );
        assert_eq!(
            without_values("unknown field `colour`, expected one of `name`"),
            "unknown field `colour`, expected one of `name`"
        );
    }
}
