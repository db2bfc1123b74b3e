//! The owner's reads and writes of connections, each write with its events.

use async_trait::async_trait;
use uuid::Uuid;

use super::{Page, StoreResult};
use crate::domain::connection::{Connection, LastCheck};
use crate::domain::event::NewEvent;
use crate::domain::invitation::DuplicateKey;

#[async_trait]
pub trait ConnectionStore: Send + Sync {
    async fn insert_connection(
        &self,
        connection: &Connection,
        events: &[NewEvent],
    ) -> StoreResult<()>;
    async fn get_connection(&self, account_id: Uuid, id: Uuid) -> StoreResult<Option<Connection>>;
    async fn list_connections(&self, account_id: Uuid, page: Page) -> StoreResult<Vec<Connection>>;
    /// The account's newest connection of this connector and direction whose end user has
    /// this `origin_id`, if any: the duplicate `on_duplicate` looks for.
    async fn find_duplicate_connection(
        &self,
        account_id: Uuid,
        key: &DuplicateKey,
    ) -> StoreResult<Option<Connection>>;
    /// Replaces name, config, secrets, data key, end user, metadata, `enabled` and `updated_at`.
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
}
