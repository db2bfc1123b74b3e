//! The guest's side of an invitation: sessions, email codes, and the attempts counted against
//! the invitation's limits with the locks they set.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{OutboxEmail, StoreResult};
use crate::domain::event::NewEvent;
use crate::domain::guest::{AttemptKind, AttemptLimit, EmailCode, GuestSession, LockScope};
use crate::domain::invitation::Invitation;
use crate::domain::values::TokenHash;

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
pub trait GuestStore: Send + Sync {
    /// Stores a session that lived in its cookie so far; nothing if its row exists already.
    async fn create_guest_session(&self, session: &GuestSession) -> StoreResult<()>;
    /// The invitation a session cookie names, with the session's row when it has one (bound to
    /// that invitation).
    async fn get_guest_session(
        &self,
        id_hash: &TokenHash,
        invitation_id: Uuid,
    ) -> StoreResult<Option<(Option<GuestSession>, Invitation)>>;
    async fn set_session_language(&self, id_hash: &TokenHash, language: &str) -> StoreResult<()>;
    /// Remembers the connector the guest picked for a category invitation.
    async fn set_session_connector(&self, id_hash: &TokenHash, connector: &str) -> StoreResult<()>;
    /// Replaces the session's email code and remembers the address; `email` (the message
    /// carrying the code) is queued in the same transaction when the address is allowed. Atomic
    /// with the limits: nothing is written, and the reason comes back, when the invitation's
    /// email step is locked, when `sent` (the code asked, for its address) is over `limit`, or
    /// when the session's code was created after `replaceable_before` (the resend rule).
    #[allow(clippy::too_many_arguments)]
    async fn save_email_code(
        &self,
        session_hash: &TokenHash,
        pending_email: &str,
        code: &EmailCode,
        replaceable_before: DateTime<Utc>,
        email: Option<&OutboxEmail>,
        sent: &GuestAttempt,
        limit: &AttemptLimit,
    ) -> StoreResult<CodeSaved>;
    async fn get_email_code(&self, session_hash: &TokenHash) -> StoreResult<Option<EmailCode>>;
    /// Takes one try of the session's code, atomically, if fewer than `max` were taken: the
    /// tries taken before this one, or `None` when there is no code or no try left.
    async fn take_code_attempt(
        &self,
        session_hash: &TokenHash,
        max: i32,
    ) -> StoreResult<Option<i32>>;
    /// Proves the address by replacing the session: the old row is marked replaced (its cookie
    /// then opens nothing), `session` (a new id, the address proven) is stored, the code and
    /// the invitation-wide try `tried` are dropped, `event` (`invitation.email_verified`) is
    /// written. `false`, and nothing written, when the old session was replaced already.
    async fn verify_session_email(
        &self,
        old_hash: &TokenHash,
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
    /// Counts `attempt` against `limit` as the limit decides, with `events` and the row of a
    /// `session` that has none yet; when the count reaches a locking limit, locks the scope and
    /// writes `locked` (`invitation.locked`), once.
    /// Atomic across sessions and nodes: counts of one invitation and scope are taken one at a
    /// time (a row lock on PostgreSQL, the single writer on SQLite).
    async fn take_attempt(
        &self,
        attempt: &GuestAttempt,
        limit: &AttemptLimit,
        events: &[NewEvent],
        locked: &NewEvent,
        session: Option<&GuestSession>,
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
}
