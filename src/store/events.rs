//! The account's events: written with the change they report, read in order.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreResult;
use crate::domain::event::{Event, NewEvent};
use crate::domain::funnel::Period;

/// The funnel's counts (see `domain::funnel`) and, for the median, the first opening and the
/// first completion of at most `sample` completed invitations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunnelCounts {
    pub created: i64,
    pub opened: i64,
    pub email_verified: i64,
    pub check_failed: i64,
    pub completed: i64,
    /// (first `invitation.opened`, first completion), of completed invitations.
    pub open_to_complete: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

#[async_trait]
pub trait EventStore: Send + Sync {
    async fn record_events(&self, events: &[NewEvent]) -> StoreResult<()>;
    async fn get_event(&self, account_id: Uuid, id: Uuid) -> StoreResult<Option<Event>>;
    /// The account's events, oldest first, after the event with id `after`.
    async fn list_events(
        &self,
        account_id: Uuid,
        after: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<Event>>;
    /// The events about one invitation, oldest first, at most `limit`: its own
    /// (`invitation.*`, whose `data` is the invitation) and those naming it as
    /// `data.invitation_id` (connections created or updated through it, failed checks,
    /// renewal requests).
    async fn invitation_events(
        &self,
        account_id: Uuid,
        invitation_id: Uuid,
        limit: i64,
    ) -> StoreResult<Vec<Event>>;
    /// The account's events newest first, older than the event with id `before` (an id that
    /// is not one of the account's events names nothing: no events), only those of type
    /// `kind` when given, at most `limit`: the console's list.
    async fn recent_events(
        &self,
        account_id: Uuid,
        kind: Option<&str>,
        before: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<Event>>;

    /// The funnel of the invitations created in `period` (of `connector`, if given), read
    /// from their events: `invitation.created` makes the cohort, `invitation.opened`,
    /// `invitation.email_verified` and `connection.check_failed` their stages, and the first
    /// `connection.created`, `connection.updated` or `invitation.fulfilled` their completion.
    async fn funnel(
        &self,
        account_id: Uuid,
        period: Period,
        connector: Option<&str>,
        sample: i64,
    ) -> StoreResult<FunnelCounts>;
}
