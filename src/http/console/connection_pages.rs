//! The account's connections in the console (issue 13, point 5). Not built yet.

use axum::Router;

use crate::http::AppState;

/// This module's routes, merged into the console's router.
pub fn routes() -> Router<AppState> {
    Router::new()
}
