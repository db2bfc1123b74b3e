//! Connector specs: the declarative description of a kind of source or destination, its fields
//! and its check. Loaded from data files by `catalog`; validation of a config lives here.

use super::FieldError;
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
    pub pattern: Option<String>,
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
}

/// A config that passed validation against its connector, split into the plain part (stored as
/// JSON) and the secret part (stored encrypted).
#[derive(Debug, Clone, Default)]
pub struct ValidatedConfig {
    pub plain: serde_json::Map<String, serde_json::Value>,
    pub secrets: BTreeMap<String, crate::secret::Secret<String>>,
}

impl ValidatedConfig {
    /// A text value by key: a plain string or a secret, `None` when absent or not a string.
    pub fn str(&self, key: &str) -> Option<&str> {
        match self.plain.get(key) {
            Some(serde_json::Value::String(s)) => Some(s),
            Some(_) => None,
            None => self.secrets.get(key).map(|s| s.expose().as_str()),
        }
    }

    /// An integer value by key.
    pub fn int(&self, key: &str) -> Option<i64> {
        self.plain.get(key).and_then(serde_json::Value::as_i64)
    }

    /// A value as the text a template substitutes: strings as they are, numbers and booleans
    /// written out, secrets exposed.
    pub fn text(&self, key: &str) -> Option<String> {
        match self.plain.get(key) {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Null) | None => {
                self.secrets.get(key).map(|s| s.expose().clone())
            }
            Some(other) => Some(other.to_string()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Validation of a submitted config against the spec.
// ---------------------------------------------------------------------------------------------

/// What is wrong with one submitted value. `Display` gives the English message; `code` a stable
/// key for translations. Neither ever contains the submitted value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldProblem {
    Unknown,
    Required,
    NotText,
    NotInteger,
    NotBoolean,
    NotAnOption {
        options: Vec<String>,
    },
    ContainsNul,
    PatternMismatch,
    Length {
        min: Option<i64>,
        max: Option<i64>,
    },
    Range {
        min: Option<i64>,
        max: Option<i64>,
    },
    /// The spec itself is broken (a pattern that does not compile); `spec_errors` reports it.
    BrokenSpec,
}

impl FieldProblem {
    pub fn code(&self) -> &'static str {
        match self {
            FieldProblem::Unknown => "unknown",
            FieldProblem::Required => "required",
            FieldProblem::NotText => "not_text",
            FieldProblem::NotInteger => "not_integer",
            FieldProblem::NotBoolean => "not_boolean",
            FieldProblem::NotAnOption { .. } => "not_an_option",
            FieldProblem::ContainsNul => "contains_nul",
            FieldProblem::PatternMismatch => "pattern_mismatch",
            FieldProblem::Length { .. } => "length",
            FieldProblem::Range { .. } => "range",
            FieldProblem::BrokenSpec => "broken_spec",
        }
    }
}

impl std::fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn chars(n: i64) -> &'static str {
            if n == 1 { "character" } else { "characters" }
        }
        match self {
            FieldProblem::Unknown => f.write_str("is not a field of this connector"),
            FieldProblem::Required => f.write_str("is required"),
            FieldProblem::NotText => f.write_str("must be text"),
            FieldProblem::NotInteger => f.write_str("must be a whole number"),
            FieldProblem::NotBoolean => f.write_str("must be true or false"),
            FieldProblem::NotAnOption { options } => {
                write!(f, "must be one of: {}", options.join(", "))
            }
            FieldProblem::ContainsNul => f.write_str("must not contain NUL characters"),
            FieldProblem::PatternMismatch => f.write_str("has an invalid format"),
            FieldProblem::Length { min, max } => match (min, max) {
                (Some(a), Some(b)) => write!(f, "must be between {a} and {b} {} long", chars(*b)),
                (Some(a), None) => write!(f, "must be at least {a} {} long", chars(*a)),
                (None, Some(b)) => write!(f, "must be at most {b} {} long", chars(*b)),
                (None, None) => f.write_str("has an invalid length"),
            },
            FieldProblem::Range { min, max } => match (min, max) {
                (Some(a), Some(b)) => write!(f, "must be between {a} and {b}"),
                (Some(a), None) => write!(f, "must be at least {a}"),
                (None, Some(b)) => write!(f, "must be at most {b}"),
                (None, None) => f.write_str("is out of range"),
            },
            FieldProblem::BrokenSpec => {
                f.write_str("cannot be checked: the connector's definition is invalid")
            }
        }
    }
}

/// One problem with one field of a submitted config; `field` is the bare field key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub field: String,
    pub problem: FieldProblem,
}

impl From<ConfigProblem> for FieldError {
    fn from(p: ConfigProblem) -> Self {
        FieldError::new(p.field, p.problem.to_string())
    }
}

