//! OAuth 2 rules, pure: the account's OAuth app for a connector and what makes one valid, the
//! scope syntax (RFC 6749), the parameters a spec may not set, and where the vendor sends the
//! guest back.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::FieldError;
use super::connector::{ConnectorSpec, OAuth2Spec, TokenAuth};
use super::values::TokenHash;
use crate::crypto::WrappedKey;
use crate::secret::Secret;

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

/// How long a guest has between leaving for the vendor and coming back.
pub const STATE_TTL: chrono::Duration = chrono::Duration::minutes(10);

/// A guest sent to the vendor to sign in: what the callback needs to finish, kept until it
/// comes back (once) or `STATE_TTL` passes.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthState {
    /// The SHA-256 of the `state` parameter; the state itself is not stored.
    pub state_hash: TokenHash,
    /// The guest session that began the flow: only it may finish it.
    pub session_hash: TokenHash,
    pub invitation_id: Uuid,
    pub connector: String,
    /// The guest's non-secret fields, validated.
    pub config: serde_json::Map<String, serde_json::Value>,
    /// The PKCE S256 challenge sent, when the connector uses PKCE.
    pub code_challenge: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The authorization request (RFC 6749, 4.1.1, with RFC 7636's S256 challenge when the
/// connector uses PKCE): where the guest is sent to sign in. The spec's extra parameters come
/// first; the protocol's own cannot be overridden by them (the lint refuses those anyway).
pub fn authorization_url(
    endpoints: &OAuthEndpoints,
    spec: &OAuth2Spec,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    code_challenge: Option<&str>,
) -> Result<url::Url, url::ParseError> {
    let mut url = url::Url::parse(&endpoints.authorize_url)?;
    {
        let mut query = url.query_pairs_mut();
        for (key, value) in &spec.authorize_params {
            if !RESERVED_AUTHORIZE_PARAMS.contains(&key.as_str()) {
                query.append_pair(key, value);
            }
        }
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", state);
        if !endpoints.scopes.is_empty() {
            query.append_pair("scope", &endpoints.scopes.join(" "));
        }
        if let Some(challenge) = code_challenge {
            query
                .append_pair("code_challenge", challenge)
                .append_pair("code_challenge_method", "S256");
        }
    }
    Ok(url)
}

/// What a token endpoint granted (RFC 6749, 5.1).
#[derive(Debug, Clone, PartialEq)]
pub struct Tokens {
    pub access_token: Secret<String>,
    /// Absent when the vendor issues none (or, on a refresh, keeps the one it gave).
    pub refresh_token: Option<Secret<String>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The scopes granted: the answer's `scope`, else those asked for (5.1: "if identical").
    pub scopes: Vec<String>,
}

/// A token endpoint's answer that is not a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRefusal {
    /// `invalid_grant`: the code or refresh token is expired, revoked or already used. A
    /// connection whose refresh meets this needs its guest again.
    InvalidGrant,
    /// Any other error (`invalid_client` and the like: the owner's app), or an answer that is
    /// not a token response; the text names the error code or status, never a token.
    Failed(String),
}

