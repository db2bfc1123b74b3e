//! HTTP: the router (native API, compatible APIs, guest pages, health, OpenAPI), its
//! middleware, and the server loop.

pub(crate) mod api;
pub(crate) mod compat;
pub(crate) mod console;
pub(crate) mod error;
pub(crate) mod extract;
mod metrics;
mod openapi;
pub(crate) mod pages;
mod request_id;
mod server;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state, map_request};
use std::sync::Arc;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::service::Portico;
use error::ApiError;

/// Request bodies above this are refused with 413.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// What every handler reads: one `Arc`, since axum clones the state for each request and for
/// each layer that takes it (a clone of the parts was a dozen atomic counts up and down per
/// clone, 3% of create's CPU in a profile).
#[derive(Clone)]
pub struct AppState(Arc<AppParts>);

pub struct AppParts {
    pub portico: Portico,
    pub metrics: Arc<metrics_exporter_prometheus::PrometheusHandle>,
    pub guest_limits: Arc<pages::GuestLimits>,
}

impl AppState {
    pub fn new(parts: AppParts) -> AppState {
        AppState(Arc::new(parts))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppParts;
    fn deref(&self) -> &AppParts {
        &self.0
    }
}

fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(api::health::router())
        .merge(api::connectors::router())
        .merge(api::invitations::router())
        .merge(api::connections::router())
        .merge(api::events::router())
        .merge(api::funnel::router())
        .merge(api::results::router())
        .merge(api::webhooks::router())
        .merge(api::oauth_apps::router())
        .merge(api::account::router())
        .merge(compat::kondado::router())
        .merge(compat::kombo::router())
        .merge(compat::nectar::router())
}

/// The OpenAPI 3.1 document, generated from the handlers' annotations.
pub fn openapi() -> utoipa::openapi::OpenApi {
    openapi::finish(api().split_for_parts().1)
}

pub fn router(state: AppState) -> Router {
    let (router, openapi) = api().split_for_parts();
    let openapi = Arc::new(openapi::finish(openapi));
    router
        .merge(pages::router(state.clone()))
        .merge(console::router())
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let openapi = openapi.clone();
                async move { axum::Json(openapi.as_ref().clone()) }
            }),
        )
        .fallback(|| async { ApiError::NotFound("no such route".into()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(from_fn_with_state(state.clone(), server::request_timeout))
        .layer(from_fn(metrics::track))
        .layer(from_fn_with_state(state.clone(), server::resolve_client))
        .layer(from_fn(request_id::in_span))
        .layer(PropagateRequestIdLayer::new(request_id::X_REQUEST_ID))
        .layer(SetRequestIdLayer::new(
            request_id::X_REQUEST_ID,
            MakeRequestUuid,
        ))
        .layer(map_request(request_id::drop_unsafe))
        .with_state(state)
}

pub use metrics::prometheus_handle;
pub use server::{ClientIp, serve};
