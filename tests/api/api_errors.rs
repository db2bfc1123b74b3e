//! What every client meets around the resources: authentication, scopes, body rules, unknown
//! routes and methods (all as problem+json), health, metrics, the OpenAPI document, the catalog.

use portico::domain::account::Scope;
use reqwest::{Method, RequestBuilder};
use serde_json::json;

use crate::both;
use crate::helpers::{Reply, TestApp};

/// A request with no credentials at all.
fn anonymous(app: &TestApp, method: Method, path: &str) -> RequestBuilder {
    app.client.request(method, format!("{}{path}", app.base))
}

async fn send(request: RequestBuilder) -> Reply {
    Reply::read(request.send().await.expect("request")).await
}

fn assert_unauthorized(reply: &Reply) {
    reply.assert_problem(401);
    assert_eq!(reply.headers["www-authenticate"], "Bearer");
}

async fn no_key_is_401_with_www_authenticate(app: TestApp) {
    let reply = send(anonymous(&app, Method::GET, "/v1/invitations")).await;

    assert_unauthorized(&reply);
}
both!(no_key_is_401_with_www_authenticate);

async fn unknown_keys_and_other_schemes_are_401(app: TestApp) {
    let bad_bearer =
        send(anonymous(&app, Method::GET, "/v1/invitations").bearer_auth("pk_not_a_key")).await;
    let bad_header =
        send(anonymous(&app, Method::GET, "/v1/invitations").header("X-API-KEY", "pk_not_a_key"))
            .await;
    let basic =
        send(anonymous(&app, Method::GET, "/v1/invitations").basic_auth(&app.key, None::<&str>))
            .await;

    for reply in [&bad_bearer, &bad_header, &basic] {
        assert_unauthorized(reply);
        assert!(!reply.text.contains("pk_not_a_key") && !reply.text.contains(&app.key));
    }
}
both!(unknown_keys_and_other_schemes_are_401);

/// A new key (no extra scopes) and the invitation list request made with it, which has just
/// succeeded once (so the server has confirmed, and cached, the key).
async fn working_key(app: &TestApp) -> (uuid::Uuid, impl Fn() -> RequestBuilder + '_) {
    let (key, secret) = app
        .portico
        .create_api_key(app.account.id, vec![])
        .await
        .unwrap();
    let list = move || anonymous(app, Method::GET, "/v1/invitations").bearer_auth(secret.expose());
    assert_eq!(send(list()).await.status, 200, "the key works before");
    (key.id, list)
}

async fn revoked_key_is_401(app: TestApp) {
    let (key, list) = working_key(&app).await;

    app.portico.revoke_api_key(key).await.unwrap();

    assert_unauthorized(&send(list()).await);
}
both!(revoked_key_is_401);

/// A key revoked by another process (`portico api-keys revoke`, another node: straight in the
/// store here, past this server's key cache) works from the cache until its TTL is up, then stops.
async fn a_key_revoked_elsewhere_stops_working_within_the_cache_ttl(app: TestApp) {
    use portico::service::key_cache::KEY_CACHE_TTL;
    let (key, list) = working_key(&app).await;

    app.portico
        .store
        .revoke_api_key(key, app.portico.now())
        .await
        .unwrap();

    let cached = send(list()).await;
    assert_eq!(cached.status, 200, "within the TTL: {}", cached.text);
    app.clock.advance(KEY_CACHE_TTL);
    assert_unauthorized(&send(list()).await);
}
both!(a_key_revoked_elsewhere_stops_working_within_the_cache_ttl);

async fn x_api_key_header_works_like_bearer(app: TestApp) {
    let created = app.create_invitation(json!({})).await;

    let reply =
        send(anonymous(&app, Method::GET, "/v1/invitations").header("X-API-KEY", &app.key)).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["data"][0]["id"], created["id"]);
    let create = send(
        anonymous(&app, Method::POST, "/v1/invitations")
            .header("x-api-key", &app.key)
            .json(&json!({"connector": "sandbox", "connection_name": "Via header"})),
    )
    .await;
    assert_eq!(create.status, 201, "{}", create.text);
}
both!(x_api_key_header_works_like_bearer);

