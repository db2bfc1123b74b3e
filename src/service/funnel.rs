//! The funnel of the account's invitations (issue 13, point 7), for the API and the console's
//! start page alike.

use uuid::Uuid;

use super::{Portico, ServiceError, ServiceResult};
use crate::domain::funnel::{Funnel, MEDIAN_SAMPLE, Period, median};

impl Portico {
    /// The funnel of the invitations created in `period`, of `connector` (a catalog id) or of
    /// every connector; a stage counts whenever it was reached, up to now. An invitation whose
    /// guest picks a connector of a category names no connector, so it counts only when no
    /// connector is asked for.
    pub async fn funnel(
        &self,
        account_id: Uuid,
        period: Period,
        connector: Option<&str>,
    ) -> ServiceResult<Funnel> {
        if let Some(id) = connector
            && self.catalog.get(id).is_none()
        {
            return Err(ServiceError::invalid(
                "connector",
                "is not a connector of the catalog",
            ));
        }
        let counts = self
            .store
            .funnel(account_id, period, connector, MEDIAN_SAMPLE)
            .await?;
        let mut durations: Vec<_> = counts
            .open_to_complete
            .iter()
            .map(|(opened, completed)| (*completed - *opened).max(chrono::Duration::zero()))
            .collect();
        Ok(Funnel {
            created: counts.created,
            opened: counts.opened,
            email_verified: counts.email_verified,
            check_failed: counts.check_failed,
            completed: counts.completed,
            median_open_to_complete: median(&mut durations),
        })
    }
}
