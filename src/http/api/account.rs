//! `/v1/account`: the settings of the API key's own account (name, number, embed origins).

use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::account::{Account, AccountPatch, Scope};
use crate::http::AppState;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiJson, Owner};

/// The key's account.
#[utoipa::path(get, path = "/v1/account", tag = "account",
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Account), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
async fn get_account(
    State(state): State<AppState>,
    owner: Owner,
) -> Result<axum::Json<Account>, ApiError> {
    let account_id = owner.require(Scope::AccountRead)?;
    Ok(axum::Json(state.portico.account(account_id).await?))
}

/// Changes the key's account: the fields given replace, the others stay. A `number` another
/// account holds is a 409.
#[utoipa::path(patch, path = "/v1/account", tag = "account",
    request_body = AccountPatch,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Account), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn update_account(
    State(state): State<AppState>,
    owner: Owner,
    ApiJson(patch): ApiJson<AccountPatch>,
) -> Result<axum::Json<Account>, ApiError> {
    let account_id = owner.require(Scope::AccountWrite)?;
    Ok(axum::Json(
        state.portico.update_account(account_id, patch).await?,
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_account, update_account))
}
