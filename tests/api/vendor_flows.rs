//! The vendors' flows as their documents describe them, end to end: Nectar's create invitation
//! with its own `prefill` object (no datasource needed) shown in the guest's form, Kondado's
//! `recipient_email` as the address the link is sent to (not a restriction), and the native
//! `on_duplicate` rule (`create`, `update`, `reject`).

use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::guest_client::Guest;
use crate::helpers::{Reply, TestApp};

/// Nectar's documented request body (its reconnect example, as written) with the `prefill`
/// object of its invitation, as written: what a Nectar client sends to create an invitation.
const NECTAR_CREATE_EXAMPLE: &str = r#"
{
  "allowedEmails": [
    "[email protected]"
  ],
  "expiresInSeconds": 61,
  "maxUses": 2,
  "sendEmail": false,
  "prefill": {
    "url": "<string>",
    "initialSites": [
      "3c90c3cc-0d44-4b50-8888-8dd25736052a"
    ],
    "utilityTypes": [
      "ELECTRICITY"
    ],
    "country": "AF",
    "connectionOwnerEmail": "[email protected]",
    "dataCollectionStartDate": "2023-12-25"
  }
}
"#;

/// The seed's `prefill` object, as written.
fn seed_prefill() -> Value {
    json!({
        "url": "<string>",
        "initialSites": ["3c90c3cc-0d44-4b50-8888-8dd25736052a"],
        "utilityTypes": ["ELECTRICITY"],
        "country": "AF",
        "connectionOwnerEmail": "[email protected]",
        "dataCollectionStartDate": "2023-12-25"
    })
}

/// Kondado's example body with a placeholder recipient, as its documentation suggests for a
/// caller that hands the link out itself.
const KONDADO_PLACEHOLDER: &str = r#"{
"client_id": "123456789",
"recipient_email": "links@placeholder.example",
"parent_collection_id": 130,
"parent_collection_direction": "src",
"assigned_collection_name": "[Guest] Toggl"
}"#;

