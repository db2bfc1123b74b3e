//! The connector spec's types as its data files and the API write them: directions, fields,
//! checks, and the lookups every caller needs.

use crate::domain::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Whether a connection reads from (`source`) or writes to (`destination`) the connected system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Source,
    Destination,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Source => "source",
            Direction::Destination => "destination",
        }
    }

    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "source" => Some(Direction::Source),
            "destination" => Some(Direction::Destination),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    String,
    Integer,
    Boolean,
    Enum,
}

/// One input of a connector's form.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub key: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(default)]
    pub required: bool,
    /// Secret fields are stored encrypted and never returned except through `/credentials`.
    #[serde(default)]
    pub secret: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<serde_json::Value>)]
    pub default: Option<serde_json::Value>,
    /// A regular expression the whole string value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub pattern: Option<Pattern>,
    /// Bounds: the value for integers, the length in characters for strings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// The allowed values of an `enum` field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Label per language code; `en` is required.
    pub label: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub help: BTreeMap<String, String>,
}

/// A field's `pattern` as written, compiled once when the spec is read and anchored so it must
/// match the whole value. One that does not compile keeps its error: the spec lint reports it and
/// validation refuses values rather than pass them unchecked.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    compiled: Result<regex::Regex, regex::Error>,
}

impl Pattern {
    pub fn new(source: impl Into<String>) -> Pattern {
        let source = source.into();
        let compiled = regex::Regex::new(&format!(r"\A(?:{source})\z"));
        Pattern { source, compiled }
    }

    /// The expression as the spec writes it.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The anchored expression, or why it does not compile.
    pub fn regex(&self) -> Result<&regex::Regex, &regex::Error> {
        self.compiled.as_ref()
    }
}

impl From<&str> for Pattern {
    fn from(source: &str) -> Pattern {
        Pattern::new(source)
    }
}

impl Serialize for Pattern {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Pattern, D::Error> {
        String::deserialize(deserializer).map(Pattern::new)
    }
}

/// How Portico proves that submitted credentials work.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CheckSpec {
    /// No check: any well-formed config is accepted.
    None,
    /// Kombo's test tool: every `api_key` works except the literal `invalid`.
    Sandbox,
    /// A real login to the PostgreSQL server the fields name (`host`, `port`, `database`, `user`,
    /// `password`, `ssl_mode`).
    Postgres,
    /// A real login to the MySQL/MariaDB server the fields name (same keys as `postgres`).
    Mysql,
    /// A templated HTTP request; `{field_key}` in `url`, header values and basic-auth parts is
    /// replaced by the field's value. The `url` usually starts with `{base_url}`, a field whose
    /// default is the vendor's API, so it can be pointed at a test server.
    Http(HttpCheck),
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpCheck {
    #[serde(default = "default_method")]
    pub method: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic_auth: Option<BasicAuth>,
    /// Status codes that mean the credentials work; default `[200]`.
    #[serde(default = "default_expect")]
    pub expect_status: Vec<u16>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    pub username: String,
    #[serde(default)]
    pub password: String,
}

fn default_method() -> String {
    "GET".into()
}

fn default_expect() -> Vec<u16> {
    vec![200]
}

/// How the client authenticates at the token endpoint (RFC 6749, section 2.3.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenAuth {
    /// HTTP Basic with the client id and secret.
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
}

/// A connector whose guest signs in at the vendor: OAuth 2 authorization code with PKCE (S256).
/// URLs may use `{field}` for the connector's non-secret fields (a tenant, a subdomain), filled
/// from the guest's form before the redirect. Left out, the URLs come from the account's OAuth
/// app (the generic `oauth2` connector).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OAuth2Spec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorize_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    /// Where a token is revoked (RFC 7009) when its connection is deleted, if the vendor has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_url: Option<String>,
    /// The scopes asked for unless the account's app names its own.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Proof Key for Code Exchange, S256. On unless the vendor refuses it.
    #[serde(default = "yes")]
    pub pkce: bool,
    #[serde(default)]
    pub token_auth: TokenAuth,
    /// Extra query parameters of the authorization request (`access_type = "offline"`,
    /// `prompt = "consent"`); the protocol's own parameters cannot be set here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub authorize_params: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

