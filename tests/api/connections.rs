//! `/v1/connections`: validation against the connector's fields, redaction of secrets, paging,
//! partial updates, deletion, credentials behind `connections:secrets`, checks, and tenancy.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Reply, TestApp, id_of};

/// A password that must never show up outside `/credentials`.
const CANARY: &str = "canary-pw-7f3a9c";

fn postgres_body(extra: Value) -> Value {
    let mut body = json!({
        "connector": "postgres",
        "direction": "source",
        "name": "Warehouse",
        "config": {
            "host": "db.example.com",
            "port": 5432,
            "database": "analytics",
            "user": "reader",
            "password": CANARY,
            "ssl_mode": "require"
        }
    });
    crate::helpers::merge(&mut body, extra);
    body
}

async fn create_postgres(app: &TestApp) -> Value {
    let reply = app.post("/v1/connections", postgres_body(json!({}))).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json
}

/// The same request, authenticated with another key.
async fn send_as(
    app: &TestApp,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Reply {
    let mut request = app
        .client
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    Reply::read(request.send().await.expect("request")).await
}

async fn create_returns_plain_config_and_only_the_names_of_secrets(app: TestApp) {
    let reply = app.post("/v1/connections", postgres_body(json!({}))).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
    assert!(
        !reply.text.contains(CANARY),
        "the password leaks: {}",
        reply.text
    );
    let created = &reply.json;
    assert_eq!(created["object"], "connection");
    assert_eq!(created["connector"], "postgres");
    assert_eq!(created["direction"], "source");
    assert_eq!(created["name"], "Warehouse");
    assert_eq!(created["account_id"], app.account.id.to_string());
    assert_eq!(
        created["config"],
        json!({"host": "db.example.com", "port": 5432, "database": "analytics", "user": "reader", "ssl_mode": "require"})
    );
    assert_eq!(created["secret_fields"], json!(["password"]));
    assert_eq!(created["last_check"], Value::Null);
}
both!(create_returns_plain_config_and_only_the_names_of_secrets);

async fn create_sandbox_defaults_its_only_direction(app: TestApp) {
    let created = app.create_connection(CANARY).await;

    assert_eq!(created["connector"], "sandbox");
    assert_eq!(created["direction"], "source");
    assert_eq!(created["config"], json!({}));
    assert_eq!(created["secret_fields"], json!(["api_key"]));
    assert!(!created.to_string().contains(CANARY));
}
both!(create_sandbox_defaults_its_only_direction);

async fn create_applies_connector_defaults(app: TestApp) {
    let body = json!({"connector": "postgres", "direction": "destination", "name": "DB",
        "config": {"host": "10.0.0.5", "database": "d", "user": "u", "password": CANARY}});

    let reply = app.post("/v1/connections", body).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json["direction"], "destination");
    assert_eq!(reply.json["config"]["port"], 5432);
    assert_eq!(reply.json["config"]["ssl_mode"], "prefer");
}
both!(create_applies_connector_defaults);

