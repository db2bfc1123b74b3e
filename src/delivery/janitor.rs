//! Housekeeping: expired guest sessions and codes, day-old idempotent replies and week-old sent
//! emails are deleted, and the rate limiters forget idle keys.

use chrono::Duration;
use std::sync::Arc;
use tokio::task::JoinHandle;

use crate::http::pages::GuestLimits;
use crate::service::Portico;

const EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// How long a retry with the same `Idempotency-Key` replays the first response.
pub const IDEMPOTENCY_WINDOW: Duration = Duration::hours(24);

pub fn spawn(portico: Portico, limits: Arc<GuestLimits>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            let now = portico.now();
            match portico
                .store
                .purge_expired(now, now - IDEMPOTENCY_WINDOW, now - Duration::days(7))
                .await
            {
                Ok(n) => tracing::debug!(rows = n, "purged expired rows"),
                Err(e) => tracing::warn!(error = %e, "purging expired rows failed"),
            }
            limits.forget_idle();
        }
    })
}
