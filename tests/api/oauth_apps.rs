//! `/v1/oauth-apps/{connector}`: an account's OAuth client registered, replaced, read without
//! its secret, refused where it cannot work, required by OAuth invitations, and managed with
//! `portico oauth-apps`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::process::Stdio;
use tokio::io::AsyncWriteExt;

use crate::both;
use crate::cli::portico;
use crate::guest_client::Guest;
use crate::helpers::{Backend, Reply, TestApp};
use portico::domain::account::Scope;

const SECRET: &str = "oauth-client-secret-never-shown";

fn generic_app() -> Value {
    json!({
        "client_id": "portico-client",
        "client_secret": SECRET,
        "scopes": ["openid", "api:read"],
        "authorize_url": "https://idp.example/authorize",
        "token_url": "https://idp.example/token",
    })
}

async fn put(app: &TestApp, connector: &str, body: Value) -> Reply {
    put_with(app, &app.key, connector, body).await
}

async fn put_with(app: &TestApp, key: &str, connector: &str, body: Value) -> Reply {
    let url = format!("{}/v1/oauth-apps/{connector}", app.base);
    let request = app.client.request(Method::PUT, url).bearer_auth(key);
    Reply::read(request.json(&body).send().await.unwrap()).await
}

/// The client secret of the account's `oauth2` app, opened as a request to the vendor will.
pub async fn stored_secret(app: &TestApp) -> String {
    let stored = app.portico.store.get_oauth_app(app.account.id, "oauth2");
    let stored = stored.await.unwrap().expect("an app");
    let secret = app.portico.oauth_client_secret(&stored).unwrap();
    secret.expose().clone()
}

/// `GET {path}` with another key than the app's.
async fn get_with(app: &TestApp, key: &str, path: &str) -> StatusCode {
    let request = app
        .client
        .get(format!("{}{path}", app.base))
        .bearer_auth(key);
    request.send().await.unwrap().status()
}

/// Every text column of the app's row, as stored.
async fn stored_row(app: &TestApp) -> String {
    let sql = "SELECT client_id || ' ' || client_secret FROM oauth_apps";
    match app.backend {
        Backend::Sqlite => {
            let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut db).await.unwrap()
        }
        Backend::Postgres => {
            let mut db = <sqlx::PgConnection as sqlx::Connection>::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut db).await.unwrap()
        }
    }
}

async fn an_app_is_registered_replaced_and_read_without_its_secret(app: TestApp) {
    let created = put(&app, "oauth2", generic_app()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let object = &created.json;
    assert_eq!(object["object"], "oauth_app");
    assert_eq!(object["connector"], "oauth2");
    assert_eq!(object["client_id"], "portico-client");
    assert_eq!(object["scopes"], json!(["openid", "api:read"]));
    assert_eq!(object["token_url"], "https://idp.example/token");
    assert_eq!(
        object["redirect_uri"],
        format!("{}/g/oauth/callback", app.base)
    );
    assert!(!created.text.contains(SECRET), "{}", created.text);
    // Sealed in the database: the row never holds the secret as sent.
    let row = stored_row(&app).await;
    assert!(row.starts_with("portico-client ") && !row.contains(SECRET));

    let read = app.get("/v1/oauth-apps/oauth2").await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json, created.json);
    assert!(!read.text.contains(SECRET));
    let listed = app.get("/v1/oauth-apps").await;
    assert_eq!(listed.json["data"], json!([created.json]));

    // Replaced: 200, the first registration's time kept, the new values in.
    app.clock.advance(chrono::Duration::minutes(5));
    let mut changed = generic_app();
    changed["client_id"] = json!("portico-client-2");
    changed["client_secret"] = json!("a-second-secret");
    changed["scopes"] = json!([]);
    let replaced = put(&app, "oauth2", changed).await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);
    assert_eq!(replaced.json["client_id"], "portico-client-2");
    assert_eq!(
        replaced.json["scopes"],
        json!([]),
        "the generic connector has none"
    );
    assert_eq!(replaced.json["created_at"], created.json["created_at"]);
    assert_ne!(replaced.json["updated_at"], created.json["updated_at"]);
    assert_eq!(stored_secret(&app).await, "a-second-secret");

    let deleted = app.delete("/v1/oauth-apps/oauth2").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    app.get("/v1/oauth-apps/oauth2").await.assert_problem(404);
    app.delete("/v1/oauth-apps/oauth2")
        .await
        .assert_problem(404);
}
both!(an_app_is_registered_replaced_and_read_without_its_secret);

