//! The spec lint: everything that makes a connector file unusable, checked once when the catalog
//! is loaded, so a broken spec is refused at start rather than found by a guest.

use super::validate::is_blank;
use super::{CheckSpec, ConnectorSpec, FieldProblem, FieldSpec, FieldType};
use crate::domain::LANGUAGES;
use crate::domain::oauth::{ACCESS_TOKEN, RESERVED_AUTHORIZE_PARAMS, is_scope_token};

impl ConnectorSpec {
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
        errors.extend(self.oauth2_spec_errors());
        errors
    }

    /// An OAuth connector: its URLs are https and fill only non-secret fields, its scopes are
    /// scope tokens, its extra parameters leave the protocol's alone, and its check (if any)
    /// is an `http` one, which may use `{access_token}`.
    fn oauth2_spec_errors(&self) -> Vec<String> {
        let mut errors = Vec::new();
        let Some(oauth2) = &self.oauth2 else {
            return errors;
        };
        if oauth2.authorize_url.is_some() != oauth2.token_url.is_some() {
            errors.push(
                "oauth2 needs both authorize_url and token_url, or neither (the app's then)".into(),
            );
        }
        let urls = [
            ("authorize_url", &oauth2.authorize_url),
            ("token_url", &oauth2.token_url),
            ("revoke_url", &oauth2.revoke_url),
        ];
        for (name, url) in urls {
            let Some(url) = url else { continue };
            if !url.starts_with("https://") {
                errors.push(format!("oauth2 {name} must start with https://"));
            }
            match placeholders(url) {
                Err(e) => errors.push(format!("oauth2 {name}: {e}")),
                Ok(keys) => {
                    for key in keys {
                        match self.field(key) {
                            Some(f) if f.secret => errors
                                .push(format!("oauth2 {name} uses `{{{key}}}`, a secret field")),
                            // The guest types it: only a pattern keeps it inside the host.
                            Some(f) if f.pattern.is_none() => errors.push(format!(
                                "oauth2 {name} uses `{{{key}}}`, which needs a pattern"
                            )),
                            Some(_) => {}
                            None => errors.push(format!(
                                "oauth2 {name} uses `{{{key}}}`, which is not a field"
                            )),
                        }
                    }
                }
            }
        }
        for (i, scope) in oauth2.scopes.iter().enumerate() {
            if !is_scope_token(scope) {
                errors.push(format!(
                    "oauth2 scope `{scope}` is not an OAuth scope token"
                ));
            }
            if oauth2.scopes[..i].contains(scope) {
                errors.push(format!("oauth2 scope `{scope}` is listed twice"));
            }
        }
        for key in oauth2.authorize_params.keys() {
            if RESERVED_AUTHORIZE_PARAMS.contains(&key.as_str()) || key.is_empty() {
                errors.push(format!(
                    "oauth2 authorize_params cannot set `{key}`: the flow sets it"
                ));
            }
        }
        if !matches!(self.check, CheckSpec::None | CheckSpec::Http(_)) {
            errors.push(
                "an oauth2 connector's check is `http` (with {access_token}) or `none`".into(),
            );
        }
        for field in self.fields.iter().filter(|f| f.secret) {
            errors.push(format!(
                "field `{}`: an oauth2 connector has no secret fields (its secret is the token)",
                field.key
            ));
        }
        if self.field(ACCESS_TOKEN).is_some() {
            errors.push(format!(
                "field `{ACCESS_TOKEN}`: the name is the token's in an oauth2 connector"
            ));
        }
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
                            let known = |k: &str| {
                                self.field(k).is_some()
                                    || (self.oauth2.is_some() && k == ACCESS_TOKEN)
                            };
                            for key in keys.into_iter().filter(|k| !known(k)) {
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
            if !LANGUAGES.contains(&lang.as_str()) {
                errors.push(format!(
                    "language `{lang}` is not one of {}",
                    LANGUAGES.join(", ")
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
            } else if let Err(e) = pattern.regex() {
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
    use crate::domain::connector::fixtures::{db_spec, field};
    use crate::domain::connector::{BasicAuth, Direction, HttpCheck, OAuth2Spec, TokenAuth};
    use serde_json::json;
    use std::collections::BTreeMap;

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

    fn oauth_spec() -> ConnectorSpec {
        let mut check = http("https://{subdomain}.vendor.example/me");
        check
            .headers
            .insert("Authorization".into(), "Bearer {access_token}".into());
        ConnectorSpec {
            fields: vec![FieldSpec {
                pattern: Some("[a-z0-9-]{1,63}".into()),
                ..field("subdomain", FieldType::String)
            }],
            check: CheckSpec::Http(check),
            oauth2: Some(OAuth2Spec {
                authorize_url: Some("https://{subdomain}.vendor.example/oauth/authorize".into()),
                token_url: Some("https://{subdomain}.vendor.example/oauth/token".into()),
                revoke_url: None,
                scopes: vec!["read".into()],
                pkce: true,
                token_auth: TokenAuth::ClientSecretPost,
                authorize_params: BTreeMap::from([("access_type".into(), "offline".into())]),
            }),
            ..db_spec()
        }
    }

    #[test]
    fn an_oauth_spec_may_fill_its_urls_from_fields_and_check_with_the_token() {
        assert_eq!(oauth_spec().spec_errors(), Vec::<String>::new());
        // `{access_token}` is only the token's where there is one.
        let spec = ConnectorSpec {
            oauth2: None,
            ..oauth_spec()
        };
        assert_spec_error(spec, "uses `{access_token}`, which is not a field");
    }

    #[test]
    fn an_oauth_spec_is_refused_where_it_would_leak_or_clash() {
        let with = |edit: fn(&mut ConnectorSpec)| {
            let mut spec = oauth_spec();
            edit(&mut spec);
            spec
        };
        fn oauth(s: &mut ConnectorSpec) -> &mut OAuth2Spec {
            s.oauth2.as_mut().expect("oauth2")
        }
        assert_spec_error(
            with(|s| oauth(s).token_url = Some("http://vendor.example/token".into())),
            "token_url must start with https://",
        );
        assert_spec_error(
            with(|s| oauth(s).token_url = None),
            "both authorize_url and token_url",
        );
        assert_spec_error(
            with(|s| s.fields[0].secret = true),
            "uses `{subdomain}`, a secret field",
        );
        assert_spec_error(
            with(|s| s.fields[0].pattern = None),
            "uses `{subdomain}`, which needs a pattern",
        );
        assert_spec_error(
            with(|s| oauth(s).revoke_url = Some("https://{tenant}.x/revoke".into())),
            "uses `{tenant}`, which is not a field",
        );
        assert_spec_error(
            with(|s| oauth(s).scopes.push("two words".into())),
            "not an OAuth scope",
        );
        assert_spec_error(
            with(|s| oauth(s).scopes.push("read".into())),
            "listed twice",
        );
        assert_spec_error(
            with(|s| {
                oauth(s)
                    .authorize_params
                    .insert("redirect_uri".into(), "https://evil".into());
            }),
            "cannot set `redirect_uri`",
        );
        assert_spec_error(with(|s| s.check = CheckSpec::Sandbox), "check is `http`");
        assert_spec_error(
            with(|s| s.fields.push(field("access_token", FieldType::String))),
            "the name is the token's",
        );
    }

    #[test]
    fn placeholders_are_parsed_in_order() {
        assert_eq!(placeholders("{a}/x/{b_2}?q={a}"), Ok(vec!["a", "b_2", "a"]));
        assert_eq!(placeholders("plain"), Ok(vec![]));
        assert!(placeholders("x}").is_err());
        assert!(placeholders("{A}").is_err());
        assert!(placeholders("{}").is_err());
    }
}
