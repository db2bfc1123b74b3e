//! Endpoints compatible with the three vendors' APIs: request and response shapes only. Each
//! builds a `NewInvitation` and calls the same services as the native API; no rule lives here.

pub mod kombo;
pub mod kondado;
pub mod nectar;

use crate::domain::FieldError;

/// Field errors as one sentence, with the vendor's field names (`renames`: ours to theirs).
pub fn describe(errors: &[FieldError], renames: &[(&str, &str)]) -> String {
    errors
        .iter()
        .map(|e| {
            let field = renames
                .iter()
                .find(|(ours, _)| e.field == *ours || e.field.starts_with(&format!("{ours}[")))
                .map(|(ours, theirs)| e.field.replacen(ours, theirs, 1))
                .unwrap_or_else(|| e.field.clone());
            format!("{field}: {}", e.message)
        })
        .collect::<Vec<_>>()
        .join("; ")
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
                &errors,
                &[
                    ("allowed_emails", "recipient_email"),
                    ("connector", "parent_collection_id")
                ]
            ),
            "recipient_email[0]: is not an email address; parent_collection_id: is not a known connector"
        );
    }
}
