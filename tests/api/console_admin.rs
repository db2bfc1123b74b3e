//! The console's API keys and webhooks pages (issue 13, point 6): an owner makes a key with
//! chosen scopes (shown once), it works against /v1 with exactly those scopes and stops at
//! once when revoked; an owner subscribes an endpoint (secret shown once), sees its attempts
//! with status codes, retries now, disables, enables and deletes it. Members get 403 on both
//! and write nothing; so does a form without its CSRF token or from another origin.

use reqwest::StatusCode;
use serde_json::json;

use crate::both;
use crate::console::{ConsoleClient, PASSWORD, signed_in_owner, user};
use crate::helpers::{TestApp, eventually};
use crate::webhooks::Receiver;
use portico::domain::user::Role;

/// `GET` with another key than the app's own.
async fn status_with(app: &TestApp, key: &str, method: reqwest::Method, path: &str) -> u16 {
    let mut request = app
        .client
        .request(method.clone(), format!("{}{path}", app.base))
        .bearer_auth(key);
    if method == reqwest::Method::POST {
        request = request.json(&json!({"connector": "sandbox"}));
    }
    request.send().await.unwrap().status().as_u16()
}

/// The ids in the page's forms whose action is `{prefix}{id}{suffix}`.
fn ids_in(body: &str, prefix: &str, suffix: &str) -> Vec<String> {
    body.match_indices(&format!("action=\"{prefix}"))
        .filter_map(|(at, m)| {
            let rest = &body[at + m.len()..];
            let id = &rest[..rest.find('"')?];
            id.strip_suffix(suffix).map(str::to_string)
        })
        .collect()
}

async fn key_count(app: &TestApp) -> usize {
    app.portico
        .store
        .list_api_keys(app.account.id, 100)
        .await
        .unwrap()
        .len()
}

async fn endpoint_count(app: &TestApp) -> usize {
    app.get("/v1/webhook-endpoints").await.json["data"]
        .as_array()
        .unwrap()
        .len()
}

