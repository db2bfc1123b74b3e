//! `/v1/account`: the key's own account read and changed field by field, each bad embed origin
//! named, a taken number a 409, the scopes, tenancy, and `portico accounts update`.

use reqwest::Method;
use serde_json::{Value, json};
use tokio::process::Command;

use crate::both;
use crate::cli::{Ran, portico, run};
use crate::helpers::{Backend, Reply, TestApp, fresh_pg_database};
use portico::domain::account::Scope;

/// `/v1/account` with another key than the app's: a GET, or a PATCH of `body`.
async fn with_key(app: &TestApp, key: &str, body: Option<Value>) -> Reply {
    let method = if body.is_some() {
        Method::PATCH
    } else {
        Method::GET
    };
    let mut request = app
        .client
        .request(method, format!("{}/v1/account", app.base))
        .bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    Reply::read(request.send().await.unwrap()).await
}

async fn key_with(app: &TestApp, scopes: Vec<Scope>) -> String {
    let (_, key) = app
        .portico
        .create_api_key(app.account.id, scopes)
        .await
        .unwrap();
    key.expose().clone()
}

async fn the_key_reads_its_own_account(app: TestApp) {
    let reply = app.get("/v1/account").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.json,
        json!({
            "id": app.account.id,
            "number": app.account.number,
            "name": "Test account",
            "embed_origins": [],
            "branding": {"display_name": null, "primary_color": null, "logo_url": null},
        })
    );
}
both!(the_key_reads_its_own_account);

async fn each_field_can_be_patched_alone_and_the_others_stay(app: TestApp) {
    let named = app
        .patch("/v1/account", json!({"name": "  Acme GmbH "}))
        .await;
    assert_eq!(named.status, 200, "{}", named.text);
    assert_eq!(named.json["name"], "Acme GmbH");
    assert_eq!(named.json["number"], app.account.number);

    let numbered = app.patch("/v1/account", json!({"number": 4711})).await;
    assert_eq!(numbered.status, 200, "{}", numbered.text);
    assert_eq!(numbered.json["number"], 4711);
    assert_eq!(numbered.json["name"], "Acme GmbH");

    let framed = app
        .patch(
            "/v1/account",
            json!({"embed_origins": [
                "https://App.Example.com/",
                "http://localhost:3000",
                "https://app.example.com:443",
                "http://127.0.0.1:8080/",
            ]}),
        )
        .await;
    assert_eq!(framed.status, 200, "{}", framed.text);
    assert_eq!(
        framed.json["embed_origins"],
        json!([
            "https://app.example.com",
            "http://localhost:3000",
            "http://127.0.0.1:8080"
        ])
    );
    assert_eq!(
        (&framed.json["name"], &framed.json["number"]),
        (&json!("Acme GmbH"), &json!(4711))
    );

    let unchanged = app.patch("/v1/account", json!({})).await;
    assert_eq!(unchanged.json, framed.json);
    assert_eq!(app.get("/v1/account").await.json, framed.json);

    let cleared = app.patch("/v1/account", json!({"embed_origins": []})).await;
    assert_eq!(cleared.json["embed_origins"], json!([]));
    assert_eq!(cleared.json["number"], 4711);
}
both!(each_field_can_be_patched_alone_and_the_others_stay);

async fn each_bad_origin_is_named_by_its_index(app: TestApp) {
    let bad = [
        "https://a.example/path",
        "http://evil.example",
        "javascript:alert(1)",
        "https://a.example?x=1",
        "https://a.example#frag",
        "https://user:pw@a.example",
        "https://*.a.example",
        "not an origin",
    ];
    let mut origins = vec!["https://good.example"];
    origins.extend(bad);

    let reply = app
        .patch("/v1/account", json!({"embed_origins": origins}))
        .await;

    let fields = reply.assert_problem(422);
    let expected: Vec<String> = (1..=bad.len())
        .map(|i| format!("embed_origins[{i}]"))
        .collect();
    assert_eq!(fields, expected, "{}", reply.text);
    assert!(!reply.text.contains("evil.example"), "no value echoed");
    assert_eq!(
        app.get("/v1/account").await.json["embed_origins"],
        json!([])
    );
}
both!(each_bad_origin_is_named_by_its_index);

async fn too_many_origins_name_and_number_are_refused_per_field(app: TestApp) {
    let many: Vec<String> = (0..21).map(|i| format!("https://a{i}.example")).collect();
    let reply = app
        .patch(
            "/v1/account",
            json!({"name": " ", "number": 0, "embed_origins": many}),
        )
        .await;
    assert_eq!(
        reply.assert_problem(422),
        ["name", "number", "embed_origins"]
    );

    let long = app
        .patch("/v1/account", json!({"name": "x".repeat(201)}))
        .await;
    assert_eq!(long.assert_problem(422), ["name"]);

    let unknown = app.patch("/v1/account", json!({"theme": {}})).await;
    unknown.assert_problem(422);

    let after = app.get("/v1/account").await.json;
    assert_eq!(after["name"], "Test account");
    assert_eq!(after["number"], app.account.number);
}
both!(too_many_origins_name_and_number_are_refused_per_field);

