//! Storage: one trait whose methods are the use cases' reads and atomic writes, implemented for
//! SQLite and PostgreSQL by one body of SQL (`sql.rs`) that differs only where it must.

mod postgres;
mod sql;
mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use uuid::Uuid;

use crate::crypto::WrappedKey;
use crate::domain::account::{Account, ApiKey};
use crate::domain::connection::{Connection, LastCheck};
use crate::domain::event::{Event, NewEvent};
use crate::domain::guest::{AttemptKind, AttemptLimit, EmailCode, GuestSession, LockScope};
use crate::domain::invitation::{Invitation, InvitationKind, InvitationStatus};
use crate::domain::webhook::{AttemptOutcome, WebhookAttempt, WebhookEndpoint};

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Keyset pagination: newest first (ids are UUIDv7), strictly older than `before` when given.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub limit: i64,
    pub before: Option<Uuid>,
}

#[derive(Debug, Clone, Default)]
pub struct InvitationFilter {
    pub status: Option<InvitationStatus>,
    pub kind: Option<InvitationKind>,
    pub connector: Option<String>,
}

/// A stored reply to a create request with an `Idempotency-Key`: the response is sealed with a
/// data key of its own because it holds the invitation's token.
#[derive(Debug, Clone)]
pub struct IdempotentResponse {
    pub key: String,
    pub request_hash: Vec<u8>,
    pub status: u16,
    pub data_key: WrappedKey,
    pub sealed_response: String,
    pub created_at: DateTime<Utc>,
}

/// The connections created through one invitation, as listed on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedConnection {
    pub invitation_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub connector: String,
    pub created_at: DateTime<Utc>,
}

/// A row that holds a wrapped data key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyHolder {
    Connection { account_id: Uuid, id: Uuid },
    IdempotentReply { account_id: Uuid, key: String },
    OutboxEmail { id: Uuid },
    WebhookEndpoint { id: Uuid },
}

/// An event waiting to go to one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingDelivery {
    pub event: Event,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
}

/// What a guest's submission writes.
#[derive(Debug, Clone, Copy)]
pub enum ConnectionWrite<'a> {
    Create(&'a Connection),
    /// A reconnect: replaces the credentials (config, secrets, data key) and the last check of
    /// an existing connection; its id, name, end user and metadata stay the owner's, whatever
    /// the owner changed meanwhile.
    Update(&'a Connection),
}

/// The outcome of a guest's use of an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Used; the invitation's use count now.
    Used(i64),
    /// Revoked, expired or every use taken meanwhile; nothing was written.
    Refused,
    /// The connection a reconnect was for has been deleted; nothing was written.
    ConnectionGone,
}

/// A queued email: the message (RFC 5322 text) sealed with its own data key.
#[derive(Debug, Clone)]
pub struct OutboxEmail {
    pub id: Uuid,
    pub account_id: Uuid,
    pub recipient: String,
    pub data_key: WrappedKey,
    pub sealed_message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
}

/// Whether an insert guarded by an idempotency key went in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    Yes,
    /// Another request holds this idempotency key; nothing was written.
    KeyTaken,
}

/// One attempt counted against an invitation's limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestAttempt {
    pub id: Uuid,
    pub invitation_id: Uuid,
    pub kind: AttemptKind,
    /// For codes asked: SHA-256 of the address, lowercased (the address itself is not kept).
    pub email_hash: Option<Vec<u8>>,
    pub at: DateTime<Utc>,
}

/// What counting an attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// Counted, after `before` others in the window; with `locked_until` when this attempt
    /// started the lock.
    Yes {
        before: i64,
        locked_until: Option<DateTime<Utc>>,
    },
    /// Nothing counted: the scope is locked (until then), or the limit was reached.
    Refused { locked_until: Option<DateTime<Utc>> },
}

