//! Webhook endpoints in Kombo's format: a guest's failed check, a completed flow and a deleted
//! connection arrive as `connection-flow-failed`, `integration-created` and
//! `integration-deleted`, each accepted by the official `kombo` SDK's webhook model and signed
//! in `X-Kombo-Signature` as Kombo's receivers verify it (tests/support/webhook_receiver.py,
//! independent of Portico's code).

use serde_json::{Value, json};

use crate::both;
use crate::guest_client::Guest;
use crate::helpers::TestApp;
use crate::webhooks::Receiver;

async fn subscribe_kombo(app: &TestApp, receiver: &Receiver) -> Value {
    let created = app
        .post(
            "/v1/webhook-endpoints",
            json!({"url": receiver.url, "format": "kombo"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    receiver
        .control(json!({"secrets": [created.json["secret"]]}))
        .await;
    created.json
}

async fn a_guest_flow_arrives_in_kombo_s_format_signed_and_as_the_sdk_models_it(app: TestApp) {
    let receiver = Receiver::start().await;
    let endpoint = subscribe_kombo(&app, &receiver).await;
    assert_eq!(endpoint["format"], "kombo");
    assert_eq!(
        endpoint["event_types"],
        json!([
            "connection.check_failed",
            "connection.created",
            "connection.deleted"
        ]),
        "every event Kombo has a form for"
    );

    let invitation = app
        .create_invitation(json!({"end_user": {"email": "it@acme.example",
            "organization_name": "Acme", "origin_id": "cust-7"}}))
        .await;
    let mut guest = Guest::new(&app);
    let page = guest.get(invitation["url"].as_str().unwrap()).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let failed = guest.post("/g/s/submit", &[("api_key", "invalid")]).await;
    assert_eq!(failed.status, 422, "the sandbox refuses `invalid`");
    let done = guest.post("/g/s/submit", &[("api_key", "good-key")]).await;
    assert!(done.status == 200 || done.status == 303, "{}", done.text);
    let connections = app.get("/v1/connections").await.json["data"].clone();
    let connection = connections[0]["id"].as_str().unwrap().to_string();
    let deleted = app.delete(&format!("/v1/connections/{connection}")).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);

    let deliveries = receiver
        .wait_for("three deliveries", |d| d.len() >= 3)
        .await;
    let types: Vec<&str> = deliveries
        .iter()
        .map(|d| d["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "connection-flow-failed",
            "integration-created",
            "integration-deleted"
        ],
        "nothing else (invitation.created, invitation.opened, ...) arrives"
    );
    let end_user = json!({"organization_name": "Acme", "creator_email": "it@acme.example",
        "origin_id": "cust-7"});
    for d in &deliveries {
        assert_eq!(d["verified"], json!([true]), "X-Kombo-Signature verifies");
        assert_eq!(
            d["kombo_model"], "ok",
            "the SDK's model takes {}",
            d["body"]
        );
        assert_eq!(d["body"]["data"]["end_user"], end_user);
    }
    let failed = &deliveries[0]["body"]["data"];
    assert_eq!(failed["integration_tool"], "sandbox");
    assert_eq!(failed["integration_category"], "HRIS");
    // The log_url is this event, read with the owner's key.
    let log = failed["log_url"].as_str().unwrap();
    let path = log.strip_prefix(&app.base).expect("a URL of this server");
    let logged = app.get(path).await;
    assert_eq!(logged.status, 200, "{}", logged.text);
    assert_eq!(logged.json["id"], deliveries[0]["body"]["id"]);
    assert_eq!(logged.json["type"], "connection.check_failed");
    assert_eq!(logged.json["data"]["reason"], "wrong-credentials");
    let other = app.other_account_key().await;
    let foreign = app
        .client
        .get(log)
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(
        foreign.status(),
        404,
        "another account's event is not found"
    );
    let created = &deliveries[1]["body"]["data"];
    assert_eq!(
        created["id"],
        connection.as_str(),
        "the integration id is the connection id"
    );
    assert_eq!(created["tool"], "sandbox");
    assert_eq!(created["category"], "HRIS");
    assert_eq!(deliveries[2]["body"]["data"]["id"], connection.as_str());
    assert!(deliveries[2]["body"]["data"]["deleted_at"].is_string());
}

both!(
    a_guest_flow_arrives_in_kombo_s_format_signed_and_as_the_sdk_models_it,
    crate::webhooks::ALLOW_PRIVATE
);

async fn a_kombo_endpoint_takes_kombo_s_names_and_refuses_events_without_a_form(app: TestApp) {
    let named = app
        .post(
            "/v1/webhook-endpoints",
            json!({"url": "https://hooks.example.com/k", "format": "kombo",
                "event_types": ["integration-created", "connection.deleted"]}),
        )
        .await;
    assert_eq!(named.status, 201, "{}", named.text);
    assert_eq!(
        named.json["event_types"],
        json!(["connection.created", "connection.deleted"])
    );
    let refused = app
        .post(
            "/v1/webhook-endpoints",
            json!({"url": "https://hooks.example.com/k", "format": "kombo",
                "event_types": ["integration-created", "invitation.created"]}),
        )
        .await;
    assert_eq!(refused.assert_problem(422), ["event_types[1]"]);
    let unknown = app
        .post(
            "/v1/webhook-endpoints",
            json!({"url": "https://hooks.example.com/k", "format": "svix"}),
        )
        .await;
    assert!(
        unknown.status == 400 || unknown.status == 422,
        "{}",
        unknown.text
    );
    let standard = app
        .post(
            "/v1/webhook-endpoints",
            json!({"url": "https://hooks.example.com/s"}),
        )
        .await;
    assert_eq!(standard.json["format"], "standard");
    let endpoints = app.get("/v1/webhook-endpoints").await.json["data"].clone();
    assert_eq!(
        endpoints.as_array().unwrap().len(),
        2,
        "the refused wrote nothing"
    );
}

both!(a_kombo_endpoint_takes_kombo_s_names_and_refuses_events_without_a_form);
