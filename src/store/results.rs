//! Result codes: minted with the guest's use of an invitation (see `use_invitation`), read and
//! exchanged once by the owner's backend.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreResult;
use crate::domain::event::NewEvent;
use crate::domain::result::ResultCode;
use crate::domain::values::TokenHash;

#[async_trait]
pub trait ResultStore: Send + Sync {
    /// The account's result code with this hash, spent or not.
    async fn find_result(
        &self,
        account_id: Uuid,
        code_hash: &TokenHash,
    ) -> StoreResult<Option<ResultCode>>;
    /// Marks the code exchanged and writes `event` with it, if the account may still exchange
    /// it at `now` (`ResultCode::can_be_exchanged`): once, however many try at the same time.
    /// `false` when it may not.
    async fn exchange_result(
        &self,
        account_id: Uuid,
        code_hash: &TokenHash,
        now: DateTime<Utc>,
        event: &NewEvent,
    ) -> StoreResult<bool>;
}
