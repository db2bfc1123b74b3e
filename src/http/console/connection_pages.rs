//! The account's connections in the console (issue 13, point 5): the list (newest first, Older
//! pages by id), one connection's page (its config without a single secret value, its last
//! check, its end user, the invitation it came from) and its three actions: run the check now,
//! create a reconnect link (the invitation `POST /v1/invitations` makes with `connection_id`,
//! shown once) and delete. Over the same services as `/v1/connections`; members may use them
//! (`Action::ManageConnections` is every role's).

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::invitation_pages::TimeView;
use super::session::Signed;
use super::views::ConsolePage;
use super::{html, message, see_other, service_failed};
use crate::domain::connection::{CheckStatus, LastCheck};
use crate::domain::invitation::EndUser;
use crate::http::AppState;
use crate::service::ServiceError;
use crate::service::views::ConnectionObject;
use crate::store::Page;

/// Rows on one page of the list.
const PAGE_SIZE: i64 = 20;

/// This module's routes, merged into the console's router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/connections", get(list))
        .route("/console/connections/{id}", get(detail))
        .route(
            "/console/connections/{id}/check",
            get(back_to_connection).post(check),
        )
        .route(
            "/console/connections/{id}/reconnect",
            get(back_to_connection).post(reconnect),
        )
        .route(
            "/console/connections/{id}/delete",
            get(back_to_connection).post(delete),
        )
}

/// A time as pages show it (as the invitation pages do).
pub(super) fn time_view(at: DateTime<Utc>) -> TimeView {
    TimeView {
        iso: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        text: at.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

fn parse_id(raw: &str) -> Option<Uuid> {
    Uuid::parse_str(raw.trim()).ok()
}

/// The last check as a badge shows it: its class and its label.
pub struct CheckView {
    pub status: &'static str,
    pub label: String,
    pub at: Option<TimeView>,
    pub message: Option<String>,
}

impl CheckView {
    fn of(page: &ConsolePage, check: Option<&LastCheck>) -> CheckView {
        match check {
            None => CheckView {
                status: "unchecked",
                label: page.t("console-conn-check-never"),
                at: None,
                message: None,
            },
            Some(check) => {
                let status = match check.status {
                    CheckStatus::Ok => "ok",
                    CheckStatus::Failed => "failed",
                };
                CheckView {
                    status,
                    label: page.t(&format!("console-conn-check-{status}")),
                    at: Some(time_view(check.checked_at)),
                    message: check.message.clone(),
                }
            }
        }
    }
}

/// Who the connection is for, in one line: email, organization, your customer id.
fn end_user_text(end_user: &EndUser) -> String {
    [
        &end_user.email,
        &end_user.organization_name,
        &end_user.origin_id,
    ]
    .into_iter()
    .flatten()
    .map(String::as_str)
    .collect::<Vec<_>>()
    .join(" · ")
}

fn connector_name(signed: &Signed, connector: &str) -> String {
    signed
        .state
        .portico
        .catalog
        .get(connector)
        .map_or_else(|| connector.to_string(), |s| s.name.clone())
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    /// Older than this id (the API's `next_cursor`).
    cursor: Option<String>,
    done: Option<String>,
}

/// A row of the list.
pub struct ConnectionRow {
    pub id: String,
    pub name: String,
    pub connector: String,
    pub check: CheckView,
    pub enabled: bool,
    pub end_user: String,
    pub created: TimeView,
}

#[derive(Template)]
#[template(path = "console/connections.html")]
pub struct ListPage {
    pub page: ConsolePage,
    pub rows: Vec<ConnectionRow>,
    pub notice: Option<String>,
    /// Whether this is a later page (then a link back to the newest is shown).
    pub paged: bool,
    pub older: Option<String>,
}

/// `GET /console/connections`: the account's connections, newest first.
pub async fn list(signed: Signed, Query(query): Query<ListQuery>) -> Response {
    let frame = signed
        .page("console-connections-title")
        .at("/console/connections");
    let before = query.cursor.as_deref().and_then(parse_id);
    // One more than a page: whether there is an older page.
    let page = Page {
        limit: PAGE_SIZE + 1,
        before,
    };
    let mut found = match signed
        .state
        .portico
        .list_connections(signed.user.account_id, page)
        .await
    {
        Ok(found) => found,
        Err(e) => return service_failed(frame, e),
    };
    let more = found.len() as i64 > PAGE_SIZE;
    if more {
        found.pop();
    }
    let older = found
        .last()
        .filter(|_| more)
        .map(|c| format!("/console/connections?cursor={}", c.id));
    let rows = found
        .iter()
        .map(|c| ConnectionRow {
            id: c.id.to_string(),
            name: c.name.clone(),
            connector: connector_name(&signed, &c.connector),
            check: CheckView::of(&frame, c.last_check.as_ref()),
            enabled: c.enabled,
            end_user: end_user_text(&c.end_user),
            created: time_view(c.created_at),
        })
        .collect();
    let notice = match query.done.as_deref() {
        Some("deleted") => Some(frame.t("console-conn-deleted-notice")),
        _ => None,
    };
    html(
        StatusCode::OK,
        ListPage {
            page: frame,
            rows,
            notice,
            paged: before.is_some(),
            older,
        },
    )
}

/// A value on the connection's page.
pub struct SettingView {
    pub label: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "console/connections_detail.html")]
pub struct DetailPage {
    pub page: ConsolePage,
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub settings: Vec<SettingView>,
    /// The non-secret config values, labelled as the guest's form labels them.
    pub config: Vec<SettingView>,
    /// The labels of the secret fields that hold a value; their values are never read here.
    pub secrets: Vec<String>,
    pub check: CheckView,
    pub invitation_id: Option<String>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    done: Option<String>,
}

/// The connection's settings, config and secret field labels, as its page shows them. The
/// config is the stored plain config only; a field the spec calls secret is left out even if
/// it were found there.
fn config_of(
    page: &ConsolePage,
    signed: &Signed,
    c: &ConnectionObject,
) -> (Vec<SettingView>, Vec<String>) {
    let spec = signed.state.portico.catalog.get(&c.connector);
    let field = |key: &str| spec.and_then(|s| s.fields.iter().find(|f| f.key == key));
    let label = |key: &str| {
        field(key)
            .and_then(|f| f.label.get(page.lang).or_else(|| f.label.get("en")))
            .cloned()
            .unwrap_or_else(|| key.to_string())
    };
    let config = c
        .config
        .iter()
        .filter(|(key, _)| !field(key).is_some_and(|f| f.secret))
        .map(|(key, value)| SettingView {
            label: label(key),
            value: match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            },
        })
        .collect();
    let secrets = c.secret_fields.iter().map(|key| label(key)).collect();
    (config, secrets)
}