async fn missing_scope_is_403(app: TestApp) {
    let (_, read_only) = app
        .portico
        .create_api_key(app.account.id, vec![Scope::InvitationsRead])
        .await
        .unwrap();
    let as_reader =
        |method: Method, path: &str| anonymous(&app, method, path).bearer_auth(read_only.expose());

    let create = send(
        as_reader(Method::POST, "/v1/invitations")
            .json(&json!({"connector": "sandbox", "connection_name": "x"})),
    )
    .await;

    create.assert_problem(403);
    assert!(
        create.json["detail"]
            .as_str()
            .unwrap()
            .contains("invitations:write")
    );
    assert_eq!(
        send(as_reader(Method::GET, "/v1/invitations")).await.status,
        200
    );
    send(as_reader(Method::GET, "/v1/connections"))
        .await
        .assert_problem(403);
    send(as_reader(Method::GET, "/v1/events"))
        .await
        .assert_problem(403);
    assert_eq!(app.get("/v1/invitations").await.json["data"], json!([]));
}
both!(missing_scope_is_403);

async fn body_over_64_kib_is_413(app: TestApp) {
    let body = json!({"connector": "sandbox", "connection_name": "x",
        "metadata": {"blob": "x".repeat(70 * 1024)}});

    let reply = app.post("/v1/invitations", body).await;

    reply.assert_problem(413);
    assert_eq!(app.get("/v1/invitations").await.json["data"], json!([]));
}
both!(body_over_64_kib_is_413);

