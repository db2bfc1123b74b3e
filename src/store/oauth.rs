//! OAuth: the client an account registered at a vendor (one app per connector), and the flows
//! under way (a guest sent to the vendor, until the callback takes its state once).

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreResult;
use chrono::{DateTime, Utc};

use crate::domain::guest::GuestSession;
use crate::domain::oauth::{OAuthApp, OAuthState};
use crate::domain::values::TokenHash;

#[async_trait]
pub trait OAuthStore: Send + Sync {
    /// Stores the account's app for its connector, replacing the one it had (whose
    /// `created_at` stays); `true` when there was none.
    async fn put_oauth_app(&self, app: &OAuthApp) -> StoreResult<bool>;
    async fn get_oauth_app(
        &self,
        account_id: Uuid,
        connector: &str,
    ) -> StoreResult<Option<OAuthApp>>;
    /// The account's apps, by connector.
    async fn list_oauth_apps(&self, account_id: Uuid) -> StoreResult<Vec<OAuthApp>>;
    /// `false` when the account had no app for the connector.
    async fn delete_oauth_app(&self, account_id: Uuid, connector: &str) -> StoreResult<bool>;

    /// Stores a flow under way, with the row of a guest `session` that has none yet, in one
    /// transaction.
    async fn start_oauth(
        &self,
        state: &OAuthState,
        session: Option<&GuestSession>,
    ) -> StoreResult<()>;
    /// Takes the flow of `state_hash` if the session `session_hash` began it and it has not
    /// expired at `now`: deleted as it is read, so two callbacks with one state get it once.
    /// Another session's attempt takes nothing and leaves it.
    async fn take_oauth_state(
        &self,
        state_hash: &TokenHash,
        session_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<OAuthState>>;
}
