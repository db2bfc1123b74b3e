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

/// Kombo's connection links and integrations.
pub mod kombo {
    use super::*;
    use crate::domain::connection::{CheckStatus, Connection};
    use crate::domain::connector::ConnectorSpec;
    use chrono::{DateTime, Utc};
    use serde_json::{Map, Value};

    /// The categories Kombo links offer (its SDK's enum). The built-in catalog has no LMS tool:
    /// an `LMS` link is refused as a category no connector has, unless a connector directory
    /// adds one.
    pub const CATEGORIES: [&str; 4] = ["HRIS", "ATS", "ASSESSMENT", "LMS"];

    /// The category of a link when the request names none.
    pub const DEFAULT_CATEGORY: &str = "HRIS";

    /// An `EMBEDDED` link (Kombo's default, for its embedded flow) is valid for one hour.
    pub const EMBEDDED_SECONDS: i64 = 60 * 60;

    /// A `MAGIC_LINK`, sent to the customer by hand, is valid for one year.
    pub const MAGIC_LINK_SECONDS: i64 = 365 * 24 * 60 * 60;

    /// Where Kombo keeps the extras Portico stores but does not act on, in an invitation's
    /// `metadata`.
    pub const METADATA_KEY: &str = "kombo";

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
                "must be HRIS, ATS, ASSESSMENT or LMS",
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

    /// The lifetime in seconds of a link of `link_type`: `EMBEDDED` (the default) one hour,
    /// `MAGIC_LINK` one year.
    pub fn link_lifetime(link_type: Option<&str>) -> Result<i64, FieldError> {
        match link_type.unwrap_or("EMBEDDED") {
            "EMBEDDED" => Ok(EMBEDDED_SECONDS),
            "MAGIC_LINK" => Ok(MAGIC_LINK_SECONDS),
            _ => Err(FieldError::new(
                "link_type",
                "must be EMBEDDED or MAGIC_LINK",
            )),
        }
    }

    /// Kombo's state of an integration: `INACTIVE` when its owner disabled it, `INVALID` when
    /// its last check failed (the credentials stopped working), else `ACTIVE`.
    pub fn status(connection: &Connection) -> &'static str {
        if !connection.enabled {
            "INACTIVE"
        } else if connection
            .last_check
            .as_ref()
            .is_some_and(|c| c.status == CheckStatus::Failed)
        {
            "INVALID"
        } else {
            "ACTIVE"
        }
    }

    /// The Kombo category of a connection of `spec`: the category its invitation asked for when
    /// the connector has it, else the connector's first Kombo category; `None` when the
    /// connector has none (a `postgres` connection is no Kombo integration).
    pub fn integration_category(
        spec: &ConnectorSpec,
        invitation_category: Option<&str>,
    ) -> Option<&'static str> {
        let has = |c: &str| spec.categories.iter().any(|own| own == c);
        invitation_category
            .and_then(|asked| CATEGORIES.into_iter().find(|c| *c == asked && has(c)))
            .or_else(|| CATEGORIES.into_iter().find(|c| has(c)))
    }

    /// The `scope_config_id` a link was created with, kept in its `metadata`.
    pub fn scope_config_id(metadata: &Map<String, Value>) -> Option<&str> {
        metadata.get(METADATA_KEY)?.get("scope_config_id")?.as_str()
    }

    /// A connection as Kombo's `GET /integrations/{id}` describes it.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Integration {
        pub id: uuid::Uuid,
        pub tool: String,
        pub tool_label: String,
        pub category: &'static str,
        pub status: &'static str,
        /// The end user's organization, else the connection's name (Kombo requires one).
        pub organization_name: String,
        pub creator_email: Option<String>,
        pub origin_id: Option<String>,
        pub scope_config_id: Option<String>,
        pub created_at: DateTime<Utc>,
    }

    impl Integration {
        /// `connection` of `spec`, created through an invitation of `invitation_category` and
        /// `invitation_metadata` (if any); `None` if its connector has no Kombo category.
        pub fn of(
            connection: &Connection,
            spec: &ConnectorSpec,
            invitation_category: Option<&str>,
            invitation_metadata: Option<&Map<String, Value>>,
        ) -> Option<Integration> {
            Some(Integration {
                id: connection.id,
                tool: connection.connector.clone(),
                tool_label: spec.name.clone(),
                category: integration_category(spec, invitation_category)?,
                status: status(connection),
                organization_name: connection
                    .end_user
                    .organization_name
                    .clone()
                    .unwrap_or_else(|| connection.name.clone()),
                creator_email: connection.end_user.email.clone(),
                origin_id: connection.end_user.origin_id.clone(),
                scope_config_id: invitation_metadata
                    .and_then(scope_config_id)
                    .map(str::to_string),
                created_at: connection.created_at,
            })
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
    fn kombo_links_default_to_hris_and_know_four_categories() {
        assert_eq!(kombo::link_category(None, None, None).unwrap(), "HRIS");
        assert_eq!(
            kombo::link_category(Some("ATS"), None, None).unwrap(),
            "ATS"
        );
        assert_eq!(
            kombo::link_category(Some("LMS"), None, None).unwrap(),
            "LMS"
        );
        let errors = kombo::link_category(Some("DATABASE"), None, Some("sandbox")).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["category", "remote_environment"]);
        assert!(kombo::link_category(None, Some("personio"), Some("sandbox")).is_ok());
    }

    #[test]
    fn kombo_embedded_links_last_an_hour_and_magic_links_a_year() {
        assert_eq!(kombo::link_lifetime(None), Ok(3600));
        assert_eq!(kombo::link_lifetime(Some("EMBEDDED")), Ok(3600));
        assert_eq!(kombo::link_lifetime(Some("MAGIC_LINK")), Ok(31_536_000));
        assert_eq!(
            kombo::link_lifetime(Some("magic_link")).unwrap_err().field,
            "link_type"
        );
    }

    fn spec(categories: &[&str]) -> crate::domain::connector::ConnectorSpec {
        crate::domain::connector::ConnectorSpec {
            id: "tool".into(),
            number: 1,
            name: "Tool".into(),
            categories: categories.iter().map(|c| c.to_string()).collect(),
            directions: vec![Direction::Source],
            fields: vec![],
            check: crate::domain::connector::CheckSpec::None,
        }
    }

    #[test]
    fn a_kombo_integration_has_the_category_its_link_asked_for_when_the_tool_has_it() {
        let both = spec(&["HRIS", "ATS"]);
        assert_eq!(kombo::integration_category(&both, Some("ATS")), Some("ATS"));
        assert_eq!(
            kombo::integration_category(&both, Some("LMS")),
            Some("HRIS")
        );
        assert_eq!(kombo::integration_category(&both, None), Some("HRIS"));
        assert_eq!(
            kombo::integration_category(&spec(&["DATABASE"]), None),
            None
        );
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
