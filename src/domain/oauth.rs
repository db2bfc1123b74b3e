//! OAuth 2 rules, pure: the account's OAuth app for a connector and what makes one valid, the
//! scope syntax (RFC 6749), the parameters a spec may not set, and where the vendor sends the
//! guest back.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::FieldError;
use super::connector::{ConnectorSpec, OAuth2Spec, TokenAuth};
use crate::crypto::WrappedKey;

/// Where every vendor sends the guest back, under the public URL: the redirect URI an owner
/// registers at the vendor.
pub const CALLBACK_PATH: &str = "/g/oauth/callback";

/// The placeholder an OAuth connector's check uses for the access token.
pub const ACCESS_TOKEN: &str = "access_token";

/// Authorization request parameters the protocol sets; a spec's `authorize_params` cannot.
pub const RESERVED_AUTHORIZE_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
];

/// Bounds on what an owner registers.
pub const MAX_CLIENT_ID: usize = 512;
pub const MAX_CLIENT_SECRET: usize = 4096;
pub const MAX_SCOPES: usize = 64;
pub const MAX_URL: usize = 2048;

/// An account's OAuth app for one connector: the client the vendor knows Portico by.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthApp {
    pub account_id: Uuid,
    pub connector: String,
    pub client_id: String,
    /// The client secret, sealed under `data_key`.
    pub sealed_client_secret: String,
    pub data_key: WrappedKey,
    /// Empty: the connector's own scopes.
    pub scopes: Vec<String>,
    /// The generic connector's endpoints, which its spec leaves to the app.
    pub authorize_url: Option<String>,
    pub token_url: Option<String>,
    pub revoke_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The endpoints and scopes a flow uses: the spec's, where the app does not name its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthEndpoints {
    pub authorize_url: String,
    pub token_url: String,
    pub revoke_url: Option<String>,
    pub scopes: Vec<String>,
    pub token_auth: TokenAuth,
}

impl OAuthApp {
    /// The endpoints of this app's flow for `spec`; `None` when neither names them (an app
    /// is validated against its spec when stored, so only a spec changed since can do that).
    pub fn endpoints(&self, spec: &OAuth2Spec) -> Option<OAuthEndpoints> {
        let pick = |own: &Option<String>, spec: &Option<String>| own.clone().or(spec.clone());
        Some(OAuthEndpoints {
            authorize_url: pick(&self.authorize_url, &spec.authorize_url)?,
            token_url: pick(&self.token_url, &spec.token_url)?,
            revoke_url: pick(&self.revoke_url, &spec.revoke_url),
            scopes: if self.scopes.is_empty() {
                spec.scopes.clone()
            } else {
                self.scopes.clone()
            },
            token_auth: spec.token_auth,
        })
    }
}

/// What an owner asks to register, before it is sealed and stored.
#[derive(Debug, Clone, Default)]
pub struct AppRequest<'a> {
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub scopes: &'a [String],
    pub authorize_url: Option<&'a str>,
    pub token_url: Option<&'a str>,
    pub revoke_url: Option<&'a str>,
}

/// Everything wrong with registering `request` for `spec`, as field errors; the secret's value
/// is never named.
pub fn app_errors(spec: &ConnectorSpec, request: &AppRequest<'_>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let Some(oauth2) = &spec.oauth2 else {
        errors.push(FieldError::new(
            "connector",
            format!("`{}` does not connect with OAuth 2", spec.id),
        ));
        return errors;
    };
    text_errors(&mut errors, "client_id", request.client_id, MAX_CLIENT_ID);
    text_errors(
        &mut errors,
        "client_secret",
        request.client_secret,
        MAX_CLIENT_SECRET,
    );
    if request.scopes.len() > MAX_SCOPES {
        errors.push(FieldError::new(
            "scopes",
            format!("must list at most {MAX_SCOPES} scopes"),
        ));
    }
    for (i, scope) in request.scopes.iter().enumerate() {
        if !is_scope_token(scope) {
            errors.push(FieldError::new(
                format!("scopes[{i}]"),
                "is not an OAuth scope (printable ASCII without spaces, `\"` or `\\`)",
            ));
        }
    }
    let urls = [
        (
            "authorize_url",
            request.authorize_url,
            &oauth2.authorize_url,
        ),
        ("token_url", request.token_url, &oauth2.token_url),
        ("revoke_url", request.revoke_url, &oauth2.revoke_url),
    ];
    for (field, given, in_spec) in urls {
        match given {
            Some(url) => {
                if let Some(problem) = url_problem(url) {
                    errors.push(FieldError::new(field, problem));
                }
            }
            None if in_spec.is_none() && field != "revoke_url" => errors.push(FieldError::new(
                field,
                format!("is required: `{}` leaves it to the app", spec.id),
            )),
            None => {}
        }
    }
    errors
}

