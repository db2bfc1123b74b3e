//! The vendors' own request rules, which the compatible endpoints apply before the native
//! invitation rules: what Kondado, Kombo and Nectar accept and what they assume when a field is
//! left out. Errors use Portico's field names; the adapters rename them.

use super::FieldError;
use super::connector::Direction;
use super::invitation::EndUser;

/// Kondado's guest invitations.
pub mod kondado {
    use super::*;

    /// `client_id` (a string or an integer) names the key's own account `number`; anything else
    /// is another account's and refused.
    pub fn is_own_account(client_id: Option<i64>, text: Option<&str>, number: i64) -> bool {
        client_id.or_else(|| text.and_then(|s| s.trim().parse().ok())) == Some(number)
    }

    /// Who the link is emailed to: `recipient_email` as the invitation's end user, not as an
    /// allowed address. Kondado lets the caller put a placeholder there and hand the link out
    /// itself, so the link alone must open the form.
    pub fn recipient(recipient_email: String) -> EndUser {
        EndUser {
            email: Some(recipient_email.trim().to_string()),
            ..EndUser::default()
        }
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

    /// The categories Kombo links offer (its SDK's enum). The only built-in LMS tool is the
    /// sandbox; a connector directory may add real ones.
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
    use serde_json::{Map, Value};

    /// The datasource of a create request that names none: the built-in utility portal
    /// connector, whose fields are the ones Nectar's `prefill` object fills.
    pub const DEFAULT_DATASOURCE: &str = "utility_portal";

    /// Each key of Nectar's `prefill` object, the utility portal field it fills, and whether
    /// Nectar sends it as a list (kept in the field as text joined with [`LIST_SEPARATOR`]).
    const PREFILL: [(&str, &str, bool); 6] = [
        ("url", "url", false),
        ("initialSites", "initial_sites", true),
        ("utilityTypes", "utility_types", true),
        ("country", "country", false),
        ("connectionOwnerEmail", "connection_owner_email", false),
        (
            "dataCollectionStartDate",
            "data_collection_start_date",
            false,
        ),
    ];

    /// How a list is written into one text field, so the guest sees and edits it as one input.
    pub const LIST_SEPARATOR: &str = ", ";

    /// The utility portal field a Nectar prefill key fills, as Portico names it, and back:
    /// pairs for renaming field errors into Nectar's words.
    pub fn prefill_renames() -> impl Iterator<Item = (String, String)> {
        PREFILL
            .iter()
            .map(|(theirs, ours, _)| (format!("prefill.{ours}"), format!("prefill.{theirs}")))
    }

    /// Nectar's `prefill` object as the utility portal's field values. Lists become one text
    /// joined with ", "; their items must be non-empty text without commas or white space, so
    /// [`prefill_from_fields`] gives back exactly what was sent. `null` stays `null`. A key
    /// Nectar does not define is refused (errors use Nectar's key names).
    pub fn prefill_fields(
        prefill: &Map<String, Value>,
    ) -> Result<Map<String, Value>, Vec<FieldError>> {
        let mut fields = Map::new();
        let mut errors = Vec::new();
        for (key, value) in prefill {
            let Some((_, field, list)) = PREFILL.iter().find(|(theirs, _, _)| theirs == key) else {
                errors.push(FieldError::new(
                    format!("prefill.{key}"),
                    format!(
                        "is not a prefill field; use {}",
                        PREFILL.map(|(theirs, _, _)| theirs).join(", ")
                    ),
                ));
                continue;
            };
            let value = match (value, list) {
                (Value::Null, _) => Some(Value::Null),
                (Value::String(_), false) => Some(value.clone()),
                (_, false) => {
                    errors.push(FieldError::new(format!("prefill.{key}"), "must be text"));
                    None
                }
                (Value::Array(items), true) => {
                    let mut texts = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        match item.as_str() {
                            Some(text)
                                if !text.is_empty()
                                    && !text.contains(',')
                                    && !text.chars().any(char::is_whitespace) =>
                            {
                                texts.push(text)
                            }
                            _ => errors.push(FieldError::new(
                                format!("prefill.{key}[{i}]"),
                                "must be text without commas or spaces",
                            )),
                        }
                    }
                    Some(Value::String(texts.join(LIST_SEPARATOR)))
                }
                (_, true) => {
                    errors.push(FieldError::new(
                        format!("prefill.{key}"),
                        "must be a list of text",
                    ));
                    None
                }
            };
            if let Some(value) = value {
                fields.insert(field.to_string(), value);
            }
        }
        if errors.is_empty() {
            Ok(fields)
        } else {
            Err(errors)
        }
    }

