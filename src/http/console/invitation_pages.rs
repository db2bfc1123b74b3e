//! The account's invitations in the console (issue 13, points 4 and 8): the list
//! (`/console/invitations`, filters by status, connector and open renewal request, a search by
//! email or connection name, Older/Newer pages by id), one invitation's page (its settings,
//! never its token; its timeline from its events; the connections it created) and its two
//! actions, revoke and resend (a new link, shown once and emailed; the old one revoked), over
//! the same services as `/v1/invitations`. Members may use them: only API keys, webhooks and
//! teammates are the owners'.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::session::Signed;
use super::views::{ChoiceView, ConsolePage};
use super::{html, message, see_other, service_failed};
use crate::domain::event::Event;
use crate::domain::invitation::InvitationStatus;
use crate::service::ServiceError;
use crate::service::views::InvitationObject;
use crate::store::{InvitationFilter, Page};

/// Rows on one page of the list.
const PAGE_SIZE: i64 = 20;
/// The most events one invitation's timeline shows.
const TIMELINE_LIMIT: i64 = 200;
const STATUSES: [InvitationStatus; 4] = [
    InvitationStatus::Active,
    InvitationStatus::Expired,
    InvitationStatus::Fulfilled,
    InvitationStatus::Revoked,
];

#[derive(Deserialize, Default)]
pub struct ListQuery {
    status: Option<String>,
    connector: Option<String>,
    q: Option<String>,
    /// `1`: only open renewal requests.
    renewal: Option<String>,
    /// Older than this id (the API's `next_cursor`).
    cursor: Option<String>,
    /// Newer than this id.
    after: Option<String>,
}

/// A row of the list.
pub struct InvitationRow {
    pub id: String,
    pub status: &'static str,
    pub status_label: String,
    pub connector: String,
    pub recipient: String,
    pub connection_name: String,
    pub created: TimeView,
    pub expires: Option<TimeView>,
    pub renewal_requested: bool,
}

/// A time as pages show it, with its machine-readable form for `<time>`.
pub struct TimeView {
    pub iso: String,
    pub text: String,
}

