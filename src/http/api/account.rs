//! `/v1/account`: the settings of the API key's own account (name, number, embed origins,
//! branding).

use axum::extract::{DefaultBodyLimit, State};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::domain::account::{Account, AccountPatch, Scope};
use crate::http::AppState;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiJson, Owner};

/// The body limit of `/v1/account` alone: a 256 KiB logo is about 342 KiB in base64, and the
/// JSON around it is small. Every other route keeps `http::BODY_LIMIT_BYTES`.
pub const ACCOUNT_BODY_LIMIT_BYTES: usize = 400 * 1024;

/// The account's branding as guest pages and emails show it; the logo by URL, never its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BrandingObject {
    #[schema(example = "Acme")]
    pub display_name: Option<String>,
    /// `#rrggbb`, lowercase.
    #[schema(example = "#0a7d5a")]
    pub primary_color: Option<String>,
    /// `{public_url}/g/assets/logos/{sha256}`: the logo, cacheable forever.
    pub logo_url: Option<String>,
}

/// The key's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = Account)]
pub struct AccountObject {
    pub id: Uuid,
    /// Positive integer, unique; Kondado's `client_id`.
    pub number: i64,
    pub name: String,
    /// The origins whose pages may frame this account's guest pages.
    #[schema(example = json!(["https://app.example.com"]))]
    pub embed_origins: Vec<String>,
    pub branding: BrandingObject,
}

impl AccountObject {
    pub fn new(account: Account, public_url: &str) -> AccountObject {
        let branding = &account.branding;
        AccountObject {
            branding: BrandingObject {
                display_name: branding
                    .display_name
                    .as_ref()
                    .map(|n| n.as_str().to_string()),
                primary_color: branding.primary_color.map(|c| c.css()),
                logo_url: branding
                    .logo_path()
                    .map(|path| format!("{public_url}{path}")),
            },
            embed_origins: account
                .embed_origins
                .iter()
                .map(|o| o.as_str().to_string())
                .collect(),
            id: account.id,
            number: account.number,
            name: account.name,
        }
    }
}

/// The key's account.
#[utoipa::path(get, path = "/v1/account", tag = "account",
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = AccountObject), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
async fn get_account(
    State(state): State<AppState>,
    owner: Owner,
) -> Result<axum::Json<AccountObject>, ApiError> {
    let account_id = owner.require(Scope::AccountRead)?;
    let account = state.portico.account(account_id).await?;
    Ok(axum::Json(AccountObject::new(
        account,
        &state.portico.settings.public_url,
    )))
}

/// Changes the key's account: the fields given replace, the others stay. A `number` another
/// account holds is a 409. `branding.logo` is a data URL of a PNG or JPEG of at most 256 KiB
/// (the body of this route may be up to 400 KiB); a bad part of the branding is a 422 naming
/// it (`branding.logo`), and nothing changes.
#[utoipa::path(patch, path = "/v1/account", tag = "account",
    request_body = AccountPatch,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = AccountObject), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn update_account(
    State(state): State<AppState>,
    owner: Owner,
    ApiJson(patch): ApiJson<AccountPatch>,
) -> Result<axum::Json<AccountObject>, ApiError> {
    let account_id = owner.require(Scope::AccountWrite)?;
    let account = state.portico.update_account(account_id, patch).await?;
    Ok(axum::Json(AccountObject::new(
        account,
        &state.portico.settings.public_url,
    )))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_account, update_account))
        .layer(DefaultBodyLimit::max(ACCOUNT_BODY_LIMIT_BYTES))
}
