//! `/v1/events`: each change writes its event, in the Standard Webhooks shape, without tokens or
//! secrets; read oldest first after a cursor; one account never sees another's.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Reply, TestApp, start_time};

const CANARY: &str = "canary-secret-51d2e8";

/// Every event of the account, oldest first.
async fn all_events(app: &TestApp) -> Vec<Value> {
    let reply = app.get("/v1/events?limit=100").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["data"].as_array().unwrap().clone()
}

fn timestamp(event: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(event["timestamp"].as_str().unwrap())
        .expect("an RFC 3339 timestamp")
        .with_timezone(&Utc)
}

async fn each_change_writes_its_event(app: TestApp) {
    let invitation = app.create_invitation(json!({})).await;
    let invitation_id = invitation["id"].as_str().unwrap();
    app.clock.advance(Duration::seconds(1));
    let revoked = app
        .post(
            &format!("/v1/invitations/{invitation_id}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    app.clock.advance(Duration::seconds(1));
    let connection = app.create_connection("key-1").await;
    let connection_id = connection["id"].as_str().unwrap();
    app.clock.advance(Duration::milliseconds(1500));
    let path = format!("/v1/connections/{connection_id}");
    let updated = app.patch(&path, json!({"name": "HR renamed"})).await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    app.clock.advance(Duration::seconds(1));
    assert_eq!(app.get(&format!("{path}/credentials")).await.status, 200);

    let events = all_events(&app).await;

    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        vec![
            "invitation.created",
            "invitation.revoked",
            "connection.created",
            "connection.updated",
            "connection.credentials_read",
        ]
    );
    for event in &events {
        let mut keys: Vec<&str> = event
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort();
        assert_eq!(keys, vec!["data", "id", "timestamp", "type"], "{event}");
        uuid::Uuid::parse_str(event["id"].as_str().unwrap()).expect("a UUID id");
        assert!(event["data"].is_object());
    }
    let offsets: Vec<i64> = events
        .iter()
        .map(|e| (timestamp(e) - start_time()).num_milliseconds())
        .collect();
    assert_eq!(
        offsets,
        vec![0, 1000, 2000, 3500, 4500],
        "the clock at each change"
    );
    assert_eq!(events[0]["data"]["id"], invitation_id);
    assert_eq!(events[0]["data"]["status"], "active");
    assert_eq!(events[1]["data"]["id"], invitation_id);
    assert_eq!(events[1]["data"]["status"], "revoked");
    assert_eq!(events[2]["data"], connection);
    assert_eq!(events[3]["data"], updated.json);
    assert_eq!(events[4]["data"]["connection_id"], connection_id);
}
both!(each_change_writes_its_event);

async fn event_data_never_holds_a_token_or_a_secret(app: TestApp) {
    let invitation = app.create_invitation(json!({})).await;
    let token = invitation["token"].as_str().unwrap();
    let url = invitation["url"].as_str().unwrap();
    app.post(
        &format!(
            "/v1/invitations/{}/revoke",
            invitation["id"].as_str().unwrap()
        ),
        json!({}),
    )
    .await;
    let connection = app.create_connection(CANARY).await;
    let path = format!("/v1/connections/{}", connection["id"].as_str().unwrap());
    let replaced = format!("{CANARY}-replaced");
    let updated = app
        .patch(&path, json!({"config": {"api_key": replaced}}))
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(app.get(&format!("{path}/credentials")).await.status, 200);
    assert_eq!(app.delete(&path).await.status, 204);

    let reply = app.get("/v1/events?limit=100").await;

    assert_eq!(reply.json["data"].as_array().unwrap().len(), 6);
    assert!(
        !reply.text.contains(token),
        "an invitation token in an event"
    );
    assert!(!reply.text.contains(url));
    assert!(!reply.text.contains(CANARY), "a secret in an event");
    assert!(!reply.text.contains(&app.key), "the API key in an event");
    for event in reply.json["data"].as_array().unwrap() {
        assert!(event["data"].get("token").is_none() && event["data"].get("url").is_none());
    }
}
both!(event_data_never_holds_a_token_or_a_secret);

async fn cursor_pages_oldest_first_and_resumes_polling(app: TestApp) {
    for i in 0..5 {
        app.create_invitation(json!({"connection_name": format!("n{i}")}))
            .await;
    }
    let all_ids: Vec<Value> = all_events(&app)
        .await
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    assert_eq!(all_ids.len(), 5);

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            None => "/v1/events?limit=2".to_string(),
            Some(a) => format!("/v1/events?limit=2&after={a}"),
        };
        let page = app.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.text);
        let data = page.json["data"].as_array().unwrap();
        if data.is_empty() {
            assert_eq!(
                page.json["next_cursor"].as_str(),
                after.as_deref(),
                "an empty page keeps the cursor to poll from"
            );
            break;
        }
        seen.extend(data.iter().map(|e| e["id"].clone()));
        assert_eq!(page.json["next_cursor"], data.last().unwrap()["id"]);
        after = page.json["next_cursor"].as_str().map(str::to_string);
    }

    assert_eq!(seen, all_ids, "every event once, oldest first");
    let names: Vec<Value> = all_events(&app)
        .await
        .iter()
        .map(|e| e["data"]["connection_name"].clone())
        .collect();
    assert_eq!(names, vec!["n0", "n1", "n2", "n3", "n4"]);

    let newer = app.create_invitation(json!({})).await;
    let poll = app
        .get(&format!("/v1/events?after={}", after.unwrap()))
        .await;
    let data = poll.json["data"].as_array().unwrap();
    assert_eq!(
        data.len(),
        1,
        "polling from the last cursor finds only the new event"
    );
    assert_eq!(data[0]["data"]["id"], newer["id"]);
}
both!(cursor_pages_oldest_first_and_resumes_polling);

