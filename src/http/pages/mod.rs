//! The guest's pages: `GET /g/{token}` starts everything; the session cookie carries the guest
//! through `/g/s` (email proof, the form, the submission). Server-rendered HTML that works
//! without scripts; framed by an account's embed origin, a page also loads `embed.js` to tell
//! the embedding app how the flow ended (see `guard` for the whole embedding flow).

pub(crate) mod guard;
pub(crate) mod views;

use askama::Template;
use axum::Extension;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{AppState, ClientIp};
use crate::checks::{CheckFailure, Reason};
use crate::crypto::csrf;
use crate::domain::branding::Colour;
use crate::domain::guest::{CODE_DIGITS, CodeCheck, LockScope};
use crate::domain::invitation::{InvitationKind, InvitationStatus};
use crate::i18n::{Arg, t, t_args};
use crate::service::guest::{CodeRequest, FormProblem, Guest, GuestError, Step, Submitted};
use guard::Framing;
pub use guard::GuestLimits;
use views::{
    BrandView, CodePage, EmailPage, EmbedView, FormPage, GonePage, MessagePage, Page, PickPage,
    RenewalForm,
};

pub fn router(state: AppState) -> Router<AppState> {
    // Branding assets are named by their content (a logo's SHA-256, a colour), so they are
    // cached forever: outside `guard::headers`, which makes every page `no-store`.
    let brand_assets = Router::new()
        .route("/g/assets/logos/{hash}", get(logo))
        .route("/g/assets/brand/{file}", get(brand_stylesheet))
        .layer(from_fn_with_state(state.clone(), limit_per_ip))
        .layer(from_fn(asset_headers));
    Router::new()
        .route("/g/assets/style.css", get(style))
        .route("/g/assets/embed.js", get(embed_script))
        .route("/g/s", get(current_step))
        // A GET on a POST's address (the language switcher's `?lang=` links on a page that
        // answered a POST, history, bookmarks) shows the current step instead of a 405.
        .route("/g/s/email", get(current_step).post(ask_for_code))
        .route("/g/s/code", get(current_step).post(check_code))
        .route("/g/s/submit", get(current_step).post(submit))
        .route("/g/s/pick", get(current_step).post(pick_tool))
        .route("/g/{token}", get(open_link))
        .route("/g/{token}/renew", post(ask_for_renewal))
        .layer(from_fn_with_state(state, limit_per_ip))
        .layer(from_fn(guard::headers))
        .merge(brand_assets)
}

/// What every answer of the branding assets carries, a refusal (404, 429) included: no
/// sniffing, nothing it may load or run, no framing; and only a success is cached.
async fn asset_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let success = response.status().is_success();
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(header::HeaderValue::from_static("default-src 'none'"));
    if !success {
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    response
}

/// How a branding asset is cached: forever, since its URL names its content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `GET /g/assets/logos/{hash}`: an account's logo, with the type it was checked to be.
async fn logo(State(state): State<AppState>, Path(hash): Path<String>) -> Response {
    match state.portico.logo(&hash).await {
        Ok(Some(logo)) => (
            [
                (header::CONTENT_TYPE, logo.content_type),
                (header::CACHE_CONTROL, IMMUTABLE.to_string()),
            ],
            logo.bytes,
        )
            .into_response(),
        Ok(None) => asset_not_found(),
        Err(e) => {
            tracing::error!(error = %e, "a logo could not be read");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `GET /g/assets/brand/{rrggbb}.css`: the custom properties of one primary colour.
async fn brand_stylesheet(Path(file): Path<String>) -> Response {
    let colour = file
        .strip_suffix(".css")
        .filter(|hex| hex.len() == 6 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .and_then(|hex| Colour::parse(&format!("#{hex}")).ok());
    match colour {
        Some(colour) => (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, IMMUTABLE),
            ],
            colour.stylesheet(),
        )
            .into_response(),
        None => asset_not_found(),
    }
}

fn asset_not_found() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

async fn style() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../../static/style.css"),
    )
}