async fn an_app_that_cannot_work_is_refused_by_field_without_echoing_its_secret(app: TestApp) {
    put(&app, "no-such-tool", generic_app())
        .await
        .assert_problem(404);
    let not_oauth = put(&app, "sandbox", generic_app()).await;
    assert_eq!(not_oauth.assert_problem(422), ["connector"]);

    let no_urls = json!({"client_id": "c", "client_secret": SECRET});
    let refused = put(&app, "oauth2", no_urls).await;
    assert_eq!(refused.assert_problem(422), ["authorize_url", "token_url"]);

    let bad = json!({
        "client_id": "",
        "client_secret": SECRET,
        "scopes": ["read", "two words"],
        "authorize_url": "javascript:alert(1)",
        "token_url": "https://user:password@idp.example/token",
    });
    let refused = put(&app, "oauth2", bad).await;
    assert_eq!(
        refused.assert_problem(422),
        ["client_id", "scopes[1]", "authorize_url", "token_url"]
    );
    assert!(!refused.text.contains(SECRET));
    let unknown_field = put(&app, "oauth2", json!({"client_id": "c", "secret": SECRET})).await;
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !unknown_field.text.contains(SECRET),
        "{}",
        unknown_field.text
    );
    assert_eq!(app.get("/v1/oauth-apps").await.json["data"], json!([]));
}
both!(an_app_that_cannot_work_is_refused_by_field_without_echoing_its_secret);

async fn an_oauth_invitation_needs_the_account_s_app(app: TestApp) {
    let body = json!({"connector": "oauth2", "connection_name": "Acme"});
    let refused = app.post("/v1/invitations", body.clone()).await;
    assert_eq!(refused.assert_problem(422), ["connector"]);
    let message = refused.json["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("PUT /v1/oauth-apps/oauth2"),
        "names the fix: {message}"
    );

    assert_eq!(put(&app, "oauth2", generic_app()).await.status, 201);
    let created = app.post("/v1/invitations", body.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);

    // Another account's app is not this one's.
    let other = app.other_account_key().await;
    let elsewhere = app
        .client
        .post(format!("{}/v1/invitations", app.base))
        .bearer_auth(&other)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        get_with(&app, &other, "/v1/oauth-apps/oauth2").await,
        StatusCode::NOT_FOUND
    );

    assert_eq!(app.delete("/v1/oauth-apps/oauth2").await.status, 204);
    let again = app.post("/v1/invitations", body).await;
    assert_eq!(again.assert_problem(422), ["connector"]);
}
both!(an_oauth_invitation_needs_the_account_s_app);

async fn a_form_posted_for_an_oauth_connector_stores_nothing(app: TestApp) {
    assert_eq!(put(&app, "oauth2", generic_app()).await.status, 201);
    let created = app
        .post(
            "/v1/invitations",
            json!({"connector": "oauth2", "connection_name": "Acme"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let mut guest = Guest::new(&app);
    let opened = guest.get(created.json["url"].as_str().unwrap()).await;
    assert_eq!(opened.status, StatusCode::OK);
    // The guest signs in at the vendor; a forged form post makes no connection.
    let forged = guest
        .post("/g/s/submit", &[("access_token", "forged")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.text);
    assert_eq!(app.get("/v1/connections").await.json["data"], json!([]));
}
both!(a_form_posted_for_an_oauth_connector_stores_nothing);

async fn a_category_link_does_not_offer_an_oauth_connector_yet(app: TestApp) {
    assert_eq!(put(&app, "oauth2", generic_app()).await.status, 201);
    let created = app
        .post(
            "/v1/invitations",
            json!({"category": "OTHER", "connection_name": "Acme"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let mut guest = Guest::new(&app);
    let page = guest.get(created.json["url"].as_str().unwrap()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(!page.text.contains(r#"value="oauth2""#), "{}", page.text);
    let picked = guest.post("/g/s/pick", &[("connector", "oauth2")]).await;
    assert_eq!(
        picked.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        picked.text
    );
}
both!(a_category_link_does_not_offer_an_oauth_connector_yet);

async fn reading_and_writing_apps_need_the_account_scopes(app: TestApp) {
    let (_, read_only) = app
        .portico
        .create_api_key(app.account.id, vec![Scope::AccountRead])
        .await
        .unwrap();
    let read_only = read_only.expose().clone();
    put_with(&app, &read_only, "oauth2", generic_app())
        .await
        .assert_problem(403);
    assert_eq!(put(&app, "oauth2", generic_app()).await.status, 201);
    assert_eq!(
        get_with(&app, &read_only, "/v1/oauth-apps/oauth2").await,
        StatusCode::OK
    );
}
both!(reading_and_writing_apps_need_the_account_scopes);

async fn the_cli_registers_an_app_with_its_secret_from_standard_input(app: TestApp) {
    let mut command = portico(app.data_dir.path());
    command
        .args(["--database-url", &app.database_url, "oauth-apps", "put"])
        .args([
            "--account",
            &app.account.id.to_string(),
            "--connector",
            "oauth2",
        ])
        .args(["--client-id", "cli-client", "--scope", "api:read"])
        .args(["--authorize-url", "https://idp.example/authorize"])
        .args(["--token-url", "https://idp.example/token"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{SECRET}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    let output = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout} {:?}", output.stderr);
    assert!(!stdout.contains(SECRET));
    let printed: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(printed["client_id"], "cli-client");
    assert!(
        printed["redirect_uri"]
            .as_str()
            .unwrap()
            .ends_with("/g/oauth/callback")
    );

    assert_eq!(stored_secret(&app).await, SECRET);
    let read = app.get("/v1/oauth-apps/oauth2").await;
    assert_eq!(read.json["scopes"], json!(["api:read"]));
}
both!(the_cli_registers_an_app_with_its_secret_from_standard_input);
