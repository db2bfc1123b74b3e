//! The vendors' own request rules, which the compatible endpoints apply before the native
//! invitation rules: what Kondado, Kombo and Nectar accept and what they assume when a field is
//! left out. Errors use Portico's field names; the adapters rename them.

use super::FieldError;
use super::connector::Direction;

/// Kondado's guest invitations.
pub mod kondado {
    use super::*;

    /// `client_id` (a string or an integer) names the key's own account `number`; anything else
    /// is another account's and refused.
    pub fn is_own_account(client_id: Option<i64>, text: Option<&str>, number: i64) -> bool {
        client_id.or_else(|| text.and_then(|s| s.trim().parse().ok())) == Some(number)
    }

    /// `src` or `dest`.
    pub fn direction(raw: &str) -> Result<Direction, FieldError> {
        match raw {
            "src" => Ok(Direction::Source),
            "dest" => Ok(Direction::Destination),
            _ => Err(FieldError::new("direction", "must be src or dest")),
        }
    }
}

/// Kombo's connection links.
pub mod kombo {
    use super::*;

    /// The categories Kombo links offer.
    pub const CATEGORIES: [&str; 3] = ["HRIS", "ATS", "ASSESSMENT"];

    /// The category of a link when the request names none.
    pub const DEFAULT_CATEGORY: &str = "HRIS";

    /// The category of a create-link request: one of [`CATEGORIES`], `HRIS` when absent; and a
    /// `remote_environment` only together with a tool.
    pub fn link_category(
        category: Option<&str>,
        tool: Option<&str>,
        remote_environment: Option<&str>,
    ) -> Result<String, Vec<FieldError>> {
        let mut errors = Vec::new();
        let category = category.unwrap_or(DEFAULT_CATEGORY);
        if !CATEGORIES.contains(&category) {
            errors.push(FieldError::new(
                "category",
                "must be HRIS, ATS or ASSESSMENT",
            ));
        }
        if remote_environment.is_some() && tool.is_none() {
            errors.push(FieldError::new(
                "remote_environment",
                "can only be used together with integration_tool",
            ));
        }
        if errors.is_empty() {
            Ok(category.to_string())
        } else {
            Err(errors)
        }
    }
}

/// Nectar's invitations.
pub mod nectar {
    use super::*;

    /// Nectar's defaults: absent means never expires and unlimited uses.
    pub fn lifetime_and_uses(
        expires_in_seconds: Option<Option<i64>>,
        max_uses: Option<Option<i64>>,
    ) -> (Option<Option<i64>>, Option<Option<i64>>) {
        (Some(expires_in_seconds.flatten()), Some(max_uses.flatten()))
    }

    /// Nectar emails the link to the allowed addresses; asked to with none, it sends nothing
    /// rather than refusing the request.
    pub fn send_email(requested: bool, allowed_emails: &[String]) -> bool {
        requested && !allowed_emails.is_empty()
    }

    /// Nectar's datasources are sources: that direction unless told otherwise, when the
    /// connector can be one.
    pub fn direction(asked: Option<Direction>, can_be_source: bool) -> Option<Direction> {
        asked.or(can_be_source.then_some(Direction::Source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kondado_client_id_is_the_account_number_as_text_or_integer() {
        assert!(kondado::is_own_account(Some(7), None, 7));
        assert!(kondado::is_own_account(None, Some(" 7 "), 7));
        assert!(!kondado::is_own_account(None, Some("8"), 7));
        assert!(!kondado::is_own_account(None, Some("seven"), 7));
        assert_eq!(kondado::direction("dest"), Ok(Direction::Destination));
        assert!(kondado::direction("source").is_err());
    }

    #[test]
    fn kombo_links_default_to_hris_and_know_three_categories() {
        assert_eq!(kombo::link_category(None, None, None).unwrap(), "HRIS");
        assert_eq!(
            kombo::link_category(Some("ATS"), None, None).unwrap(),
            "ATS"
        );
        let errors = kombo::link_category(Some("DATABASE"), None, Some("sandbox")).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["category", "remote_environment"]);
        assert!(kombo::link_category(None, Some("personio"), Some("sandbox")).is_ok());
    }

    #[test]
    fn nectar_sends_email_only_to_allowed_addresses_and_never_expires_by_default() {
        assert!(!nectar::send_email(true, &[]));
        assert!(nectar::send_email(true, &["a@b.co".into()]));
        assert!(!nectar::send_email(false, &["a@b.co".into()]));
        assert_eq!(
            nectar::lifetime_and_uses(None, Some(Some(3))),
            (Some(None), Some(Some(3)))
        );
        assert_eq!(nectar::direction(None, true), Some(Direction::Source));
        assert_eq!(nectar::direction(None, false), None);
    }
}
