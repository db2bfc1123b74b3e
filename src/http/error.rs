//! One error type for HTTP: every failure renders as RFC 9457 `application/problem+json`.
//! The cause of a 500 is kept, logged with its whole chain, and hidden from clients, who get the
//! request id to quote instead.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::error::Error;
use std::fmt;
use utoipa::ToSchema;

use crate::checks::Reason;
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
    /// For 500s: the request's `x-request-id`, to quote when reporting the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
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
    /// Busy for now; the client may retry.
    #[error("{0}")]
    Unavailable(String),
    /// A failure of ours; the cause is logged, never shown.
    #[error("internal error")]
    Internal(#[source] Box<dyn Error + Send + Sync>),
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
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
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
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let request_id = match self {
            ApiError::Internal(_) => super::request_id::current(),
            _ => None,
        };
        let detail = match self {
            ApiError::Internal(_) => Some(match &request_id {
                Some(id) => format!("something went wrong on our side (request id {id})"),
                None => "something went wrong on our side".to_string(),
            }),
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
            request_id,
        }
    }

    /// Logs the cause of a 500, with its whole chain, in the request's span (which names the
    /// request id); other errors are the client's and are not logged here.
    pub fn report(&self) {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = %Chain(cause.as_ref()), "request failed");
        }
    }
}

/// An error and its sources on one line, `outer: inner: innermost`; a source whose text is
/// already shown (thiserror's `{0}` often repeats it) is not written twice.
pub struct Chain<'a>(pub &'a (dyn Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut written = self.0.to_string();
        let mut next = self.0.source();
        while let Some(source) = next {
            let text = source.to_string();
            if !written.contains(&text) {
                written = format!("{written}: {text}");
            }
            next = source.source();
        }
        f.write_str(&written)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.report();
        let mut response = (self.status_code(), axum::Json(self.problem())).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if matches!(self, ApiError::Unavailable(_)) {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
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
            ServiceError::Conflict(reason) => ApiError::Conflict(reason.to_string()),
            ServiceError::IdempotencyMismatch => ApiError::Unprocessable(e.to_string()),
            ServiceError::Forbidden => ApiError::Forbidden(e.to_string()),
            ServiceError::CheckFailed(f) => match (f.reason, f.field) {
                (Reason::Busy, _) => ApiError::Unavailable(f.detail),
                (Reason::RefusedByPolicy, Some(field)) => {
                    ApiError::Validation(vec![FieldError::new(format!("config.{field}"), f.detail)])
                }
                _ => ApiError::Unprocessable(f.detail),
            },
            ServiceError::Store(e) => ApiError::Internal(e.into()),
            ServiceError::Crypto(e) => ApiError::Internal(e.into()),
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
    use super::{Chain, without_values};

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        #[error("database error: {0}")]
        Repeats(#[source] Inner),
        #[error("the key file")]
        Adds(#[source] Inner),
    }

    #[derive(Debug, thiserror::Error)]
    #[error("no such table: invitations")]
    struct Inner;

    #[test]
    fn a_chain_shows_every_cause_once() {
        assert_eq!(
            Chain(&Outer::Adds(Inner)).to_string(),
            "the key file: no such table: invitations"
        );
        assert_eq!(
            Chain(&Outer::Repeats(Inner)).to_string(),
            "database error: no such table: invitations"
        );
    }

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