impl TimeView {
    pub(super) fn of(at: DateTime<Utc>) -> TimeView {
        TimeView {
            iso: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            text: at.format("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "console/invitations.html")]
pub struct ListPage {
    pub page: ConsolePage,
    pub rows: Vec<InvitationRow>,
    pub statuses: Vec<ChoiceView>,
    pub connectors: Vec<ChoiceView>,
    pub q: String,
    pub renewal: bool,
    /// Whether any filter or the search is set (the empty state then says so).
    pub filtered: bool,
    pub older: Option<String>,
    pub newer: Option<String>,
}

/// The list's filters, as the links of its pages repeat them.
struct Filters {
    status: Option<InvitationStatus>,
    connector: Option<String>,
    q: String,
    renewal: bool,
}

impl Filters {
    fn of(query: &ListQuery) -> Filters {
        let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_string();
        Filters {
            status: STATUSES
                .into_iter()
                .find(|s| query.status.as_deref() == Some(s.as_str())),
            connector: Some(text(&query.connector)).filter(|c| !c.is_empty()),
            q: text(&query.q),
            renewal: query.renewal.as_deref() == Some("1"),
        }
    }

    /// `/console/invitations?...` with these filters and `(name, id)` for the page.
    fn href(&self, page: (&str, Uuid)) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some(status) = self.status {
            query.append_pair("status", status.as_str());
        }
        if let Some(connector) = &self.connector {
            query.append_pair("connector", connector);
        }
        if !self.q.is_empty() {
            query.append_pair("q", &self.q);
        }
        if self.renewal {
            query.append_pair("renewal", "1");
        }
        query.append_pair(page.0, &page.1.to_string());
        format!("/console/invitations?{}", query.finish())
    }
}

fn cursor(raw: Option<&str>) -> Option<Uuid> {
    raw.and_then(|s| Uuid::parse_str(s.trim()).ok())
}

/// The label of a status, as badges and the filter show it.
fn status_label(page: &ConsolePage, status: InvitationStatus) -> String {
    page.t(&format!("console-inv-status-{}", status.as_str()))
}

/// Who the link is for: the guest's email, else the allowed emails.
fn recipient_of(invitation: &InvitationObject) -> String {
    match &invitation.end_user.email {
        Some(email) => email.clone(),
        None => invitation.allowed_emails.join(", "),
    }
}

/// The connector's name, else the category the guest picks a tool of.
fn connector_name(signed: &Signed, invitation: &InvitationObject) -> String {
    let catalog = &signed.state.portico.catalog;
    match (&invitation.connector, &invitation.category) {
        (Some(id), _) => catalog
            .get(id)
            .map_or_else(|| id.clone(), |s| s.name.clone()),
        (None, Some(category)) => category.clone(),
        (None, None) => String::new(),
    }
}

/// `GET /console/invitations`: the account's invitations, newest first.
pub async fn list(signed: Signed, Query(query): Query<ListQuery>) -> Response {
    let frame = signed
        .page("console-invitations-title")
        .at("/console/invitations");
    let filters = Filters::of(&query);
    let before = cursor(query.cursor.as_deref());
    let after = cursor(query.after.as_deref());
    let filter = InvitationFilter {
        status: filters.status,
        connector: filters.connector.clone(),
        renewal_requested: filters.renewal.then_some(true),
        q: Some(filters.q.clone()).filter(|q| !q.is_empty()),
        after,
        ..InvitationFilter::default()
    };
    // One more than a page: whether there is another page that way.
    let page = Page {
        limit: PAGE_SIZE + 1,
        before,
    };
    let portico = &signed.state.portico;
    let mut found = match portico
        .list_invitations(signed.user.account_id, &filter, page)
        .await
    {
        Ok(found) => found,
        Err(e) => return service_failed(frame, e),
    };
    let more = found.len() as i64 > PAGE_SIZE;
    if more {
        if after.is_some() {
            // Newest first: the one beyond the page is the first.
            found.remove(0);
        } else {
            found.pop();
        }
    }
    let (has_older, has_newer) = match after {
        Some(_) => (true, more),
        None => (more, before.is_some()),
    };
    let older = found
        .last()
        .filter(|_| has_older)
        .map(|i| filters.href(("cursor", i.id)));
    let newer = found
        .first()
        .filter(|_| has_newer)
        .map(|i| filters.href(("after", i.id)));
    let rows = found
        .iter()
        .map(|i| InvitationRow {
            id: i.id.to_string(),
            status: i.status.as_str(),
            status_label: status_label(&frame, i.status),
            connector: connector_name(&signed, i),
            recipient: recipient_of(i),
            connection_name: i.connection_name.clone(),
            created: TimeView::of(i.created_at),
            expires: i.expires_at.map(TimeView::of),
            renewal_requested: i.renewal_requested_at.is_some(),
        })
        .collect();
    let statuses = STATUSES
        .into_iter()
        .map(|s| ChoiceView {
            value: s.as_str().to_string(),
            label: status_label(&frame, s),
            selected: filters.status == Some(s),
        })
        .collect();
    let mut specs: Vec<_> = portico.catalog.all().collect();
    specs.sort_by_key(|s| s.name.to_lowercase());
    let connectors = specs
        .into_iter()
        .map(|s| ChoiceView {
            value: s.id.clone(),
            label: s.name.clone(),
            selected: filters.connector.as_deref() == Some(s.id.as_str()),
        })
        .collect();
    html(
        StatusCode::OK,
        ListPage {
            page: frame,
            rows,
            statuses,
            connectors,
            filtered: filters.status.is_some()
                || filters.connector.is_some()
                || !filters.q.is_empty()
                || filters.renewal,
            q: filters.q,
            renewal: filters.renewal,
            older,
            newer,
        },
    )
}

/// A setting on the invitation's page.
pub struct SettingView {
    pub label: String,
    pub value: String,
}

/// A moment of the timeline.
pub struct TimelineEntry {
    pub at: TimeView,
    pub kind: &'static str,
    pub text: String,
    /// More, for the owner: a failed check's detail.
    pub detail: Option<String>,
}

/// A connection the invitation created.
pub struct ConnectionLink {
    pub id: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "console/invitations_detail.html")]
pub struct DetailPage {
    pub page: ConsolePage,
    pub id: String,
    pub heading: String,
    pub status: &'static str,
    pub status_label: String,
    pub settings: Vec<SettingView>,
    pub timeline: Vec<TimelineEntry>,
    pub connections: Vec<ConnectionLink>,
    pub renewed_from: Option<String>,
    /// When the guest asked for a new link that no resend answered yet.
    pub renewal_requested: Option<TimeView>,
    pub revocable: bool,
    pub notice: Option<String>,
    pub error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    /// `revoked`: the notice after a revoke.
    done: Option<String>,
}

fn not_found(signed: &Signed) -> Response {
    message(
        StatusCode::NOT_FOUND,
        signed.page("console-not-found-title"),
        "console-not-found-title",
        &["console-not-found-body"],
    )
}

/// The invitation's settings, as the owner set them (never its token).
fn settings_of(page: &ConsolePage, signed: &Signed, i: &InvitationObject) -> Vec<SettingView> {
    let mut settings = Vec::new();
    let mut add = |key: &str, value: String| {
        if !value.is_empty() {
            settings.push(SettingView {
                label: page.t(key),
                value,
            });
        }
    };
    add("console-inv-connector", connector_name(signed, i));
    add(
        "console-inv-kind",
        page.t(&format!("console-inv-kind-{}", i.kind.as_str())),
    );
    add(
        "console-inv-direction",
        page.t(&format!("console-direction-{}", i.direction.as_str())),
    );
    add("console-inv-connection", i.connection_name.clone());
    add(
        "console-inv-guest-email",
        i.end_user.email.clone().unwrap_or_default(),
    );
    add(
        "console-inv-organization",
        i.end_user.organization_name.clone().unwrap_or_default(),
    );
    add(
        "console-inv-origin-id",
        i.end_user.origin_id.clone().unwrap_or_default(),
    );
    add("console-inv-allowed", i.allowed_emails.join(", "));
    add("console-inv-created", TimeView::of(i.created_at).text);
    add(
        "console-inv-expires",
        i.expires_at.map_or_else(
            || page.t("console-expiry-never"),
            |at| TimeView::of(at).text,
        ),
    );
    add(
        "console-inv-uses",
        match i.max_uses {
            Some(max) => format!("{} / {max}", i.use_count),
            None => format!("{} / ∞", i.use_count),
        },
    );
    add(
        "console-inv-language",
        crate::i18n::t(crate::i18n::language(&i.language), "language-name"),
    );
    if !i.prefill.is_empty() {
        let prefill = i
            .prefill
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(", ");
        add("console-inv-prefill", prefill);
    }
    add("console-inv-locked", i.locked_fields.join(", "));
    add(
        "console-inv-redirect",
        i.redirect_url.clone().unwrap_or_default(),
    );
    if let Some(at) = i.revoked_at {
        add("console-inv-revoked-at", TimeView::of(at).text);
    }
    settings
}

/// What an event says on the timeline; `None` for the events the timeline leaves out.
fn timeline_entry(page: &ConsolePage, event: &Event) -> Option<TimelineEntry> {
    let data = &event.data;
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    let (kind, text, detail) = match event.kind.as_str() {
        "invitation.created" => match data["renewed_from"].as_str() {
            Some(_) => ("created", page.t("console-tl-created-resend"), None),
            None => ("created", page.t("console-tl-created"), None),
        },
        "invitation.opened" => ("opened", page.t("console-tl-opened"), None),
        "invitation.email_verified" => ("verified", page.t("console-tl-email-verified"), None),
        "connection.check_failed" => (
            "failed",
            page.t("console-tl-check-failed"),
            Some(text(&data["detail"])).filter(|d| !d.is_empty()),
        ),
        "invitation.locked" => ("failed", page.t("console-tl-locked"), None),
        "connection.created" => (
            "completed",
            page.ta(
                "console-tl-connection-created",
                "name",
                &text(&data["name"]),
            ),
            None,
        ),
        "connection.updated" => (
            "completed",
            page.ta(
                "console-tl-connection-updated",
                "name",
                &text(&data["name"]),
            ),
            None,
        ),
        "invitation.fulfilled" => ("completed", page.t("console-tl-fulfilled"), None),
        "invitation.result_exchanged" => ("completed", page.t("console-tl-exchanged"), None),
        "invitation.revoked" => ("revoked", page.t("console-tl-revoked"), None),
        "invitation.expired" => ("expired", page.t("console-tl-expired"), None),
        "invitation.renewal_requested" => ("renewal", page.t("console-tl-renewal"), None),
        _ => return None,
    };
    Some(TimelineEntry {
        at: TimeView::of(event.timestamp),
        kind,
        text,
        detail,
    })
}

async fn detail_page(
    signed: &Signed,
    id: Uuid,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let frame = signed
        .page("console-invitation-title")
        .at("/console/invitations");
    let portico = &signed.state.portico;
    let account_id = signed.user.account_id;
    let invitation = match portico.get_invitation(account_id, id).await {
        Ok(invitation) => invitation,
        Err(e) => return service_failed(frame, e),
    };
    let events = match portico
        .invitation_events(account_id, id, TIMELINE_LIMIT)
        .await
    {
        Ok(events) => events,
        Err(e) => return service_failed(frame, e),
    };
    let mut frame = frame;
    let heading = frame.ta(
        "console-invitation-heading",
        "connection",
        &invitation.connection_name,
    );
    frame.title = heading.clone();
    let page = DetailPage {
        id: invitation.id.to_string(),
        heading,
        status: invitation.status.as_str(),
        status_label: status_label(&frame, invitation.status),
        settings: settings_of(&frame, signed, &invitation),
        timeline: events
            .iter()
            .filter_map(|e| timeline_entry(&frame, e))
            .collect(),
        connections: invitation
            .created_connections
            .iter()
            .map(|c| ConnectionLink {
                id: c.id.to_string(),
                name: c.name.clone(),
            })
            .collect(),
        renewed_from: invitation.renewed_from.map(|id| id.to_string()),
        renewal_requested: invitation.renewal_requested_at.map(TimeView::of),
        revocable: invitation.revoked_at.is_none(),
        notice,
        error,
        page: frame,
    };
    html(status, page)
}

fn parse_id(raw: &str) -> Option<Uuid> {
    Uuid::parse_str(raw).ok()
}

/// `GET /console/invitations/{id}`.
pub async fn detail(
    signed: Signed,
    Path(id): Path<String>,
    Query(query): Query<DetailQuery>,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return not_found(&signed);
    };
    let notice = match query.done.as_deref() {
        Some("revoked") => Some(crate::i18n::t(signed.lang, "console-inv-revoked-notice")),
        _ => None,
    };
    detail_page(&signed, id, StatusCode::OK, notice, None).await
}

/// `POST /console/invitations/{id}/revoke`: revokes it (again: nothing changes) and goes back
/// to its page.
pub async fn revoke(
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
        .revoke_invitation(signed.user.account_id, id)
        .await
    {
        Ok(_) => see_other(&format!("/console/invitations/{id}?done=revoked")),
        Err(e) => service_failed(signed.page("console-invitation-title"), e),
    }
}

#[derive(Template)]
#[template(path = "console/invitations_resent.html")]
pub struct ResentPage {
    pub page: ConsolePage,
    pub id: String,
    pub old_id: String,
    pub url: String,
    /// Where the link was emailed; empty when there was no one to send it to.
    pub recipients: String,
}

/// `POST /console/invitations/{id}/resend`: a new link (shown once, emailed), the old one
/// revoked and its renewal request answered.
pub async fn resend(
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
        .page("console-resent-title")
        .at("/console/invitations");
    match signed
        .state
        .portico
        .resend_invitation(signed.user.account_id, id)
        .await
    {
        Ok(created) => {
            let new = created.invitation;
            // As the service sends it: to the allowed addresses, else to the guest's.
            let recipients = if !new.send_email {
                String::new()
            } else if new.allowed_emails.is_empty() {
                new.end_user.email.clone().unwrap_or_default()
            } else {
                new.allowed_emails.join(", ")
            };
            html(
                StatusCode::CREATED,
                ResentPage {
                    page: frame,
                    id: new.id.to_string(),
                    old_id: id.to_string(),
                    url: new.url.clone().unwrap_or_default(),
                    recipients,
                },
            )
        }
        Err(ServiceError::Invalid(_)) => {
            let error = crate::i18n::t(signed.lang, "console-resend-impossible");
            detail_page(
                &signed,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(error),
            )
            .await
        }
        Err(e) => service_failed(frame, e),
    }
}

/// `GET` of an action's path (a reload, a language link of its answer): the invitation's page.
pub async fn back_to_invitation(_signed: Signed, Path(id): Path<String>) -> Response {
    match parse_id(&id) {
        Some(id) => see_other(&format!("/console/invitations/{id}")),
        None => see_other("/console/invitations"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::user::{ConsoleUser, Role};
    use serde_json::json;

    fn frame() -> ConsolePage {
        let user = ConsoleUser {
            id: Uuid::nil(),
            account_id: Uuid::nil(),
            email: "o@example.com".into(),
            role: Role::Member,
            language: None,
            has_password: true,
            created_at: DateTime::from_timestamp(0, 0).unwrap(),
        };
        ConsolePage::signed("en", "console-invitations-title", &user, "t".into())
    }

    fn event(kind: &str, data: Value) -> Event {
        Event {
            id: Uuid::nil(),
            kind: kind.into(),
            timestamp: DateTime::from_timestamp(1_764_072_000, 0).unwrap(),
            data,
        }
    }

    #[test]
    fn page_links_keep_the_filters_and_escape_them() {
        let filters = Filters {
            status: Some(InvitationStatus::Expired),
            connector: Some("sandbox".into()),
            q: "a&b c".into(),
            renewal: true,
        };
        let href = filters.href(("cursor", Uuid::nil()));
        assert_eq!(
            href,
            "/console/invitations?status=expired&connector=sandbox&q=a%26b+c&renewal=1\
             &cursor=00000000-0000-0000-0000-000000000000"
        );
    }

    #[test]
    fn unknown_filter_values_are_no_filter() {
        let query = ListQuery {
            status: Some("deleted".into()),
            connector: Some("  ".into()),
            renewal: Some("yes".into()),
            ..ListQuery::default()
        };
        let filters = Filters::of(&query);
        assert!(filters.status.is_none() && filters.connector.is_none() && !filters.renewal);
        assert_eq!(cursor(Some("not-an-id")), None);
    }

    #[test]
    fn the_timeline_tells_what_happened_and_leaves_out_the_rest() {
        let page = frame();
        let created = timeline_entry(&page, &event("invitation.created", json!({}))).unwrap();
        assert_eq!(
            (created.kind, created.text.as_str()),
            ("created", "Created")
        );
        let resent = timeline_entry(
            &page,
            &event("invitation.created", json!({"renewed_from": Uuid::nil()})),
        )
        .unwrap();
        assert!(resent.text.contains("resend"));
        let failed = timeline_entry(
            &page,
            &event("connection.check_failed", json!({"detail": "rejected"})),
        )
        .unwrap();
        assert_eq!(failed.kind, "failed");
        assert_eq!(failed.detail.as_deref(), Some("rejected"));
        let done =
            timeline_entry(&page, &event("connection.created", json!({"name": "HR"}))).unwrap();
        assert!(done.text.contains("HR") && done.kind == "completed");
        assert_eq!(done.at.text, "2025-11-25 12:00 UTC");
        assert!(timeline_entry(&page, &event("connection.credentials_read", json!({}))).is_none());
    }

    #[test]
    fn every_page_text_is_in_every_language() {
        let english = include_str!("../../../locales/en/console.ftl");
        let ours = english
            .split("# Invitations: the list")
            .nth(1)
            .expect("the section of these pages");
        for key in ours
            .lines()
            .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
        {
            for lang in crate::domain::LANGUAGES {
                let text = crate::i18n::t(lang, key);
                assert!(!text.is_empty() && text != key, "{key} in {lang}");
            }
        }
        // Each file parses: its last text is its own, not English's fallback.
        for (lang, text) in [
            ("de", "Die vorherige Einladung"),
            ("fr", "L’invitation précédente"),
            ("it", "L’invito precedente"),
            ("es", "La invitación anterior"),
        ] {
            assert_eq!(crate::i18n::t(lang, "console-resent-old-page"), text);
            assert_ne!(
                crate::i18n::t(lang, "console-inv-revoke-help"),
                crate::i18n::t("en", "console-inv-revoke-help")
            );
        }
    }
}
