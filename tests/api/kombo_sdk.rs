//! Kombo's official Python SDK (`kombo` 1.4.0, in `target/venv`) against a real server: every
//! call it makes for connection links and integrations, and the typed errors it raises, checked
//! on what the SDK itself returned or raised (tests/kombo/sdk_calls.py prints it as JSON).

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use std::path::Path;

use crate::both;
use crate::guest_client::Guest;
use crate::helpers::{Reply, TestApp};

/// Runs `calls` (`[group, method, kwargs]` each) through the SDK with `key`, in one process;
/// what each returned (`{"ok": ...}`) or raised (`{"error": ...}`).
async fn sdk_with(app: &TestApp, key: &str, calls: Value) -> Vec<Value> {
    let root = env!("CARGO_MANIFEST_DIR");
    let python = Path::new(root).join("target/venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `bash scripts/test`, which installs kombo==1.4.0",
        python.display()
    );
    let output = tokio::process::Command::new(python)
        .arg(Path::new(root).join("tests/kombo/sdk_calls.py"))
        .arg(&app.base)
        .arg(calls.to_string())
        .env("PORTICO_KOMBO_KEY", key)
        .output()
        .await
        .expect("run the SDK");
    assert!(
        output.status.success(),
        "the SDK driver failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the driver prints JSON")
}

pub(crate) async fn sdk(app: &TestApp, calls: Value) -> Vec<Value> {
    sdk_with(app, &app.key, calls).await
}

/// What the SDK returned; fails with what it raised instead.
pub(crate) fn ok(outcome: &Value) -> &Value {
    outcome
        .get("ok")
        .unwrap_or_else(|| panic!("the SDK raised: {outcome}"))
}

/// The SDK's own typed error with `code`, and its HTTP status.
pub(crate) fn assert_kombo_error(outcome: &Value, code: &str, status: u16) {
    let error = outcome
        .get("error")
        .unwrap_or_else(|| panic!("the SDK returned: {outcome}"));
    assert_eq!(error["class"], "KomboGeneralError", "{error}");
    assert_eq!(error["code"], code, "{error}");
    assert_eq!(error["status_code"], status, "{error}");
    assert!(error["title"].is_string(), "{error}");
    assert!(!error["message"].as_str().unwrap().is_empty());
    assert_eq!(error["log_url"], Value::Null);
}

