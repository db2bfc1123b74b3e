//! The account's webhook endpoints in the console (issue 13, point 6), owners only: the list,
//! a new endpoint (URL, format, event types; the signing secret shown once), and one
//! endpoint's page with its delivery attempts and status codes, "retry now", disable or
//! enable, and delete. Every rule is the service's, as for `/v1/webhook-endpoints`; the role
//! rule is `service::permitted`.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use uuid::Uuid;

use super::invitation_pages::TimeView;
use super::session::Signed;
use super::views::ConsolePage;
use super::{html, see_other, service_failed};
use crate::domain::event::EventType;
use crate::domain::user::Action;
use crate::domain::webhook::WebhookFormat;
use crate::http::AppState;
use crate::service::webhooks::{NewWebhookEndpoint, WebhookEndpointObject};
use crate::service::{Resource, ServiceError, permitted};
use crate::store::Page;

/// The attempts an endpoint's page shows, newest first.
const SHOWN_ATTEMPTS: i64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/webhooks", get(list).post(create))
        .route("/console/webhooks/{id}", get(detail))
        .route(
            "/console/webhooks/{id}/{action}",
            get(back_to_endpoint).post(act),
        )
}

/// An endpoint as the list and its page show it.
pub struct EndpointView {
    pub id: String,
    pub url: String,
    /// The locale key of the format's name.
    pub format_key: &'static str,
    /// Empty: every event.
    pub event_types: Vec<String>,
    pub disabled: Option<TimeView>,
    pub created: TimeView,
}

impl From<&WebhookEndpointObject> for EndpointView {
    fn from(w: &WebhookEndpointObject) -> Self {
        EndpointView {
            id: w.id.to_string(),
            url: w.url.clone(),
            format_key: match w.format {
                WebhookFormat::Standard => "console-hooks-format-standard",
                WebhookFormat::Kombo => "console-hooks-format-kombo",
            },
            event_types: w.event_types.clone(),
            disabled: w.disabled_at.map(TimeView::of),
            created: TimeView::of(w.created_at),
        }
    }
}

/// An event type's checkbox in the new-endpoint form.
pub struct TypeChoice {
    pub value: &'static str,
    pub checked: bool,
}

