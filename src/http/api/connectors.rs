//! `GET /v1/connectors[/{id}]`: the catalog.

use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::List;
use crate::domain::connector::ConnectorSpec;
use crate::http::AppState;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiPath, Owner};

/// Every connector of the catalog, sorted by id.
#[utoipa::path(get, path = "/v1/connectors", tag = "connectors",
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = List<ConnectorSpec>), (status = 401, body = Problem)))]
async fn list_connectors(
    State(state): State<AppState>,
    _owner: Owner,
) -> axum::Json<List<ConnectorSpec>> {
    axum::Json(List {
        data: state.portico.catalog.all().cloned().collect(),
        next_cursor: None,
    })
}

/// One connector: its fields and check.
#[utoipa::path(get, path = "/v1/connectors/{id}", tag = "connectors",
    params(("id" = String, Path, description = "Connector id, e.g. `postgres`")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = ConnectorSpec), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
async fn get_connector(
    State(state): State<AppState>,
    _owner: Owner,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::Json<ConnectorSpec>, ApiError> {
    state
        .portico
        .catalog
        .get(&id)
        .cloned()
        .map(axum::Json)
        .ok_or_else(|| ApiError::NotFound("no such connector".into()))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_connectors))
        .routes(routes!(get_connector))
}