    /// The utility portal's prefilled field values as Nectar's `prefill` object: the inverse of
    /// [`prefill_fields`]. A field Nectar's object has no key for keeps its own name.
    pub fn prefill_from_fields(fields: &Map<String, Value>) -> Map<String, Value> {
        fields
            .iter()
            .map(
                |(key, value)| match PREFILL.iter().find(|(_, ours, _)| ours == key) {
                    Some((theirs, _, true)) => {
                        let items = match value {
                            Value::String(text) => Value::Array(
                                text.split(',')
                                    .map(str::trim)
                                    .filter(|item| !item.is_empty())
                                    .map(|item| Value::String(item.to_string()))
                                    .collect(),
                            ),
                            other => other.clone(),
                        };
                        (theirs.to_string(), items)
                    }
                    Some((theirs, _, false)) => (theirs.to_string(), value.clone()),
                    None => (key.clone(), value.clone()),
                },
            )
            .collect()
    }

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
    fn kondado_recipient_is_the_end_user_and_no_restriction() {
        let end_user = kondado::recipient(" julia-pizzol@kondado.ai ".into());
        assert_eq!(end_user.email.as_deref(), Some("julia-pizzol@kondado.ai"));
        assert_eq!(end_user.origin_id, None);
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
            oauth2: None,
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

    #[test]
    fn nectar_prefill_maps_onto_the_utility_portal_and_back_unchanged() {
        let seed = serde_json::json!({
            "url": "<string>",
            "initialSites": ["3c90c3cc-0d44-4b50-8888-8dd25736052a"],
            "utilityTypes": ["ELECTRICITY", "NATURAL_GAS"],
            "country": "AF",
            "connectionOwnerEmail": "[email protected]",
            "dataCollectionStartDate": "2023-12-25"
        });
        let seed = seed.as_object().unwrap();
        let fields = nectar::prefill_fields(seed).unwrap();
        assert_eq!(fields["utility_types"], "ELECTRICITY, NATURAL_GAS");
        assert_eq!(
            fields["initial_sites"],
            "3c90c3cc-0d44-4b50-8888-8dd25736052a"
        );
        assert_eq!(fields["connection_owner_email"], "[email protected]");
        assert_eq!(&nectar::prefill_from_fields(&fields), seed);

        let empty = serde_json::json!({"initialSites": [], "url": null});
        let empty = empty.as_object().unwrap();
        assert_eq!(
            &nectar::prefill_from_fields(&nectar::prefill_fields(empty).unwrap()),
            empty
        );
    }

    #[test]
    fn nectar_prefill_refuses_what_would_not_come_back_as_sent() {
        let bad = serde_json::json!({
            "host": "x",
            "url": 7,
            "initialSites": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
            "utilityTypes": ["ELECTRICITY", "WATER, GAS", "", 3]
        });
        let errors = nectar::prefill_fields(bad.as_object().unwrap()).unwrap_err();
        let mut fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        fields.sort();
        assert_eq!(
            fields,
            [
                "prefill.host",
                "prefill.initialSites",
                "prefill.url",
                "prefill.utilityTypes[1]",
                "prefill.utilityTypes[2]",
                "prefill.utilityTypes[3]"
            ]
        );
    }
}
