//! `GET /v1/events`: the account's events, oldest first after a cursor; and one event.

use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{List, cursor, limit};
use crate::domain::account::Scope;
use crate::domain::event::Event;
use crate::http::AppState;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiPath, ApiQuery, Owner};
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Return events after this event id (the `next_cursor` of the previous page).
    pub after: Option<String>,
    /// 1 to 100, default 20.
    pub limit: Option<i64>,
}

/// Events oldest first. `next_cursor` is the last event's id: pass it as `after` to poll for
/// newer events (it is set even on a short page, so polling can resume from it).
#[utoipa::path(get, path = "/v1/events", tag = "events",
    params(EventQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = List<Event>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list_events(
    State(state): State<AppState>,
    owner: Owner,
    ApiQuery(query): ApiQuery<EventQuery>,
) -> Result<axum::Json<List<Event>>, ApiError> {
    let account_id = owner.require(Scope::EventsRead)?;
    let after = cursor("after", query.after.as_deref())?;
    let data = state
        .portico
        .list_events(account_id, after, limit(query.limit)?)
        .await?;
    let next_cursor = data.last().map(|e| e.id).or(after).map(|id| id.to_string());
    Ok(axum::Json(List { data, next_cursor }))
}

/// One event of the account (where a Kombo-format webhook's `log_url` points).
#[utoipa::path(get, path = "/v1/events/{event_id}", tag = "events",
    params(("event_id" = Uuid, Path, description = "The event's id")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Event), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_event(
    State(state): State<AppState>,
    owner: Owner,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<Event>, ApiError> {
    let account_id = owner.require(Scope::EventsRead)?;
    Ok(axum::Json(state.portico.get_event(account_id, id).await?))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events))
        .routes(routes!(get_event))
}
