//! The account's API keys in the console (issue 13, point 6), owners only: the list (prefix,
//! scopes, created, revoked), a new key with the scopes ticked (the key is shown once: only its
//! hash is kept), and revoke. The role rule and the key rules are the service's
//! (`Portico::list_api_keys`, `create_account_api_key`, `revoke_account_api_key`); revoking
//! forgets the key in this process's key cache, so it stops working at once.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;

use super::invitation_pages::TimeView;
use super::session::Signed;
use super::views::ConsolePage;
use super::{html, see_other, service_failed};
use crate::domain::account::Scope;
use crate::http::AppState;
use crate::secret::Secret;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/api-keys", get(list).post(create))
        .route(
            "/console/api-keys/{id}/revoke",
            get(back_to_list).post(revoke),
        )
}

/// A key as the list shows it: its prefix, never the key.
pub struct KeyRow {
    pub id: String,
    pub prefix: String,
    pub scopes: Vec<&'static str>,
    pub created: TimeView,
    pub revoked: Option<TimeView>,
}

/// A scope's checkbox in the new-key form.
pub struct ScopeChoice {
    pub value: &'static str,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "console/api_keys.html")]
pub struct KeysPage {
    pub page: ConsolePage,
    pub keys: Vec<KeyRow>,
    pub scopes: Vec<ScopeChoice>,
    /// The key just made, shown this once.
    pub created: Option<String>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

/// The label of a scope checkbox: what a key with it may do, in the user's language.
fn scope_label(page: &ConsolePage, scope: Scope) -> String {
    page.t(&format!(
        "console-keys-scope-{}",
        scope.as_str().replace(':', "-")
    ))
}

async fn render(
    signed: &Signed,
    status: StatusCode,
    ticked: &[Scope],
    created: Option<Secret<String>>,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let frame = signed.page("console-keys-title").at("/console/api-keys");
    let listed = match signed.state.portico.list_api_keys(&signed.user).await {
        Ok(keys) => keys,
        Err(e) => return service_failed(frame, e),
    };
    let keys = listed
        .into_iter()
        .map(|k| KeyRow {
            id: k.key.id.to_string(),
            prefix: k.key.prefix,
            scopes: k.key.scopes.iter().map(|s| s.as_str()).collect(),
            created: TimeView::of(k.created_at),
            revoked: k.revoked_at.map(TimeView::of),
        })
        .collect();
    let scopes = Scope::ALL
        .into_iter()
        .map(|s| ScopeChoice {
            value: s.as_str(),
            label: scope_label(&frame, s),
            checked: ticked.contains(&s),
        })
        .collect();
    html(
        status,
        KeysPage {
            keys,
            scopes,
            created: created.map(|k| k.expose().clone()),
            error,
            notice,
            page: frame,
        },
    )
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    done: Option<String>,
}

/// `GET /console/api-keys`.
async fn list(signed: Signed, query: Query<ListQuery>) -> Response {
    let notice = (query.done.as_deref() == Some("revoked"))
        .then(|| crate::i18n::t(signed.lang, "console-keys-revoked"));
    render(
        &signed,
        StatusCode::OK,
        &Scope::standard(),
        None,
        None,
        notice,
    )
    .await
}

/// `POST /console/api-keys`: `scope`, once per ticked box; at least one.
async fn create(signed: Signed, headers: HeaderMap, body: Bytes) -> Response {
    let form = match signed.form(&headers, &body) {
        Ok(form) => form,
        Err(response) => return response,
    };
    let scopes: Vec<Scope> = form.values("scope").filter_map(Scope::parse).collect();
    if scopes.is_empty() {
        let error = crate::i18n::t(signed.lang, "console-keys-no-scope");
        return render(
            &signed,
            StatusCode::UNPROCESSABLE_ENTITY,
            &[],
            None,
            Some(error),
            None,
        )
        .await;
    }
    match signed
        .state
        .portico
        .create_account_api_key(&signed.user, scopes.clone())
        .await
    {
        Ok((_, key)) => render(&signed, StatusCode::CREATED, &scopes, Some(key), None, None).await,
        Err(e) => service_failed(signed.page("console-keys-title"), e),
    }
}

/// `POST /console/api-keys/{id}/revoke`.
async fn revoke(
    signed: Signed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) = signed.form(&headers, &body) {
        return response;
    }
    let frame = signed.page("console-keys-title");
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return service_failed(
            frame,
            crate::service::ServiceError::NotFound(crate::service::Resource::ApiKey),
        );
    };
    match signed
        .state
        .portico
        .revoke_account_api_key(&signed.user, id)
        .await
    {
        Ok(_) => see_other("/console/api-keys?done=revoked"),
        Err(e) => service_failed(frame, e),
    }
}

/// `GET` on a form's action (a reload after posting): back to the list.
async fn back_to_list(_signed: Signed) -> Response {
    see_other("/console/api-keys")
}
