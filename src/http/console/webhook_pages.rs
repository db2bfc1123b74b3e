//! The account's webhook endpoints in the console (issue 13, point 6). Not built yet.

use axum::Router;

use crate::http::AppState;

/// This module's routes, merged into the console's router.
pub fn routes() -> Router<AppState> {
    Router::new()
}
