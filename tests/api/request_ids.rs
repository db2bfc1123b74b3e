//! Request ids: every response has an `x-request-id` (the client's if it is a short safe token),
//! a 500 shows it (and hides its cause), and the log lines of that request carry it beside the
//! whole cause.

use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::both;
use crate::cli::{Served, http, serve_command};
use crate::helpers::{Backend, Reply, TestApp, execute_sql, fresh_pg_database};

fn request_id(reply: &Reply) -> String {
    reply
        .headers
        .get("x-request-id")
        .unwrap_or_else(|| panic!("no x-request-id on {}: {}", reply.status, reply.text))
        .to_str()
        .expect("a visible ASCII id")
        .to_string()
}

async fn send(app: &TestApp, method: Method, path: &str, id: Option<&str>) -> Reply {
    let mut request = app.request(method, path);
    if let Some(id) = id {
        request = request.header("x-request-id", id);
    }
    Reply::read(request.send().await.expect("request")).await
}

/// Makes `GET /v1/invitations` (and every use of invitations) fail in the store.
async fn drop_invitations(database_url: &str) {
    let cascade = if database_url.starts_with("sqlite") {
        ""
    } else {
        " CASCADE"
    };
    execute_sql(database_url, &format!("DROP TABLE invitations{cascade}")).await;
}

async fn every_response_has_its_own_request_id(app: TestApp) {
    let created = app.create_invitation(json!({})).await;
    let token_url = created["url"].as_str().unwrap().replace(&app.base, "");
    let too_large = "x".repeat(65 * 1024);
    let replies = vec![
        app.get("/v1/invitations").await,
        app.get("/v1/nothing-here").await,
        app.delete("/v1/connectors").await,
        app.post("/v1/invitations", json!({"connector": 1})).await,
        app.post("/v1/invitations", json!({"metadata": too_large}))
            .await,
        Reply::read(
            app.client
                .get(format!("{}/v1/invitations", app.base))
                .send()
                .await
                .unwrap(),
        )
        .await,
        app.get("/openapi.json").await,
        app.get("/healthz").await,
        app.get(&token_url).await,
        app.get("/g/not-a-token").await,
        app.post("/collection_guests", json!({})).await,
        app.post("/v1/connect/create-link", json!({})).await,
        app.get(&format!("/v2/invitation/{}", Uuid::now_v7())).await,
    ];

    let statuses: Vec<u16> = replies.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(
        statuses,
        [
            200, 404, 405, 422, 413, 401, 200, 200, 200, 404, 422, 400, 404
        ]
    );
    let ids: std::collections::HashSet<String> = replies.iter().map(request_id).collect();
    assert_eq!(ids.len(), replies.len(), "one id per request: {ids:?}");
    for id in &ids {
        id.parse::<Uuid>()
            .unwrap_or_else(|e| panic!("{id} is not a UUID: {e}"));
    }
}
both!(every_response_has_its_own_request_id);

async fn a_short_safe_client_request_id_is_kept_and_any_other_replaced(app: TestApp) {
    let kept = send(&app, Method::GET, "/v1/invitations", Some("abc-123_x.y")).await;
    assert_eq!(request_id(&kept), "abc-123_x.y");

    for unsafe_id in ["two words", "<b>x</b>", "id\"quoted", &"a".repeat(65)] {
        let reply = send(&app, Method::GET, "/v1/invitations", Some(unsafe_id)).await;
        let id = request_id(&reply);
        assert!(
            id.parse::<Uuid>().is_ok(),
            "{unsafe_id:?} was replaced: {id}"
        );
    }
}
both!(a_short_safe_client_request_id_is_kept_and_any_other_replaced);

async fn a_500_shows_its_request_id_and_hides_its_cause(app: TestApp) {
    drop_invitations(&app.database_url).await;

    let reply = app.get("/v1/invitations").await;

    reply.assert_problem(500);
    let id = request_id(&reply);
    assert_eq!(reply.json["request_id"], id.as_str(), "{}", reply.text);
    let detail = reply.json["detail"].as_str().unwrap();
    assert!(detail.contains(&id), "{detail}");
    for inner in [
        "table",
        "relation",
        "database",
        "sqlx",
        "invitations",
        "exist",
    ] {
        assert!(!reply.text.contains(inner), "{inner:?} in {}", reply.text);
    }
    let quoted = send(&app, Method::GET, "/v1/invitations", Some("support-42")).await;
    assert_eq!(quoted.status, 500);
    assert_eq!(quoted.json["request_id"], "support-42");

    // The compatible endpoints answer in their own shapes, with the header too.
    let nectar = app.get(&format!("/v2/invitation/{}", Uuid::now_v7())).await;
    nectar.assert_problem(500);
    assert_eq!(nectar.json["request_id"], request_id(&nectar).as_str());
    let kombo = app
        .post(
            "/v1/connect/create-link",
            json!({"end_user_email": "a@example.com", "end_user_organization_name": "Acme"}),
        )
        .await;
    assert_eq!(kombo.status, 500, "{}", kombo.text);
    // Kombo's envelope: its code for an unknown error, the request id in the message.
    assert_eq!(
        kombo.json["error"]["code"], "PLATFORM.UNKNOWN_ERROR",
        "{}",
        kombo.text
    );
    let id = request_id(&kombo);
    assert_eq!(
        kombo.json["error"]["message"],
        format!("internal error (request id {id})")
    );
    for inner in ["table", "relation", "sqlx", "invitations", "exist"] {
        assert!(!kombo.text.contains(inner), "{inner:?} in {}", kombo.text);
    }
}
both!(a_500_shows_its_request_id_and_hides_its_cause);

/// The real binary: the one error line of a failed request has its whole cause and the
/// request id, as does the request's own log line.
async fn a_500_is_logged_once_with_its_cause_and_request_id(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let postgres = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_pg_database().await),
    };
    let mut served = Served::start(serve_command(dir.path(), postgres.as_deref())).await;
    let database_url =
        postgres.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("portico.db").display()));
    let key = served.printed_key.clone().expect("a first key");
    drop_invitations(&database_url).await;

    let reply = Reply::read(
        http()
            .get(format!("{}/v1/invitations", served.base))
            .bearer_auth(&key)
            .send()
            .await
            .expect("GET"),
    )
    .await;
    assert_eq!(reply.status, 500, "{}", reply.text);
    let id = request_id(&reply);
    served.stop().await;

    let lines: Vec<&String> = served.stderr.iter().filter(|l| l.contains(&id)).collect();
    let failed: Vec<&&String> = lines
        .iter()
        .filter(|l| l.contains("request failed"))
        .collect();
    assert_eq!(failed.len(), 1, "one error line: {lines:#?}");
    let cause = match backend {
        Backend::Sqlite => "no such table: invitations",
        Backend::Postgres => "relation \"invitations\" does not exist",
    };
    assert!(
        failed[0].contains(cause),
        "the cause is logged: {}",
        failed[0]
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("/v1/invitations") && l.contains("500")),
        "the request line has the id: {:#?}",
        served.stderr
    );
}
both!(a_500_is_logged_once_with_its_cause_and_request_id);