impl FieldSpec {
    /// Checks one present, non-null value against this field's type and rules and returns it as
    /// it will be stored. An empty string is not "present": callers treat it as absent.
    pub fn check_value(
        &self,
        value: &serde_json::Value,
    ) -> Result<serde_json::Value, FieldProblem> {
        use serde_json::Value;
        match self.kind {
            FieldType::String => {
                let Value::String(s) = value else {
                    return Err(FieldProblem::NotText);
                };
                if s.contains('\0') {
                    return Err(FieldProblem::ContainsNul);
                }
                let len = i64::try_from(s.chars().count()).unwrap_or(i64::MAX);
                if self.min.is_some_and(|min| len < min) || self.max.is_some_and(|max| len > max) {
                    return Err(FieldProblem::Length {
                        min: self.min,
                        max: self.max,
                    });
                }
                if let Some(pattern) = &self.pattern {
                    let re = whole_match_regex(pattern).map_err(|_| FieldProblem::BrokenSpec)?;
                    if !re.is_match(s) {
                        return Err(FieldProblem::PatternMismatch);
                    }
                }
                Ok(value.clone())
            }
            FieldType::Integer => {
                let Some(n) = value.as_i64() else {
                    // A JSON number too large for i64 is an integer out of any sane range.
                    return Err(match value {
                        Value::Number(n) if n.is_u64() => FieldProblem::Range {
                            min: self.min,
                            max: self.max.or(Some(i64::MAX)),
                        },
                        _ => FieldProblem::NotInteger,
                    });
                };
                if self.min.is_some_and(|min| n < min) || self.max.is_some_and(|max| n > max) {
                    return Err(FieldProblem::Range {
                        min: self.min,
                        max: self.max,
                    });
                }
                Ok(value.clone())
            }
            FieldType::Boolean => match value {
                Value::Bool(_) => Ok(value.clone()),
                _ => Err(FieldProblem::NotBoolean),
            },
            FieldType::Enum => match value {
                Value::String(s) if self.options.iter().any(|o| o == s) => Ok(value.clone()),
                _ => Err(FieldProblem::NotAnOption {
                    options: self.options.clone(),
                }),
            },
        }
    }
}

/// `pattern` anchored so it must match the whole value.
fn whole_match_regex(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::Regex::new(&format!(r"\A(?:{pattern})\z"))
}

