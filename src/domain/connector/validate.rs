//! Validation of the values a guest or an owner submits against a connector's fields: every
//! problem at once, as data pages can translate, and the valid config split into plain and secret.

use super::{ConnectorSpec, FieldSpec, FieldType};
use crate::domain::FieldError;
use std::collections::BTreeMap;

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

    /// Replaces each `{key}` of `template` by the field's value (empty when the field is not
    /// set): a check's URL and headers, an OAuth connector's URLs.
    pub fn render(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) => {
                    out.push_str(&self.text(&after[..close]).unwrap_or_default());
                    rest = &after[close + 1..];
                }
                None => {
                    out.push_str(&rest[open..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
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
                    let re = pattern.regex().map_err(|_| FieldProblem::BrokenSpec)?;
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

/// A value that counts as not given: absent, `null`, or the empty string (what an HTML form sends
/// for an untouched input).
pub(super) fn is_blank(value: Option<&serde_json::Value>) -> bool {
    match value {
        None | Some(serde_json::Value::Null) => true,
        Some(serde_json::Value::String(s)) => s.is_empty(),
        Some(_) => false,
    }
}

impl ConnectorSpec {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::connector::fixtures::{config, db_spec, errors_of, good};
    use serde_json::{Value, json};

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

    #[test]
    fn a_broken_pattern_fails_validation_instead_of_passing() {
        let mut spec = db_spec();
        spec.fields[0].pattern = Some("([a-z".into());
        let errors = errors_of(&spec, good());
        assert_eq!(errors[0].0, "host");
        assert!(errors[0].1.contains("cannot be checked"));
    }
}
