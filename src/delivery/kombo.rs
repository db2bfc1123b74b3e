//! Kombo's webhook payloads, made from Portico's events for endpoints of the `kombo` format:
//! `integration-created` (from `connection.created`), `integration-deleted` (from
//! `connection.deleted`) and `connection-flow-failed` (from a guest's failed check,
//! `connection.check_failed` with an invitation). The shapes are those of the official SDK's
//! models (`kombo` 1.4 on PyPI: `IntegrationCreatedWebhookPayload`,
//! `IntegrationDeletedWebhookPayload`, `ConnectionFlowFailedWebhookPayload`); the receiver
//! verifies them with `domain::webhook::sign_kombo`'s signature in `X-Kombo-Signature`.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::domain::event::Event;
use crate::domain::vendor::kombo::CATEGORIES;
use crate::domain::webhook::KOMBO_TYPES;

/// Kombo's category of a connector: its first category Kombo knows, else its first.
pub fn category(connector_categories: &[String]) -> String {
    connector_categories
        .iter()
        .find(|c| CATEGORIES.contains(&c.as_str()))
        .or(connector_categories.first())
        .cloned()
        .unwrap_or_default()
}

/// `end_user` as Kombo's models have it: every key present, null when unknown; the
/// organization falls back on the connection's name.
fn end_user(end_user: &Value, fallback_name: &Value) -> Value {
    let organization = match &end_user["organization_name"] {
        Value::String(s) => Value::String(s.clone()),
        _ => fallback_name.clone(),
    };
    json!({
        "organization_name": if organization.is_string() { organization } else { json!("") },
        "creator_email": end_user.get("email").cloned().unwrap_or(Value::Null),
        "origin_id": end_user.get("origin_id").cloned().unwrap_or(Value::Null),
    })
}

/// Where the event's record is: `GET /v1/events/{id}` (with the owner's key).
fn log_url(public_url: &str, id: Uuid) -> String {
    format!("{}/v1/events/{id}", public_url.trim_end_matches('/'))
}

/// Kombo's payload of `event`, given the categories of the connector it names; `None` for an
/// event Kombo has no form for (a check the owner ran, not a guest's connection flow).
pub fn payload(event: &Event, connector_categories: &[String], public_url: &str) -> Option<Value> {
    let kind = KOMBO_TYPES
        .iter()
        .find(|(_, ours)| *ours == event.kind)
        .map(|(theirs, _)| *theirs)?;
    let data = &event.data;
    let category = category(connector_categories);
    let body = match kind {
        "connection-flow-failed" => {
            data.get("invitation_id").filter(|v| !v.is_null())?;
            json!({
                "integration_tool": data["connector"],
                "integration_category": category,
                "end_user": end_user(&data["end_user"], &Value::Null),
                "log_url": log_url(public_url, event.id),
            })
        }
        _ => {
            let mut body = json!({
                "id": data["id"],
                "tool": data["connector"],
                "category": category,
                "end_user": end_user(&data["end_user"], &data["name"]),
            });
            if kind == "integration-deleted" {
                body["deleted_at"] = json!(event.timestamp);
            }
            body
        }
    };
    Some(json!({"id": event.id, "type": kind, "data": body}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, data: Value) -> Event {
        Event {
            id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002),
            kind: kind.into(),
            timestamp: chrono::DateTime::UNIX_EPOCH,
            data,
        }
    }

    #[test]
    fn a_created_connection_is_an_integration_created_with_every_end_user_key() {
        let created = event(
            "connection.created",
            json!({"id": "c1", "connector": "personio", "name": "Acme",
                   "end_user": {"email": "it@acme.example"}}),
        );
        let p = payload(&created, &["HRIS".into()], "http://p.example/").unwrap();
        assert_eq!(p["type"], "integration-created");
        assert_eq!(p["id"], json!(created.id));
        assert_eq!(
            p["data"],
            json!({"id": "c1", "tool": "personio", "category": "HRIS",
                   "end_user": {"organization_name": "Acme", "creator_email": "it@acme.example",
                                "origin_id": null}})
        );
    }

    #[test]
    fn only_a_guest_s_failed_check_is_a_connection_flow_failure() {
        let owner_check = event(
            "connection.check_failed",
            json!({"connection_id": "c1", "connector": "personio"}),
        );
        assert_eq!(payload(&owner_check, &["HRIS".into()], "http://p"), None);
        let guest = event(
            "connection.check_failed",
            json!({"invitation_id": "i1", "connector": "postgres",
                   "end_user": {"organization_name": "Acme", "origin_id": "42"}}),
        );
        let p = payload(&guest, &["DATABASE".into()], "http://p").unwrap();
        assert_eq!(p["type"], "connection-flow-failed");
        assert_eq!(p["data"]["integration_category"], "DATABASE");
        assert_eq!(p["data"]["end_user"]["origin_id"], "42");
        assert_eq!(
            p["data"]["log_url"],
            "http://p/v1/events/01900000-0000-7000-8000-000000000002"
        );
        assert_eq!(
            payload(&event("invitation.created", json!({})), &[], "http://p"),
            None
        );
    }

    #[test]
    fn the_category_is_the_first_kombo_knows() {
        assert_eq!(category(&["DATABASE".into(), "ATS".into()]), "ATS");
        assert_eq!(category(&["DATABASE".into()]), "DATABASE");
        assert_eq!(category(&[]), "");
    }
}