/// A connector: id (slug), stable number, name, categories, directions, fields and check.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectorSpec {
    pub id: String,
    pub number: i64,
    pub name: String,
    /// Upper-case categories such as `HRIS`, `ATS`, `ASSESSMENT`, `DATABASE`.
    pub categories: Vec<String>,
    pub directions: Vec<Direction>,
    pub fields: Vec<FieldSpec>,
    pub check: CheckSpec,
    /// Set when the guest connects by signing in at the vendor rather than by typing credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2: Option<OAuth2Spec>,
}

impl ConnectorSpec {
    /// The direction asked for, if this connector has it; the only one when none is asked for
    /// and there is just one.
    pub fn resolve_direction(&self, asked: Option<Direction>) -> Result<Direction, FieldError> {
        match (asked, self.directions.as_slice()) {
            (Some(d), dirs) if dirs.contains(&d) => Ok(d),
            (Some(d), _) => Err(FieldError::new(
                "direction",
                format!("this connector cannot be a {}", d.as_str()),
            )),
            (None, [only]) => Ok(*only),
            (None, _) => Err(FieldError::new(
                "direction",
                "is required: this connector can be a source or a destination",
            )),
        }
    }

    pub fn field(&self, key: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn has_direction(&self, direction: Direction) -> bool {
        self.directions.contains(&direction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::connector::fixtures::db_spec;

    #[test]
    fn field_and_has_direction_look_up_the_spec() {
        let spec = db_spec();
        assert_eq!(spec.field("port").map(|f| f.kind), Some(FieldType::Integer));
        assert!(spec.field("nope").is_none());
        assert!(spec.has_direction(Direction::Destination));
        let source_only = ConnectorSpec {
            directions: vec![Direction::Source],
            ..db_spec()
        };
        assert!(!source_only.has_direction(Direction::Destination));
    }

    #[test]
    fn a_spec_deserializes_from_toml_with_either_check_form() {
        let inline = r#"
            id = "demo"
            number = 7
            name = "Demo"
            categories = ["HRIS"]
            directions = ["source"]
            check = { kind = "sandbox" }
            [[fields]]
            key = "api_key"
            type = "string"
            required = true
            secret = true
            label = { en = "API key" }
        "#;
        let spec: ConnectorSpec = toml::from_str(inline).expect("parses");
        assert!(matches!(spec.check, CheckSpec::Sandbox));
        assert!(spec.spec_errors().is_empty());

        let table = r#"
            id = "demo"
            number = 7
            name = "Demo"
            categories = ["HRIS"]
            directions = ["source"]
            fields = []
            [check]
            kind = "http"
            url = "https://example.com/me"
            expect_status = [200, 204]
        "#;
        let spec: ConnectorSpec = toml::from_str(table).expect("parses");
        let CheckSpec::Http(http) = &spec.check else {
            panic!("http check expected");
        };
        assert_eq!(http.method, "GET");
        assert_eq!(http.expect_status, [200, 204]);
    }

    #[test]
    fn a_pattern_is_compiled_when_read_and_written_back_as_given() {
        let field: FieldSpec = toml::from_str(
            r#"
            key = "host"
            type = "string"
            pattern = '[a-z]+'
            label = { en = "Host" }
        "#,
        )
        .expect("parses");
        let pattern = field.pattern.as_ref().expect("a pattern");
        let regex = pattern.regex().expect("compiles");
        assert!(regex.is_match("abc") && !regex.is_match("abc1"));
        assert_eq!(
            serde_json::to_value(&field).expect("serializes")["pattern"],
            "[a-z]+"
        );

        let broken = Pattern::new("([a-z");
        assert_eq!(broken.as_str(), "([a-z");
        assert!(broken.regex().is_err());
    }
}
