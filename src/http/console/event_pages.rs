//! The account's events in the console (issue 13, point 6): newest first, filtered by type (a
//! GET form), each with its time, its type (translated, and raw in `<code>`) and what it is
//! about (a link to the invitation's or the connection's page), Older pages by id. Members may
//! read them (`Action::ReadEvents` is every role's).

use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::connection_pages::time_view;
use super::invitation_pages::TimeView;
use super::session::Signed;
use super::views::{ChoiceView, ConsolePage};
use super::{html, service_failed};
use crate::domain::event::{Event, EventType};
use crate::http::AppState;

/// Events on one page of the list.
const PAGE_SIZE: i64 = 50;

/// This module's routes, merged into the console's router.
pub fn routes() -> Router<AppState> {
    Router::new().route("/console/events", get(list))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
    /// Older than this event id.
    cursor: Option<String>,
}

/// What an event names, as a link when it has a page.
pub struct SubjectView {
    pub label: String,
    pub text: String,
    pub href: Option<String>,
}

/// A row of the list.
pub struct EventRow {
    pub at: TimeView,
    pub kind: String,
    pub label: String,
    pub subjects: Vec<SubjectView>,
}

#[derive(Template)]
#[template(path = "console/events.html")]
pub struct EventsPage {
    pub page: ConsolePage,
    pub rows: Vec<EventRow>,
    pub types: Vec<ChoiceView>,
    pub filtered: bool,
    pub paged: bool,
    pub first: String,
    pub older: Option<String>,
}

/// The translated label of an event type (`console-event-` and its type, `.` and `_` as
/// `-`); a type this version does not know, as it is.
fn type_label(page: &ConsolePage, kind: &str) -> String {
    match EventType::parse(kind) {
        Some(_) => page.t(&format!("console-event-{}", kind.replace(['.', '_'], "-"))),
        None => kind.to_string(),
    }
}

fn uuid_at(data: &Value, member: &str) -> Option<Uuid> {
    data.get(member)
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
}

fn text_at(data: &Value, member: &str) -> Option<String> {
    data.get(member)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// What the event is about: `invitation.*` names its invitation as `data.id` (the invitation
/// object) or `data.invitation_id`; `connection.*` its connection as `data.id` (the connection
/// object) or `data.connection_id`, and the invitation it came through as
/// `data.invitation_id`. A deleted connection has no page any more: its name only.
fn subjects_of(page: &ConsolePage, event: &Event) -> Vec<SubjectView> {
    let data = &event.data;
    let mut subjects = Vec::new();
    let invitation = |id: Uuid, name: Option<String>| SubjectView {
        label: page.t("console-event-subject-invitation"),
        text: name.unwrap_or_else(|| id.to_string()),
        href: Some(format!("/console/invitations/{id}")),
    };
    if event.kind.starts_with("invitation.") {
        if let Some(id) = uuid_at(data, "id").or_else(|| uuid_at(data, "invitation_id")) {
            subjects.push(invitation(id, text_at(data, "connection_name")));
        }
        if let Some(id) = uuid_at(data, "connection_id") {
            subjects.push(SubjectView {
                label: page.t("console-event-subject-connection"),
                text: id.to_string(),
                href: Some(format!("/console/connections/{id}")),
            });
        }
    } else if event.kind.starts_with("connection.") {
        if let Some(id) = uuid_at(data, "id").or_else(|| uuid_at(data, "connection_id")) {
            let deleted = event.kind == EventType::ConnectionDeleted.as_str();
            subjects.push(SubjectView {
                label: page.t("console-event-subject-connection"),
                text: text_at(data, "name").unwrap_or_else(|| id.to_string()),
                href: (!deleted).then(|| format!("/console/connections/{id}")),
            });
        }
        if let Some(id) = uuid_at(data, "invitation_id") {
            subjects.push(invitation(id, None));
        }
    } else if let Some(email) = text_at(data, "email") {
        subjects.push(SubjectView {
            label: page.t("console-event-subject-user"),
            text: email,
            href: None,
        });
    }
    subjects
}

/// `/console/events?...` with the type filter and, for a later page, the cursor.
fn href(kind: Option<EventType>, cursor: Option<Uuid>) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(kind) = kind {
        query.append_pair("type", kind.as_str());
    }
    if let Some(cursor) = cursor {
        query.append_pair("cursor", &cursor.to_string());
    }
    let query = query.finish();
    if query.is_empty() {
        "/console/events".to_string()
    } else {
        format!("/console/events?{query}")
    }
}