async fn malformed_json_is_400(app: TestApp) {
    let reply = send(
        app.request(Method::POST, "/v1/invitations")
            .header("content-type", "application/json")
            .body(r#"{"connector": "sandbox", "connection_name": "#),
    )
    .await;

    reply.assert_problem(400);
}
both!(malformed_json_is_400);

async fn body_without_json_content_type_is_415(app: TestApp) {
    let json_text = r#"{"connector": "sandbox", "connection_name": "x"}"#;

    let as_text = send(
        app.request(Method::POST, "/v1/invitations")
            .header("content-type", "text/plain")
            .body(json_text),
    )
    .await;
    let without = send(app.request(Method::POST, "/v1/invitations").body(json_text)).await;

    as_text.assert_problem(415);
    without.assert_problem(415);
    assert_eq!(app.get("/v1/invitations").await.json["data"], json!([]));
}
both!(body_without_json_content_type_is_415);

async fn bad_query_parameters_are_422(app: TestApp) {
    let reply = app.get("/v1/invitations?limit=many").await;

    assert_eq!(reply.assert_problem(422), vec!["query"]);
}
both!(bad_query_parameters_are_422);

async fn unknown_route_is_404_problem(app: TestApp) {
    let with_key = app.get("/v1/nothing-here").await;
    let without_key = send(anonymous(&app, Method::GET, "/nothing/here")).await;

    with_key.assert_problem(404);
    without_key.assert_problem(404);
}
both!(unknown_route_is_404_problem);

async fn wrong_method_is_405_problem(app: TestApp) {
    let reply = app.delete("/v1/invitations").await;

    reply.assert_problem(405);
    let allow = reply.headers["allow"].to_str().unwrap();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let put = send(app.request(Method::PUT, "/v1/connections").json(&json!({}))).await;
    put.assert_problem(405);
}
both!(wrong_method_is_405_problem);

async fn health_endpoints_answer(app: TestApp) {
    let healthz = send(anonymous(&app, Method::GET, "/healthz")).await;
    let readyz = send(anonymous(&app, Method::GET, "/readyz")).await;

    assert_eq!(healthz.status, 200);
    assert_eq!(readyz.status, 200);
    assert_eq!(readyz.json, json!({"status": "ok"}));
}
both!(health_endpoints_answer);

async fn metrics_label_by_matched_route_never_by_raw_path(app: TestApp) {
    let created = app.create_invitation(json!({})).await;
    let id = created["id"].as_str().unwrap();
    let token = created["token"].as_str().unwrap();
    assert_eq!(app.get(&format!("/v1/invitations/{id}")).await.status, 200);
    app.get(&format!("/v1/nothing/{token}"))
        .await
        .assert_problem(404);

    let metrics = send(anonymous(&app, Method::GET, "/metrics")).await;

    assert_eq!(metrics.status, 200);
    assert!(metrics.content_type().starts_with("text/plain"));
    assert!(metrics.text.contains("portico_http_requests_total"));
    assert!(
        metrics
            .text
            .lines()
            .any(|l| l.starts_with("portico_http_requests_total")
                && l.contains(r#"route="/v1/invitations/{id}""#)
                && l.contains(r#"method="GET""#)
                && l.contains(r#"status="200""#)),
        "{}",
        metrics.text
    );
    assert!(metrics.text.contains(r#"route="unmatched""#));
    assert!(!metrics.text.contains(id) && !metrics.text.contains(token));
    let uuid =
        regex::Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").unwrap();
    assert!(!uuid.is_match(&metrics.text), "a raw id in the metrics");
}
both!(metrics_label_by_matched_route_never_by_raw_path);

async fn openapi_describes_the_api(app: TestApp) {
    let reply = send(anonymous(&app, Method::GET, "/openapi.json")).await;

    assert_eq!(reply.status, 200);
    let doc = &reply.json;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    for path in [
        "/v1/invitations",
        "/v1/invitations/{id}",
        "/v1/invitations/{id}/revoke",
        "/v1/connections",
        "/v1/connections/{id}",
        "/v1/connections/{id}/check",
        "/v1/connections/{id}/credentials",
        "/v1/connectors",
        "/v1/connectors/{id}",
        "/v1/events",
        "/collection_guests",
        "/v1/connect/create-link",
        "/v1/integrations/{integration_id}/relink",
        "/v2/invitation/connection",
        "/v2/invitation/connection/{connection_id}",
        "/v2/invitation/{id}",
        "/v2/invitation/{id}/revoke",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is missing");
    }
    let created = &doc["paths"]["/v1/invitations"]["post"]["responses"]["201"];
    assert_eq!(
        created["headers"]["x-request-id"]["schema"]["type"], "string",
        "{created}"
    );
    for method in ["get", "patch", "delete"] {
        assert!(doc["paths"]["/v1/connections/{id}"].get(method).is_some());
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["type"], "http");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["api_key"]["type"], "apiKey");
    assert_eq!(schemes["api_key"]["in"], "header");
    assert_eq!(schemes["api_key"]["name"], "X-API-KEY");
}
both!(openapi_describes_the_api);

async fn connectors_list_and_one(app: TestApp) {
    let list = app.get("/v1/connectors").await;

    assert_eq!(list.status, 200, "{}", list.text);
    let connectors = list.json["data"].as_array().unwrap();
    let ids: Vec<&str> = connectors
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    for id in ["sandbox", "postgres", "mysql", "toggl"] {
        assert!(ids.contains(&id), "{id} missing in {ids:?}");
    }
    let toggl = connectors.iter().find(|c| c["id"] == "toggl").unwrap();
    assert_eq!(toggl["number"], 130);

    let one = app.get("/v1/connectors/toggl").await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(&one.json, toggl);
    let secret_fields: Vec<&str> = one.json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["secret"] == true)
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(secret_fields, vec!["api_token"]);
    app.get("/v1/connectors/nope").await.assert_problem(404);
    assert_unauthorized(&send(anonymous(&app, Method::GET, "/v1/connectors")).await);
}
both!(connectors_list_and_one);