/// What the new-endpoint form shows: as typed, after an error.
#[derive(Default)]
struct Typed {
    url: String,
    format: String,
    event_types: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/webhooks.html")]
pub struct ListPage {
    pub page: ConsolePage,
    pub endpoints: Vec<EndpointView>,
    pub url: String,
    pub format: String,
    pub types: Vec<TypeChoice>,
    /// The endpoint just made and its signing secret, shown this once.
    pub created: Option<(EndpointView, String)>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

/// One delivery attempt, as the endpoint's page lists it.
pub struct AttemptView {
    pub at: TimeView,
    pub event_id: String,
    pub status: Option<u16>,
    pub ok: bool,
    pub error: Option<String>,
    pub duration_ms: i64,
}

#[derive(Template)]
#[template(path = "console/webhooks_detail.html")]
pub struct DetailPage {
    pub page: ConsolePage,
    pub endpoint: EndpointView,
    pub waiting: i64,
    pub given_up: i64,
    pub attempts: Vec<AttemptView>,
    pub notice: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
    n: Option<i64>,
}

/// The account `signed` may manage webhooks of, or the 403 page.
fn account(signed: &Signed) -> Result<Uuid, Box<Response>> {
    permitted(&signed.user, Action::ManageWebhooks)
        .map_err(|e| Box::new(service_failed(signed.page("console-hooks-title"), e)))
}

async fn render_list(
    signed: &Signed,
    status: StatusCode,
    typed: Typed,
    created: Option<WebhookEndpointObject>,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let frame = signed.page("console-hooks-title").at("/console/webhooks");
    let account_id = match account(signed) {
        Ok(id) => id,
        Err(response) => return *response,
    };
    let endpoints = match signed
        .state
        .portico
        .list_webhook_endpoints(account_id)
        .await
    {
        Ok(endpoints) => endpoints,
        Err(e) => return service_failed(frame, e),
    };
    let types = EventType::ALL
        .into_iter()
        .map(|t| TypeChoice {
            value: t.as_str(),
            checked: typed.event_types.iter().any(|v| v == t.as_str()),
        })
        .collect();
    let created = created.and_then(|w| {
        let secret = w.secret.clone()?;
        Some((EndpointView::from(&w), secret))
    });
    html(
        status,
        ListPage {
            endpoints: endpoints.iter().rev().map(EndpointView::from).collect(),
            url: typed.url,
            format: if typed.format.is_empty() {
                WebhookFormat::Standard.as_str().to_string()
            } else {
                typed.format
            },
            types,
            created,
            error,
            notice,
            page: frame,
        },
    )
}

/// `GET /console/webhooks`.
async fn list(signed: Signed, Query(query): Query<DoneQuery>) -> Response {
    let notice = (query.done.as_deref() == Some("deleted"))
        .then(|| crate::i18n::t(signed.lang, "console-hooks-deleted"));
    render_list(
        &signed,
        StatusCode::OK,
        Typed::default(),
        None,
        None,
        notice,
    )
    .await
}

/// `POST /console/webhooks`: `url`, `format`, `event_type` once per ticked box (none: every
/// event).
async fn create(signed: Signed, headers: HeaderMap, body: Bytes) -> Response {
    let form = match signed.form(&headers, &body) {
        Ok(form) => form,
        Err(response) => return response,
    };
    let account_id = match account(&signed) {
        Ok(id) => id,
        Err(response) => return *response,
    };
    let typed = Typed {
        url: form.get("url").trim().to_string(),
        format: form.get("format").to_string(),
        event_types: form.values("event_type").map(str::to_string).collect(),
    };
    let t = |key: &str| crate::i18n::t(signed.lang, key);
    let Some(format) = WebhookFormat::parse(&typed.format) else {
        let error = Some(t("console-hooks-format-invalid"));
        return render_list(
            &signed,
            StatusCode::UNPROCESSABLE_ENTITY,
            typed,
            None,
            error,
            None,
        )
        .await;
    };
    let request = NewWebhookEndpoint {
        url: typed.url.clone(),
        event_types: typed.event_types.clone(),
        format,
    };
    match signed
        .state
        .portico
        .create_webhook_endpoint(account_id, request)
        .await
    {
        Ok(created) => {
            render_list(
                &signed,
                StatusCode::CREATED,
                Typed::default(),
                Some(created),
                None,
                None,
            )
            .await
        }
        Err(ServiceError::Invalid(errors)) => {
            let key = if errors.iter().any(|e| e.field == "url") {
                "console-hooks-url-invalid"
            } else {
                "console-hooks-types-invalid"
            };
            let error = Some(t(key));
            render_list(
                &signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                typed,
                None,
                error,
                None,
            )
            .await
        }
        Err(e) => service_failed(signed.page("console-hooks-title"), e),
    }
}

/// `GET /console/webhooks/{id}`.
async fn detail(
    signed: Signed,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Response {
    let frame = signed.page("console-hooks-title").at("/console/webhooks");
    let account_id = match account(&signed) {
        Ok(id) => id,
        Err(response) => return *response,
    };
    let Ok(id) = Uuid::parse_str(&id) else {
        return service_failed(frame, ServiceError::NotFound(Resource::WebhookEndpoint));
    };
    let portico = &signed.state.portico;
    let loaded = async {
        let endpoint = portico.get_webhook_endpoint(account_id, id).await?;
        let undelivered = portico.undelivered_webhook_events(account_id, id).await?;
        let page = Page {
            limit: SHOWN_ATTEMPTS,
            before: None,
        };
        let attempts = portico.list_webhook_attempts(account_id, id, page).await?;
        Ok::<_, ServiceError>((endpoint, undelivered, attempts))
    };
    let (endpoint, (waiting, given_up), attempts) = match loaded.await {
        Ok(loaded) => loaded,
        Err(e) => return service_failed(frame, e),
    };
    let notice = match query.done.as_deref() {
        Some("retried") => Some(crate::i18n::t_args(
            signed.lang,
            "console-hooks-retried",
            &[("count", crate::i18n::Arg::from(query.n.unwrap_or(0)))],
        )),
        Some(done @ ("disabled" | "enabled")) => Some(crate::i18n::t(
            signed.lang,
            &format!("console-hooks-{done}"),
        )),
        _ => None,
    };
    let attempts = attempts
        .into_iter()
        .map(|a| AttemptView {
            at: TimeView::of(a.attempted_at),
            event_id: a.event_id.to_string(),
            ok: a.status.is_some_and(|s| (200..300).contains(&s)),
            status: a.status,
            error: a.error,
            duration_ms: a.duration_ms,
        })
        .collect();
    let mut frame = frame;
    frame.title = endpoint.url.clone();
    html(
        StatusCode::OK,
        DetailPage {
            endpoint: EndpointView::from(&endpoint),
            waiting,
            given_up,
            attempts,
            notice,
            page: frame,
        },
    )
}

/// `POST /console/webhooks/{id}/{retry|disable|enable|delete}`.
async fn act(
    signed: Signed,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) = signed.form(&headers, &body) {
        return response;
    }
    let account_id = match account(&signed) {
        Ok(id) => id,
        Err(response) => return *response,
    };
    let frame = signed.page("console-hooks-title");
    let not_found = ServiceError::NotFound(Resource::WebhookEndpoint);
    let Ok(id) = Uuid::parse_str(&id) else {
        return service_failed(frame, not_found);
    };
    let portico = &signed.state.portico;
    let page = format!("/console/webhooks/{id}");
    let done = match action.as_str() {
        "retry" => portico
            .retry_webhook_deliveries(account_id, id)
            .await
            .map(|n| format!("{page}?done=retried&n={n}")),
        "disable" | "enable" => portico
            .set_webhook_endpoint_enabled(account_id, id, action == "enable")
            .await
            .map(|_| format!("{page}?done={action}d")),
        "delete" => portico
            .delete_webhook_endpoint(account_id, id)
            .await
            .map(|()| "/console/webhooks?done=deleted".to_string()),
        _ => Err(not_found),
    };
    match done {
        Ok(to) => see_other(&to),
        Err(e) => service_failed(frame, e),
    }
}

/// `GET` on a form's action (a reload after posting): back to the endpoint's page.
async fn back_to_endpoint(_signed: Signed, Path((id, _)): Path<(String, String)>) -> Response {
    match Uuid::parse_str(&id) {
        Ok(id) => see_other(&format!("/console/webhooks/{id}")),
        Err(_) => see_other("/console/webhooks"),
    }
}