fn text_errors(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        errors.push(FieldError::new(field, "must not be empty"));
    } else if value.len() > max {
        errors.push(FieldError::new(
            field,
            format!("must be at most {max} bytes"),
        ));
    } else if value.chars().any(char::is_control) {
        errors.push(FieldError::new(field, "must not hold control characters"));
    }
}

/// Why an owner's endpoint URL cannot be used, if it cannot: an absolute http(s) URL without
/// credentials or a fragment. Where it may point is the egress policy's, at each request.
pub fn url_problem(raw: &str) -> Option<&'static str> {
    if raw.len() > MAX_URL {
        return Some("must be at most 2048 characters");
    }
    let Ok(url) = url::Url::parse(raw) else {
        return Some("is not a valid URL");
    };
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Some("must be an http or https URL");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Some("must not hold credentials");
    }
    if url.fragment().is_some() {
        return Some("must not have a fragment");
    }
    None
}

/// RFC 6749, section 3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.
pub fn is_scope_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::connector::{CheckSpec, Direction};
    use std::collections::BTreeMap;

    fn spec(oauth2: Option<OAuth2Spec>) -> ConnectorSpec {
        ConnectorSpec {
            id: "tool".into(),
            number: 1,
            name: "Tool".into(),
            categories: vec!["HRIS".into()],
            directions: vec![Direction::Source],
            fields: vec![],
            check: CheckSpec::None,
            oauth2,
        }
    }

    fn generic() -> OAuth2Spec {
        OAuth2Spec {
            authorize_url: None,
            token_url: None,
            revoke_url: None,
            scopes: vec!["read".into()],
            pkce: true,
            token_auth: TokenAuth::ClientSecretBasic,
            authorize_params: BTreeMap::new(),
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn scope_tokens_follow_rfc_6749() {
        for ok in [
            "read",
            "api:read",
            "https://graph.microsoft.com/.default",
            "a!#[]~",
        ] {
            assert!(is_scope_token(ok), "{ok}");
        }
        for bad in ["", "two words", "quo\"te", "back\\slash", "tab\t", "é"] {
            assert!(!is_scope_token(bad), "{bad:?}");
        }
    }

    #[test]
    fn an_app_is_refused_for_a_connector_without_oauth() {
        let request = AppRequest {
            client_id: "id",
            client_secret: "secret",
            ..AppRequest::default()
        };
        assert_eq!(fields(&app_errors(&spec(None), &request)), ["connector"]);
    }

    #[test]
    fn the_generic_connector_needs_its_endpoints_from_the_app() {
        let request = AppRequest {
            client_id: "id",
            client_secret: "secret",
            ..AppRequest::default()
        };
        let errors = app_errors(&spec(Some(generic())), &request);
        assert_eq!(fields(&errors), ["authorize_url", "token_url"]);
        let given = AppRequest {
            authorize_url: Some("https://idp.example/authorize"),
            token_url: Some("http://127.0.0.1:9000/token"),
            ..request
        };
        assert!(app_errors(&spec(Some(generic())), &given).is_empty());
    }

    #[test]
    fn bad_values_are_named_by_field_and_never_echoed() {
        let scopes = vec!["ok".to_string(), "not ok".to_string()];
        let request = AppRequest {
            client_id: " ",
            client_secret: "s\u{0}cret-value",
            scopes: &scopes,
            authorize_url: Some("ftp://idp.example/a"),
            token_url: Some("https://user:pw@idp.example/t"),
            revoke_url: Some("https://idp.example/r#x"),
        };
        let errors = app_errors(&spec(Some(generic())), &request);
        assert_eq!(
            fields(&errors),
            [
                "client_id",
                "client_secret",
                "scopes[1]",
                "authorize_url",
                "token_url",
                "revoke_url"
            ]
        );
        assert!(errors.iter().all(|e| !e.message.contains("cret-value")));
    }

    #[test]
    fn the_app_s_endpoints_and_scopes_win_over_the_spec_s() {
        let spec = OAuth2Spec {
            authorize_url: Some("https://vendor/authorize".into()),
            token_url: Some("https://vendor/token".into()),
            ..generic()
        };
        let mut app = OAuthApp {
            account_id: Uuid::nil(),
            connector: "tool".into(),
            client_id: "id".into(),
            sealed_client_secret: String::new(),
            data_key: WrappedKey {
                key_id: "k".into(),
                bytes: vec![],
            },
            scopes: vec![],
            authorize_url: None,
            token_url: None,
            revoke_url: None,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        };
        let used = app.endpoints(&spec).expect("the spec names them");
        assert_eq!(used.token_url, "https://vendor/token");
        assert_eq!(used.scopes, ["read"]);
        app.scopes = vec!["write".into()];
        app.token_url = Some("https://own/token".into());
        let used = app.endpoints(&spec).expect("named");
        assert_eq!(
            (used.token_url.as_str(), used.scopes),
            ("https://own/token", vec!["write".to_string()])
        );
        assert!(
            app.endpoints(&generic()).is_none(),
            "no authorize URL in the spec nor the app"
        );
    }
}