/// A value that counts as not given: absent, `null`, or the empty string (what an HTML form sends
/// for an untouched input).
fn is_blank(value: Option<&serde_json::Value>) -> bool {
    match value {
        None | Some(serde_json::Value::Null) => true,
        Some(serde_json::Value::String(s)) => s.is_empty(),
        Some(_) => false,
    }
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

    /// Validates a submitted config: applies defaults, then reports every problem at once, one
    /// [`FieldError`] per field, `field` being the bare key (callers add `config.`).
    pub fn validate(
        &self,
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<ValidatedConfig, Vec<FieldError>> {
        self.validate_detailed(config)
            .map_err(|problems| problems.into_iter().map(FieldError::from).collect())
    }

    /// Like [`ConnectorSpec::validate`], with the problems as data so pages can translate them.
    ///
    /// Absent, `null` and empty-string values are "not given": the default applies if there is
    /// one, else a required field is reported and an optional one is left out.
    pub fn validate_detailed(
        &self,
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<ValidatedConfig, Vec<ConfigProblem>> {
        let mut problems = Vec::new();
        let mut validated = ValidatedConfig::default();

        for field in &self.fields {
            let given = config.get(&field.key);
            let value = if is_blank(given) {
                match &field.default {
                    Some(default) => default,
                    None if field.required => {
                        problems.push(ConfigProblem {
                            field: field.key.clone(),
                            problem: FieldProblem::Required,
                        });
                        continue;
                    }
                    None => continue,
                }
            } else {
                given.expect("not blank, so present")
            };
            match field.check_value(value) {
                Ok(serde_json::Value::String(s)) if field.secret => {
                    validated.secrets.insert(field.key.clone(), s.into());
                }
                // `spec_errors` rejects non-string secrets; refuse rather than store one in plain.
                Ok(_) if field.secret => problems.push(ConfigProblem {
                    field: field.key.clone(),
                    problem: FieldProblem::BrokenSpec,
                }),
                Ok(v) => {
                    validated.plain.insert(field.key.clone(), v);
                }
                Err(problem) => problems.push(ConfigProblem {
                    field: field.key.clone(),
                    problem,
                }),
            }
        }

        for key in config.keys() {
            if self.field(key).is_none() {
                problems.push(ConfigProblem {
                    field: key.clone(),
                    problem: FieldProblem::Unknown,
                });
            }
        }

        if problems.is_empty() {
            Ok(validated)
        } else {
            Err(problems)
        }
    }

    /// Everything that makes this spec unusable, in English, for the catalog loader to report
    /// with the file name. Empty means the spec is consistent.
    pub fn spec_errors(&self) -> Vec<String> {
        let mut errors = Vec::new();

        if !is_slug(&self.id) {
            errors.push(format!(
                "id `{}` must be a lowercase slug (a-z, 0-9, `-` or `_` between them)",
                self.id
            ));
        }
        if self.number <= 0 {
            errors.push(format!("number must be positive, not {}", self.number));
        }
        if self.name.trim().is_empty() {
            errors.push("name must not be empty".into());
        }
        if self.categories.is_empty() {
            errors.push("categories must list at least one category".into());
        }
        for category in &self.categories {
            if !is_category(category) {
                errors.push(format!(
                    "category `{category}` must be upper case (A-Z, 0-9, `_`), like `HRIS`"
                ));
            }
        }
        if self.directions.is_empty() {
            errors.push("directions must list `source`, `destination` or both".into());
        }
        for (i, d) in self.directions.iter().enumerate() {
            if self.directions[..i].contains(d) {
                errors.push(format!("direction `{}` is listed twice", d.as_str()));
            }
        }

        for (i, field) in self.fields.iter().enumerate() {
            if self.fields[..i].iter().any(|f| f.key == field.key) {
                errors.push(format!("field key `{}` is used twice", field.key));
            }
            errors.extend(
                field
                    .spec_errors()
                    .into_iter()
                    .map(|e| format!("field `{}`: {e}", field.key)),
            );
        }

        errors.extend(self.check_spec_errors());
        errors
    }

    fn check_spec_errors(&self) -> Vec<String> {
        let mut errors = Vec::new();
        let kind = match &self.check {
            CheckSpec::None => return errors,
            CheckSpec::Sandbox => "sandbox",
            CheckSpec::Postgres => "postgres",
            CheckSpec::Mysql => "mysql",
            CheckSpec::Http(_) => "http",
        };
        let require =
            |errors: &mut Vec<String>, key: &str, kind_of: FieldType| match self.field(key) {
                None => errors.push(format!("the `{kind}` check needs a field `{key}`")),
                Some(f) if f.kind != kind_of => errors.push(format!(
                    "the `{kind}` check needs field `{key}` to be of type {}",
                    type_name(kind_of)
                )),
                Some(_) => {}
            };
        match &self.check {
            CheckSpec::None => {}
            CheckSpec::Sandbox => require(&mut errors, "api_key", FieldType::String),
            CheckSpec::Postgres | CheckSpec::Mysql => {
                for key in ["host", "database", "user", "password"] {
                    require(&mut errors, key, FieldType::String);
                }
                require(&mut errors, "port", FieldType::Integer);
                let known = if matches!(self.check, CheckSpec::Postgres) {
                    POSTGRES_SSL_MODES
                } else {
                    MYSQL_SSL_MODES
                };
                if let Some(ssl) = self.field("ssl_mode") {
                    if ssl.kind != FieldType::Enum {
                        errors.push(format!("the `{kind}` check needs `ssl_mode` to be an enum"));
                    }
                    for option in ssl.options.iter().filter(|o| !known.contains(&o.as_str())) {
                        errors.push(format!(
                            "the `{kind}` check does not know ssl_mode `{option}` (known: {})",
                            known.join(", ")
                        ));
                    }
                }
            }
            CheckSpec::Http(http) => {
                if !http.method.chars().all(|c| c.is_ascii_uppercase()) || http.method.is_empty() {
                    errors.push(format!(
                        "http check method `{}` must be an upper-case HTTP method",
                        http.method
                    ));
                }
                if http.expect_status.is_empty() {
                    errors.push("http check expect_status must not be empty".into());
                }
                for status in &http.expect_status {
                    if !(100..=599).contains(status) {
                        errors.push(format!(
                            "http check expect_status {status} is not an HTTP status"
                        ));
                    }
                }
                let mut templates = vec![("url".to_string(), http.url.as_str())];
                for (name, value) in &http.headers {
                    if name.is_empty() || !name.bytes().all(is_header_name_byte) {
                        errors.push(format!("http check header name `{name}` is not valid"));
                    }
                    templates.push((format!("header `{name}`"), value));
                }
                if let Some(auth) = &http.basic_auth {
                    templates.push(("basic_auth.username".into(), &auth.username));
                    templates.push(("basic_auth.password".into(), &auth.password));
                }
                for (place, template) in templates {
                    match placeholders(template) {
                        Err(e) => errors.push(format!("http check {place}: {e}")),
                        Ok(keys) => {
                            for key in keys.into_iter().filter(|k| self.field(k).is_none()) {
                                errors.push(format!(
                                    "http check {place} uses `{{{key}}}`, which is not a field"
                                ));
                            }
                        }
                    }
                }
                let starts_ok = http.url.starts_with('{')
                    || http.url.starts_with("https://")
                    || http.url.starts_with("http://");
                if !starts_ok {
                    errors.push("http check url must start with http(s):// or a `{field}`".into());
                }
            }
        }
        errors
    }
}

/// The `ssl_mode` values the checks know, named as libpq and the MySQL client name them.
pub const POSTGRES_SSL_MODES: &[&str] = &[
    "disable",
    "allow",
    "prefer",
    "require",
    "verify-ca",
    "verify-full",
];
pub const MYSQL_SSL_MODES: &[&str] = &[
    "disabled",
    "preferred",
    "required",
    "verify_ca",
    "verify_identity",
];

impl FieldSpec {
    fn spec_errors(&self) -> Vec<String> {
        let mut errors = Vec::new();
        if !is_field_key(&self.key) {
            errors.push("key must be lower case (a-z, 0-9, `_`), starting with a letter".into());
        }
        if self.label.get("en").is_none_or(|l| l.trim().is_empty()) {
            errors.push("label.en is required".into());
        }
        for lang in self.label.keys().chain(self.help.keys()) {
            if !super::LANGUAGES.contains(&lang.as_str()) {
                errors.push(format!(
                    "language `{lang}` is not one of {}",
                    super::LANGUAGES.join(", ")
                ));
            }
        }
        if self.secret && self.kind != FieldType::String {
            errors.push("a secret field must be of type string".into());
        }
        if self.secret && self.default.is_some() {
            errors.push("a secret field cannot have a default".into());
        }
        match self.kind {
            FieldType::Enum => {
                if self.options.is_empty() {
                    errors.push("an enum field needs options".into());
                }
                for (i, o) in self.options.iter().enumerate() {
                    if self.options[..i].contains(o) {
                        errors.push(format!("option `{o}` is listed twice"));
                    }
                }
            }
            _ if !self.options.is_empty() => {
                errors.push("only enum fields have options".into());
            }
            _ => {}
        }
        if let Some(pattern) = &self.pattern {
            if self.kind != FieldType::String {
                errors.push("only string fields have a pattern".into());
            } else if let Err(e) = whole_match_regex(pattern) {
                errors.push(format!("pattern does not compile: {e}"));
            }
        }
        if self.min.is_some() || self.max.is_some() {
            if !matches!(self.kind, FieldType::String | FieldType::Integer) {
                errors.push("only string and integer fields have min and max".into());
            }
            if let (Some(min), Some(max)) = (self.min, self.max)
                && min > max
            {
                errors.push(format!("min {min} is greater than max {max}"));
            }
            if self.kind == FieldType::String && self.min.is_some_and(|m| m < 0) {
                errors.push("a string's min length cannot be negative".into());
            }
        }
        if let Some(default) = &self.default {
            // A default must itself be a valid value, else every form would fail on it.
            let blank = is_blank(Some(default));
            match self.check_value(default) {
                _ if blank => errors.push("default must not be null or empty".into()),
                Err(FieldProblem::BrokenSpec) => {} // reported above
                Err(FieldProblem::NotAnOption { .. }) => {
                    errors.push("default is not one of the options".into())
                }
                Err(problem) => errors.push(format!("default {problem}")),
                Ok(_) => {}
            }
        }
        errors
    }
}

/// The field keys a template names as `{key}`, in order. Braces are only for placeholders.
pub fn placeholders(template: &str) -> Result<Vec<&str>, String> {
    let mut keys = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err("has a `}` without a `{`".into());
        }
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err("has a `{` without a `}`".into());
        };
        let key = &after[..close];
        if !is_field_key(key) {
            return Err(format!("has an invalid placeholder `{{{key}}}`"));
        }
        keys.push(key);
        rest = &after[close + 1..];
    }
    Ok(keys)
}

