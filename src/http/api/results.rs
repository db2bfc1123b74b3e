//! `/v1/results/exchange`: the owner's backend exchanges a completion's result code, once.

use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::account::Scope;
use crate::http::AppState;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiJson, Owner};
use crate::service::results::ExchangedResult;

/// The code the guest brought back (the `result` of the redirect).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeRequest {
    pub result: String,
}

/// Exchanges a result code for the invitation, the connection (secrets redacted) and the end
/// user, once, within ten minutes of the completion, and records `invitation.result_exchanged`.
/// Needs `connections:read`: what comes back is what that scope reads. A spent, expired,
/// unknown or other account's code is the same 404.
#[utoipa::path(post, path = "/v1/results/exchange", tag = "results",
    request_body = ExchangeRequest,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = ExchangedResult), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn exchange_result(
    State(state): State<AppState>,
    owner: Owner,
    ApiJson(request): ApiJson<ExchangeRequest>,
) -> Result<axum::Json<ExchangedResult>, ApiError> {
    let account_id = owner.require(Scope::ConnectionsRead)?;
    Ok(axum::Json(
        state
            .portico
            .exchange_result(account_id, &request.result)
            .await?,
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(exchange_result))
}