async fn invalid_config_names_every_field_with_the_config_prefix(app: TestApp) {
    let body = json!({
        "connector": "postgres",
        "name": "Warehouse",
        "config": {
            "host": "db.example.com",
            "port": 70000,
            "database": 5,
            "password": CANARY,
            "ssl_mode": "sometimes",
            "colour": "red"
        }
    });

    let reply = app.post("/v1/connections", body).await;

    let mut fields = reply.assert_problem(422);
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "config.colour",
            "config.database",
            "config.port",
            "config.ssl_mode",
            "config.user",
            "direction",
        ]
    );
    let message = |field: &str| {
        reply.json["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == field)
            .map(|e| e["message"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(message("config.port"), "must be between 1 and 65535");
    assert_eq!(message("config.database"), "must be text");
    assert_eq!(message("config.user"), "is required");
    assert_eq!(message("config.colour"), "is not a field of this connector");
    assert!(message("config.ssl_mode").starts_with("must be one of: disable"));
    assert!(!reply.text.contains(CANARY), "an error echoes the password");
    assert_eq!(app.get("/v1/connections").await.json["data"], json!([]));
}
both!(invalid_config_names_every_field_with_the_config_prefix);

async fn missing_secret_and_wrong_direction_are_field_errors(app: TestApp) {
    let reply = app
        .post(
            "/v1/connections",
            json!({"connector": "sandbox", "direction": "destination", "name": "HR", "config": {}}),
        )
        .await;

    let mut fields = reply.assert_problem(422);
    fields.sort();
    assert_eq!(fields, vec!["config.api_key", "direction"]);
}
both!(missing_secret_and_wrong_direction_are_field_errors);

async fn unknown_connector_and_unknown_top_level_field_are_422(app: TestApp) {
    let reply = app
        .post(
            "/v1/connections",
            json!({"connector": "nope", "name": "x", "config": {}}),
        )
        .await;
    assert_eq!(reply.assert_problem(422), vec!["connector"]);

    let reply = app
        .post(
            "/v1/connections",
            json!({"connector": "sandbox", "name": "x", "config": {"api_key": "k"}, "colour": "red"}),
        )
        .await;
    assert_eq!(reply.assert_problem(422), vec!["body"]);
}
both!(unknown_connector_and_unknown_top_level_field_are_422);

async fn get_returns_what_create_returned(app: TestApp) {
    let created = create_postgres(&app).await;

    let read = app
        .get(&format!("/v1/connections/{}", id_of(&created)))
        .await;

    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.json, created);
    assert!(!read.text.contains(CANARY));
}
both!(get_returns_what_create_returned);

async fn list_pages_newest_first_with_a_cursor(app: TestApp) {
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(id_of(&app.create_connection(&format!("key-{i}")).await).to_string());
    }

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            None => "/v1/connections?limit=2".to_string(),
            Some(c) => format!("/v1/connections?limit=2&cursor={c}"),
        };
        let page = app.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(!page.text.contains("key-"), "a secret leaks into the list");
        pages += 1;
        for connection in page.json["data"].as_array().unwrap() {
            seen.push(id_of(connection).to_string());
        }
        match page.json["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }

    assert_eq!(pages, 3);
    created.reverse();
    assert_eq!(seen, created, "every connection once, newest first");
    app.get("/v1/connections?limit=0").await.assert_problem(422);
    app.get("/v1/connections?limit=101")
        .await
        .assert_problem(422);
    app.get("/v1/connections?cursor=nope")
        .await
        .assert_problem(422);
}
both!(list_pages_newest_first_with_a_cursor);

async fn patch_merges_config_and_credentials_follow(app: TestApp) {
    let created = create_postgres(&app).await;
    let path = format!("/v1/connections/{}", id_of(&created));

    let reply = app
        .patch(
            &path,
            json!({"name": "Warehouse EU", "config": {"port": 6543, "password": "new-pw-42", "ssl_mode": null}}),
        )
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(!reply.text.contains("new-pw-42"));
    assert_eq!(reply.json["name"], "Warehouse EU");
    assert_eq!(
        reply.json["config"],
        json!({"host": "db.example.com", "port": 6543, "database": "analytics", "user": "reader", "ssl_mode": "prefer"}),
        "untouched keys stay, given keys replace, null falls back to the default"
    );
    assert_eq!(reply.json["secret_fields"], json!(["password"]));
    assert_eq!(app.get(&path).await.json, reply.json);
    let credentials = app.get(&format!("{path}/credentials")).await;
    assert_eq!(credentials.json["config"]["password"], "new-pw-42");
    assert_eq!(credentials.json["config"]["port"], 6543);
    assert!(
        !credentials.text.contains(CANARY),
        "the old password is gone"
    );
}
both!(patch_merges_config_and_credentials_follow);

async fn patch_null_removes_an_optional_value(app: TestApp) {
    let created = app
        .post(
            "/v1/connections",
            json!({"connector": "toggl", "name": "Time",
                "config": {"api_token": CANARY, "base_url": "http://127.0.0.1:9/toggl"}}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(
        created.json["config"]["base_url"],
        "http://127.0.0.1:9/toggl"
    );
    let path = format!("/v1/connections/{}", id_of(&created.json));

    let reply = app
        .patch(&path, json!({"config": {"base_url": null}}))
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.json["config"],
        json!({"base_url": "https://api.track.toggl.com"}),
        "the owner's value is gone; the connector default stands in"
    );
    let credentials = app.get(&format!("{path}/credentials")).await;
    assert_eq!(credentials.json["config"]["api_token"], CANARY);
}
both!(patch_null_removes_an_optional_value);

async fn invalid_patch_is_422_and_changes_nothing(app: TestApp) {
    let created = create_postgres(&app).await;
    let path = format!("/v1/connections/{}", id_of(&created));
    let credentials_before = app.get(&format!("{path}/credentials")).await.json;

    let reply = app
        .patch(
            &path,
            json!({"name": "Renamed", "config": {"user": null, "port": 0, "password": "pw-not-kept", "extra": 1}}),
        )
        .await;

    let mut fields = reply.assert_problem(422);
    fields.sort();
    assert_eq!(fields, vec!["config.extra", "config.port", "config.user"]);
    assert!(!reply.text.contains("pw-not-kept") && !reply.text.contains(CANARY));
    assert_eq!(app.get(&path).await.json, created);
    assert_eq!(
        app.get(&format!("{path}/credentials")).await.json,
        credentials_before
    );
    assert!(
        !app.event_types()
            .await
            .contains(&"connection.updated".to_string())
    );

    app.patch(&path, json!({"name": "  "}))
        .await
        .assert_problem(422);
    app.patch(&path, json!({"colour": "red"}))
        .await
        .assert_problem(422);
    assert_eq!(app.get(&path).await.json, created);
}
both!(invalid_patch_is_422_and_changes_nothing);

async fn delete_removes_the_connection_and_writes_an_event(app: TestApp) {
    let created = app.create_connection("key-1").await;
    let path = format!("/v1/connections/{}", id_of(&created));

    let reply = app.delete(&path).await;

    assert_eq!(reply.status, 204, "{}", reply.text);
    assert!(reply.text.is_empty());
    app.get(&path).await.assert_problem(404);
    app.get(&format!("{path}/credentials"))
        .await
        .assert_problem(404);
    app.delete(&path).await.assert_problem(404);
    assert_eq!(app.get("/v1/connections").await.json["data"], json!([]));
    assert_eq!(
        app.event_types().await,
        vec!["connection.created", "connection.deleted"]
    );
}
both!(delete_removes_the_connection_and_writes_an_event);

async fn credentials_return_every_value_and_each_read_is_recorded(app: TestApp) {
    let created = create_postgres(&app).await;
    let path = format!("/v1/connections/{}/credentials", id_of(&created));

    let first = app.get(&path).await;
    let second = app.get(&path).await;

    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.json["connection_id"], id_of(&created).to_string());
    assert_eq!(first.json["connector"], "postgres");
    assert_eq!(
        first.json["config"],
        json!({"host": "db.example.com", "port": 5432, "database": "analytics",
            "user": "reader", "password": CANARY, "ssl_mode": "require"})
    );
    assert_eq!(second.json, first.json);
    assert_eq!(
        app.event_types().await,
        vec![
            "connection.created",
            "connection.credentials_read",
            "connection.credentials_read"
        ]
    );
}
both!(credentials_return_every_value_and_each_read_is_recorded);

async fn credentials_need_the_secrets_scope(app: TestApp) {
    let created = create_postgres(&app).await;
    let (_, standard) = app
        .portico
        .create_api_key(app.account.id, vec![])
        .await
        .unwrap();
    let path = format!("/v1/connections/{}", id_of(&created));

    let reply = send_as(
        &app,
        standard.expose(),
        Method::GET,
        &format!("{path}/credentials"),
        None,
    )
    .await;

    reply.assert_problem(403);
    assert!(!reply.text.contains(CANARY));
    assert!(
        reply.json["detail"]
            .as_str()
            .unwrap()
            .contains("connections:secrets")
    );
    let read = send_as(&app, standard.expose(), Method::GET, &path, None).await;
    assert_eq!(
        read.status, 200,
        "the standard key still reads the redacted connection"
    );
    assert_eq!(app.event_types().await, vec!["connection.created"]);
}
both!(credentials_need_the_secrets_scope);

async fn check_with_a_good_key_is_ok(app: TestApp) {
    let created = app.create_connection("good").await;
    let path = format!("/v1/connections/{}", id_of(&created));

    let reply = app.post(&format!("{path}/check"), json!({})).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["status"], "ok");
    assert!(reply.json.get("message").is_none());
    let read = app.get(&path).await;
    assert_eq!(read.json["last_check"], reply.json);
    assert_eq!(app.event_types().await, vec!["connection.created"]);
}
both!(check_with_a_good_key_is_ok);

