//! OAuth apps: the client an account registered at a vendor, one per connector.

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreResult;
use crate::domain::oauth::OAuthApp;

#[async_trait]
pub trait OAuthAppStore: Send + Sync {
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
}
