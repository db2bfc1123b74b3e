//! Invitations: their creation (with an idempotency key), the owner's reads, the guest's
//! opening and use, and the expiry worker's reads.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{OutboxEmail, Page, StoreResult};
use crate::crypto::WrappedKey;
use crate::domain::connection::Connection;
use crate::domain::event::NewEvent;
use crate::domain::guest::GuestSession;
use crate::domain::invitation::{Invitation, InvitationKind, InvitationStatus};
use crate::domain::result::ResultCode;
use crate::domain::values::TokenHash;

#[derive(Debug, Clone, Default)]
pub struct InvitationFilter {
    pub status: Option<InvitationStatus>,
    pub kind: Option<InvitationKind>,
    pub connector: Option<String>,
    /// `true`: only those with an open renewal request; `false`: only those without.
    pub renewal_requested: Option<bool>,
    /// Only those whose connection name, `end_user.email` or an allowed email contains it
    /// (any case; `%` and `_` match themselves).
    pub q: Option<String>,
    /// Only those newer than this id, the page just before it (the console's "Newer"): the
    /// page's `before` is then ignored, and the page still comes newest first.
    pub after: Option<Uuid>,
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

/// Whether an insert guarded by an idempotency key went in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    Yes,
    /// Another request holds this idempotency key; nothing was written.
    KeyTaken,
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

/// One use of an invitation by a guest's submission: everything it writes, all or nothing.
#[derive(Debug, Clone, Copy)]
pub struct InvitationUse<'a> {
    pub invitation_id: Uuid,
    pub at: DateTime<Utc>,
    pub write: ConnectionWrite<'a>,
    /// The completion's result code.
    pub result: &'a ResultCode,
    pub events: &'a [NewEvent],
    /// Written only when this use takes the last one.
    pub fulfilled: &'a NewEvent,
    /// The guest's session while it has no row: stored with the use, so that a submission
    /// waits on one commit.
    pub session: Option<&'a GuestSession>,
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

#[async_trait]
pub trait InvitationStore: Send + Sync {
    /// Stores a new invitation with its events and the emails that carry its link, in one
    /// transaction; with an idempotency key, nothing at all if the key is taken.
    async fn insert_invitation(
        &self,
        invitation: &Invitation,
        token_hash: &TokenHash,
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
    /// A resend, in one transaction: stores `renewed` (an invitation whose `renewed_from` names
    /// the old one) with its `created` events and emails, clears the old one's renewal request,
    /// and revokes the old one, writing `revoked` only if it was not revoked yet.
    async fn resend_invitation(
        &self,
        renewed: &Invitation,
        token_hash: &TokenHash,
        created: &[NewEvent],
        revoked: &NewEvent,
        emails: &[OutboxEmail],
    ) -> StoreResult<()>;
    /// Records a guest's renewal request (`renewal_requested_at` and `event`) if the invitation
    /// is expired or fulfilled, not revoked, and had none within the hour; `false`, and
    /// nothing written, otherwise.
    async fn record_renewal_request(
        &self,
        invitation_id: Uuid,
        now: DateTime<Utc>,
        event: &NewEvent,
    ) -> StoreResult<bool>;
    async fn created_connections(
        &self,
        invitation_ids: &[Uuid],
    ) -> StoreResult<Vec<CreatedConnection>>;

    async fn find_invitation_by_token(
        &self,
        token_hash: &TokenHash,
    ) -> StoreResult<Option<Invitation>>;
    /// Marks the invitation opened and writes `event` (its `invitation.opened`), unless it was
    /// opened before: once, however many guests open it at the same time. `false` when it
    /// already was.
    async fn mark_invitation_opened(
        &self,
        invitation_id: Uuid,
        at: DateTime<Utc>,
        event: &NewEvent,
    ) -> StoreResult<bool>;
    /// Uses the invitation once and writes the connection, the completion's result code, the
    /// events and the session's row, atomically: the conditional increment and the writes
    /// commit together or not at all.
    async fn use_invitation(&self, using: InvitationUse<'_>) -> StoreResult<Use>;

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
}