async fn no_events_yet_is_an_empty_page_without_cursor(app: TestApp) {
    let reply = app.get("/v1/events").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json, json!({"data": [], "next_cursor": null}));
}
both!(no_events_yet_is_an_empty_page_without_cursor);

async fn unknown_or_malformed_after_is_422(app: TestApp) {
    app.create_invitation(json!({})).await;

    let unknown = app
        .get(&format!("/v1/events?after={}", uuid::Uuid::now_v7()))
        .await;
    let malformed = app.get("/v1/events?after=yesterday").await;

    assert_eq!(unknown.assert_problem(422), vec!["after"]);
    assert_eq!(malformed.assert_problem(422), vec!["after"]);
    app.get("/v1/events?limit=0").await.assert_problem(422);
    app.get("/v1/events?limit=101").await.assert_problem(422);
}
both!(unknown_or_malformed_after_is_422);

async fn another_accounts_events_are_invisible(app: TestApp) {
    let other = app.other_account_key().await;
    let as_other = |method: reqwest::Method, path: &str| {
        app.client
            .request(method, format!("{}{path}", app.base))
            .bearer_auth(&other)
    };
    let theirs = Reply::read(
        as_other(reqwest::Method::POST, "/v1/invitations")
            .json(&json!({"connector": "sandbox", "connection_name": "Theirs"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(theirs.status, 201, "{}", theirs.text);
    let ours = app.create_invitation(json!({})).await;

    let our_events = all_events(&app).await;
    let their_events = Reply::read(
        as_other(reqwest::Method::GET, "/v1/events")
            .send()
            .await
            .unwrap(),
    )
    .await;

    assert_eq!(our_events.len(), 1);
    assert_eq!(our_events[0]["data"]["id"], ours["id"]);
    let their_data = their_events.json["data"].as_array().unwrap();
    assert_eq!(their_data.len(), 1);
    assert_eq!(their_data[0]["data"]["id"], theirs.json["id"]);

    // Their event id is no cursor for us: it names nothing in our account.
    let foreign_cursor = their_data[0]["id"].as_str().unwrap();
    let reply = app.get(&format!("/v1/events?after={foreign_cursor}")).await;
    assert_eq!(reply.assert_problem(422), vec!["after"]);
}
both!(another_accounts_events_are_invisible);
