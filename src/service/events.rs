//! Reading the account's events (the outbox), oldest first after a cursor.

use uuid::Uuid;

use super::{Portico, Resource, ServiceError, ServiceResult};
use crate::domain::event::{Event, EventType};

impl Portico {
    pub async fn list_events(
        &self,
        account_id: Uuid,
        after: Option<Uuid>,
        limit: i64,
    ) -> ServiceResult<Vec<Event>> {
        let events = self.store.list_events(account_id, after, limit).await?;
        if events.is_empty()
            && let Some(after) = after
        {
            // An unknown cursor would silently read as "no new events"; say so instead.
            if self.store.get_event(account_id, after).await?.is_none() {
                return Err(ServiceError::invalid(
                    "after",
                    "is not an event of this account",
                ));
            }
        }
        Ok(events)
    }

    /// One of the account's events; another account's is not found.
    pub async fn get_event(&self, account_id: Uuid, id: Uuid) -> ServiceResult<Event> {
        self.store
            .get_event(account_id, id)
            .await?
            .ok_or(ServiceError::NotFound(Resource::Event))
    }

    /// The events about one of the account's invitations, oldest first, at most `limit` (its
    /// timeline); another account's invitation is not found.
    pub async fn invitation_events(
        &self,
        account_id: Uuid,
        invitation_id: Uuid,
        limit: i64,
    ) -> ServiceResult<Vec<Event>> {
        if self
            .store
            .get_invitation(account_id, invitation_id)
            .await?
            .is_none()
        {
            return Err(ServiceError::NotFound(Resource::Invitation));
        }
        Ok(self
            .store
            .invitation_events(account_id, invitation_id, limit)
            .await?)
    }

    /// The account's events newest first, of one type when `kind` is given, older than the
    /// event `before`, at most `limit` (the console's list). An unknown cursor lists nothing.
    pub async fn recent_events(
        &self,
        account_id: Uuid,
        kind: Option<EventType>,
        before: Option<Uuid>,
        limit: i64,
    ) -> ServiceResult<Vec<Event>> {
        Ok(self
            .store
            .recent_events(account_id, kind.map(EventType::as_str), before, limit)
            .await?)
    }
}