fn link_of(outcome: &Value) -> String {
    let data = &ok(outcome)["data"];
    assert_eq!(ok(outcome)["status"], "success");
    data["link"].as_str().unwrap().to_string()
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

/// The newest invitation's lifetime.
async fn newest_lifetime(app: &TestApp) -> (Value, Duration) {
    let invitation = app.get("/v1/invitations").await.json["data"][0].clone();
    let lifetime = time(&invitation["expires_at"]) - time(&invitation["created_at"]);
    (invitation, lifetime)
}

/// A Kombo link for the sandbox tool through the SDK, completed by the guest with `api_key`;
/// the connection (integration) id.
async fn sandbox_integration(app: &TestApp, email: &str) -> String {
    let created = sdk(
        app,
        json!([["connect", "create_connection_link", {
            "end_user_email": email, "end_user_organization_name": "Sandbox Corp",
            "end_user_origin_id": "cust-9", "integration_tool": "sandbox",
            "scope_config_id": "sc_42"}]]),
    )
    .await;
    let link = link_of(&created[0]);
    let mut guest = Guest::new(app);
    let form = guest.get(&link).await;
    assert_eq!(form.status, 200, "{}", form.text);
    let done = guest
        .post("/g/s/submit", &[("api_key", "sdk-secret")])
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    let connection = &app.get("/v1/connections").await.json["data"][0];
    assert_eq!(connection["end_user"]["email"], email);
    connection["id"].as_str().unwrap().to_string()
}

async fn the_sdk_checks_its_key_and_a_wrong_key_raises_its_authentication_error(app: TestApp) {
    let outcomes = sdk(&app, json!([["general", "check_api_key", {}]])).await;
    assert_eq!(
        ok(&outcomes[0]),
        &json!({"status": "success", "data": {"environment_id": app.account.id}}),
        "the environment is the key's account"
    );
    let wrong = sdk_with(
        &app,
        "pk_not_a_key",
        json!([
            ["general", "check_api_key", {}],
            ["connect", "create_connection_link", {
                "end_user_email": "a@b.co", "end_user_organization_name": "X"}],
            ["general", "get_integration_details", {"integration_id": uuid::Uuid::now_v7()}],
        ]),
    )
    .await;
    for outcome in &wrong {
        assert_kombo_error(outcome, "PLATFORM.AUTHENTICATION_INVALID", 401);
    }
    assert!(
        !wrong[0]["error"]["body"]
            .as_str()
            .unwrap()
            .contains("pk_not_a_key"),
        "the key is never echoed"
    );
}
both!(the_sdk_checks_its_key_and_a_wrong_key_raises_its_authentication_error);

async fn sdk_links_take_every_field_embedded_for_an_hour_magic_for_a_year(app: TestApp) {
    let every_field = json!({
        "end_user_email": "magic@example.com", "end_user_organization_name": "Magic Inc.",
        "end_user_origin_id": "org-1", "remote_environment": "sandbox",
        "integration_category": "HRIS", "integration_tool": "personio", "language": "de",
        "scope_config_id": "sc_1", "enable_filtering": true, "enable_field_mapping": true,
        "enable_static_ips": true, "link_type": "MAGIC_LINK"
    });
    let outcomes = sdk(
        &app,
        json!([["connect", "create_connection_link", every_field]]),
    )
    .await;
    let magic = link_of(&outcomes[0]);
    let (invitation, lifetime) = newest_lifetime(&app).await;
    assert_eq!(lifetime, Duration::days(365), "a magic link lasts a year");
    assert_eq!(invitation["connector"], "personio");
    assert_eq!(invitation["category"], "HRIS");
    assert_eq!(invitation["remote_environment"], "sandbox");
    assert_eq!(invitation["language"], "de");
    assert_eq!(invitation["max_uses"], 1);
    assert_eq!(
        invitation["end_user"],
        json!({"email": "magic@example.com", "organization_name": "Magic Inc.",
            "origin_id": "org-1"})
    );
    assert_eq!(
        invitation["metadata"]["kombo"],
        json!({"scope_config_id": "sc_1", "enable_filtering": true,
            "enable_field_mapping": true, "enable_static_ips": true})
    );
    let form = Guest::new(&app).get(&magic).await;
    assert!(form.text.contains(r#"<html lang="de">"#));

    // The SDK's defaults: EMBEDDED, HRIS, en.
    let outcomes = sdk(
        &app,
        json!([
            ["connect", "create_connection_link", {
                "end_user_email": "embedded@example.com",
                "end_user_organization_name": "Embedded Inc."}],
        ]),
    )
    .await;
    link_of(&outcomes[0]);
    let (invitation, lifetime) = newest_lifetime(&app).await;
    assert_eq!(invitation["end_user"]["email"], "embedded@example.com");
    assert_eq!(
        lifetime,
        Duration::hours(1),
        "an embedded link lasts an hour"
    );
    assert_eq!(invitation["category"], "HRIS");
    assert_eq!(invitation["language"], "en");
    // LMS is a category the SDK knows: the link offers the catalog's LMS tools (the sandbox);
    // an LMS tool the catalog lacks is refused and writes nothing.
    let outcomes = sdk(
        &app,
        json!([
            ["connect", "create_connection_link", {
                "end_user_email": "lms@example.com", "end_user_organization_name": "LMS Inc.",
                "integration_category": "LMS"}],
            ["connect", "create_connection_link", {
                "end_user_email": "lms@example.com", "end_user_organization_name": "LMS Inc.",
                "integration_category": "LMS", "integration_tool": "moodle"}],
        ]),
    )
    .await;
    let lms = link_of(&outcomes[0]);
    let picker = Guest::new(&app).get(&lms).await;
    assert_eq!(picker.status, 200, "{}", picker.text);
    assert!(picker.text.contains("Sandbox"), "{}", picker.text);
    assert_kombo_error(&outcomes[1], "PLATFORM.INPUT_INVALID", 400);
    assert!(
        outcomes[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("integration_tool")
    );
    let invitations = app.get("/v1/invitations").await.json["data"].clone();
    assert_eq!(
        invitations.as_array().unwrap().len(),
        3,
        "a refused link writes nothing"
    );
    assert!(
        invitations
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["category"] == "LMS" && i["connector"].is_null())
    );
}
both!(sdk_links_take_every_field_embedded_for_an_hour_magic_for_a_year);

/// A sandbox flow of a native invitation with a redirect, completed; its result code.
async fn completed_result(app: &TestApp, email: &str) -> String {
    let invitation = app
        .create_invitation(json!({
            "redirect_url": "https://app.example.com/done",
            "end_user": {"email": email, "organization_name": "Token Corp",
                "origin_id": "tok-1"}}))
        .await;
    let mut guest = Guest::new(app);
    guest.get(invitation["url"].as_str().unwrap()).await;
    let done = guest
        .post("/g/s/submit", &[("api_key", "token-secret")])
        .await;
    assert_eq!(done.status, 303, "{}", done.text);
    let location = url::Url::parse(done.headers["location"].to_str().unwrap()).unwrap();
    location
        .query_pairs()
        .find(|(k, _)| k == "result")
        .map(|(_, v)| v.into_owned())
        .expect("the redirect carries result")
}

async fn activate(app: &TestApp, key: &str, token: &str) -> Reply {
    Reply::read(
        app.client
            .post(format!("{}/v1/connect/activate-integration", app.base))
            .bearer_auth(key)
            .json(&json!({ "token": token }))
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn the_flow_token_gives_the_integration_once_through_the_sdk(app: TestApp) {
    let token = completed_result(&app, "token@example.com").await;
    let connection = app.get("/v1/connections").await.json["data"][0].clone();
    let call = json!(["connect", "get_integration_by_token", {"token": token}]);
    let other_key = app.other_account_key().await;
    let stranger = sdk_with(&app, &other_key, json!([call])).await;
    assert_kombo_error(&stranger[0], "PLATFORM.INTEGRATION_NOT_FOUND", 404);

    let outcomes = sdk(&app, json!([call, call])).await;
    assert_eq!(
        ok(&outcomes[0]),
        &json!({"status": "success", "data": {
            "tool": "sandbox", "id": connection["id"], "end_user_origin_id": "tok-1",
            "end_user_organization_name": "Token Corp", "end_user_email": "token@example.com",
            "setup_status": "COMPLETED"}}),
        "another account's attempt did not spend it"
    );
    assert_kombo_error(&outcomes[1], "PLATFORM.INTEGRATION_NOT_FOUND", 404);

    // The older call, over plain HTTP: the same exchange, once.
    let token = completed_result(&app, "older@example.com").await;
    let first = activate(&app, &app.key, &token).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.json["data"]["end_user_email"], "older@example.com");
    assert_eq!(first.json["data"]["setup_status"], "COMPLETED");
    let again = activate(&app, &app.key, &token).await;
    assert_eq!(again.status, 404);
    assert_eq!(again.json["status"], "error");
    assert_eq!(
        again.json["error"]["code"],
        "PLATFORM.INTEGRATION_NOT_FOUND"
    );
    assert_eq!(again.json["error"]["log_url"], Value::Null);
    let anonymous = activate(&app, "pk_nope", "whatever").await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        anonymous.json["error"]["code"],
        "PLATFORM.AUTHENTICATION_INVALID"
    );
}
both!(the_flow_token_gives_the_integration_once_through_the_sdk);

async fn sdk_integration_details_enabled_relink_and_delete(app: TestApp) {
    let id = sandbox_integration(&app, "hr@sandbox.example").await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let outcomes = sdk(
        &app,
        json!([
            ["general", "get_integration_details", {"integration_id": id}],
            ["general", "set_integration_enabled", {"integration_id": id, "value": false}],
            ["general", "get_integration_details", {"integration_id": id}],
        ]),
    )
    .await;
    let details = &ok(&outcomes[0])["data"];
    let connection = app.get(&format!("/v1/connections/{id}")).await.json;
    assert_eq!(
        details,
        &json!({
            "id": id,
            "tool": {"id": "sandbox", "label": "Sandbox", "internal_label": null,
                "logo_url": "", "icon_url": ""},
            "category": "HRIS", "status": "ACTIVE", "setup_status": "COMPLETED",
            "end_user": {"organization_name": "Sandbox Corp",
                "creator_email": "hr@sandbox.example", "origin_id": "cust-9"},
            "scope_config": {"id": "sc_42", "name": null},
            "data_expired_at": null,
            "created_at": details["created_at"],
            "beta": false, "read_models": [], "write_actions": []
        })
    );
    assert_eq!(
        time(&details["created_at"]),
        time(&connection["created_at"])
    );

    // Disabled: the credentials are kept but refused; the connection says so.
    assert_eq!(ok(&outcomes[1]), &json!({"status": "success", "data": {}}));
    assert_eq!(ok(&outcomes[2])["data"]["status"], "INACTIVE");
    let connection = app.get(&format!("/v1/connections/{id}")).await;
    assert_eq!(connection.json["enabled"], false);
    let refused = app.get(&format!("/v1/connections/{id}/credentials")).await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert!(!refused.text.contains("sdk-secret"));
    assert!(
        !app.event_types()
            .await
            .contains(&"connection.credentials_read".to_string()),
        "a refused read is no read"
    );

    let outcomes = sdk(
        &app,
        json!([
            ["general", "set_integration_enabled", {"integration_id": id, "value": true}],
            ["general", "create_reconnection_link", {"integration_id": id,
                "link_type": "MAGIC_LINK", "language": "fr"}],
            ["general", "create_reconnection_link", {"integration_id": unknown}],
            ["general", "set_integration_enabled", {"integration_id": unknown, "value": false}],
            ["general", "get_integration_details", {"integration_id": "not-a-uuid"}],
        ]),
    )
    .await;
    ok(&outcomes[0]);
    let credentials = app.get(&format!("/v1/connections/{id}/credentials")).await;
    assert_eq!(credentials.status, 200, "{}", credentials.text);
    assert_eq!(credentials.json["config"]["api_key"], "sdk-secret");
    assert_eq!(
        app.get(&format!("/v1/connections/{id}")).await.json["enabled"],
        true
    );

    // The reconnection link: a year as asked, in French, for the same connection.
    let relink = link_of(&outcomes[1]);
    let (invitation, lifetime) = newest_lifetime(&app).await;
    assert_eq!(invitation["kind"], "edit_connection");
    assert_eq!(invitation["connection_id"], id.as_str());
    assert_eq!(lifetime, Duration::days(365));
    let mut guest = Guest::new(&app);
    assert!(
        guest
            .get(&relink)
            .await
            .text
            .contains(r#"<html lang="fr">"#)
    );
    let done = guest.post("/g/s/submit", &[("api_key", "rotated")]).await;
    assert_eq!(done.status, 200, "{}", done.text);
    for outcome in &outcomes[2..] {
        assert_kombo_error(outcome, "PLATFORM.INTEGRATION_NOT_FOUND", 404);
    }

    let outcomes = sdk(
        &app,
        json!([
            ["general", "create_reconnection_link", {"integration_id": id}],
            ["general", "delete_integration", {"integration_id": id, "body": {}}],
            ["general", "get_integration_details", {"integration_id": id}],
            ["general", "delete_integration", {"integration_id": id, "body": {}}],
        ]),
    )
    .await;
    link_of(&outcomes[0]);
    let (_, lifetime) = newest_lifetime(&app).await;
    assert_eq!(lifetime, Duration::hours(1), "EMBEDDED by default");
    assert_eq!(ok(&outcomes[1]), &json!({"status": "success", "data": {}}));
    assert_kombo_error(&outcomes[2], "PLATFORM.INTEGRATION_NOT_FOUND", 404);
    assert_kombo_error(&outcomes[3], "PLATFORM.INTEGRATION_NOT_FOUND", 404);
    assert_eq!(app.get(&format!("/v1/connections/{id}")).await.status, 404);
}
both!(sdk_integration_details_enabled_relink_and_delete);

async fn another_accounts_integration_is_not_found_and_scopes_hold(app: TestApp) {
    let id = sandbox_integration(&app, "mine@sandbox.example").await;
    let other_key = app.other_account_key().await;
    let outcomes = sdk_with(
        &app,
        &other_key,
        json!([
            ["general", "get_integration_details", {"integration_id": id}],
            ["general", "set_integration_enabled", {"integration_id": id, "value": false}],
            ["general", "create_reconnection_link", {"integration_id": id}],
            ["general", "delete_integration", {"integration_id": id, "body": {}}],
        ]),
    )
    .await;
    for outcome in &outcomes {
        assert_kombo_error(outcome, "PLATFORM.INTEGRATION_NOT_FOUND", 404);
    }
    let connection = app.get(&format!("/v1/connections/{id}")).await;
    assert_eq!(connection.status, 200);
    assert_eq!(connection.json["enabled"], true);

    // A key that may only read cannot disable, delete or relink.
    let (_, reader) = app
        .portico
        .create_api_key(
            app.account.id,
            vec![portico::domain::account::Scope::ConnectionsRead],
        )
        .await
        .unwrap();
    let outcomes = sdk_with(
        &app,
        reader.expose(),
        json!([
            ["general", "get_integration_details", {"integration_id": id}],
            ["general", "set_integration_enabled", {"integration_id": id, "value": false}],
            ["general", "delete_integration", {"integration_id": id, "body": {}}],
            ["general", "create_reconnection_link", {"integration_id": id}],
        ]),
    )
    .await;
    ok(&outcomes[0]);
    for outcome in &outcomes[1..] {
        assert_kombo_error(outcome, "PLATFORM.AUTHENTICATION_INVALID", 403);
    }
    assert_eq!(
        app.get(&format!("/v1/connections/{id}")).await.json["enabled"],
        true
    );

    // A connection made without a link: the connector's first Kombo category, the default
    // scope config, and the connection's name for a missing organization.
    let native = app.create_connection("native-key").await;
    let outcomes = sdk(
        &app,
        json!([["general", "get_integration_details", {"integration_id": native["id"]}]]),
    )
    .await;
    let details = &ok(&outcomes[0])["data"];
    assert_eq!(details["id"], native["id"]);
    assert_eq!(details["category"], "HRIS");
    assert_eq!(details["scope_config"]["id"], "default");
    assert_eq!(details["end_user"]["organization_name"], native["name"]);
}
both!(another_accounts_integration_is_not_found_and_scopes_hold);

async fn the_native_api_disables_and_enables_a_connection_too(app: TestApp) {
    let connection = app.create_connection("native-secret").await;
    assert_eq!(connection["enabled"], true, "a new connection is enabled");
    let id = connection["id"].as_str().unwrap();
    let path = format!("/v1/connections/{id}");
    let disabled = app.patch(&path, json!({"enabled": false})).await;
    assert_eq!(disabled.status, 200, "{}", disabled.text);
    assert_eq!(disabled.json["enabled"], false);
    let refused = app.get(&format!("{path}/credentials")).await;
    assert_eq!(refused.status, 409);
    assert!(!refused.text.contains("native-secret"));
    let wrong = app.patch(&path, json!({"enabled": "no"})).await;
    assert!(wrong.status.is_client_error(), "{}", wrong.text);
    assert_eq!(app.get(&path).await.json["enabled"], false);
    app.patch(&path, json!({"enabled": true})).await;
    let credentials = app.get(&format!("{path}/credentials")).await;
    assert_eq!(credentials.status, 200);
    assert_eq!(credentials.json["config"]["api_key"], "native-secret");
}
both!(the_native_api_disables_and_enables_a_connection_too);
