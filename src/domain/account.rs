//! Accounts (the tenant) and the API keys that authenticate an owner's backend to one account.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Account {
    pub id: Uuid,
    /// Positive integer, unique; Kondado's `client_id`.
    pub number: i64,
    pub name: String,
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
}

impl Scope {
    pub const ALL: [Scope; 8] = [
        Scope::InvitationsRead,
        Scope::InvitationsWrite,
        Scope::ConnectionsRead,
        Scope::ConnectionsWrite,
        Scope::ConnectionsSecrets,
        Scope::EventsRead,
        Scope::WebhooksRead,
        Scope::WebhooksWrite,
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
