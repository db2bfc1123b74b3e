//! The funnel on the console's start page (issue 13, point 7). Not built yet.

use axum::Router;

use crate::http::AppState;

/// This module's routes, merged into the console's router.
pub fn routes() -> Router<AppState> {
    Router::new()
}
