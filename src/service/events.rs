//! Reading the account's events (the outbox), oldest first after a cursor.

use uuid::Uuid;

use super::{Portico, ServiceError, ServiceResult};
use crate::domain::event::Event;

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
            if !self.store.event_exists(account_id, after).await? {
                return Err(ServiceError::invalid(
                    "after",
                    "is not an event of this account",
                ));
            }
        }
        Ok(events)
    }
}