/// Reads a token endpoint's answer: status and JSON body.
pub fn read_token_response(
    status: u16,
    body: &[u8],
    asked: &[String],
    now: DateTime<Utc>,
) -> Result<Tokens, TokenRefusal> {
    #[derive(serde::Deserialize)]
    struct Granted {
        access_token: String,
        #[serde(default)]
        token_type: Option<String>,
        #[serde(default)]
        refresh_token: Option<String>,
        #[serde(default)]
        expires_in: Option<serde_json::Value>,
        #[serde(default)]
        scope: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Error {
        error: String,
    }
    if (200..300).contains(&status) {
        let granted: Granted = serde_json::from_slice(body)
            .map_err(|_| TokenRefusal::Failed(format!("HTTP {status} without a token response")))?;
        if granted
            .token_type
            .as_deref()
            .is_some_and(|t| !t.eq_ignore_ascii_case("bearer"))
        {
            return Err(TokenRefusal::Failed(
                "a token type other than Bearer".into(),
            ));
        }
        // Some vendors send `expires_in` as a string.
        let expires_in = granted.expires_in.and_then(|v| match v {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        });
        return Ok(Tokens {
            access_token: Secret::new(granted.access_token),
            refresh_token: granted.refresh_token.map(Secret::new),
            expires_at: expires_in
                .filter(|s| *s > 0)
                .map(|s| now + chrono::Duration::seconds(s.min(10 * 365 * 86_400))),
            scopes: match granted.scope {
                Some(scope) => scope.split_whitespace().map(str::to_string).collect(),
                None => asked.to_vec(),
            },
        });
    }
    match serde_json::from_slice::<Error>(body) {
        Ok(e) if e.error == "invalid_grant" => Err(TokenRefusal::InvalidGrant),
        // Only an error code of the protocol's own alphabet is repeated.
        Ok(e)
            if e.error.len() <= 64
                && e.error
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
        {
            Err(TokenRefusal::Failed(format!("HTTP {status}: {}", e.error)))
        }
        _ => Err(TokenRefusal::Failed(format!("HTTP {status}"))),
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
    fn the_authorization_request_carries_the_protocol_s_parameters() {
        let mut spec = generic();
        spec.authorize_params
            .insert("access_type".into(), "offline".into());
        spec.authorize_params
            .insert("state".into(), "forged".into());
        let endpoints = OAuthEndpoints {
            authorize_url: "https://idp.example/authorize?tenant=acme".into(),
            token_url: "https://idp.example/token".into(),
            revoke_url: None,
            scopes: vec!["openid".into(), "api:read".into()],
            token_auth: TokenAuth::ClientSecretBasic,
        };
        let url = authorization_url(
            &endpoints,
            &spec,
            "client 1",
            "https://portico.example/g/oauth/callback",
            "st4te",
            Some("ch4llenge"),
        )
        .expect("a URL");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |k: &str| {
            pairs
                .iter()
                .filter(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(get("tenant"), ["acme"]);
        assert_eq!(get("access_type"), ["offline"]);
        assert_eq!(get("state"), ["st4te"], "a spec cannot set the state");
        assert_eq!(get("response_type"), ["code"]);
        assert_eq!(get("client_id"), ["client 1"]);
        assert_eq!(get("scope"), ["openid api:read"]);
        assert_eq!(get("code_challenge"), ["ch4llenge"]);
        assert_eq!(get("code_challenge_method"), ["S256"]);
    }

    #[test]
    fn a_token_response_is_read_and_an_error_named_without_its_words() {
        let now = DateTime::UNIX_EPOCH;
        let asked = vec!["api:read".to_string()];
        let body = br#"{"access_token":"at","token_type":"bearer","expires_in":"3600","refresh_token":"rt"}"#;
        let tokens = read_token_response(200, body, &asked, now).expect("granted");
        assert_eq!(tokens.access_token.expose(), "at");
        assert_eq!(
            tokens.refresh_token.as_ref().map(|t| t.expose().as_str()),
            Some("rt")
        );
        assert_eq!(tokens.expires_at, Some(now + chrono::Duration::hours(1)));
        assert_eq!(
            tokens.scopes, asked,
            "no scope in the answer: the ones asked for"
        );
        let narrowed = br#"{"access_token":"at","token_type":"Bearer","scope":"openid"}"#;
        let tokens = read_token_response(200, narrowed, &asked, now).expect("granted");
        assert_eq!(
            (tokens.scopes, tokens.expires_at),
            (vec!["openid".to_string()], None)
        );

        let mac = br#"{"access_token":"at","token_type":"mac"}"#;
        assert!(matches!(
            read_token_response(200, mac, &asked, now),
            Err(TokenRefusal::Failed(_))
        ));
        let revoked =
            br#"{"error":"invalid_grant","error_description":"grant request is invalid"}"#;
        assert_eq!(
            read_token_response(400, revoked, &asked, now),
            Err(TokenRefusal::InvalidGrant)
        );
        let client = br#"{"error":"invalid_client"}"#;
        assert_eq!(
            read_token_response(401, client, &asked, now),
            Err(TokenRefusal::Failed("HTTP 401: invalid_client".into()))
        );
        let html = b"<html>token: at-leaked</html>";
        assert_eq!(
            read_token_response(500, html, &asked, now),
            Err(TokenRefusal::Failed("HTTP 500".into()))
        );
        let odd = br#"{"error":"<script>at-leaked</script>"}"#;
        assert_eq!(
            read_token_response(400, odd, &asked, now),
            Err(TokenRefusal::Failed("HTTP 400".into()))
        );
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