async fn a_number_another_account_holds_is_a_409(app: TestApp) {
    let other = app
        .portico
        .create_account("Other", Some(900))
        .await
        .unwrap();

    let reply = app
        .patch("/v1/account", json!({"number": other.number}))
        .await;

    reply.assert_problem(409);
    assert!(reply.text.contains("taken"), "{}", reply.text);
    assert_eq!(
        app.get("/v1/account").await.json["number"],
        app.account.number
    );
    let own = app
        .patch("/v1/account", json!({"number": app.account.number}))
        .await;
    assert_eq!(
        own.status, 200,
        "its own number is no conflict: {}",
        own.text
    );
}
both!(a_number_another_account_holds_is_a_409);

async fn another_account_s_key_sees_and_changes_only_its_own(app: TestApp) {
    let other_key = app.other_account_key().await;

    let seen = with_key(&app, &other_key, None).await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.json["name"], "Other");
    assert_ne!(seen.json["id"], json!(app.account.id));

    let changed = with_key(
        &app,
        &other_key,
        Some(json!({"name": "Hijacked", "embed_origins": ["https://evil.example"]})),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.text);

    let mine = app.get("/v1/account").await.json;
    assert_eq!(mine["name"], "Test account");
    assert_eq!(mine["embed_origins"], json!([]));
}
both!(another_account_s_key_sees_and_changes_only_its_own);

async fn reading_and_writing_need_their_scopes(app: TestApp) {
    let narrow = key_with(&app, vec![Scope::InvitationsRead]).await;
    with_key(&app, &narrow, None).await.assert_problem(403);
    with_key(&app, &narrow, Some(json!({"name": "No"})))
        .await
        .assert_problem(403);

    let reader = key_with(&app, vec![Scope::AccountRead]).await;
    assert_eq!(with_key(&app, &reader, None).await.status, 200);
    let refused = with_key(&app, &reader, Some(json!({"name": "No"}))).await;
    refused.assert_problem(403);
    assert!(refused.text.contains("account:write"), "{}", refused.text);

    let standard = key_with(&app, vec![]).await;
    let changed = with_key(&app, &standard, Some(json!({"name": "Yes"}))).await;
    assert_eq!(changed.status, 200, "standard keys manage their account");
    assert_eq!(changed.json["name"], "Yes");
}
both!(reading_and_writing_need_their_scopes);

/// `portico` on one backend's database: a data dir, and for PostgreSQL a `--database-url`.
struct Admin {
    backend: Backend,
    dir: tempfile::TempDir,
    url: String,
}

impl Admin {
    async fn new(backend: Backend) -> Admin {
        let url = match backend {
            Backend::Postgres => fresh_pg_database().await,
            Backend::Sqlite => String::new(),
        };
        let dir = tempfile::tempdir().unwrap();
        Admin { backend, dir, url }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = portico(self.dir.path());
        if self.backend == Backend::Postgres {
            command.args(["--database-url", &self.url]);
        }
        command.args(args);
        command
    }

    /// `accounts update --id ID <args>`, to completion.
    async fn update(&self, id: &str, args: &[&str]) -> Ran {
        let mut all = vec!["accounts", "update", "--id", id];
        all.extend(args);
        run(self.command(&all)).await
    }
}

async fn accounts_update_changes_the_account_and_prints_it(backend: Backend) {
    let admin = Admin::new(backend).await;
    let created = run(admin.command(&["accounts", "create", "--name", "Acme"]))
        .await
        .json();
    let id = created["id"].as_str().unwrap();

    let framed = admin
        .update(
            id,
            &[
                "--embed-origin",
                "https://App.example.com/",
                "--embed-origin",
                "http://localhost:5173",
            ],
        )
        .await
        .json();
    assert_eq!(
        framed,
        json!({
            "id": id,
            "number": created["number"],
            "name": "Acme",
            "embed_origins": ["https://app.example.com", "http://localhost:5173"],
        })
    );

    let renamed = admin
        .update(id, &["--name", "Acme AG", "--number", "42"])
        .await
        .json();
    assert_eq!(renamed["name"], "Acme AG");
    assert_eq!(renamed["number"], 42);
    assert_eq!(renamed["embed_origins"], framed["embed_origins"]);

    let cleared = admin.update(id, &["--no-embed-origins"]).await.json();
    assert_eq!(cleared["embed_origins"], json!([]));
    assert_eq!(cleared["name"], "Acme AG");

    let refused = admin
        .update(id, &["--embed-origin", "http://evil.example"])
        .await;
    refused.assert_failed();
    assert!(
        refused.stderr.contains("embed_origins[0]"),
        "{}",
        refused.stderr
    );
}
both!(accounts_update_changes_the_account_and_prints_it);