async fn an_owner_makes_a_scoped_key_that_stops_at_once_when_revoked(app: TestApp) {
    let mut owner = signed_in_owner(&app).await;
    let page = owner.get("/console/api-keys").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(r#"value="connections:secrets""#));
    let csrf = page.csrf();

    // No scope ticked: an error, no key.
    let before = key_count(&app).await;
    let refused = owner.post("/console/api-keys", &[("csrf", &csrf)]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Tick at least one scope."));
    assert_eq!(key_count(&app).await, before);

    let created = owner
        .post(
            "/console/api-keys",
            &[("csrf", &csrf), ("scope", "invitations:read")],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let key = created.input("new-key");
    assert!(key.len() > 20, "{key}");
    assert_eq!(key_count(&app).await, before + 1);
    assert_eq!(
        status_with(&app, &key, reqwest::Method::GET, "/v1/invitations").await,
        200
    );
    assert_eq!(
        status_with(&app, &key, reqwest::Method::POST, "/v1/invitations").await,
        403,
        "the key has only the ticked scope"
    );
    // Listed by its prefix, never whole; shown once.
    let stored = app
        .portico
        .store
        .list_api_keys(app.account.id, 100)
        .await
        .unwrap();
    assert!(key.starts_with(&stored[0].key.prefix));
    let listed = owner.get("/console/api-keys").await;
    assert!(
        listed
            .body
            .contains(&format!("<code>{}…</code>", stored[0].key.prefix))
    );
    assert!(!listed.body.contains(&key));

    let ids = ids_in(&listed.body, "/console/api-keys/", "/revoke");
    let newest = stored[0].key.id.to_string();
    assert!(ids.contains(&newest), "{ids:?}");
    let revoked = owner
        .post(
            &format!("/console/api-keys/{newest}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
    assert_eq!(
        status_with(&app, &key, reqwest::Method::GET, "/v1/invitations").await,
        401,
        "refused at once"
    );
    let after = owner.get("/console/api-keys?done=revoked").await;
    assert!(after.body.contains(r#"role="status""#));
    assert!(
        !ids_in(&after.body, "/console/api-keys/", "/revoke").contains(&newest),
        "a revoked key has no revoke form"
    );
    // Another account's key is not found, and stays working.
    let foreign_key = app.other_account_key().await;
    let foreign = app
        .portico
        .authenticate(&portico::secret::Secret::new(foreign_key.clone()))
        .await
        .unwrap()
        .unwrap();
    let refused = owner
        .post(
            &format!("/console/api-keys/{}/revoke", foreign.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(
        status_with(&app, &foreign_key, reqwest::Method::GET, "/v1/invitations").await,
        200
    );
}
both!(an_owner_makes_a_scoped_key_that_stops_at_once_when_revoked);

async fn an_owner_runs_a_webhook_endpoint_from_the_console(app: TestApp) {
    let receiver = Receiver::start().await;
    let mut owner = signed_in_owner(&app).await;
    let csrf = owner.csrf().await;

    // A URL that is not http(s): the error, in the form, nothing stored.
    let refused = owner
        .post(
            "/console/webhooks",
            &[
                ("csrf", &csrf),
                ("url", "ftp://example.com/x"),
                ("format", "standard"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Enter an http or https URL"));
    assert!(refused.body.contains(r#"value="ftp://example.com/x""#));
    assert_eq!(endpoint_count(&app).await, 0);

    let created = owner
        .post(
            "/console/webhooks",
            &[
                ("csrf", &csrf),
                ("url", &receiver.url),
                ("format", "standard"),
                ("event_type", "connection.created"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let secret = created.input("new-secret");
    assert!(secret.starts_with("whsec_"), "{secret}");
    let listed = app.get("/v1/webhook-endpoints").await.json["data"][0].clone();
    assert_eq!(listed["event_types"], json!(["connection.created"]));
    let id = listed["id"].as_str().unwrap().to_string();
    let page = format!("/console/webhooks/{id}");
    assert!(!owner.get("/console/webhooks").await.body.contains(&secret));

    // The first attempt fails with a 500; its retry is due in 5 s of a clock that stands still.
    receiver
        .control(json!({"secrets": [secret], "fail": 1, "fail_status": 500}))
        .await;
    app.create_connection("one").await;
    receiver
        .wait_for("the failed attempt", |d| d.len() == 1)
        .await;
    let attempts = format!("/v1/webhook-endpoints/{id}/attempts");
    let (app_ref, attempts) = (&app, &attempts);
    eventually("the attempt is recorded", || async move {
        !app_ref.get(attempts).await.json["data"]
            .as_array()
            .unwrap()
            .is_empty()
    })
    .await;
    let shown = owner.get(&page).await;
    assert!(
        shown.body.contains(r#"<td class="status-fail">500"#),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("<dd>1</dd>"), "one event waiting");
    assert!(!shown.body.contains(&secret));

    // Retry now: delivered without the clock moving.
    let retried = owner
        .post(&format!("{page}/retry"), &[("csrf", &csrf)])
        .await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER);
    assert_eq!(retried.location(), format!("{page}?done=retried&n=1"));
    let deliveries = receiver.wait_for("the retry", |d| d.len() == 2).await;
    assert_eq!(deliveries[1]["status"], 200);
    assert_eq!(deliveries[1]["id"], deliveries[0]["id"]);

    // Disable: nothing more is queued; enable again.
    let disabled = owner
        .post(&format!("{page}/disable"), &[("csrf", &csrf)])
        .await;
    assert_eq!(disabled.location(), format!("{page}?done=disabled"));
    let api = format!("/v1/webhook-endpoints/{id}");
    assert!(!app.get(&api).await.json["disabled_at"].is_null());
    app.create_connection("two").await;
    let (hooks, _) = app.portico.store.queue_depths().await.unwrap();
    assert_eq!(hooks, 0);
    let enabled = owner
        .post(&format!("{page}/enable"), &[("csrf", &csrf)])
        .await;
    assert_eq!(enabled.location(), format!("{page}?done=enabled"));
    assert!(app.get(&api).await.json["disabled_at"].is_null());

    let deleted = owner
        .post(&format!("{page}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(deleted.location(), "/console/webhooks?done=deleted");
    assert_eq!(app.get(&api).await.status, 404);
    assert_eq!(owner.get(&page).await.status, StatusCode::NOT_FOUND);
}
both!(
    an_owner_runs_a_webhook_endpoint_from_the_console,
    crate::webhooks::ALLOW_PRIVATE
);

async fn members_and_forged_forms_get_403_and_write_nothing(app: TestApp) {
    let mut owner = signed_in_owner(&app).await;
    let owner_csrf = owner.csrf().await;
    let endpoint = app
        .post(
            "/v1/webhook-endpoints",
            json!({"url": "https://hooks.example.com/p"}),
        )
        .await;
    let id = endpoint.json["id"].as_str().unwrap().to_string();
    user(&app, "member@example.com", Role::Member).await;
    let mut member = ConsoleClient::new(&app);
    member.sign_in("member@example.com", PASSWORD).await;
    let csrf = member.csrf().await;
    let home = member.get("/console").await;
    assert!(!home.body.contains("/console/api-keys"));
    assert!(!home.body.contains("/console/webhooks"));
    for path in [
        "/console/api-keys".to_string(),
        "/console/webhooks".to_string(),
        format!("/console/webhooks/{id}"),
    ] {
        let refused = member.get(&path).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        assert!(!refused.body.contains("hooks.example.com"), "{path}");
    }

    let (keys, endpoints) = (key_count(&app).await, endpoint_count(&app).await);
    let users = app.portico.list_users(app.account.id).await.unwrap().len();
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/console/api-keys".into(),
            vec![("scope", "connections:secrets")],
        ),
        (
            "/console/webhooks".into(),
            vec![("url", "https://evil.example/h"), ("format", "standard")],
        ),
        (format!("/console/webhooks/{id}/disable"), vec![]),
        (format!("/console/webhooks/{id}/delete"), vec![]),
        (
            "/console/users".into(),
            vec![("email", "new@example.com"), ("role", "owner")],
        ),
    ];
    for (path, fields) in &posts {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields.iter().copied());
        let refused = member.post(path, &form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "member {path}");
        // The owner without the token, and with it from another origin.
        let refused = owner.post(path, fields).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "no token {path}");
        let mut form = vec![("csrf", owner_csrf.as_str())];
        form.extend(fields.iter().copied());
        let refused = owner.post_from(path, &form, "https://evil.example").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "foreign {path}");
    }
    assert_eq!(key_count(&app).await, keys);
    assert_eq!(endpoint_count(&app).await, endpoints);
    let stored = app.get(&format!("/v1/webhook-endpoints/{id}")).await;
    assert!(stored.json["disabled_at"].is_null());
    assert_eq!(
        app.portico.list_users(app.account.id).await.unwrap().len(),
        users
    );
}
both!(members_and_forged_forms_get_403_and_write_nothing);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_makes_a_key_and_an_endpoint_in_chromium() {
    use crate::browser::Browser;
    use crate::helpers::{Backend, spawn};
    let app = spawn(Backend::Sqlite).await;
    user(&app, "owner@example.com", Role::Owner).await;
    let mut browser = Browser::start("console-admin", &app).await;
    browser.console_sign_in(&app, "owner@example.com").await;
    browser
        .click("nav.sections a[href='/console/api-keys']")
        .await;
    browser.wait_for_text("h1", "API keys").await;
    browser
        .click("form[action='/console/api-keys'] button[type=submit]")
        .await;
    browser.wait_for(".created-secret").await;
    let key = browser.value("#new-key").await;
    assert_eq!(
        status_with(&app, &key, reqwest::Method::GET, "/v1/connections").await,
        200
    );
    browser.screenshots("keys").await;

    browser
        .click("nav.sections a[href='/console/webhooks']")
        .await;
    browser.wait_for_text("h1", "Webhooks").await;
    browser
        .type_into("#url", "https://hooks.example.com/portico")
        .await;
    browser.click("input[value='connection.created']").await;
    browser
        .click("form[action='/console/webhooks'] button[type=submit]")
        .await;
    browser.wait_for(".created-secret").await;
    assert!(browser.value("#new-secret").await.starts_with("whsec_"));
    browser.screenshots("webhooks").await;
    browser.click(".created-secret a").await;
    browser
        .wait_for_text("h1", "https://hooks.example.com/portico")
        .await;
    browser.click("form[action$='/disable'] button").await;
    browser.wait_for(".notice").await;
    browser.screenshots("webhook").await;
    let listed = app.get("/v1/webhook-endpoints").await;
    assert!(!listed.json["data"][0]["disabled_at"].is_null());
    browser.close().await;
}