async fn embed_script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../../static/embed.js"),
    )
}

/// What a page framed by an embed origin hands `embed.js`; `None` when not framed.
fn embed_view(framing: &Framing, activation_token: Option<String>) -> Option<EmbedView> {
    framing.framed.then(|| EmbedView {
        origins: framing.origins_attribute(),
        activation_token,
    })
}

/// A page rendered as HTML (guest pages and the console); a template that fails to render is
/// a 500, logged.
pub(crate) fn html(status: StatusCode, page: impl Template) -> Response {
    match page.render() {
        Ok(body) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page failed to render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn message(status: StatusCode, lang: &str, title: &str, lines: &[&str]) -> Response {
    message_in(status, lang, title, lines, None)
}

/// A message page, framed (with Cancel) when `embed` says so.
fn message_in(
    status: StatusCode,
    lang: &str,
    title: &str,
    lines: &[&str],
    embed: Option<EmbedView>,
) -> Response {
    let mut page = MessagePage::new(lang, title, lines);
    page.page.embed = embed;
    html(status, page)
}

/// The page of a request that cannot go on, shown in the frame it was asked for.
fn failed(framing: &Framing, e: GuestError) -> Response {
    framing.apply(e.page(embed_view(framing, None)))
}

fn forbidden(lang: &str) -> Response {
    message(
        StatusCode::FORBIDDEN,
        lang,
        "forbidden-title",
        &["forbidden-body"],
    )
}

fn too_many(lang: &str) -> Response {
    message(
        StatusCode::TOO_MANY_REQUESTS,
        lang,
        "too-many-title",
        &["too-many-body"],
    )
}

impl IntoResponse for GuestError {
    fn into_response(self) -> Response {
        self.page(None)
    }
}

trait ErrorPage {
    fn page(self, embed: Option<EmbedView>) -> Response;
}

impl ErrorPage for GuestError {
    /// The page that says why; `embed` for a page shown in an embedding app's frame.
    fn page(self, embed: Option<EmbedView>) -> Response {
        let message = |status, lang: &str, title, lines: &[&str]| {
            message_in(status, lang, title, lines, embed.clone())
        };
        match self {
            GuestError::UnknownLink => message(
                StatusCode::NOT_FOUND,
                "en",
                "not-found-title",
                &["not-found-body"],
            ),
            GuestError::Gone {
                status, language, ..
            } => gone_page(status, &language, None, embed.clone()),
            GuestError::SessionEnded => message(
                StatusCode::FORBIDDEN,
                "en",
                "session-title",
                &["session-body"],
            ),
            GuestError::ConnectionGone { language } => message(
                StatusCode::GONE,
                &language,
                "connection-gone-title",
                &["connection-gone-body"],
            ),
            GuestError::StepSkipped => message(
                StatusCode::FORBIDDEN,
                "en",
                "forbidden-title",
                &["forbidden-body"],
            ),
            // 429 rather than 423: the lock is a limit on attempts, and 429 is the status
            // clients and proxies know for that, with `Retry-After` saying when to come back
            // (423 is WebDAV's lock on a resource, with no such meaning).
            GuestError::Locked {
                scope,
                left,
                language,
            } => {
                let mut page = Page::new(&language, "locked-title");
                page.embed = embed.clone();
                let seconds = left.num_seconds().max(1);
                let minutes = (seconds + 59) / 60;
                let reason = match scope {
                    LockScope::Form => "locked-form",
                    LockScope::Email => "locked-email",
                };
                let lines = vec![
                    page.t(reason),
                    t_args(
                        page.lang,
                        "locked-retry",
                        &[("minutes", Arg::Number(minutes))],
                    ),
                ];
                let mut response = html(
                    StatusCode::TOO_MANY_REQUESTS,
                    MessagePage {
                        heading: page.title.clone(),
                        lines,
                        page,
                    },
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
                response
            }
            GuestError::Service(e) => {
                tracing::error!(error = %e, "a guest request failed");
                message(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "en",
                    "error-title",
                    &["error-body"],
                )
            }
        }
    }
}

/// The 410 page of a link that can no longer be used, saying why; with `renewal`, the form
/// that asks for a new link.
fn gone_page(
    status: InvitationStatus,
    lang: &str,
    renewal: Option<RenewalForm>,
    embed: Option<EmbedView>,
) -> Response {
    let which = match status {
        InvitationStatus::Expired => "gone-expired",
        InvitationStatus::Revoked => "gone-revoked",
        _ => "gone-fulfilled",
    };
    let mut page = Page::new(lang, "gone-title");
    page.embed = embed;
    html(
        StatusCode::GONE,
        GonePage {
            heading: page.title.clone(),
            lines: vec![page.t(which), page.t("gone-body")],
            renewal,
            page,
        },
    )
}

/// The 410 page of the link `token`, in its account's framing. An expired or used-up link
/// offers "ask for a new link"; a revoked one does not (its owner ended it on purpose).
async fn gone_link_page(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    status: InvitationStatus,
    language: &str,
    account_id: uuid::Uuid,
) -> Response {
    let portico = &state.portico;
    let framing = match portico.embed_origins(account_id).await {
        Ok(origins) => Framing::new(headers, origins),
        Err(e) => return e.into_response(),
    };
    let renewal = match status {
        InvitationStatus::Expired | InvitationStatus::Fulfilled => {
            match portico.renewal_csrf(token) {
                Ok(csrf) => Some(RenewalForm {
                    action: format!("/g/{token}/renew"),
                    csrf,
                }),
                Err(e) => return e.into_response(),
            }
        }
        _ => None,
    };
    framing.apply(gone_page(
        status,
        language,
        renewal,
        embed_view(&framing, None),
    ))
}

/// `POST /g/{token}/renew`: the guest of an expired or used-up link asks for a new one. Our
/// origin and the link's CSRF token first (403, nothing written, without them); then the
/// same page whatever happens: recorded or not (active, revoked or unknown link, a request
/// already recorded within the hour), it names nothing of the owner. The per-IP budget of
/// every guest request applies; the store records at most one request an hour per invitation.
async fn ask_for_renewal(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let portico = &state.portico;
    if !guard::origin_allowed(&headers, &portico.settings.public_url) {
        return forbidden("en");
    }
    let csrf = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    match portico.renewal_csrf_matches(&token, &csrf) {
        Ok(true) => {}
        Ok(false) => return forbidden("en"),
        Err(e) => return e.into_response(),
    }
    let answer = match portico.request_renewal(&token).await {
        Ok(answer) => answer,
        Err(e) => return e.into_response(),
    };
    tracing::debug!(token = %masked(&token), recorded = answer.recorded, "renewal asked for");
    let framing = match answer.account_id {
        Some(account_id) => match portico.embed_origins(account_id).await {
            Ok(origins) => Framing::new(&headers, origins),
            Err(e) => return e.into_response(),
        },
        None => Framing::default(),
    };
    framing.apply(message_in(
        StatusCode::OK,
        &answer.language,
        "renewal-sent-title",
        &["renewal-sent-body"],
        embed_view(&framing, None),
    ))
}

/// The per-IP budget, counted for the client `http::ClientIp` names (not a forwarding
/// header from just anyone).
async fn limit_per_ip(
    State(state): State<AppState>,
    Extension(ClientIp(client)): Extension<ClientIp>,
    request: Request,
    next: Next,
) -> Response {
    if !state.guest_limits.allow_ip(client) {
        return too_many("en");
    }
    next.run(request).await
}

/// The first eight characters of a token, for logs.
fn masked(token: &str) -> String {
    format!("{}…", token.chars().take(8).collect::<String>())
}

#[derive(Deserialize)]
struct PageQuery {
    lang: Option<String>,
    step: Option<String>,
}

/// `GET /g/{token}` (and `HEAD`): opening a link never uses it up, however often it is opened.
async fn open_link(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let portico = &state.portico;
    tracing::debug!(token = %masked(&token), "guest link opened");
    if method == Method::HEAD {
        return match portico.peek_link(&token).await {
            Ok(_) => StatusCode::OK.into_response(),
            Err(e) => e.into_response(),
        };
    }
    let invitation = match portico.peek_link(&token).await {
        Ok(invitation) => invitation,
        // An expired, revoked or used-up link says so inside the embedding app's frame too,
        // with Cancel to close it.
        Err(GuestError::Gone {
            status,
            language,
            account_id,
        }) => {
            return gone_link_page(&state, &headers, &token, status, &language, account_id).await;
        }
        Err(e) => return e.into_response(),
    };
    if !state.guest_limits.allow_invitation(invitation.id) {
        return too_many(&invitation.language);
    }
    let framing = match page_framing(&state, &headers, invitation.account_id).await {
        Ok(framing) => framing,
        Err(response) => return response,
    };
    let cookie = guard::session_cookie(&headers, &portico.settings.public_url);
    let mut guest = match portico.open_link(invitation, cookie.as_ref()).await {
        Ok(opened) => opened,
        Err(e) => return failed(&framing, e),
    };
    if let Some(lang) = &query.lang
        && let Err(e) = portico.set_guest_language(&mut guest, lang).await
    {
        return failed(&framing, e);
    }
    let response = step_page(&state, &guest, &framing, false).await;
    with_cookie(&state, &guest, &framing, response)
}

/// Sets the session's cookie when it is new to the browser, for the rest of the session, and
/// lets the account's embed origins frame the page.
fn with_cookie(
    state: &AppState,
    guest: &Guest,
    framing: &Framing,
    mut response: Response,
) -> Response {
    if guest.cookie_changed {
        let left = guest.session.expires_at - state.portico.now();
        response.headers_mut().insert(
            header::SET_COOKIE,
            guard::set_cookie(
                &guest.cookie,
                &state.portico.settings.public_url,
                left,
                framing.framed,
            ),
        );
    }
    framing.apply(response)
}

/// The framing of the guest's pages: by the account's embed origins.
async fn framing_of(
    state: &AppState,
    headers: &HeaderMap,
    guest: &Guest,
) -> Result<Framing, Response> {
    page_framing(state, headers, guest.invitation.account_id).await
}

/// The framing of a page of the account's invitation, with the account's branding (one read).
async fn page_framing(
    state: &AppState,
    headers: &HeaderMap,
    account_id: uuid::Uuid,
) -> Result<Framing, Response> {
    let (origins, branding) = state
        .portico
        .guest_account(account_id)
        .await
        .map_err(|e| GuestError::Service(e).into_response())?;
    let mut framing = Framing::new(headers, origins);
    framing.branding = branding;
    Ok(framing)
}

/// The account's branding on a page; `connector` (name, reconnect) for the "asks you" line.
fn brand_view(framing: &Framing, lang: &str, connector: Option<(&str, bool)>) -> Option<BrandView> {
    BrandView::new(lang, &framing.branding, connector)
}

fn is_edit(guest: &Guest) -> bool {
    guest.invitation.kind == InvitationKind::EditConnection
}

/// `GET /g/s`: the step the session is at.
async fn current_step(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> Response {
    let portico = &state.portico;
    let Some(cookie) = guard::session_cookie(&headers, &portico.settings.public_url) else {
        return GuestError::SessionEnded.into_response();
    };
    let mut guest = match portico.guest_session(&cookie).await {
        Ok(guest) => guest,
        Err(e) => return e.into_response(),
    };
    if !state.guest_limits.allow_invitation(guest.invitation.id) {
        return too_many(&guest.session.language);
    }
    let framing = match framing_of(&state, &headers, &guest).await {
        Ok(framing) => framing,
        Err(response) => return response,
    };
    if let Some(lang) = &query.lang
        && let Err(e) = portico.set_guest_language(&mut guest, lang).await
    {
        return failed(&framing, e);
    }
    let ask_email_again = query.step.as_deref() == Some("email");
    let response = step_page(&state, &guest, &framing, ask_email_again).await;
    with_cookie(&state, &guest, &framing, response)
}

/// The connector's name for headings; the category while the guest has yet to pick.
fn connector_name(state: &AppState, guest: &Guest) -> String {
    match state.portico.guest_connector(guest) {
        Some(spec) => spec.name.clone(),
        None => guest.invitation.category.clone().unwrap_or_default(),
    }
}

fn email_page(
    state: &AppState,
    guest: &Guest,
    framing: &Framing,
    email: &str,
    error: Option<String>,
) -> EmailPage {
    let mut page = Page::new(&guest.session.language, "email-title");
    page.embed = embed_view(framing, None);
    let connector = connector_name(state, guest);
    page.brand = brand_view(framing, page.lang, Some((&connector, is_edit(guest))));
    EmailPage {
        page,
        connection: guest.invitation.connection_name.clone(),
        connector,
        csrf: csrf::token(&guest.cookie),
        email: email.to_string(),
        error,
    }
}

fn code_page(
    state: &AppState,
    guest: &Guest,
    framing: &Framing,
    email: &str,
    error: Option<String>,
) -> CodePage {
    let lang = &guest.session.language;
    let mut page = Page::new(lang, "code-title");
    page.embed = embed_view(framing, None);
    let connector = connector_name(state, guest);
    page.brand = brand_view(framing, page.lang, Some((&connector, is_edit(guest))));
    CodePage {
        page,
        connection: guest.invitation.connection_name.clone(),
        connector,
        csrf: csrf::token(&guest.cookie),
        email: email.to_string(),
        intro: t_args(
            lang,
            "code-intro",
            &[
                ("email", Arg::from(email)),
                ("digits", Arg::Number(CODE_DIGITS as i64)),
            ],
        ),
        error,
    }
}

/// The form, with `values` shown (never a secret) and `problems` marked.
fn form_page(
    state: &AppState,
    guest: &Guest,
    framing: &Framing,
    values: &Map<String, Value>,
    problems: &[FormProblem],
    general_error: Option<String>,
) -> Response {
    let Some(spec) = state.portico.guest_connector(guest) else {
        return pick_page(state, guest, framing, None);
    };
    let status = if problems.is_empty() && general_error.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let invitation = &guest.invitation;
    let mut page = FormPage::new(
        &guest.session.language,
        spec,
        &invitation.connection_name,
        invitation.kind == InvitationKind::EditConnection,
        csrf::token(&guest.cookie),
        values,
        &invitation.locked_fields,
        problems,
        general_error,
    );
    page.page.embed = embed_view(framing, None);
    // With a display name, "{name} asks you to connect {connector}" is the form's heading.
    page.page.brand =
        brand_view(framing, page.page.lang, Some((&spec.name, is_edit(guest)))).map(|mut brand| {
            if let Some(asks) = brand.asks.take() {
                page.page.title = asks.clone();
                page.heading = asks;
            }
            brand
        });
    let mut response = framing.apply(html(status, page));
    // A framed submission ends on the done page, never in a redirect.
    if !framing.framed {
        guard::allow_form_target(&mut response, invitation.redirect_url.as_deref());
    }
    response
}

/// For a category invitation: the tools the guest may pick from.
fn pick_page(
    state: &AppState,
    guest: &Guest,
    framing: &Framing,
    error: Option<String>,
) -> Response {
    let choices = state
        .portico
        .guest_choices(guest)
        .into_iter()
        .map(|spec| (spec.id.clone(), spec.name.clone()))
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut page = PickPage::new(
        &guest.session.language,
        guest.invitation.category.as_deref().unwrap_or_default(),
        &guest.invitation.connection_name,
        csrf::token(&guest.cookie),
        choices,
        error,
    );
    page.page.embed = embed_view(framing, None);
    let category = connector_name(state, guest);
    page.page.brand = brand_view(framing, page.page.lang, Some((&category, is_edit(guest))));
    framing.apply(html(status, page))
}

/// `POST /g/s/pick`: the guest picks a tool of the invitation's category.
async fn pick_tool(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (mut guest, form, framing) = match guest_post(&state, &headers, &body, Step::Pick).await {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    if guest.session.needs_email_proof(&guest.invitation) {
        return failed(&framing, GuestError::StepSkipped);
    }
    match state
        .portico
        .pick_connector(&mut guest, field(&form, "connector"))
        .await
    {
        Ok(true) => step_page(&state, &guest, &framing, false).await,
        Ok(false) => {
            let error = t(&guest.session.language, "pick-missing");
            pick_page(&state, &guest, &framing, Some(error))
        }
        Err(e) => failed(&framing, e),
    }
}

async fn step_page(
    state: &AppState,
    guest: &Guest,
    framing: &Framing,
    ask_email_again: bool,
) -> Response {
    let proving = guest.session.needs_email_proof(&guest.invitation);
    let scope = if proving {
        LockScope::Email
    } else {
        LockScope::Form
    };
    if let Err(e) = state.portico.check_lock(guest, scope).await {
        return failed(framing, e);
    }
    if proving {
        let page = match (&guest.session.pending_email, ask_email_again) {
            (Some(email), false) => html(
                StatusCode::OK,
                code_page(state, guest, framing, email, None),
            ),
            _ => html(StatusCode::OK, email_page(state, guest, framing, "", None)),
        };
        return framing.apply(page);
    }
    match state.portico.form_values(guest).await {
        Ok(values) => form_page(state, guest, framing, &values, &[], None),
        Err(e) => failed(framing, e),
    }
}

/// What every POST starts with: our origin, the session cookie, its CSRF token, a live
/// session, the invitation's rate budget, then the step's lock (and the session's row, for the
/// steps that store it first). Returns the form's fields without the token, and the framing.
async fn guest_post(
    state: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
    step: Step,
) -> Result<(Guest, Vec<(String, String)>, Framing), Response> {
    let public_url = &state.portico.settings.public_url;
    if !guard::origin_allowed(headers, public_url) {
        return Err(forbidden("en"));
    }
    let cookie = guard::session_cookie(headers, public_url).ok_or_else(|| forbidden("en"))?;
    let mut form: Vec<(String, String)> = url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let csrf = form
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if !csrf::matches(&cookie, &csrf) {
        return Err(forbidden("en"));
    }
    form.retain(|(k, _)| k != "csrf");
    let mut guest = state
        .portico
        .guest_session(&cookie)
        .await
        .map_err(IntoResponse::into_response)?;
    if !state.guest_limits.allow_invitation(guest.invitation.id) {
        return Err(too_many(&guest.session.language));
    }
    let framing = framing_of(state, headers, &guest).await?;
    state
        .portico
        .enter_step(&mut guest, step)
        .await
        .map_err(|e| failed(&framing, e))?;
    Ok((guest, form, framing))
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// `POST /g/s/email`: send a code. The answer is the same for any well-formed address.
async fn ask_for_code(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (mut guest, form, framing) = match guest_post(&state, &headers, &body, Step::Email).await {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    let email = field(&form, "email").trim().to_string();
    let lang = guest.session.language.clone();
    let requested = state.portico.request_code(&mut guest, &email).await;
    let (state, guest, f) = (&state, &guest, &framing);
    let response = match requested {
        Ok(CodeRequest::Sent) => html(StatusCode::OK, code_page(state, guest, f, &email, None)),
        Ok(CodeRequest::InvalidEmail) => html(
            StatusCode::UNPROCESSABLE_ENTITY,
            email_page(state, guest, f, &email, Some(t(&lang, "email-invalid"))),
        ),
        Ok(CodeRequest::TooSoon) => html(
            StatusCode::TOO_MANY_REQUESTS,
            code_page(state, guest, f, &email, Some(t(&lang, "code-resend-wait"))),
        ),
        Ok(CodeRequest::TooMany) => html(
            StatusCode::TOO_MANY_REQUESTS,
            email_page(state, guest, f, &email, Some(t(&lang, "code-too-many"))),
        ),
        Err(e) => e.page(embed_view(f, None)),
    };
    framing.apply(response)
}

/// `POST /g/s/code`: check the code; the right one opens the form.
async fn check_code(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (mut guest, form, framing) = match guest_post(&state, &headers, &body, Step::Code).await {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    let lang = guest.session.language.clone();
    let email = guest.session.pending_email.clone().unwrap_or_default();
    let error = match state
        .portico
        .verify_code(&mut guest, field(&form, "code"))
        .await
    {
        Ok(Some(CodeCheck::Correct)) => {
            // A new session (and cookie) now that the address is proven.
            let response = step_page(&state, &guest, &framing, false).await;
            return with_cookie(&state, &guest, &framing, response);
        }
        Ok(Some(CodeCheck::Wrong { left })) => t_args(
            &lang,
            "code-wrong",
            &[("left", Arg::Number(i64::from(left)))],
        ),
        Ok(Some(CodeCheck::Expired)) => t(&lang, "code-expired"),
        Ok(Some(CodeCheck::Locked)) => t(&lang, "code-locked"),
        Ok(None) => t(&lang, "code-missing"),
        Err(e) => return failed(&framing, e),
    };
    framing.apply(html(
        StatusCode::UNPROCESSABLE_ENTITY,
        code_page(&state, &guest, &framing, &email, Some(error)),
    ))
}

/// `POST /g/s/submit`: validate, check, then use the invitation and store the connection.
async fn submit(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (guest, form, framing) = match guest_post(&state, &headers, &body, Step::Submit).await {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    let lang = guest.session.language.clone();
    let outcome = match state.portico.submit(&guest, &form).await {
        Ok(outcome) => outcome,
        Err(e) => return failed(&framing, e),
    };
    match outcome {
        // In a frame the embedding app learns the outcome from the done page's message; the
        // owner's page has no place inside its own frame.
        Submitted::Done {
            redirect: Some(url),
            ..
        } if !framing.framed => (StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response(),
        Submitted::Done { result, .. } => {
            let mut page = Page::new(&lang, "done-title");
            page.embed = embed_view(&framing, Some(result.expose().clone()));
            page.brand = brand_view(&framing, page.lang, None);
            let lines = vec![page.ta("done-body", "connection", &guest.invitation.connection_name)];
            framing.apply(html(
                StatusCode::OK,
                MessagePage {
                    heading: page.title.clone(),
                    lines,
                    page,
                },
            ))
        }
        Submitted::Invalid { problems, shown } => {
            form_page(&state, &guest, &framing, &shown, &problems, None)
        }
        // The guest learns the category only; the detail is the owner's (the event).
        Submitted::CheckFailed {
            failure:
                CheckFailure {
                    reason: Reason::RefusedByPolicy,
                    field: Some(field),
                    ..
                },
            shown,
        } => {
            let problem = FormProblem {
                field,
                code: "unreachable-address",
                min: None,
                max: None,
            };
            form_page(&state, &guest, &framing, &shown, &[problem], None)
        }
        Submitted::CheckFailed { failure, shown } => {
            let general = t_args(
                &lang,
                &format!("check-failed-{}", failure.reason.code()),
                &[("connector", Arg::from(connector_name(&state, &guest)))],
            );
            let mut page = form_page(&state, &guest, &framing, &shown, &[], Some(general));
            if failure.reason == Reason::Busy {
                *page.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
                page.headers_mut().insert(
                    header::RETRY_AFTER,
                    axum::http::HeaderValue::from_static("5"),
                );
            }
            page
        }
    }
}
