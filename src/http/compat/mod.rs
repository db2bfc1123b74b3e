//! Endpoints compatible with the three vendors' APIs: request and response shapes only. Each
//! builds a `NewInvitation` (after the vendor's own rules, `domain::vendor`) and calls the same
//! services as the native API; no rule lives here.

pub mod kombo;
pub mod kondado;
pub mod nectar;

use axum::http::StatusCode;

use crate::domain::FieldError;
use crate::http::error::ApiError;

/// Field errors with the vendor's field names (`renames`: ours to theirs).
pub fn rename(errors: Vec<FieldError>, renames: &[(&str, &str)]) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| {
            let field = renames
                .iter()
                .find(|(ours, _)| e.field == *ours || e.field.starts_with(&format!("{ours}[")))
                .map(|(ours, theirs)| e.field.replacen(ours, theirs, 1))
                .unwrap_or(e.field);
            FieldError::new(field, e.message)
        })
        .collect()
}

/// Field errors as one sentence, with the vendor's field names.
pub fn describe(errors: Vec<FieldError>, renames: &[(&str, &str)]) -> String {
    rename(errors, renames)
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A failure as the vendors that answer errors in their own envelope report it: a status and
/// one sentence. Each adapter wraps it in its envelope.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub message: String,
}

impl Failure {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
        }
    }

    /// `errors` as one sentence in the vendor's words, with `status`.
    pub fn invalid(status: StatusCode, errors: Vec<FieldError>, renames: &[(&str, &str)]) -> Self {
        Failure::new(status, describe(errors, renames))
    }

    /// An API error in the vendor's words; the cause of a 500 is logged, never shown.
    pub fn from_api(e: ApiError, renames: &[(&str, &str)]) -> Failure {
        let status = e.status_code();
        match e {
            ApiError::Validation(errors) => Failure::invalid(status, errors, renames),
            other => {
                other.report();
                Failure::new(status, other.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_named_in_the_vendors_words() {
        let errors = vec![
            FieldError::new("allowed_emails[0]", "is not an email address"),
            FieldError::new("connector", "is not a known connector"),
        ];
        assert_eq!(
            describe(
                errors,
                &[
                    ("allowed_emails", "recipient_email"),
                    ("connector", "parent_collection_id")
                ]
            ),
            "recipient_email[0]: is not an email address; parent_collection_id: is not a known connector"
        );
    }
}