fn settings_of(page: &ConsolePage, signed: &Signed, c: &ConnectionObject) -> Vec<SettingView> {
    let mut settings = Vec::new();
    let mut add = |key: &str, value: String| {
        if !value.is_empty() {
            settings.push(SettingView {
                label: page.t(key),
                value,
            });
        }
    };
    add(
        "console-conn-connector",
        connector_name(signed, &c.connector),
    );
    add(
        "console-conn-direction",
        page.t(&format!("console-direction-{}", c.direction.as_str())),
    );
    add(
        "console-conn-guest-email",
        c.end_user.email.clone().unwrap_or_default(),
    );
    add(
        "console-conn-organization",
        c.end_user.organization_name.clone().unwrap_or_default(),
    );
    add(
        "console-conn-origin-id",
        c.end_user.origin_id.clone().unwrap_or_default(),
    );
    add(
        "console-conn-environment",
        c.remote_environment.clone().unwrap_or_default(),
    );
    add(
        "console-conn-state",
        page.t(if c.enabled {
            "console-conn-enabled"
        } else {
            "console-conn-disabled"
        }),
    );
    add("console-conn-created", time_view(c.created_at).text);
    add("console-conn-updated", time_view(c.updated_at).text);
    settings
}

fn not_found(signed: &Signed) -> Response {
    message(
        StatusCode::NOT_FOUND,
        signed.page("console-not-found-title"),
        "console-not-found-title",
        &["console-not-found-body"],
    )
}

async fn detail_page(
    signed: &Signed,
    id: Uuid,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let mut frame = signed
        .page("console-connection-title")
        .at("/console/connections");
    let c = match signed
        .state
        .portico
        .get_connection(signed.user.account_id, id)
        .await
    {
        Ok(c) => c,
        Err(e) => return service_failed(frame, e),
    };
    frame.title = c.name.clone();
    let (config, secrets) = config_of(&frame, signed, &c);
    let page = DetailPage {
        id: c.id.to_string(),
        name: c.name.clone(),
        enabled: c.enabled,
        settings: settings_of(&frame, signed, &c),
        config,
        secrets,
        check: CheckView::of(&frame, c.last_check.as_ref()),
        invitation_id: c.invitation_id.map(|i| i.to_string()),
        notice,
        error,
        page: frame,
    };
    html(status, page)
}

