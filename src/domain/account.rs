//! Accounts (the tenant), their settings (name, number, embed origins), and the API keys that
//! authenticate an owner's backend to one account.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::FieldError;
use super::branding::{Branding, BrandingChanges, BrandingPatch};
use super::invitation::{check_text, explicit_null};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Account {
    pub id: Uuid,
    /// Positive integer, unique; Kondado's `client_id`.
    pub number: i64,
    pub name: String,
    /// The origins whose pages may frame this account's guest pages.
    #[schema(value_type = Vec<String>, example = json!(["https://app.example.com"]))]
    pub embed_origins: Vec<EmbedOrigin>,
    /// What guest pages and emails show (`domain::branding`); the API renders it with URLs.
    #[serde(skip)]
    #[schema(ignore)]
    pub branding: Branding,
}

/// Longest account name, in characters.
const MAX_NAME_CHARS: usize = 200;
/// Most embed origins an account may list.
pub const MAX_EMBED_ORIGINS: usize = 20;
/// Longest embed origin, in bytes, once normalized.
const MAX_ORIGIN_LEN: usize = 300;

/// Checks an account name (already trimmed) into `errors`.
pub fn check_account_name(errors: &mut Vec<FieldError>, name: &str) {
    if name.is_empty() {
        errors.push(FieldError::new("name", "is required"));
    }
    check_text(errors, "name", name, MAX_NAME_CHARS);
}

/// Checks an account number into `errors`.
pub fn check_account_number(errors: &mut Vec<FieldError>, number: Option<i64>) {
    if number.is_some_and(|n| n < 1) {
        errors.push(FieldError::new("number", "must be positive"));
    }
}

/// An origin (scheme, host, port; no path, query or fragment) allowed to frame guest pages:
/// https, or http on `localhost` and `127.0.0.1` for development. Kept in its serialized form
/// (`https://app.example.com`, lowercase, default port dropped), which is what a browser sends
/// and what a CSP `frame-ancestors` source names; the host is plain letters, digits, dots and
/// hyphens, so it never carries CSP syntax such as `*`, `;` or quotes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct EmbedOrigin(String);

impl EmbedOrigin {
    pub fn parse(raw: &str) -> Result<EmbedOrigin, &'static str> {
        let url = url::Url::parse(raw.trim()).map_err(|_| "is not a valid origin")?;
        let host = match url.host() {
            Some(url::Host::Domain(host)) => host,
            Some(url::Host::Ipv4(_)) => url.host_str().unwrap_or_default(),
            _ => return Err("must name a host by domain or IPv4 address"),
        };
        match url.scheme() {
            "https" => {}
            "http" if matches!(host, "localhost" | "127.0.0.1") => {}
            "http" => return Err("must be https (http only on localhost and 127.0.0.1)"),
            _ => return Err("must be an https origin"),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not carry a user name or password");
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err("must be an origin only, without path, query or fragment");
        }
        let host_chars = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
        if !host.chars().all(host_chars) || host.starts_with('.') || host.ends_with('.') {
            return Err("must name a host of letters, digits, dots and hyphens");
        }
        let origin = url.origin().ascii_serialization();
        if origin.len() > MAX_ORIGIN_LEN {
            return Err("is too long");
        }
        Ok(EmbedOrigin(origin))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses a list of embed origins: each bad one named `embed_origins[i]`, duplicates (after
/// normalization) dropped in order, at most [`MAX_EMBED_ORIGINS`].
pub fn parse_embed_origins(raw: &[String]) -> Result<Vec<EmbedOrigin>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut origins: Vec<EmbedOrigin> = Vec::new();
    for (i, value) in raw.iter().enumerate() {
        match EmbedOrigin::parse(value) {
            Ok(origin) if origins.contains(&origin) => {}
            Ok(origin) => origins.push(origin),
            Err(message) => errors.push(FieldError::new(format!("embed_origins[{i}]"), message)),
        }
    }
    if origins.len() > MAX_EMBED_ORIGINS {
        errors.push(FieldError::new(
            "embed_origins",
            format!("must list at most {MAX_EMBED_ORIGINS} origins"),
        ));
    }
    if errors.is_empty() {
        Ok(origins)
    } else {
        Err(errors)
    }
}

/// A partial update of the account's settings: given keys replace, absent keys stay.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountPatch {
    #[serde(default)]
    pub name: Option<String>,
    /// Positive and unique among accounts (a taken number is a 409).
    #[serde(default)]
    pub number: Option<i64>,
    /// The whole list, replacing the old one; `[]` allows no framing.
    #[serde(default)]
    #[schema(example = json!(["https://app.example.com", "http://localhost:3000"]))]
    pub embed_origins: Option<Vec<String>>,
    /// The branding of guest pages and emails: each key given replaces that part, `null`
    /// removes it; `"branding": null` removes every part.
    #[serde(default, deserialize_with = "explicit_null")]
    #[schema(value_type = Option<BrandingPatch>)]
    pub branding: Option<Option<BrandingPatch>>,
}