async fn nectar_post(app: &TestApp, body: &str) -> Reply {
    Reply::read(
        app.client
            .post(format!("{}/v2/invitation/connection", app.base))
            .header("content-type", "application/json")
            .header("X-API-KEY", &app.key)
            .body(body.to_string())
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn nectar_example_with_prefill_returns_the_prefill_unchanged(app: TestApp) {
    let reply = nectar_post(&app, NECTAR_CREATE_EXAMPLE).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["invitationType"], "CREATE_CONNECTION");
    assert_eq!(reply.json["status"], "ACTIVE");
    assert_eq!(reply.json["prefill"], seed_prefill(), "exactly as sent");
    assert_eq!(reply.json["allowedEmails"], json!(["[email protected]"]));
    assert_eq!(reply.json["maxUses"], 2);
    assert_eq!(reply.json["connectionId"], Value::Null);

    let id = reply.json["id"].as_str().unwrap();
    let read = Reply::read(
        app.request(Method::GET, &format!("/v2/invitation/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.json["prefill"], seed_prefill(), "and on every read");

    // Natively it is an invitation for the utility portal connector, its fields prefilled.
    let native = app.get(&format!("/v1/invitations/{id}")).await;
    assert_eq!(native.json["connector"], "utility_portal");
    assert_eq!(native.json["direction"], "source");
    assert_eq!(native.json["connection_name"], "Utility portal");
    assert_eq!(native.json["prefill"]["utility_types"], "ELECTRICITY");
    assert_eq!(native.json["prefill"]["country"], "AF");
}
both!(nectar_example_with_prefill_returns_the_prefill_unchanged);

async fn nectar_without_datasource_shows_the_prefill_in_the_guest_form(app: TestApp) {
    let body = json!({"prefill": seed_prefill(), "connectionName": "Main office"});
    let reply = nectar_post(&app, &body.to_string()).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["prefill"], seed_prefill());
    let url = reply.json["invitationUrl"].as_str().unwrap().to_string();

    let mut guest = Guest::new(&app);
    let form = guest.get(&url).await;
    assert_eq!(form.status, 200, "{}", form.text);
    assert!(!form.text.contains(r#"name="email""#), "no email step");
    for (key, shown) in [
        ("url", "&#60;string&#62;"),
        ("initial_sites", "3c90c3cc-0d44-4b50-8888-8dd25736052a"),
        ("utility_types", "ELECTRICITY"),
        ("country", "AF"),
        ("connection_owner_email", "[email protected]"),
        ("data_collection_start_date", "2023-12-25"),
    ] {
        let input = format!(r#"name="{key}" type="text" value="{shown}""#);
        assert!(form.text.contains(&input), "{input} in {}", form.text);
    }
    assert!(
        form.text
            .contains(r#"name="password" type="password" value="""#)
    );

    let done = guest
        .post(
            "/g/s/submit",
            &[
                ("url", "https://portal.utility.example/login"),
                ("username", "facilities@example.com"),
                ("password", "portal-pw"),
                ("initial_sites", "3c90c3cc-0d44-4b50-8888-8dd25736052a"),
                ("utility_types", "ELECTRICITY"),
                ("country", "AF"),
                ("connection_owner_email", "facilities@example.com"),
                ("data_collection_start_date", "2023-12-25"),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);

    let id = reply.json["id"].as_str().unwrap();
    let read = Reply::read(
        app.request(Method::GET, &format!("/v2/invitation/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(read.json["useCount"], 1);
    let created = &read.json["createdConnections"][0];
    assert_eq!(created["datasourceName"], "Utility portal");
    let connection = app
        .get(&format!(
            "/v1/connections/{}",
            created["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(connection.json["name"], "Main office");
    assert_eq!(connection.json["connector"], "utility_portal");
    assert_eq!(connection.json["config"]["utility_types"], "ELECTRICITY");
    assert!(
        !connection.text.contains("portal-pw"),
        "the secret stays out"
    );
}
both!(nectar_without_datasource_shows_the_prefill_in_the_guest_form);

async fn nectar_prefill_is_checked_and_errors_use_nectars_keys(app: TestApp) {
    for (prefill, field) in [
        (json!({"host": "db.example.com"}), "prefill.host"),
        (json!({"url": 7}), "prefill.url"),
        (json!({"country": "Afghanistan"}), "prefill.country"),
        (
            json!({"dataCollectionStartDate": "25.12.2023"}),
            "prefill.dataCollectionStartDate",
        ),
        (json!({"initialSites": ["site-1"]}), "prefill.initialSites"),
        (
            json!({"initialSites": "3c90c3cc-0d44-4b50-8888-8dd25736052a"}),
            "prefill.initialSites",
        ),
        (
            json!({"utilityTypes": ["ELECTRICITY, WATER"]}),
            "prefill.utilityTypes[0]",
        ),
        (
            json!({"utilityTypes": ["electricity"]}),
            "prefill.utilityTypes",
        ),
    ] {
        let body = json!({"prefill": prefill});
        let reply = nectar_post(&app, &body.to_string()).await;
        assert_eq!(reply.assert_problem(422), vec![field], "{body}");
    }
    // An explicit datasource keeps its own field keys, as before.
    let postgres = json!({"datasource": "postgres", "prefill": seed_prefill()});
    let refused = nectar_post(&app, &postgres.to_string()).await;
    assert!(
        refused
            .assert_problem(422)
            .contains(&"prefill.initialSites".to_string())
    );
    let unknown = nectar_post(&app, r#"{"datasource": "nope"}"#).await;
    assert!(
        unknown
            .assert_problem(422)
            .contains(&"datasource".to_string())
    );
    assert_eq!(
        app.get("/v1/invitations").await.json["data"],
        json!([]),
        "nothing half-written"
    );
}
both!(nectar_prefill_is_checked_and_errors_use_nectars_keys);

/// An account numbered like Kondado's example, and its key.
async fn kondado_key(app: &TestApp) -> String {
    let account = app
        .portico
        .create_account("Kondado client", Some(123_456_789))
        .await
        .unwrap();
    let (_, key) = app
        .portico
        .create_api_key(account.id, vec![])
        .await
        .unwrap();
    key.expose().clone()
}

async fn kondado_placeholder_recipient_gets_the_link_and_the_link_opens_the_form(app: TestApp) {
    let key = kondado_key(&app).await;
    let reply = Reply::read(
        app.client
            .post(format!("{}/collection_guests", app.base))
            .header("content-type", "application/json")
            .bearer_auth(&key)
            .body(KONDADO_PLACEHOLDER)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let link = reply.json["data"]["data"]["link"]
        .as_str()
        .unwrap()
        .to_string();

    // The email still goes to recipient_email, with the link.
    let mails = app.emails_to("links@placeholder.example", 1).await;
    assert!(mails[0].contains(&link));

    // Whoever holds the link gets the connector's form at once: no email step.
    let mut guest = Guest::new(&app);
    let form = guest.get(&link).await;
    assert_eq!(form.status, 200, "{}", form.text);
    assert!(!form.text.contains(r#"name="email""#), "{}", form.text);
    assert!(form.text.contains(r#"name="api_token""#), "{}", form.text);
    assert!(form.text.contains("Toggl Track"));

    let listed = Reply::read(
        app.client
            .get(format!("{}/v1/invitations", app.base))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let invitation = &listed.json["data"][0];
    assert_eq!(invitation["allowed_emails"], json!([]));
    assert_eq!(invitation["end_user"]["email"], "links@placeholder.example");
    assert_eq!(invitation["send_email"], true);
}
both!(kondado_placeholder_recipient_gets_the_link_and_the_link_opens_the_form);

/// A sandbox connection for the customer `origin_id`; its id.
async fn connection_for(app: &TestApp, origin_id: &str) -> String {
    let created = app
        .post(
            "/v1/connections",
            json!({"connector": "sandbox", "name": "HR", "config": {"api_key": "old-key"},
                   "end_user": {"origin_id": origin_id}}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.json["id"].as_str().unwrap().to_string()
}

fn for_customer(origin_id: &str, on_duplicate: Option<&str>) -> Value {
    let mut body = json!({"connector": "sandbox", "connection_name": "Acme HR",
                          "end_user": {"origin_id": origin_id}});
    if let Some(rule) = on_duplicate {
        body["on_duplicate"] = json!(rule);
    }
    body
}

async fn on_duplicate_create_is_the_default_and_makes_another_connection(app: TestApp) {
    let existing = connection_for(&app, "cust_1").await;
    for rule in [None, Some("create")] {
        let reply = app
            .post("/v1/invitations", for_customer("cust_1", rule))
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        assert_eq!(reply.json["kind"], "create_connection");
        assert_eq!(reply.json["connection_id"], Value::Null);
    }
    let mut guest = Guest::new(&app);
    let invitation = app.create_invitation(for_customer("cust_1", None)).await;
    guest.get(invitation["url"].as_str().unwrap()).await;
    let done = guest.post("/g/s/submit", &[("api_key", "second")]).await;
    assert_eq!(done.status, 200, "{}", done.text);
    let connections = app.get("/v1/connections").await;
    let ids: Vec<&str> = connections.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "a second connection");
    assert!(ids.contains(&existing.as_str()));
}
both!(on_duplicate_create_is_the_default_and_makes_another_connection);

async fn on_duplicate_update_turns_the_invitation_into_a_reconnect(app: TestApp) {
    let existing = connection_for(&app, "cust_1").await;
    let other = connection_for(&app, "cust_2").await;
    let reply = app
        .post("/v1/invitations", for_customer("cust_1", Some("update")))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json["kind"], "edit_connection");
    assert_eq!(reply.json["connection_id"], existing.as_str());
    assert_eq!(
        reply.json["connection_name"], "HR",
        "the connection's own name"
    );

    let mut guest = Guest::new(&app);
    let form = guest.get(reply.json["url"].as_str().unwrap()).await;
    assert_eq!(form.status, 200, "{}", form.text);
    let done = guest.post("/g/s/submit", &[("api_key", "rotated")]).await;
    assert_eq!(done.status, 200, "{}", done.text);
    let credentials = app
        .get(&format!("/v1/connections/{existing}/credentials"))
        .await;
    assert_eq!(credentials.json["config"]["api_key"], "rotated");
    let untouched = app
        .get(&format!("/v1/connections/{other}/credentials"))
        .await;
    assert_eq!(untouched.json["config"]["api_key"], "old-key");
    assert_eq!(
        app.get("/v1/connections").await.json["data"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "no new connection"
    );

    // Another customer, or another connector, has no duplicate: a plain create.
    let fresh = app
        .post("/v1/invitations", for_customer("cust_3", Some("update")))
        .await;
    assert_eq!(fresh.status, 201, "{}", fresh.text);
    assert_eq!(fresh.json["kind"], "create_connection");
    let mut toggl = for_customer("cust_1", Some("update"));
    toggl["connector"] = json!("toggl");
    let other_connector = app.post("/v1/invitations", toggl).await;
    assert_eq!(other_connector.status, 201, "{}", other_connector.text);
    assert_eq!(other_connector.json["kind"], "create_connection");
}
both!(on_duplicate_update_turns_the_invitation_into_a_reconnect);

async fn on_duplicate_reject_is_a_409_naming_the_connection(app: TestApp) {
    let existing = connection_for(&app, "cust_1").await;
    let reply = app
        .post("/v1/invitations", for_customer("cust_1", Some("reject")))
        .await;
    reply.assert_problem(409);
    let detail = reply.json["detail"].as_str().unwrap();
    assert!(detail.contains(&existing), "{detail}");
    assert_eq!(
        app.get("/v1/invitations").await.json["data"],
        json!([]),
        "no invitation"
    );
    let fresh = app
        .post("/v1/invitations", for_customer("cust_2", Some("reject")))
        .await;
    assert_eq!(fresh.status, 201, "{}", fresh.text);
    assert_eq!(fresh.json["kind"], "create_connection");
}
both!(on_duplicate_reject_is_a_409_naming_the_connection);

async fn on_duplicate_sees_only_the_account_s_own_connections_of_that_direction(app: TestApp) {
    // Another account's connection for the same origin id is no duplicate of ours.
    let other_key = app.other_account_key().await;
    let theirs = Reply::read(
        app.client
            .post(format!("{}/v1/connections", app.base))
            .bearer_auth(&other_key)
            .json(&json!({"connector": "sandbox", "name": "Theirs",
                          "config": {"api_key": "their-key"},
                          "end_user": {"origin_id": "cust_1"}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(theirs.status, 201, "{}", theirs.text);
    let theirs = theirs.json["id"].as_str().unwrap().to_string();
    for rule in ["update", "reject"] {
        let reply = app
            .post("/v1/invitations", for_customer("cust_1", Some(rule)))
            .await;
        assert_eq!(reply.status, 201, "{rule}: {}", reply.text);
        assert_eq!(reply.json["kind"], "create_connection");
        assert!(
            !reply.text.contains(&theirs),
            "never names their connection"
        );
    }

    // A destination of the same connector and customer is no duplicate of a source.
    let destination = app
        .post(
            "/v1/connections",
            json!({"connector": "postgres", "name": "Warehouse", "direction": "destination",
                   "config": {"host": "127.0.0.1", "database": "test", "user": "postgres",
                              "password": "x", "ssl_mode": "disable"},
                   "end_user": {"origin_id": "cust_7"}}),
        )
        .await;
    assert_eq!(destination.status, 201, "{}", destination.text);
    let source = app
        .post(
            "/v1/invitations",
            json!({"connector": "postgres", "direction": "source", "connection_name": "In",
                   "end_user": {"origin_id": "cust_7"}, "on_duplicate": "reject"}),
        )
        .await;
    assert_eq!(source.status, 201, "{}", source.text);
    let same = app
        .post(
            "/v1/invitations",
            json!({"connector": "postgres", "direction": "destination",
                   "connection_name": "Out", "end_user": {"origin_id": "cust_7"},
                   "on_duplicate": "reject"}),
        )
        .await;
    same.assert_problem(409);
}
both!(on_duplicate_sees_only_the_account_s_own_connections_of_that_direction);

async fn on_duplicate_refuses_unknown_values_and_missing_keys(app: TestApp) {
    connection_for(&app, "cust_1").await;
    let existing = connection_for(&app, "cust_9").await;
    let cases = [
        (for_customer("cust_1", Some("upsert")), vec!["on_duplicate"]),
        (
            json!({"connector": "sandbox", "connection_name": "X", "on_duplicate": "update"}),
            vec!["end_user.origin_id"],
        ),
        (
            json!({"connector": "sandbox", "connection_name": "X", "on_duplicate": "reject",
                   "end_user": {"origin_id": " "}}),
            vec!["end_user.origin_id"],
        ),
        (
            json!({"category": "HRIS", "connection_name": "X", "on_duplicate": "update",
                   "end_user": {"origin_id": "cust_1"}}),
            vec!["connector"],
        ),
        (
            json!({"kind": "edit_connection", "connection_id": existing,
                   "on_duplicate": "reject", "end_user": {"origin_id": "cust_9"}}),
            vec!["on_duplicate"],
        ),
    ];
    for (body, fields) in cases {
        let reply = app.post("/v1/invitations", body.clone()).await;
        assert_eq!(reply.assert_problem(422), fields, "{body}");
    }
    let not_text = app
        .post(
            "/v1/invitations",
            json!({"connector": "sandbox", "connection_name": "X", "on_duplicate": 1}),
        )
        .await;
    not_text.assert_problem(422);
    assert_eq!(app.get("/v1/invitations").await.json["data"], json!([]));
}
both!(on_duplicate_refuses_unknown_values_and_missing_keys);
