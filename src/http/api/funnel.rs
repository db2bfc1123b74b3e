//! `GET /v1/funnel`: of the invitations created in a period, how many were opened, had their
//! email verified, had a failed check and were completed (see `domain::funnel`).

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::FieldError;
use crate::domain::account::Scope;
use crate::domain::funnel::{Funnel, Period};
use crate::http::AppState;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiQuery, Owner};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FunnelQuery {
    /// RFC 3339; the invitations created at or after it. Default: 30 days before `to`.
    pub from: Option<String>,
    /// RFC 3339; the invitations created before it. Default: now.
    pub to: Option<String>,
    /// A connector id of the catalog; default: every connector.
    pub connector: Option<String>,
}

/// The funnel of the invitations created in `[from, to)`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelObject {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The connector asked for; `null`: every connector.
    pub connector: Option<String>,
    /// Invitations created in the period: the cohort the other counts are of.
    pub created: i64,
    /// Of them, opened at least once.
    pub opened: i64,
    /// Of them, with the guest's email address verified.
    pub email_verified: i64,
    /// Of them, with at least one failed connector check (a side count, not a stage after
    /// `email_verified`).
    pub check_failed: i64,
    /// Of them, that created or updated a connection.
    pub completed: i64,
    /// The median, over the completed ones, of the seconds from the first opening to the
    /// first completion; `null` when none completed.
    pub median_open_to_complete_seconds: Option<i64>,
}

fn time(field: &str, raw: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    raw.filter(|s| !s.is_empty())
        .map(|s| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    ApiError::Validation(vec![FieldError::new(
                        field,
                        "is not an RFC 3339 time (e.g. 2026-11-01T00:00:00Z)",
                    )])
                })
        })
        .transpose()
}

/// The funnel of the invitations created in a period, stage by stage: each stage counts
/// invitations, not events, and counts a stage reached at any time up to now (an invitation
/// created on the period's last day and completed after it is completed). An invitation whose guest picks a connector of a category names no
/// connector: it counts only when no `connector` is given.
#[utoipa::path(get, path = "/v1/funnel", tag = "funnel",
    params(FunnelQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = FunnelObject), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
async fn get_funnel(
    State(state): State<AppState>,
    owner: Owner,
    ApiQuery(query): ApiQuery<FunnelQuery>,
) -> Result<axum::Json<FunnelObject>, ApiError> {
    let account_id = owner.require(Scope::EventsRead)?;
    let from = time("from", query.from.as_deref())?;
    let to = time("to", query.to.as_deref())?;
    let period = Period::resolve(from, to, state.portico.now())
        .ok_or_else(|| ApiError::Validation(vec![FieldError::new("from", "must be before to")]))?;
    let connector = query.connector.filter(|c| !c.is_empty());
    let funnel: Funnel = state
        .portico
        .funnel(account_id, period, connector.as_deref())
        .await?;
    Ok(axum::Json(FunnelObject {
        from: period.from,
        to: period.to,
        connector,
        created: funnel.created,
        opened: funnel.opened,
        email_verified: funnel.email_verified,
        check_failed: funnel.check_failed,
        completed: funnel.completed,
        median_open_to_complete_seconds: funnel.median_open_to_complete.map(|d| d.num_seconds()),
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_funnel))
}