/// A validated [`AccountPatch`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountChanges {
    pub name: Option<String>,
    pub number: Option<i64>,
    pub embed_origins: Option<Vec<EmbedOrigin>>,
    pub branding: BrandingChanges,
}

impl AccountPatch {
    /// Checks every field at once and returns all the problems.
    pub fn validate(self) -> Result<AccountChanges, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.map(|n| n.trim().to_string());
        if let Some(name) = &name {
            check_account_name(&mut errors, name);
        }
        check_account_number(&mut errors, self.number);
        let embed_origins = match self.embed_origins.as_deref().map(parse_embed_origins) {
            None => None,
            Some(Ok(origins)) => Some(origins),
            Some(Err(mut more)) => {
                errors.append(&mut more);
                None
            }
        };
        let branding = match self.branding {
            None => BrandingChanges::default(),
            Some(None) => BrandingChanges::clear_all(),
            Some(Some(patch)) => patch.validate().unwrap_or_else(|mut more| {
                errors.append(&mut more);
                BrandingChanges::default()
            }),
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(AccountChanges {
            name,
            number: self.number,
            embed_origins,
            branding,
        })
    }
}

/// What an API key may do. Every key gets the standard scopes unless told otherwise; reading
/// decrypted credentials needs `connections:secrets`, which is only granted explicitly (or to the
/// first key of a fresh install).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Scope {
    #[serde(rename = "invitations:read")]
    InvitationsRead,
    #[serde(rename = "invitations:write")]
    InvitationsWrite,
    #[serde(rename = "connections:read")]
    ConnectionsRead,
    #[serde(rename = "connections:write")]
    ConnectionsWrite,
    #[serde(rename = "connections:secrets")]
    ConnectionsSecrets,
    #[serde(rename = "events:read")]
    EventsRead,
    #[serde(rename = "webhooks:read")]
    WebhooksRead,
    #[serde(rename = "webhooks:write")]
    WebhooksWrite,
    #[serde(rename = "account:read")]
    AccountRead,
    #[serde(rename = "account:write")]
    AccountWrite,
}

impl Scope {
    pub const ALL: [Scope; 10] = [
        Scope::InvitationsRead,
        Scope::InvitationsWrite,
        Scope::ConnectionsRead,
        Scope::ConnectionsWrite,
        Scope::ConnectionsSecrets,
        Scope::EventsRead,
        Scope::WebhooksRead,
        Scope::WebhooksWrite,
        Scope::AccountRead,
        Scope::AccountWrite,
    ];

    /// The scopes of a key created without `--scope`: everything but reading secrets.
    pub fn standard() -> Vec<Scope> {
        Scope::ALL
            .into_iter()
            .filter(|s| *s != Scope::ConnectionsSecrets)
            .collect()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::InvitationsRead => "invitations:read",
            Scope::InvitationsWrite => "invitations:write",
            Scope::ConnectionsRead => "connections:read",
            Scope::ConnectionsWrite => "connections:write",
            Scope::ConnectionsSecrets => "connections:secrets",
            Scope::EventsRead => "events:read",
            Scope::WebhooksRead => "webhooks:read",
            Scope::WebhooksWrite => "webhooks:write",
            Scope::AccountRead => "account:read",
            Scope::AccountWrite => "account:write",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s)
    }
}

/// A stored API key: never the key itself, only its SHA-256 and a short prefix to recognise it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: Uuid,
    pub account_id: Uuid,
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub revoked: bool,
}

impl ApiKey {
    pub fn allows(&self, scope: Scope) -> bool {
        !self.revoked && self.scopes.contains(&scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_scopes_exclude_secrets() {
        assert!(!Scope::standard().contains(&Scope::ConnectionsSecrets));
        assert_eq!(Scope::standard().len(), Scope::ALL.len() - 1);
    }

    #[test]
    fn scopes_parse_their_own_names() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
        assert_eq!(Scope::parse("admin"), None);
    }

    fn origin(raw: &str) -> Result<String, &'static str> {
        EmbedOrigin::parse(raw).map(|o| o.as_str().to_string())
    }

    #[test]
    fn https_origins_are_accepted_and_normalized() {
        assert_eq!(origin("https://a.example").unwrap(), "https://a.example");
        assert_eq!(origin("https://a.example/").unwrap(), "https://a.example");
        assert_eq!(
            origin("https://App.A.EXAMPLE").unwrap(),
            "https://app.a.example"
        );
        assert_eq!(
            origin("https://a.example:8443").unwrap(),
            "https://a.example:8443"
        );
        assert_eq!(
            origin("https://a.example:443/").unwrap(),
            "https://a.example"
        );
        assert_eq!(
            origin("  https://a.example  ").unwrap(),
            "https://a.example"
        );
        assert_eq!(origin("https://10.0.0.1").unwrap(), "https://10.0.0.1");
        assert_eq!(
            origin("https://bücher.example").unwrap(),
            "https://xn--bcher-kva.example"
        );
    }