/// `GET /console/events`: the account's events, newest first.
pub async fn list(signed: Signed, Query(query): Query<ListQuery>) -> Response {
    let frame = signed.page("console-events-title").at("/console/events");
    let kind = query.kind.as_deref().and_then(EventType::parse);
    let before = query
        .cursor
        .as_deref()
        .and_then(|s| Uuid::parse_str(s.trim()).ok());
    let mut found = match signed
        .state
        .portico
        .recent_events(signed.user.account_id, kind, before, PAGE_SIZE + 1)
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
        .map(|e| href(kind, Some(e.id)));
    let rows = found
        .iter()
        .map(|e| EventRow {
            at: time_view(e.timestamp),
            kind: e.kind.clone(),
            label: type_label(&frame, &e.kind),
            subjects: subjects_of(&frame, e),
        })
        .collect();
    let types = EventType::ALL
        .into_iter()
        .map(|t| ChoiceView {
            value: t.as_str().to_string(),
            label: type_label(&frame, t.as_str()),
            selected: kind == Some(t),
        })
        .collect();
    html(
        StatusCode::OK,
        EventsPage {
            page: frame,
            rows,
            types,
            filtered: kind.is_some(),
            paged: before.is_some(),
            first: href(kind, None),
            older,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::user::{ConsoleUser, Role};
    use chrono::DateTime;
    use serde_json::json;

    fn frame(lang: &str) -> ConsolePage {
        let user = ConsoleUser {
            id: Uuid::nil(),
            account_id: Uuid::nil(),
            email: "o@example.com".into(),
            role: Role::Member,
            language: None,
            has_password: true,
            created_at: DateTime::from_timestamp(0, 0).unwrap(),
        };
        ConsolePage::signed(lang, "console-events-title", &user, "t".into())
    }

    fn event(kind: &str, data: Value) -> Event {
        Event {
            id: Uuid::nil(),
            kind: kind.into(),
            timestamp: DateTime::from_timestamp(0, 0).unwrap(),
            data,
        }
    }

    #[test]
    fn every_event_type_has_a_label_in_every_language() {
        for lang in crate::domain::LANGUAGES {
            let page = frame(lang);
            for kind in EventType::ALL {
                let label = type_label(&page, kind.as_str());
                assert!(!label.contains("localization"), "{kind:?} in {lang}");
            }
        }
    }

    #[test]
    fn every_text_of_these_pages_is_in_every_language() {
        let keys = |ftl: &'static str| -> Vec<&'static str> {
            ftl.lines()
                .filter(|l| !l.starts_with('#') && !l.starts_with(' ') && l.contains(" = "))
                .map(|l| l.split(" = ").next().unwrap())
                .collect()
        };
        let english_ftl = include_str!("../../../locales/en/console_connections.ftl");
        let english = keys(english_ftl);
        let with_args: Vec<&str> = english_ftl
            .lines()
            .filter(|l| l.contains("{ $"))
            .filter_map(|l| l.split(" = ").next())
            .collect();
        assert!(english.len() > 40);
        for (lang, ftl) in [
            (
                "de",
                include_str!("../../../locales/de/console_connections.ftl"),
            ),
            (
                "fr",
                include_str!("../../../locales/fr/console_connections.ftl"),
            ),
            (
                "it",
                include_str!("../../../locales/it/console_connections.ftl"),
            ),
            (
                "es",
                include_str!("../../../locales/es/console_connections.ftl"),
            ),
        ] {
            assert_eq!(keys(ftl), english, "{lang}");
            // Texts with arguments are looked up with them where they are shown.
            for key in english.iter().filter(|k| !with_args.contains(k)) {
                let text = crate::i18n::t(lang, key);
                assert!(
                    !text.is_empty() && !text.starts_with("Unknown localization"),
                    "{key} in {lang}"
                );
            }
        }
    }

    #[test]
    fn subjects_link_to_the_invitation_and_connection_pages() {
        let page = frame("en");
        let inv = Uuid::now_v7();
        let conn = Uuid::now_v7();
        let opened = event(
            "invitation.opened",
            json!({"id": inv, "connection_name": "Acme HR"}),
        );
        let s = subjects_of(&page, &opened);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].text, "Acme HR");
        assert_eq!(s[0].href, Some(format!("/console/invitations/{inv}")));
        let renewal = event(
            "invitation.renewal_requested",
            json!({"invitation_id": inv}),
        );
        assert_eq!(
            subjects_of(&page, &renewal)[0].href,
            Some(format!("/console/invitations/{inv}"))
        );
        let created = event(
            "connection.created",
            json!({"id": conn, "name": "HR", "invitation_id": inv}),
        );
        let s = subjects_of(&page, &created);
        assert_eq!(s[0].href, Some(format!("/console/connections/{conn}")));
        assert_eq!(s[1].href, Some(format!("/console/invitations/{inv}")));
        let read = event(
            "connection.credentials_read",
            json!({"connection_id": conn}),
        );
        assert_eq!(
            subjects_of(&page, &read)[0].href,
            Some(format!("/console/connections/{conn}"))
        );
        let deleted = event("connection.deleted", json!({"id": conn, "name": "HR"}));
        let s = subjects_of(&page, &deleted);
        assert_eq!((s[0].text.as_str(), s[0].href.as_ref()), ("HR", None));
    }

    #[test]
    fn page_links_keep_the_type() {
        assert_eq!(href(None, None), "/console/events");
        assert_eq!(
            href(Some(EventType::ConnectionCreated), Some(Uuid::nil())),
            "/console/events?type=connection.created&cursor=00000000-0000-0000-0000-000000000000"
        );
    }
}
