//! The endpoints compatible with Kondado, Kombo and Nectar: each vendor's documented example
//! request sent byte for byte, every documented response field checked, then the link driven
//! through the guest's pages to a connection the owner sees through both the compatible and the
//! native API.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::guest_client::Guest;
use crate::helpers::{Reply, TestApp};

/// Kondado's example body, exactly as its documentation prints it.
const KONDADO_EXAMPLE: &str = r#"{
"client_id": "123456789",
"recipient_email": "julia-pizzol@kondado.ai",
"parent_collection_id": 130,
"parent_collection_direction": "src",
"assigned_collection_name": "[Guest] Toggl"
}"#;

/// Kombo's example body, exactly as its documentation prints it (the curl's `--data`).
const KOMBO_EXAMPLE: &str = r#"{
  "end_user_email": "test@example.com",
  "end_user_organization_name": "Test Inc.",
  "integration_category": "HRIS",
  "integration_tool": "personio",
  "end_user_origin_id": "123",
  "language": "en"
}"#;

/// Nectar's example body, exactly as its documentation prints it (address mangled by its docs
/// site).
const NECTAR_EXAMPLE: &str = r#"
{
  "allowedEmails": [
    "[email protected]"
  ],
  "expiresInSeconds": 61,
  "maxUses": 2,
  "sendEmail": false
}
"#;

/// A raw JSON request with a key, as the vendors' clients send it.
async fn send_raw(app: &TestApp, path: &str, key: &str, header: &str, body: &str) -> Reply {
    let request = app
        .client
        .request(Method::POST, format!("{}{path}", app.base))
        .header("content-type", "application/json")
        .body(body.to_string());
    let request = if header == "x-api-key" {
        request.header("X-API-KEY", key)
    } else {
        request.bearer_auth(key)
    };
    Reply::read(request.send().await.unwrap()).await
}

