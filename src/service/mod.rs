//! Use cases: what a request or a command does, over the store, the keyring, the catalog and
//! the clock. HTTP handlers, compatible endpoints and the CLI all call these.

pub mod accounts;
pub mod connections;
pub mod events;
pub mod funnel;
pub mod guest;
pub mod invitations;
pub mod key_cache;
pub mod keys;
pub mod mail;
pub mod oauth_apps;
pub mod results;
pub mod users;
pub mod views;
pub mod webhooks;

use chrono::{DateTime, SubsecRound, Utc};
use std::sync::Arc;
use std::time::Duration;

use crate::catalog::Catalog;
use crate::checks::{CheckFailure, Checker};
use crate::clock::Clock;
use crate::crypto::{CryptoError, Keyring};
use crate::domain::FieldError;
use crate::egress::EgressPolicy;
use crate::store::{Store, StoreError};

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// Base of invitation links, without a trailing slash.
    pub public_url: String,
    pub max_invitation_lifetime: Option<Duration>,
    /// The sender of guest emails, e.g. `Portico <portico@example.com>`.
    pub mail_from: String,
    /// Guest page requests allowed per minute from one IP address, and for one invitation.
    pub guest_rate_per_ip: u32,
    pub guest_rate_per_invitation: u32,
    /// Where webhook deliveries may connect.
    pub webhook_egress: EgressPolicy,
    /// How long a node holds what it is delivering before another may take over.
    pub delivery_lease: chrono::Duration,
    /// The proxies whose forwarding headers name the client (see `domain::client_ip`).
    pub trusted_proxies: crate::domain::client_ip::TrustedProxies,
    /// How long a connection may take to send a request head, and a request to be answered.
    pub header_read_timeout: Duration,
    pub request_timeout: Duration,
    /// The bearer token `GET /metrics` requires; `None`: open.
    pub metrics_token: Option<crate::secret::Secret<String>>,
}

/// Everything a use case may touch; cheap to clone.
#[derive(Clone)]
pub struct Portico {
    pub store: Arc<dyn Store>,
    pub keyring: Arc<Keyring>,
    pub catalog: Arc<Catalog>,
    /// Runs connector checks under the egress policy, bounded in time and number.
    pub checker: Arc<Checker>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<ServiceSettings>,
    /// Notified when an email is queued, so the mail worker sends it at once.
    pub mail_wakeup: Arc<tokio::sync::Notify>,
    /// API keys recently confirmed by the store.
    pub api_keys: Arc<key_cache::KeyCache>,
    /// Console passwords, hashed off the async threads a few at a time.
    pub passwords: Arc<crate::crypto::password::PasswordHasher>,
}

/// The account `by` acts for, when their role may do `action`: the one place the console's
/// role rules are enforced.
pub fn permitted(
    by: &crate::domain::user::ConsoleUser,
    action: crate::domain::user::Action,
) -> ServiceResult<uuid::Uuid> {
    if by.role.may(action) {
        Ok(by.account_id)
    } else {
        Err(ServiceError::Forbidden)
    }
}

impl Portico {
    /// Now, at the millisecond precision timestamps are stored with, so a value computed here
    /// compares the same before and after a round trip through the database.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(3)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0} not found")]
    NotFound(Resource),
    #[error("invalid request")]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    Conflict(Conflict),
    /// The console user's role does not allow this.
    #[error("your role does not allow this")]
    Forbidden,
    #[error("this Idempotency-Key was used with another request body")]
    IdempotencyMismatch,
    #[error("the connector check failed: {0}")]
    CheckFailed(#[from] CheckFailure),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// What a request names that does not exist (or is not the caller's); the text is what the
/// client reads after "no such".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Resource {
    #[error("account")]
    Account,
    #[error("connection")]
    Connection,
    #[error("connector")]
    Connector,
    #[error("event")]
    Event,
    #[error("invitation")]
    Invitation,
    /// A console password link: unknown, used and expired all read the same.
    #[error("password link")]
    PasswordLink,
    /// A result code: unknown, spent, expired and another account's all read the same.
    #[error("result")]
    Result,
    #[error("webhook endpoint")]
    WebhookEndpoint,
    /// An OAuth app: the account has none for the connector.
    #[error("OAuth app")]
    OAuthApp,
    #[error("API key")]
    ApiKey,
}

/// Why a request conflicts with what is stored; the text is what the client reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// `on_duplicate: reject` found this connection.
    #[error(
        "connection {0} already has this connector, direction and end_user.origin_id (on_duplicate is reject)"
    )]
    DuplicateConnection(uuid::Uuid),
    #[error("account number is taken")]
    AccountNumberTaken,
    #[error("the connection is disabled: enable it to read its credentials")]
    ConnectionDisabled,
    #[error("idempotency key in use")]
    IdempotencyKeyInUse,
    #[error("a console user has this email address")]
    UserEmailTaken,
}

impl ServiceError {
    pub fn invalid(field: &str, message: &str) -> ServiceError {
        ServiceError::Invalid(vec![FieldError::new(field, message)])
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// Page size bounds for every list.
pub const DEFAULT_PAGE_SIZE: i64 = 20;
pub const MAX_PAGE_SIZE: i64 = 100;