fn type_name(kind: FieldType) -> &'static str {
    match kind {
        FieldType::String => "string",
        FieldType::Integer => "integer",
        FieldType::Boolean => "boolean",
        FieldType::Enum => "enum",
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split(['-', '_']).all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn is_field_key(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn is_category(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// RFC 9110 `tchar`.
fn is_header_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value, json};

    fn field(key: &str, kind: FieldType) -> FieldSpec {
        FieldSpec {
            key: key.into(),
            kind,
            required: false,
            secret: false,
            default: None,
            pattern: None,
            min: None,
            max: None,
            options: vec![],
            label: BTreeMap::from([("en".into(), key.into())]),
            help: BTreeMap::new(),
        }
    }

    fn db_spec() -> ConnectorSpec {
        ConnectorSpec {
            id: "postgres".into(),
            number: 2,
            name: "PostgreSQL".into(),
            categories: vec!["DATABASE".into()],
            directions: vec![Direction::Source, Direction::Destination],
            fields: vec![
                FieldSpec {
                    required: true,
                    pattern: Some("[a-z0-9.-]+".into()),
                    max: Some(253),
                    ..field("host", FieldType::String)
                },
                FieldSpec {
                    required: true,
                    default: Some(json!(5432)),
                    min: Some(1),
                    max: Some(65535),
                    ..field("port", FieldType::Integer)
                },
                FieldSpec {
                    required: true,
                    ..field("database", FieldType::String)
                },
                FieldSpec {
                    required: true,
                    min: Some(2),
                    max: Some(5),
                    ..field("user", FieldType::String)
                },
                FieldSpec {
                    required: true,
                    secret: true,
                    ..field("password", FieldType::String)
                },
                FieldSpec {
                    options: vec!["disable".into(), "prefer".into(), "require".into()],
                    default: Some(json!("prefer")),
                    ..field("ssl_mode", FieldType::Enum)
                },
                field("read_only", FieldType::Boolean),
            ],
            check: CheckSpec::Postgres,
        }
    }

    fn config(v: Value) -> Map<String, Value> {
        v.as_object().expect("an object").clone()
    }

    fn good() -> Map<String, Value> {
        config(
            json!({"host": "db.example.com", "database": "app", "user": "bob", "password": "s3cret"}),
        )
    }

    fn errors_of(spec: &ConnectorSpec, c: Map<String, Value>) -> Vec<(String, String)> {
        let errors = spec.validate(&c).expect_err("should fail");
        errors.into_iter().map(|e| (e.field, e.message)).collect()
    }

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
    fn valid_config_applies_defaults_and_splits_secrets() {
        let v = db_spec().validate(&good()).expect("valid");
        assert_eq!(v.plain.get("port"), Some(&json!(5432)));
        assert_eq!(v.plain.get("ssl_mode"), Some(&json!("prefer")));
        assert_eq!(v.plain.get("host"), Some(&json!("db.example.com")));
        assert!(!v.plain.contains_key("password"));
        assert!(
            !v.plain.contains_key("read_only"),
            "optional without default is left out"
        );
        assert_eq!(
            v.secrets.get("password").map(|s| s.expose().as_str()),
            Some("s3cret")
        );
        assert_eq!(v.str("password"), Some("s3cret"));
        assert_eq!(v.int("port"), Some(5432));
        assert_eq!(v.text("port").as_deref(), Some("5432"));
    }

    #[test]
    fn given_values_win_over_defaults() {
        let mut c = good();
        c.insert("port".into(), json!(6543));
        c.insert("ssl_mode".into(), json!("require"));
        c.insert("read_only".into(), json!(true));
        let v = db_spec().validate(&c).expect("valid");
        assert_eq!(v.plain["port"], json!(6543));
        assert_eq!(v.plain["ssl_mode"], json!("require"));
        assert_eq!(v.plain["read_only"], json!(true));
    }

    #[test]
    fn every_problem_is_reported_at_once_one_per_field() {
        let c = config(json!({
            "host": "DB!",
            "port": "5432",
            "user": "a",
            "password": 12,
            "ssl_mode": "sometimes",
            "read_only": "yes",
            "colour": "blue",
        }));
        let errors = errors_of(&db_spec(), c);
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "host",
                "port",
                "database",
                "user",
                "password",
                "ssl_mode",
                "read_only",
                "colour"
            ]
        );
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let mut c = good();
        c.insert("colour".into(), json!("blue"));
        assert_eq!(
            errors_of(&db_spec(), c),
            [("colour".into(), "is not a field of this connector".into())]
        );
    }

    #[test]
    fn missing_null_and_empty_required_fields_are_required() {
        let mut c = good();
        c.remove("database");
        c.insert("user".into(), Value::Null);
        c.insert("password".into(), json!(""));
        assert_eq!(
            errors_of(&db_spec(), c),
            [
                ("database".into(), "is required".into()),
                ("user".into(), "is required".into()),
                ("password".into(), "is required".into()),
            ]
        );
    }

    #[test]
    fn an_empty_value_falls_back_to_the_default() {
        let mut c = good();
        c.insert("ssl_mode".into(), json!(""));
        let v = db_spec().validate(&c).expect("valid");
        assert_eq!(v.plain["ssl_mode"], json!("prefer"));
    }

    #[test]
    fn types_are_strict_json_types() {
        let spec = db_spec();
        for (key, value, message) in [
            ("port", json!("5432"), "must be a whole number"),
            ("port", json!(5432.5), "must be a whole number"),
            ("host", json!(5), "must be text"),
            ("read_only", json!("true"), "must be true or false"),
            (
                "ssl_mode",
                json!(1),
                "must be one of: disable, prefer, require",
            ),
        ] {
            let mut c = good();
            c.insert(key.into(), value);
            assert_eq!(errors_of(&spec, c), [(key.into(), message.into())], "{key}");
        }
    }

    #[test]
    fn pattern_must_match_the_whole_value() {
        let spec = db_spec();
        for host in ["db.example.com/x", "x DB", "évil"] {
            let mut c = good();
            c.insert("host".into(), json!(host));
            assert_eq!(
                errors_of(&spec, c),
                [("host".into(), "has an invalid format".into())],
                "{host}"
            );
        }
    }

    #[test]
    fn integer_bounds_are_inclusive() {
        let spec = db_spec();
        for (port, ok) in [
            (0, false),
            (1, true),
            (65535, true),
            (65536, false),
            (-1, false),
        ] {
            let mut c = good();
            c.insert("port".into(), json!(port));
            match spec.validate(&c) {
                Ok(_) => assert!(ok, "{port} should fail"),
                Err(e) => {
                    assert!(!ok, "{port} should pass");
                    assert_eq!(e[0].message, "must be between 1 and 65535");
                }
            }
        }
        let mut c = good();
        c.insert("port".into(), json!(u64::MAX));
        assert_eq!(errors_of(&spec, c)[0].1, "must be between 1 and 65535");
    }

    #[test]
    fn string_bounds_count_characters_not_bytes() {
        let spec = db_spec();
        let mut c = good();
        c.insert("user".into(), json!("éééé")); // 4 characters, 8 bytes
        assert!(spec.validate(&c).is_ok());
        c.insert("user".into(), json!("abcdef"));
        assert_eq!(
            errors_of(&spec, c.clone()),
            [(
                "user".into(),
                "must be between 2 and 5 characters long".into()
            )]
        );
        c.insert("user".into(), json!("a"));
        assert_eq!(
            errors_of(&spec, c)[0].1,
            "must be between 2 and 5 characters long"
        );
    }

    #[test]
    fn one_sided_bounds_read_naturally() {
        assert_eq!(
            FieldProblem::Length {
                min: Some(1),
                max: None
            }
            .to_string(),
            "must be at least 1 character long"
        );
        assert_eq!(
            FieldProblem::Length {
                min: None,
                max: Some(9)
            }
            .to_string(),
            "must be at most 9 characters long"
        );
        assert_eq!(
            FieldProblem::Range {
                min: Some(3),
                max: None
            }
            .to_string(),
            "must be at least 3"
        );
        assert_eq!(
            FieldProblem::Range {
                min: None,
                max: Some(3)
            }
            .to_string(),
            "must be at most 3"
        );
    }

    #[test]
    fn enum_values_must_be_an_option() {
        let mut c = good();
        c.insert("ssl_mode".into(), json!("PREFER"));
        assert_eq!(
            errors_of(&db_spec(), c),
            [(
                "ssl_mode".into(),
                "must be one of: disable, prefer, require".into()
            )]
        );
    }

    #[test]
    fn nul_characters_are_rejected() {
        let mut c = good();
        c.insert("password".into(), json!("pa\0ss"));
        c.insert("database".into(), json!("a\0"));
        assert_eq!(
            errors_of(&db_spec(), c),
            [
                ("database".into(), "must not contain NUL characters".into()),
                ("password".into(), "must not contain NUL characters".into()),
            ]
        );
    }

    #[test]
    fn messages_never_contain_the_submitted_value() {
        let spec = db_spec();
        let value = "Zq9-SECRET-VALUE\0";
        let c = config(json!({
            "host": value, "port": value, "database": value, "user": value,
            "password": value, "ssl_mode": value, "read_only": value, "colour": value,
        }));
        for e in spec.validate(&c).expect_err("invalid") {
            assert!(!e.message.contains("SECRET"), "{e:?}");
        }
    }

    #[test]
    fn problems_carry_stable_codes() {
        let c = config(json!({"port": "x", "colour": 1}));
        let problems = db_spec().validate_detailed(&c).expect_err("invalid");
        let codes: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.problem.code()))
            .collect();
        assert_eq!(
            codes,
            [
                ("host", "required"),
                ("port", "not_integer"),
                ("database", "required"),
                ("user", "required"),
                ("password", "required"),
                ("colour", "unknown"),
            ]
        );
    }

    // ---- spec_errors ----

    fn assert_spec_error(spec: ConnectorSpec, needle: &str) {
        let errors = spec.spec_errors();
        assert!(
            errors.iter().any(|e| e.contains(needle)),
            "expected an error containing {needle:?}, got {errors:?}"
        );
    }

    #[test]
    fn a_consistent_spec_has_no_errors() {
        assert_eq!(db_spec().spec_errors(), Vec::<String>::new());
    }

    #[test]
    fn id_must_be_a_lowercase_slug() {
        for id in ["Postgres", "", "pg sql", "-pg", "pg--sql", "pg_"] {
            assert_spec_error(
                ConnectorSpec {
                    id: id.into(),
                    ..db_spec()
                },
                "lowercase slug",
            );
        }
        for id in ["google_workspace", "sap-successfactors", "15five"] {
            let spec = ConnectorSpec {
                id: id.into(),
                ..db_spec()
            };
            assert!(spec.spec_errors().is_empty(), "{id}");
        }
    }

    #[test]
    fn number_must_be_positive() {
        assert_spec_error(
            ConnectorSpec {
                number: 0,
                ..db_spec()
            },
            "number must be positive",
        );
    }

    #[test]
    fn name_and_categories_are_required() {
        assert_spec_error(
            ConnectorSpec {
                name: " ".into(),
                ..db_spec()
            },
            "name",
        );
        assert_spec_error(
            ConnectorSpec {
                categories: vec![],
                ..db_spec()
            },
            "at least one",
        );
        assert_spec_error(
            ConnectorSpec {
                categories: vec!["hris".into()],
                ..db_spec()
            },
            "upper case",
        );
    }

    #[test]
    fn at_least_one_direction_each_once() {
        assert_spec_error(
            ConnectorSpec {
                directions: vec![],
                ..db_spec()
            },
            "directions",
        );
        assert_spec_error(
            ConnectorSpec {
                directions: vec![Direction::Source, Direction::Source],
                ..db_spec()
            },
            "listed twice",
        );
    }

    #[test]
    fn field_keys_are_unique() {
        let mut spec = db_spec();
        spec.fields.push(field("host", FieldType::String));
        assert_spec_error(spec, "field key `host` is used twice");
    }

    #[test]
    fn field_keys_are_lowercase_identifiers() {
        let mut spec = db_spec();
        spec.fields.push(field("Api-Key", FieldType::String));
        assert_spec_error(spec, "key must be lower case");
    }

    #[test]
    fn label_en_is_required_and_languages_are_known() {
        let mut spec = db_spec();
        spec.fields[0].label = BTreeMap::from([("de".into(), "Host".into())]);
        assert_spec_error(spec, "label.en is required");
        let mut spec = db_spec();
        spec.fields[0].help = BTreeMap::from([("pt".into(), "Servidor".into())]);
        assert_spec_error(spec, "language `pt`");
    }

    #[test]
    fn secret_fields_are_strings_without_default() {
        let mut spec = db_spec();
        spec.fields[1].secret = true;
        assert_spec_error(spec, "a secret field must be of type string");
        let mut spec = db_spec();
        spec.fields[4].default = Some(json!("hunter2"));
        assert_spec_error(spec, "a secret field cannot have a default");
    }

    #[test]
    fn enum_needs_unique_options_and_a_default_among_them() {
        let mut spec = db_spec();
        spec.fields[5].options.clear();
        assert_spec_error(spec, "an enum field needs options");
        let mut spec = db_spec();
        spec.fields[5].default = Some(json!("sometimes"));
        assert_spec_error(spec, "default is not one of the options");
        let mut spec = db_spec();
        spec.fields[5].options.push("prefer".into());
        assert_spec_error(spec, "option `prefer` is listed twice");
        let mut spec = db_spec();
        spec.fields[0].options = vec!["a".into()];
        assert_spec_error(spec, "only enum fields have options");
    }

    #[test]
    fn patterns_must_compile_and_belong_to_strings() {
        let mut spec = db_spec();
        spec.fields[0].pattern = Some("([a-z".into());
        assert_spec_error(spec, "pattern does not compile");
        let mut spec = db_spec();
        spec.fields[1].pattern = Some("[0-9]+".into());
        assert_spec_error(spec, "only string fields have a pattern");
    }

    #[test]
    fn a_broken_pattern_fails_validation_instead_of_passing() {
        let mut spec = db_spec();
        spec.fields[0].pattern = Some("([a-z".into());
        let errors = errors_of(&spec, good());
        assert_eq!(errors[0].0, "host");
        assert!(errors[0].1.contains("cannot be checked"));
    }

    #[test]
    fn bounds_must_be_ordered_and_on_strings_or_integers() {
        let mut spec = db_spec();
        spec.fields[1].min = Some(10);
        spec.fields[1].max = Some(1);
        assert_spec_error(spec, "min 10 is greater than max 1");
        let mut spec = db_spec();
        spec.fields[6].max = Some(1);
        assert_spec_error(spec, "only string and integer fields have min and max");
    }

    #[test]
    fn defaults_must_be_valid_values() {
        let mut spec = db_spec();
        spec.fields[1].default = Some(json!("5432"));
        assert_spec_error(spec, "default must be a whole number");
        let mut spec = db_spec();
        spec.fields[1].default = Some(json!(70000));
        assert_spec_error(spec, "default must be between 1 and 65535");
        let mut spec = db_spec();
        spec.fields[0].default = Some(json!(""));
        assert_spec_error(spec, "default must not be null or empty");
    }

    #[test]
    fn database_checks_need_their_fields() {
        for check in [CheckSpec::Postgres, CheckSpec::Mysql] {
            for key in ["host", "port", "database", "user", "password"] {
                let mut spec = ConnectorSpec {
                    check: check.clone(),
                    ..db_spec()
                };
                if check_is_mysql(&spec) {
                    spec.fields[5].options = vec!["disabled".into(), "preferred".into()];
                    spec.fields[5].default = Some(json!("preferred"));
                }
                spec.fields.retain(|f| f.key != key);
                assert_spec_error(spec, &format!("needs a field `{key}`"));
            }
        }
        let mut spec = db_spec();
        spec.fields[1].kind = FieldType::String;
        spec.fields[1].default = None;
        assert_spec_error(spec, "needs field `port` to be of type integer");
    }

    fn check_is_mysql(spec: &ConnectorSpec) -> bool {
        matches!(spec.check, CheckSpec::Mysql)
    }

    #[test]
    fn database_checks_know_their_ssl_modes() {
        let spec = ConnectorSpec {
            check: CheckSpec::Mysql,
            ..db_spec()
        };
        assert_spec_error(spec, "does not know ssl_mode `prefer`");
    }

    #[test]
    fn sandbox_check_needs_api_key() {
        let spec = ConnectorSpec {
            check: CheckSpec::Sandbox,
            ..db_spec()
        };
        assert_spec_error(spec, "the `sandbox` check needs a field `api_key`");
        let mut spec = ConnectorSpec {
            check: CheckSpec::Sandbox,
            ..db_spec()
        };
        spec.fields.push(FieldSpec {
            secret: true,
            ..field("api_key", FieldType::String)
        });
        assert!(spec.spec_errors().is_empty());
    }

    fn http(url: &str) -> HttpCheck {
        HttpCheck {
            method: "GET".into(),
            url: url.into(),
            headers: BTreeMap::new(),
            basic_auth: None,
            expect_status: vec![200],
        }
    }

    #[test]
    fn http_templates_only_name_existing_fields() {
        let spec = ConnectorSpec {
            check: CheckSpec::Http(http("https://{host}:{port}/me")),
            ..db_spec()
        };
        assert!(spec.spec_errors().is_empty(), "{:?}", spec.spec_errors());

        let spec = ConnectorSpec {
            check: CheckSpec::Http(http("https://{base_url}/me")),
            ..db_spec()
        };
        assert_spec_error(
            spec,
            "http check url uses `{base_url}`, which is not a field",
        );

        let mut check = http("https://x/me");
        check
            .headers
            .insert("Authorization".into(), "Bearer {token}".into());
        let spec = ConnectorSpec {
            check: CheckSpec::Http(check),
            ..db_spec()
        };
        assert_spec_error(spec, "header `Authorization` uses `{token}`");

        let mut check = http("https://x/me");
        check.basic_auth = Some(BasicAuth {
            username: "{user}".into(),
            password: "{pw}".into(),
        });
        let spec = ConnectorSpec {
            check: CheckSpec::Http(check),
            ..db_spec()
        };
        assert_spec_error(spec, "basic_auth.password uses `{pw}`");
    }

    #[test]
    fn http_checks_need_a_sane_request() {
        let spec = ConnectorSpec {
            check: CheckSpec::Http(http("ftp://x")),
            ..db_spec()
        };
        assert_spec_error(spec, "must start with http(s)://");
        let spec = ConnectorSpec {
            check: CheckSpec::Http(http("https://{host")),
            ..db_spec()
        };
        assert_spec_error(spec, "without a `}`");
        let mut check = http("https://x");
        check.method = "get".into();
        check.expect_status = vec![];
        check.headers.insert("Bad Header".into(), "x".into());
        let spec = ConnectorSpec {
            check: CheckSpec::Http(check),
            ..db_spec()
        };
        assert_spec_error(spec.clone(), "upper-case HTTP method");
        assert_spec_error(spec.clone(), "expect_status must not be empty");
        assert_spec_error(spec, "header name `Bad Header`");
    }

    #[test]
    fn placeholders_are_parsed_in_order() {
        assert_eq!(placeholders("{a}/x/{b_2}?q={a}"), Ok(vec!["a", "b_2", "a"]));
        assert_eq!(placeholders("plain"), Ok(vec![]));
        assert!(placeholders("x}").is_err());
        assert!(placeholders("{A}").is_err());
        assert!(placeholders("{}").is_err());
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
}