/// An account numbered like Kondado's example, and its key.
async fn kondado_account(app: &TestApp) -> String {
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

async fn get_as(app: &TestApp, key: &str, path: &str) -> Reply {
    Reply::read(
        app.client
            .get(format!("{}{path}", app.base))
            .bearer_auth(key)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// A loopback stand-in for Toggl's `GET /api/v9/me`: 200 for the token `good-token`.
async fn toggl_stand_in() -> String {
    use axum::http::{HeaderMap, StatusCode};
    let app = axum::Router::new().route(
        "/api/v9/me",
        axum::routing::get(|headers: HeaderMap| async move {
            use base64::Engine;
            let expected = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("good-token:api_token")
            );
            match headers.get("authorization").and_then(|v| v.to_str().ok()) {
                Some(v) if v == expected => StatusCode::OK,
                _ => StatusCode::FORBIDDEN,
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn kondado_example_creates_a_link_and_the_guest_a_toggl_source(app: TestApp) {
    let key = kondado_account(&app).await;
    let reply = send_raw(&app, "/collection_guests", &key, "bearer", KONDADO_EXAMPLE).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let link = reply.json["data"]["data"]["link"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        reply.json,
        json!({"success": true, "data": {"success": true, "data": {"link": link}}}),
        "exactly the nested envelope"
    );
    assert!(link.starts_with(&format!("{}/g/", app.base)));

    // The link went to the recipient; the address restricts nothing, the link opens the form.
    let mails = app.emails_to("julia-pizzol@kondado.ai", 1).await;
    assert!(mails[0].contains(&link));

    let toggl = toggl_stand_in().await;
    let mut guest = Guest::new(&app);
    let form = guest.get(&link).await;
    assert!(!form.text.contains(r#"name="email""#), "no email proof");
    assert!(form.text.contains("Toggl Track"), "{}", form.text);
    let done = guest
        .post(
            "/g/s/submit",
            &[("api_token", "good-token"), ("base_url", toggl.as_str())],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);

    let connections = get_as(&app, &key, "/v1/connections").await;
    let connection = &connections.json["data"][0];
    assert_eq!(connection["name"], "[Guest] Toggl");
    assert_eq!(connection["connector"], "toggl");
    assert_eq!(connection["direction"], "source");
}
both!(kondado_example_creates_a_link_and_the_guest_a_toggl_source);

async fn kondado_accepts_client_id_as_an_integer_and_a_destination(app: TestApp) {
    let key = kondado_account(&app).await;
    let body = json!({
        "client_id": 123456789,
        "recipient_email": "ops@kondado.ai",
        "parent_collection_id": 2,
        "parent_collection_direction": "dest",
        "assigned_collection_name": "Warehouse"
    });
    let reply = send_raw(
        &app,
        "/collection_guests",
        &key,
        "bearer",
        &body.to_string(),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let listed = get_as(&app, &key, "/v1/invitations").await;
    let invitation = &listed.json["data"][0];
    assert_eq!(invitation["connector"], "postgres");
    assert_eq!(invitation["direction"], "destination");
    assert_eq!(invitation["allowed_emails"], json!([]), "no restriction");
    assert_eq!(invitation["end_user"]["email"], "ops@kondado.ai");
    assert_eq!(invitation["send_email"], true);
}
both!(kondado_accepts_client_id_as_an_integer_and_a_destination);

async fn kondado_errors_keep_the_envelope(app: TestApp) {
    let key = kondado_account(&app).await;
    let other = KONDADO_EXAMPLE.replace("123456789", "42");
    let reply = send_raw(&app, "/collection_guests", &key, "bearer", &other).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.json["success"], false);
    assert_eq!(reply.json["data"]["success"], false);
    assert!(
        reply.json["data"]["message"]
            .as_str()
            .unwrap()
            .contains("client_id")
    );

    for (body, field) in [
        (
            KONDADO_EXAMPLE.replace("130", "999999"),
            "parent_collection_id",
        ),
        (
            KONDADO_EXAMPLE.replace("\"src\"", "\"sideways\""),
            "parent_collection_direction",
        ),
        (
            KONDADO_EXAMPLE.replace("julia-pizzol@kondado.ai", "not-an-email"),
            "recipient_email",
        ),
        (
            KONDADO_EXAMPLE.replace("[Guest] Toggl", ""),
            "assigned_collection_name",
        ),
        (
            KONDADO_EXAMPLE.replace("\"src\"", "\"dest\""),
            "parent_collection_direction",
        ),
    ] {
        let reply = send_raw(&app, "/collection_guests", &key, "bearer", &body).await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.text);
        assert_eq!(reply.json["success"], false);
        let message = reply.json["data"]["message"].as_str().unwrap();
        assert!(message.contains(field), "{message} names {field}");
    }
    let missing = send_raw(&app, "/collection_guests", &key, "bearer", "{}").await;
    assert_eq!(missing.status, 422);
    assert_eq!(missing.json["success"], false);
    let anonymous = send_raw(
        &app,
        "/collection_guests",
        "pk_nope",
        "bearer",
        KONDADO_EXAMPLE,
    )
    .await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.json["success"], false);
}
both!(kondado_errors_keep_the_envelope);

async fn kombo_example_creates_a_link_and_the_guest_a_personio_integration(app: TestApp) {
    let reply = send_raw(
        &app,
        "/v1/connect/create-link",
        &app.key,
        "bearer",
        KOMBO_EXAMPLE,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let link = reply.json["data"]["link"].as_str().unwrap().to_string();
    assert_eq!(
        reply.json,
        json!({"status": "success", "data": {"link": link}})
    );

    let mut guest = Guest::new(&app);
    let form = guest.get(&link).await;
    assert!(form.text.contains("Personio"));
    assert!(form.text.contains(r#"<html lang="en">"#));
    let done = guest
        .post(
            "/g/s/submit",
            &[("client_id", "papi-123"), ("client_secret", "papi-secret")],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    let connections = app.get("/v1/connections").await;
    let connection = &connections.json["data"][0];
    assert_eq!(connection["connector"], "personio");
    assert_eq!(connection["name"], "Test Inc.");
    assert_eq!(
        connection["end_user"],
        json!({"email": "test@example.com", "organization_name": "Test Inc.", "origin_id": "123"})
    );

    // Kombo's reconnection link for that integration: same connection, new credentials.
    let id = connection["id"].as_str().unwrap();
    let relink = send_raw(
        &app,
        &format!("/v1/integrations/{id}/relink"),
        &app.key,
        "bearer",
        r#"{"language": "de"}"#,
    )
    .await;
    assert_eq!(relink.status, 200, "{}", relink.text);
    let link = relink.json["data"]["link"].as_str().unwrap().to_string();
    let mut guest = Guest::new(&app);
    let form = guest.get(&link).await;
    assert!(form.text.contains(r#"<html lang="de">"#));
    let done = guest
        .post(
            "/g/s/submit",
            &[("client_id", "papi-123"), ("client_secret", "rotated")],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    let credentials = app.get(&format!("/v1/connections/{id}/credentials")).await;
    assert_eq!(credentials.json["config"]["client_secret"], "rotated");
    assert_eq!(
        app.get("/v1/connections").await.json["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
both!(kombo_example_creates_a_link_and_the_guest_a_personio_integration);

async fn kombo_without_a_tool_lets_the_guest_pick_one_of_the_category(app: TestApp) {
    let body = json!({
        "end_user_email": "hr@example.com",
        "end_user_organization_name": "Pick Inc.",
        "integration_category": "ATS",
        "language": "fr"
    });
    let reply = send_raw(
        &app,
        "/v1/connect/create-link",
        &app.key,
        "bearer",
        &body.to_string(),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let link = reply.json["data"]["link"].as_str().unwrap().to_string();
    let invitation = &app.get("/v1/invitations").await.json["data"][0];
    assert_eq!(invitation["connector"], Value::Null);
    assert_eq!(invitation["category"], "ATS");

    let mut guest = Guest::new(&app);
    let pick = guest.get(&link).await;
    assert_eq!(pick.status, 200);
    assert!(pick.text.contains(r#"<html lang="fr">"#));
    assert!(
        pick.text.contains(r#"value="greenhouse""#),
        "an ATS tool is offered"
    );
    assert!(!pick.text.contains(r#"value="personio""#) || pick.text.contains("Personio"));
    assert!(
        !pick.text.contains(r#"value="okta""#),
        "an HRIS-only tool is not"
    );
    let refused = guest.post("/g/s/pick", &[("connector", "okta")]).await;
    assert_eq!(refused.status, 422);
    let form = guest.post("/g/s/pick", &[("connector", "sandbox")]).await;
    assert!(form.text.contains(r#"name="api_key""#), "{}", form.text);
    let done = guest.post("/g/s/submit", &[("api_key", "picked")]).await;
    assert_eq!(done.status, 200, "{}", done.text);
    let connection = &app.get("/v1/connections").await.json["data"][0];
    assert_eq!(connection["connector"], "sandbox");
}
both!(kombo_without_a_tool_lets_the_guest_pick_one_of_the_category);

async fn kombo_validates_like_kombo(app: TestApp) {
    let cases = [
        (json!({"end_user_organization_name": "X"}), "end_user_email"),
        (
            json!({"end_user_email": "a@b.co", "end_user_organization_name": "X", "integration_category": "CRM"}),
            "integration_category",
        ),
        (
            json!({"end_user_email": "a@b.co", "end_user_organization_name": "X", "integration_tool": "greenhouse"}),
            "integration_tool",
        ),
        (
            json!({"end_user_email": "a@b.co", "end_user_organization_name": "X", "integration_tool": "nope"}),
            "integration_tool",
        ),
        (
            json!({"end_user_email": "a@b.co", "end_user_organization_name": "X", "remote_environment": "sandbox"}),
            "remote_environment",
        ),
        (
            json!({"end_user_email": "a@b.co", "end_user_organization_name": "X", "language": "pt"}),
            "language",
        ),
    ];
    for (body, field) in cases {
        let reply = send_raw(
            &app,
            "/v1/connect/create-link",
            &app.key,
            "bearer",
            &body.to_string(),
        )
        .await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
        assert_eq!(reply.json["status"], "error");
        let message = reply.json["error"]["message"].as_str().unwrap();
        assert!(message.contains(field), "{message} names {field}");
    }
    let with_environment = json!({
        "end_user_email": "a@b.co", "end_user_organization_name": "X",
        "integration_tool": "personio", "remote_environment": "sandbox",
        "scope_config_id": "sc_1", "enable_filtering": true
    });
    let reply = send_raw(
        &app,
        "/v1/connect/create-link",
        &app.key,
        "bearer",
        &with_environment.to_string(),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let invitation = &app.get("/v1/invitations").await.json["data"][0];
    assert_eq!(invitation["remote_environment"], "sandbox");
    assert_eq!(invitation["category"], "HRIS", "the default category");
    assert_eq!(invitation["metadata"]["kombo"]["scope_config_id"], "sc_1");
    let unknown = send_raw(
        &app,
        &format!("/v1/integrations/{}/relink", uuid::Uuid::now_v7()),
        &app.key,
        "bearer",
        "{}",
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json["status"], "error");
    assert_eq!(
        unknown.json["error"]["code"],
        "PLATFORM.INTEGRATION_NOT_FOUND"
    );
    let anonymous = send_raw(
        &app,
        "/v1/connect/create-link",
        "pk_nope",
        "bearer",
        KOMBO_EXAMPLE,
    )
    .await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.json["status"], "error");
    assert_eq!(
        anonymous.json["error"]["code"],
        "PLATFORM.AUTHENTICATION_INVALID"
    );
}
both!(kombo_validates_like_kombo);

/// Checks every field of Nectar's invitation object and its type.
fn assert_nectar_shape(object: &Value) {
    for field in [
        "id",
        "token",
        "invitationType",
        "status",
        "invitationUrl",
        "companyId",
        "createdAt",
    ] {
        assert!(object[field].is_string(), "{field} is a string: {object}");
    }
    for field in ["allowedEmails", "createdConnections"] {
        assert!(object[field].is_array(), "{field} is an array");
    }
    assert!(object["prefill"].is_object());
    assert!(object["useCount"].is_i64());
    assert!(object["maxUses"].is_i64() || object["maxUses"].is_null());
    assert!(object["expiresAt"].is_string() || object["expiresAt"].is_null());
    assert!(object["connectionId"].is_string() || object["connectionId"].is_null());
    assert_eq!(
        object.as_object().unwrap().len(),
        14,
        "exactly the documented fields"
    );
}

async fn nectar_example_creates_a_reconnect_invitation(app: TestApp) {
    let connection = app.create_connection("old-key").await;
    let id = connection["id"].as_str().unwrap();
    let path = format!("/v2/invitation/connection/{id}");
    let reply = send_raw(&app, &path, &app.key, "x-api-key", NECTAR_EXAMPLE).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let object = &reply.json;
    assert_nectar_shape(object);
    assert_eq!(object["invitationType"], "EDIT_CONNECTION");
    assert_eq!(object["status"], "ACTIVE");
    assert_eq!(object["companyId"], app.account.id.to_string());
    assert_eq!(object["connectionId"], id);
    assert_eq!(object["allowedEmails"], json!(["[email protected]"]));
    assert_eq!(object["maxUses"], 2);
    assert_eq!(object["useCount"], 0);
    assert_eq!(object["prefill"], json!({}));
    assert_eq!(object["createdConnections"], json!([]));
    let token = object["token"].as_str().unwrap();
    assert_eq!(object["invitationUrl"], format!("{}/g/{token}", app.base));
    let created =
        chrono::DateTime::parse_from_rfc3339(object["createdAt"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(object["expiresAt"].as_str().unwrap()).unwrap();
    assert_eq!((expires - created).num_seconds(), 61);

    let read = Reply::read(
        app.request(
            Method::GET,
            &format!("/v2/invitation/{}", object["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(read.status, 200);
    assert_nectar_shape(&read.json);
    assert_eq!(read.json["token"], "", "the token is shown only once");
    assert!(!read.text.contains(token));
}
both!(nectar_example_creates_a_reconnect_invitation);

async fn nectar_links_run_through_the_guest_pages(app: TestApp) {
    // Create, with prefill, a real address, and Nectar's defaults (never expires, unlimited).
    let body = json!({
        "datasource": "postgres",
        "allowedEmails": ["energy@example.com"],
        "prefill": {"host": "127.0.0.1", "database": "test"},
        "sendEmail": true
    });
    let reply = send_raw(
        &app,
        "/v2/invitation/connection",
        &app.key,
        "x-api-key",
        &body.to_string(),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_nectar_shape(&reply.json);
    assert_eq!(reply.json["invitationType"], "CREATE_CONNECTION");
    assert_eq!(reply.json["connectionId"], Value::Null);
    assert_eq!(reply.json["expiresAt"], Value::Null);
    assert_eq!(reply.json["maxUses"], Value::Null);
    assert_eq!(
        reply.json["prefill"],
        json!({"host": "127.0.0.1", "database": "test"})
    );
    let url = reply.json["invitationUrl"].as_str().unwrap().to_string();
    assert!(app.emails_to("energy@example.com", 1).await[0].contains(&url));

    let mut guest = Guest::new(&app);
    guest.get(&url).await;
    guest
        .post("/g/s/email", &[("email", "energy@example.com")])
        .await;
    let code = app.code_sent_to("energy@example.com", 2).await;
    let form = guest.post("/g/s/code", &[("code", &code)]).await;
    assert!(form.text.contains(r#"value="127.0.0.1""#));
    let done = guest
        .post(
            "/g/s/submit",
            &[
                ("host", "127.0.0.1"),
                ("port", "5432"),
                ("database", "test"),
                ("user", "postgres"),
                ("password", "nectar-pw"),
                ("ssl_mode", "disable"),
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
    assert_eq!(read.json["status"], "ACTIVE", "unlimited uses");
    let created = &read.json["createdConnections"][0];
    assert_eq!(created["datasourceName"], "PostgreSQL");
    assert_eq!(created["status"], "ACTIVE");
    let native = app.get(&format!("/v1/invitations/{id}")).await;
    assert_eq!(native.json["created_connections"][0]["id"], created["id"]);

    let revoked = Reply::read(
        app.request(Method::POST, &format!("/v2/invitation/{id}/revoke"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(revoked.json["status"], "REVOKED");
    let deleted = Reply::read(
        app.request(Method::DELETE, &format!("/v2/invitation/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        deleted.json["status"], "REVOKED",
        "revoking again is harmless"
    );
}
both!(nectar_links_run_through_the_guest_pages);

async fn nectar_validates_its_constraints(app: TestApp) {
    let connection = app.create_connection("k").await;
    let path = format!(
        "/v2/invitation/connection/{}",
        connection["id"].as_str().unwrap()
    );
    for (body, field) in [
        (json!({"expiresInSeconds": 59}), "expiresInSeconds"),
        (json!({"maxUses": 0}), "maxUses"),
        (json!({"allowedEmails": [""]}), "allowedEmails[0]"),
    ] {
        let reply = send_raw(&app, &path, &app.key, "x-api-key", &body.to_string()).await;
        let fields = reply.assert_problem(422);
        assert_eq!(fields, vec![field], "{body}");
    }
    // sendEmail without allowedEmails sends nothing and is no error.
    let quiet = send_raw(&app, &path, &app.key, "x-api-key", r#"{"sendEmail": true}"#).await;
    assert_eq!(quiet.status, 200, "{}", quiet.text);
    let unknown = format!("/v2/invitation/connection/{}", uuid::Uuid::now_v7());
    send_raw(&app, &unknown, &app.key, "x-api-key", "{}")
        .await
        .assert_problem(404);
    // No datasource is Nectar's own: the utility portal.
    let bare = send_raw(
        &app,
        "/v2/invitation/connection",
        &app.key,
        "x-api-key",
        "{}",
    )
    .await;
    assert_eq!(bare.status, 200, "{}", bare.text);
    assert_eq!(bare.json["createdConnections"], json!([]));
    let unknown = send_raw(
        &app,
        "/v2/invitation/connection",
        &app.key,
        "x-api-key",
        r#"{"datasource": "nope"}"#,
    )
    .await;
    assert!(
        unknown
            .assert_problem(422)
            .contains(&"datasource".to_string())
    );
}
both!(nectar_validates_its_constraints);