async fn check_with_the_invalid_key_fails_and_is_recorded(app: TestApp) {
    let created = app.create_connection("invalid").await;
    let path = format!("/v1/connections/{}", id_of(&created));

    let reply = app.post(&format!("{path}/check"), json!({})).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["status"], "failed");
    assert!(!reply.json["message"].as_str().unwrap().is_empty());
    assert!(reply.json["checked_at"].is_string());
    let read = app.get(&path).await;
    assert_eq!(read.json["last_check"], reply.json);
    let events = app.get("/v1/events").await.json;
    let last = events["data"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["type"], "connection.check_failed");
    assert_eq!(last["data"]["id"], id_of(&created).to_string());
    assert_eq!(last["data"]["last_check"], reply.json);
}
both!(check_with_the_invalid_key_fails_and_is_recorded);

async fn another_accounts_connection_is_404_everywhere(app: TestApp) {
    let created = create_postgres(&app).await;
    let other = app.other_account_key().await;
    let path = format!("/v1/connections/{}", id_of(&created));

    let replies = [
        send_as(&app, &other, Method::GET, &path, None).await,
        send_as(
            &app,
            &other,
            Method::PATCH,
            &path,
            Some(json!({"name": "Mine"})),
        )
        .await,
        send_as(&app, &other, Method::DELETE, &path, None).await,
        send_as(
            &app,
            &other,
            Method::GET,
            &format!("{path}/credentials"),
            None,
        )
        .await,
        send_as(
            &app,
            &other,
            Method::POST,
            &format!("{path}/check"),
            Some(json!({})),
        )
        .await,
    ];

    for reply in &replies {
        reply.assert_problem(404);
        assert!(!reply.text.contains(CANARY));
    }
    let listed = send_as(&app, &other, Method::GET, "/v1/connections", None).await;
    assert_eq!(listed.json["data"], json!([]));
    assert_eq!(app.get(&path).await.json, created, "untouched");
    assert_eq!(app.event_types().await, vec!["connection.created"]);
    app.get("/v1/connections/not-a-uuid")
        .await
        .assert_problem(404);
}
both!(another_accounts_connection_is_404_everywhere);