/// `GET /console/connections/{id}`.
pub async fn detail(
    signed: Signed,
    Path(id): Path<String>,
    Query(query): Query<DetailQuery>,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return not_found(&signed);
    };
    let (notice, error) = match query.done.as_deref() {
        Some("check-ok") => (Some("console-conn-check-ok-notice"), None),
        Some("check-failed") => (None, Some("console-conn-check-failed-notice")),
        Some("check-busy") => (None, Some("console-conn-check-busy")),
        _ => (None, None),
    };
    let t = |key: &str| crate::i18n::t(signed.lang, key);
    detail_page(&signed, id, StatusCode::OK, notice.map(t), error.map(t)).await
}

/// `POST /console/connections/{id}/check`: runs the connector's check now (recorded as
/// `POST /v1/connections/{id}/check` records it), then back to the page, which tells the outcome.
pub async fn check(
    signed: Signed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) = signed.form(&headers, &body) {
        return response;
    }
    let Some(id) = parse_id(&id) else {
        return not_found(&signed);
    };
    let done = match signed
        .state
        .portico
        .check_connection(signed.user.account_id, id)
        .await
    {
        Ok(result) => match result.status {
            CheckStatus::Ok => "check-ok",
            CheckStatus::Failed => "check-failed",
        },
        // Too many checks at once: nothing was recorded; try again later.
        Err(ServiceError::CheckFailed(_)) => "check-busy",
        Err(e) => return service_failed(signed.page("console-connection-title"), e),
    };
    see_other(&format!("/console/connections/{id}?done={done}"))
}

#[derive(Template)]
#[template(path = "console/connections_reconnect.html")]
pub struct ReconnectPage {
    pub page: ConsolePage,
    pub id: String,
    pub name: String,
    pub invitation_id: String,
    pub url: String,
    pub expires: Option<TimeView>,
}

/// `POST /console/connections/{id}/reconnect`: a reconnect link, shown once.
pub async fn reconnect(
    signed: Signed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) = signed.form(&headers, &body) {
        return response;
    }
    let Some(id) = parse_id(&id) else {
        return not_found(&signed);
    };
    let frame = signed
        .page("console-conn-reconnect-title")
        .at("/console/connections");
    match signed
        .state
        .portico
        .create_reconnect_invitation(signed.user.account_id, id)
        .await
    {
        Ok(created) => {
            let invitation = created.invitation;
            html(
                StatusCode::CREATED,
                ReconnectPage {
                    page: frame,
                    id: id.to_string(),
                    name: invitation.connection_name.clone(),
                    invitation_id: invitation.id.to_string(),
                    url: invitation.url.clone().unwrap_or_default(),
                    expires: invitation.expires_at.map(time_view),
                },
            )
        }
        Err(e) => service_failed(frame, e),
    }
}

/// `POST /console/connections/{id}/delete`: deletes it and its credentials, then the list.
pub async fn delete(
    signed: Signed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) = signed.form(&headers, &body) {
        return response;
    }
    let Some(id) = parse_id(&id) else {
        return not_found(&signed);
    };
    match signed
        .state
        .portico
        .delete_connection(signed.user.account_id, id)
        .await
    {
        Ok(()) => see_other("/console/connections?done=deleted"),
        Err(e) => service_failed(signed.page("console-connection-title"), e),
    }
}

/// `GET` of an action's path (a reload, a language link of its answer): the connection's page.
pub async fn back_to_connection(_signed: Signed, Path(id): Path<String>) -> Response {
    match parse_id(&id) {
        Some(id) => see_other(&format!("/console/connections/{id}")),
        None => see_other("/console/connections"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_end_user_is_one_line_of_what_is_known() {
        let end_user = EndUser {
            email: Some("julia@acme.example".into()),
            organization_name: None,
            origin_id: Some("cust-7".into()),
        };
        assert_eq!(end_user_text(&end_user), "julia@acme.example · cust-7");
        assert_eq!(end_user_text(&EndUser::default()), "");
    }
}