/// What saving a new email code came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeSaved {
    Saved,
    /// The session's code is younger than the resend interval.
    TooSoon,
    /// The address had its codes for the window.
    TooMany,
    /// The invitation's email step is locked until then.
    Locked(DateTime<Utc>),
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Whether the database answers (readiness).
    async fn ping(&self) -> StoreResult<()>;

    async fn create_account(
        &self,
        name: &str,
        number: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Account>;
    async fn count_accounts(&self) -> StoreResult<i64>;
    async fn get_account(&self, id: Uuid) -> StoreResult<Option<Account>>;
    async fn get_account_by_number(&self, number: i64) -> StoreResult<Option<Account>>;

    async fn create_api_key(
        &self,
        key: &ApiKey,
        key_hash: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn find_api_key(&self, key_hash: &[u8]) -> StoreResult<Option<ApiKey>>;
    async fn revoke_api_key(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool>;

    async fn insert_connection(
        &self,
        connection: &Connection,
        events: &[NewEvent],
    ) -> StoreResult<()>;
    async fn get_connection(&self, account_id: Uuid, id: Uuid) -> StoreResult<Option<Connection>>;
    async fn list_connections(&self, account_id: Uuid, page: Page) -> StoreResult<Vec<Connection>>;
    /// Replaces name, config, secrets, data key, end user, metadata and `updated_at`.
    async fn update_connection(
        &self,
        connection: &Connection,
        events: &[NewEvent],
    ) -> StoreResult<bool>;
    async fn record_check(
        &self,
        account_id: Uuid,
        id: Uuid,
        check: &LastCheck,
        events: &[NewEvent],
    ) -> StoreResult<bool>;
    async fn delete_connection(
        &self,
        account_id: Uuid,
        id: Uuid,
        events: &[NewEvent],
    ) -> StoreResult<bool>;
    /// Stores a new invitation with its events and the emails that carry its link, in one
    /// transaction; with an idempotency key, nothing at all if the key is taken.
    async fn insert_invitation(
        &self,
        invitation: &Invitation,
        token_hash: &[u8],
        events: &[NewEvent],
        emails: &[OutboxEmail],
        idempotency: Option<&IdempotentResponse>,
    ) -> StoreResult<Inserted>;
    async fn get_idempotent_response(
        &self,
        account_id: Uuid,
        key: &str,
    ) -> StoreResult<Option<IdempotentResponse>>;
    async fn get_invitation(&self, account_id: Uuid, id: Uuid) -> StoreResult<Option<Invitation>>;
    async fn list_invitations(
        &self,
        account_id: Uuid,
        filter: &InvitationFilter,
        now: DateTime<Utc>,
        page: Page,
    ) -> StoreResult<Vec<Invitation>>;
    /// Marks the invitation revoked if it is not yet; `false` when it already was.
    async fn revoke_invitation(
        &self,
        account_id: Uuid,
        id: Uuid,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> StoreResult<bool>;
    async fn created_connections(
        &self,
        invitation_ids: &[Uuid],
    ) -> StoreResult<Vec<CreatedConnection>>;

    /// Data keys (of connections, idempotent replies and pending emails) not wrapped by
    /// `key_id`, at most `limit` of each kind.
    async fn data_keys_not_under(
        &self,
        key_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<(KeyHolder, WrappedKey)>>;
    /// Swaps a wrapped data key if it is still `old` (rotation runs online).
    async fn replace_data_key(
        &self,
        holder: &KeyHolder,
        old: &WrappedKey,
        new: &WrappedKey,
    ) -> StoreResult<bool>;

    async fn find_invitation_by_token(&self, token_hash: &[u8]) -> StoreResult<Option<Invitation>>;
    /// Marks the invitation opened and writes `event` (its `invitation.opened`), unless it was
    /// opened before: once, however many guests open it at the same time. `false` when it
    /// already was.
    async fn mark_invitation_opened(
        &self,
        invitation_id: Uuid,
        at: DateTime<Utc>,
        event: &NewEvent,
    ) -> StoreResult<bool>;
    /// Stores a session that lived in its cookie so far; nothing if its row exists already.
    async fn create_guest_session(&self, session: &GuestSession) -> StoreResult<()>;
    /// The invitation a session cookie names, with the session's row when it has one (bound to
    /// that invitation).
    async fn get_guest_session(
        &self,
        id_hash: &[u8],
        invitation_id: Uuid,
    ) -> StoreResult<Option<(Option<GuestSession>, Invitation)>>;
    async fn set_session_language(&self, id_hash: &[u8], language: &str) -> StoreResult<()>;
    /// Remembers the connector the guest picked for a category invitation.
    async fn set_session_connector(&self, id_hash: &[u8], connector: &str) -> StoreResult<()>;
    /// Replaces the session's email code and remembers the address; `email` (the message
    /// carrying the code) is queued in the same transaction when the address is allowed. Atomic
    /// with the limits: nothing is written, and the reason comes back, when the invitation's
    /// email step is locked, when `sent` (the code asked, for its address) is over `limit`, or
    /// when the session's code was created after `replaceable_before` (the resend rule).
    #[allow(clippy::too_many_arguments)]
    async fn save_email_code(
        &self,
        session_hash: &[u8],
        pending_email: &str,
        code: &EmailCode,
        replaceable_before: DateTime<Utc>,
        email: Option<&OutboxEmail>,
        sent: &GuestAttempt,
        limit: &AttemptLimit,
    ) -> StoreResult<CodeSaved>;
    async fn get_email_code(&self, session_hash: &[u8]) -> StoreResult<Option<EmailCode>>;
    /// Takes one try of the session's code, atomically, if fewer than `max` were taken: the
    /// tries taken before this one, or `None` when there is no code or no try left.
    async fn take_code_attempt(&self, session_hash: &[u8], max: i32) -> StoreResult<Option<i32>>;
    /// Proves the address by replacing the session: the old row is marked replaced (its cookie
    /// then opens nothing), `session` (a new id, the address proven) is stored, the code and
    /// the invitation-wide try `tried` are dropped, `event` (`invitation.email_verified`) is
    /// written. `false`, and nothing written, when the old session was replaced already.
    async fn verify_session_email(
        &self,
        old_hash: &[u8],
        session: &GuestSession,
        tried: Uuid,
        now: DateTime<Utc>,
        event: &NewEvent,
    ) -> StoreResult<bool>;

    /// When the invitation's lock of `scope` ends (perhaps in the past), if it was ever set.
    async fn invitation_lock(
        &self,
        invitation_id: Uuid,
        scope: LockScope,
    ) -> StoreResult<Option<DateTime<Utc>>>;
    /// Attempts of `kind` on the invitation (for one address, with `email_hash`) after `since`.
    async fn count_attempts(
        &self,
        invitation_id: Uuid,
        kind: AttemptKind,
        email_hash: Option<&[u8]>,
        since: DateTime<Utc>,
    ) -> StoreResult<i64>;
    /// Counts `attempt` against `limit` as the limit decides, with `events`; when the count
    /// reaches a locking limit, locks the scope and writes `locked` (`invitation.locked`), once.
    /// Atomic across sessions and nodes: counts of one invitation and scope are taken one at a
    /// time (a row lock on PostgreSQL, the single writer on SQLite).
    async fn take_attempt(
        &self,
        attempt: &GuestAttempt,
        limit: &AttemptLimit,
        events: &[NewEvent],
        locked: &NewEvent,
    ) -> StoreResult<Counted>;
    /// Locks the scope of `limit` if its attempts in the window reach it and no lock is on,
    /// writing `locked` then. When the scope's lock ends, if one is on.
    async fn lock_if_reached(
        &self,
        invitation_id: Uuid,
        limit: &AttemptLimit,
        now: DateTime<Utc>,
        locked: &NewEvent,
    ) -> StoreResult<Option<DateTime<Utc>>>;
    /// Uses the invitation once and writes the connection, atomically: the conditional
    /// increment and the write commit together or not at all. `fulfilled` is written only when
    /// this use takes the last one.
    async fn use_invitation(
        &self,
        invitation_id: Uuid,
        now: DateTime<Utc>,
        write: ConnectionWrite<'_>,
        events: &[NewEvent],
        fulfilled: &NewEvent,
    ) -> StoreResult<Use>;

    async fn enqueue_email(&self, email: &OutboxEmail) -> StoreResult<()>;
    /// Claims up to `limit` unsent emails due by `now` whose lease is free or expired, oldest
    /// first, for `node` until `now + lease`: in one statement, so two workers (on one database,
    /// in any number of processes) never hold the same email at once; a worker that dies leaves
    /// a lease that expires, and the email is claimed again.
    async fn claim_emails(
        &self,
        node: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: i64,
    ) -> StoreResult<Vec<OutboxEmail>>;
    /// Marks sent, drops the sealed message and the lease.
    async fn mark_email_sent(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<()>;
    /// Counts a failed attempt, keeps `error` as the last one, schedules the next attempt and
    /// drops the lease (an email already marked sent stays sent).
    async fn mark_email_failed(
        &self,
        id: Uuid,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Deletes what has no use any more: guest sessions and email codes past their expiry,
    /// guest attempts out of every window and ended locks, idempotent replies older than
    /// `replies_before`, sent emails older than `sent_before`. Returns how many rows went.
    async fn purge_expired(
        &self,
        now: DateTime<Utc>,
        replies_before: DateTime<Utc>,
        sent_before: DateTime<Utc>,
    ) -> StoreResult<u64>;

    async fn create_webhook_endpoint(&self, endpoint: &WebhookEndpoint) -> StoreResult<()>;
    async fn list_webhook_endpoints(&self, account_id: Uuid) -> StoreResult<Vec<WebhookEndpoint>>;
    async fn get_webhook_endpoint(
        &self,
        account_id: Uuid,
        id: Uuid,
    ) -> StoreResult<Option<WebhookEndpoint>>;
    /// Deletes the endpoint and what it had left to deliver.
    async fn delete_webhook_endpoint(&self, account_id: Uuid, id: Uuid) -> StoreResult<bool>;
    /// Stores rotated secrets (already sealed).
    async fn update_webhook_secrets(&self, endpoint: &WebhookEndpoint) -> StoreResult<bool>;
    /// Leases up to `limit` enabled endpoints that have a delivery due, for `node` until
    /// `until`; an endpoint is leased by one node at a time (`FOR UPDATE SKIP LOCKED` on
    /// PostgreSQL), and a lease left by a dead node expires.
    async fn claim_webhook_endpoints(
        &self,
        node: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<WebhookEndpoint>>;
    /// Extends the lease if `node` still holds it.
    async fn renew_webhook_lease(
        &self,
        id: Uuid,
        node: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    async fn release_webhook_endpoint(&self, id: Uuid, node: &str) -> StoreResult<()>;
    /// The endpoint's undelivered events in order, with their failed attempts so far and when
    /// each is due.
    async fn pending_webhook_deliveries(
        &self,
        endpoint_id: Uuid,
        limit: i64,
    ) -> StoreResult<Vec<PendingDelivery>>;
    /// Records an attempt and its outcome in one transaction.
    async fn record_webhook_attempt(
        &self,
        attempt: &WebhookAttempt,
        outcome: AttemptOutcome,
    ) -> StoreResult<()>;
    async fn list_webhook_attempts(
        &self,
        endpoint_id: Uuid,
        page: Page,
    ) -> StoreResult<Vec<WebhookAttempt>>;
    /// Undelivered webhook deliveries and unsent emails (for `/metrics`).
    async fn queue_depths(&self) -> StoreResult<(i64, i64)>;

    /// Invitations past their expiry that have not had `invitation.expired` yet.
    async fn invitations_to_expire(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<Invitation>>;
    /// Writes `event` if the invitation has not had its expiry event yet; `false` otherwise.
    async fn mark_invitation_expired(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        event: &NewEvent,
    ) -> StoreResult<bool>;

    async fn record_events(&self, events: &[NewEvent]) -> StoreResult<()>;
    async fn event_exists(&self, account_id: Uuid, id: Uuid) -> StoreResult<bool>;
    /// The account's events, oldest first, after the event with id `after`.
    async fn list_events(
        &self,
        account_id: Uuid,
        after: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<Event>>;
}

/// Opens the store a database URL names: `sqlite://...` or `postgres://...`; runs migrations.
pub async fn open(database_url: &str) -> StoreResult<Arc<dyn Store>> {
    if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(database_url).await?))
    } else {
        Ok(Arc::new(SqliteStore::connect(database_url).await?))
    }
}

pub(crate) fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {ms}")))
}
