//! What the store keeps of console users: the users, their sessions and password links (by
//! hash), and the wrong passwords that lock a user's sign-in.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{OutboxEmail, StoreResult};
use crate::domain::event::NewEvent;
use crate::domain::user::{ConsoleUser, LinkPurpose};
use crate::domain::values::TokenHash;

/// A user as sign-in sees it: with its password's hash and its lock.
#[derive(Debug, Clone)]
pub struct SignInRecord {
    pub user: ConsoleUser,
    pub password_hash: Option<String>,
    pub locked_until: Option<DateTime<Utc>>,
}

/// A one-time link that sets a password: a user's, or (`setup`) the first owner's.
#[derive(Debug, Clone)]
pub struct PasswordLink {
    pub token_hash: TokenHash,
    pub account_id: Uuid,
    /// `None` for a setup link.
    pub user_id: Option<Uuid>,
    pub purpose: LinkPurpose,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Stores a new user with its password's hash, or with `link` to set one (and `email`
    /// carrying it, queued in the same transaction); `Conflict` when the address is another
    /// user's.
    async fn create_user(
        &self,
        user: &ConsoleUser,
        password_hash: Option<&str>,
        link: Option<&PasswordLink>,
        email: Option<&OutboxEmail>,
    ) -> StoreResult<()>;
    async fn get_user(&self, id: Uuid) -> StoreResult<Option<ConsoleUser>>;
    async fn count_users(&self) -> StoreResult<i64>;
    async fn list_users(&self, account_id: Uuid) -> StoreResult<Vec<ConsoleUser>>;
    async fn find_user_for_sign_in(&self, email: &str) -> StoreResult<Option<SignInRecord>>;
    async fn set_user_language(&self, id: Uuid, language: &str) -> StoreResult<()>;

    /// Counts a wrong password at `now`; when the user's wrong passwords after `window_start`
    /// (this one included) reach `limit` and no lock is on, locks sign-in until `lock_until`,
    /// forgets the counted ones and writes `locked`. One at a time per user (a row lock on
    /// PostgreSQL, the single writer on SQLite). The lock's end, when this one set it.
    async fn count_wrong_password(
        &self,
        user_id: Uuid,
        now: DateTime<Utc>,
        window_start: DateTime<Utc>,
        limit: i64,
        lock_until: DateTime<Utc>,
        locked: &NewEvent,
    ) -> StoreResult<Option<DateTime<Utc>>>;

    /// A session for the user, after its counted wrong passwords are forgotten.
    async fn create_console_session(
        &self,
        token_hash: &TokenHash,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The user of a session last seen after `idle_since`, and when it was last seen.
    async fn get_console_session(
        &self,
        token_hash: &TokenHash,
        idle_since: DateTime<Utc>,
    ) -> StoreResult<Option<(ConsoleUser, DateTime<Utc>)>>;
    async fn touch_console_session(
        &self,
        token_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn delete_console_session(&self, token_hash: &TokenHash) -> StoreResult<()>;

    /// Stores the link, with `email` carrying it queued in the same transaction.
    async fn create_password_link(
        &self,
        link: &PasswordLink,
        email: Option<&OutboxEmail>,
    ) -> StoreResult<()>;
    /// An unused link that has not expired at `now`, with its user (none for a setup link).
    async fn peek_password_link(
        &self,
        token_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(PasswordLink, Option<ConsoleUser>)>>;
    /// Uses the link once. A user's link sets its password's hash, lifts a lock, forgets wrong
    /// passwords and ends every session and other link of the user; a setup link stores
    /// `new_user` with the hash (`Conflict` when its address is taken). `None`, and nothing
    /// written, when the link is unknown, used or expired.
    async fn use_password_link(
        &self,
        token_hash: &TokenHash,
        now: DateTime<Utc>,
        password_hash: &str,
        new_user: &ConsoleUser,
    ) -> StoreResult<Option<ConsoleUser>>;
}