    #[test]
    fn http_is_only_for_localhost_and_loopback() {
        assert_eq!(origin("http://localhost").unwrap(), "http://localhost");
        assert_eq!(
            origin("http://localhost:3000/").unwrap(),
            "http://localhost:3000"
        );
        assert_eq!(
            origin("http://LOCALHOST:3000").unwrap(),
            "http://localhost:3000"
        );
        assert_eq!(
            origin("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(origin("http://127.0.0.1:80").unwrap(), "http://127.0.0.1");
        assert!(origin("http://evil.example").is_err());
        assert!(origin("http://localhost.evil.example").is_err());
        assert!(origin("http://127.0.0.2").is_err());
        assert!(origin("http://[::1]:3000").is_err());
    }

    #[test]
    fn anything_beyond_an_origin_is_refused() {
        for bad in [
            "https://a.example/path",
            "https://a.example/path/",
            "https://a.example?x=1",
            "https://a.example/?",
            "https://a.example#top",
            "https://user@a.example",
            "https://user:pw@a.example",
            "javascript:alert(1)",
            "data:text/html,hi",
            "file:///etc/passwd",
            "ftp://a.example",
            "wss://a.example",
            "a.example",
            "//a.example",
            "https://",
            "https://*.a.example",
            "https://a.example;script-src",
            "https://[::1]",
            "",
            "*",
            "'self'",
        ] {
            assert!(origin(bad).is_err(), "{bad} must be refused");
        }
        let long = format!("https://{}.example", "a".repeat(300));
        assert!(origin(&long).is_err());
    }

    #[test]
    fn origin_lists_name_each_bad_entry_and_drop_duplicates() {
        let list = |raw: &[&str]| {
            parse_embed_origins(&raw.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        };
        let good = list(&[
            "https://a.example",
            "https://A.example/",
            "http://localhost:3000",
        ])
        .unwrap();
        let good: Vec<&str> = good.iter().map(|o| o.as_str()).collect();
        assert_eq!(good, ["https://a.example", "http://localhost:3000"]);

        let errors =
            list(&["https://a.example", "http://evil.example", "javascript:x"]).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["embed_origins[1]", "embed_origins[2]"]);
        assert!(errors.iter().all(|e| !e.message.contains("evil")));

        let many: Vec<String> = (0..=MAX_EMBED_ORIGINS)
            .map(|i| format!("https://a{i}.example"))
            .collect();
        let errors = parse_embed_origins(&many).unwrap_err();
        assert_eq!(errors[0].field, "embed_origins");
        let same: Vec<String> = (0..50).map(|_| "https://a.example".to_string()).collect();
        assert_eq!(parse_embed_origins(&same).unwrap().len(), 1);
    }

    #[test]
    fn a_patch_reports_every_bad_field_and_keeps_absent_ones_absent() {
        let errors = AccountPatch {
            name: Some("  ".into()),
            number: Some(0),
            embed_origins: Some(vec!["https://a.example/path".into()]),
            branding: Some(Some(BrandingPatch {
                primary_color: Some(Some("#12".into())),
                ..BrandingPatch::default()
            })),
        }
        .validate()
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "number",
                "embed_origins[0]",
                "branding.primary_color"
            ]
        );

        let changes = AccountPatch {
            name: Some(" Acme ".into()),
            ..AccountPatch::default()
        }
        .validate()
        .unwrap();
        assert_eq!(changes.name.as_deref(), Some("Acme"));
        assert_eq!((changes.number, changes.embed_origins), (None, None));
        assert!(changes.branding.is_empty());

        let cleared: AccountPatch = serde_json::from_str(r#"{"branding": null}"#).unwrap();
        assert_eq!(
            cleared.validate().unwrap().branding,
            BrandingChanges::clear_all()
        );
        let kept: AccountPatch =
            serde_json::from_str(r#"{"branding": {"display_name": null}}"#).unwrap();
        let kept = kept.validate().unwrap().branding;
        assert_eq!(kept.display_name, Some(None));
        assert_eq!((kept.primary_color, kept.logo), (None, None));
    }

    #[test]
    fn revoked_key_allows_nothing() {
        let key = ApiKey {
            id: Uuid::now_v7(),
            account_id: Uuid::now_v7(),
            prefix: "pk_abc".into(),
            scopes: Scope::ALL.to_vec(),
            revoked: true,
        };
        assert!(!key.allows(Scope::InvitationsRead));
    }
}
