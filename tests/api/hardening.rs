//! Hardening: private files (the mailbox, the master key), master key rotation that
//! ends, alone or beside another rotation, and `/metrics` behind a bearer token.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use tokio::process::Child;

use crate::both;
use crate::cli::{Served, http, mode_of, portico, run, run_in, serve_command};
use crate::helpers::{BOUND, Backend, Reply, TestApp, eventually, spawn, spawn_with};

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Files

async fn the_mailbox_folder_is_0700_and_its_emails_0600(app: TestApp) {
    // A folder left with a looser mode (by hand, or by an older version) is tightened.
    std::fs::create_dir_all(app.mailbox()).unwrap();
    chmod(&app.mailbox(), 0o755);
    app.create_invitation(json!({"allowed_emails": ["julia@example.com"], "send_email": true}))
        .await;
    assert_eq!(app.emails_to("julia@example.com", 1).await.len(), 1);
    assert_eq!(mode_of(&app.mailbox()), 0o700);
    let mut files = 0;
    for entry in std::fs::read_dir(app.mailbox()).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode_of(&path), 0o600, "{}", path.display());
        files += 1;
    }
    assert_eq!(files, 1);

    // A fresh data dir: the folder is created private.
    let fresh = spawn(app.backend).await;
    fresh
        .create_invitation(json!({"allowed_emails": ["ops@example.com"], "send_email": true}))
        .await;
    assert_eq!(fresh.emails_to("ops@example.com", 1).await.len(), 1);
    assert_eq!(mode_of(&fresh.mailbox()), 0o700);
}
both!(the_mailbox_folder_is_0700_and_its_emails_0600);

#[tokio::test]
async fn every_command_refuses_a_master_key_that_group_or_others_may_read_or_write() {
    let dir = tempfile::tempdir().unwrap();
    run_in(dir.path(), &["accounts", "create", "--name", "Acme"])
        .await
        .json();
    let key_file = dir.path().join("master.key");
    assert_eq!(mode_of(&key_file), 0o600, "created private");
    let keys = std::fs::read_to_string(&key_file).unwrap();
    let fix = format!("chmod 600 {}", key_file.display());

    for mode in [0o640, 0o644, 0o604, 0o620, 0o602] {
        chmod(&key_file, mode);
        let served = run(serve_command(dir.path(), None)).await;
        served.assert_failed();
        assert!(
            !served.stdout.contains("listening"),
            "{mode:o}: {}",
            served.stdout
        );
        assert!(
            served.stderr.contains(&fix) && served.stderr.contains(&format!("{mode:04o}")),
            "{mode:o}: the message names the file and the fix: {}",
            served.stderr
        );
    }
    chmod(&key_file, 0o640);
    for args in [
        &["keys", "rotate"][..],
        &["accounts", "create", "--name", "Globex"][..],
    ] {
        let ran = run_in(dir.path(), args).await;
        ran.assert_failed();
        assert!(ran.stderr.contains(&fix), "{args:?}: {}", ran.stderr);
    }
    assert_eq!(
        std::fs::read_to_string(&key_file).unwrap(),
        keys,
        "nothing rotated"
    );

    chmod(&key_file, 0o600);
    let mut served = Served::start(serve_command(dir.path(), None)).await;
    assert!(served.stop().await.success());
    let material = keys.lines().last().unwrap().split(' ').nth(1).unwrap();
    assert!(!served.all_lines().any(|l| l.contains(material)));
}

// ---------------------------------------------------------------------------------------------
// Master key rotation

/// The data an account holds under master keys: connections, an idempotent reply, a queued
/// email and a webhook endpoint (every kind of data key holder).
struct Holdings {
    connections: Vec<(String, String)>,
    idempotent_reply: Value,
}

async fn idempotent_invitation(app: &TestApp) -> Reply {
    Reply::read(
        app.request(reqwest::Method::POST, "/v1/invitations")
            .header("Idempotency-Key", "rotation")
            .json(&json!({"connector": "sandbox", "connection_name": "Acme"}))
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn hold_data_keys(app: &TestApp) -> Holdings {
    let mut connections = Vec::new();
    for i in 0..12 {
        let secret = format!("rotation-secret-{i}");
        let created = app.create_connection(&secret).await;
        connections.push((created["id"].as_str().unwrap().to_string(), secret));
    }
    let reply = idempotent_invitation(app).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    app.create_invitation(json!({"allowed_emails": ["julia@example.com"], "send_email": true}))
        .await;
    let hook = app
        .post(
            "/v1/webhook-endpoints",
            json!({"url": "https://hooks.example.com/portico"}),
        )
        .await;
    assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.text);
    let oauth = app
        .request(reqwest::Method::PUT, "/v1/oauth-apps/oauth2")
        .json(&json!({"client_id": "portico", "client_secret": OAUTH_SECRET,
            "authorize_url": "https://idp.example/authorize", "token_url": "https://idp.example/token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(oauth.status(), StatusCode::CREATED);
    Holdings {
        connections,
        idempotent_reply: reply.json,
    }
}

/// Every secret still decrypts through the running server, which never restarted.
async fn assert_everything_opens(app: &TestApp, holdings: &Holdings) {
    for (id, secret) in &holdings.connections {
        let read = app.get(&format!("/v1/connections/{id}/credentials")).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text);
        assert_eq!(read.json["config"]["api_key"], secret.as_str());
    }
    let replay = idempotent_invitation(app).await;
    assert_eq!(replay.status, StatusCode::CREATED, "{}", replay.text);
    assert_eq!(replay.json, holdings.idempotent_reply);
    assert_eq!(crate::oauth_apps::stored_secret(app).await, OAUTH_SECRET);
}

const OAUTH_SECRET: &str = "rotation-oauth-client-secret";

/// The data keys `hold_data_keys` makes: 12 connections, a reply, an email, an endpoint, an
/// OAuth app.
const HELD: i64 = 16;

const HOLDERS: [&str; 5] = [
    "connections",
    "idempotency_keys",
    "outbox_emails",
    "webhook_endpoints",
    "oauth_apps",
];

/// Every master key id a data key is wrapped with, and how many data keys there are.
async fn data_key_ids(app: &TestApp) -> (Vec<String>, i64) {
    let union = HOLDERS
        .map(|table| format!("SELECT data_key_id FROM {table}"))
        .join(" UNION ALL ");
    let distinct = format!("SELECT DISTINCT data_key_id FROM ({union}) AS held ORDER BY 1");
    let count = format!("SELECT count(*) FROM ({union}) AS held");
    let distinct = sqlx::AssertSqlSafe(distinct);
    let count = sqlx::AssertSqlSafe(count);
    match app.backend {
        Backend::Sqlite => {
            let mut db = sqlx::SqliteConnection::connect(&app.database_url)
                .await
                .unwrap();
            let ids = sqlx::query_scalar(distinct).fetch_all(&mut db).await;
            let n = sqlx::query_scalar(count).fetch_one(&mut db).await;
            (ids.unwrap(), n.unwrap())
        }
        Backend::Postgres => {
            let mut db = sqlx::PgConnection::connect(&app.database_url)
                .await
                .unwrap();
            let ids = sqlx::query_scalar(distinct).fetch_all(&mut db).await;
            let n = sqlx::query_scalar(count).fetch_one(&mut db).await;
            (ids.unwrap(), n.unwrap())
        }
    }
}

/// The key ids in the key file, oldest first.
fn key_file_ids(app: &TestApp) -> Vec<String> {
    std::fs::read_to_string(app.data_dir.path().join("master.key"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect()
}

/// `portico keys rotate` on the app's data dir and database, output captured.
fn rotate_command(app: &TestApp) -> tokio::process::Command {
    let mut command = portico(app.data_dir.path());
    command
        .args(["--database-url", &app.database_url])
        .args(["keys", "rotate"]);
    command
}

async fn two_rotations_in_a_row_each_leave_every_data_key_under_their_key(app: TestApp) {
    let holdings = hold_data_keys(&app).await;
    let (ids, held) = data_key_ids(&app).await;
    assert_eq!(ids, key_file_ids(&app));
    assert_eq!(held, HELD);

    let mut rotated = Vec::new();
    for _ in 0..2 {
        let rotation = run(rotate_command(&app)).await.json();
        let key_id = rotation["key_id"].as_str().unwrap().to_string();
        assert_eq!(rotation["data_keys_under"], key_id.as_str(), "{rotation}");
        assert_eq!(rotation["rewrapped_connections"], 12, "{rotation}");
        assert_eq!(rotation["rewrapped_idempotent_replies"], 1, "{rotation}");
        assert_eq!(rotation["rewrapped_emails"], 1, "{rotation}");
        assert_eq!(rotation["rewrapped_webhook_endpoints"], 1, "{rotation}");
        assert_eq!(rotation["rewrapped_oauth_apps"], 1, "{rotation}");
        assert_eq!(data_key_ids(&app).await, (vec![key_id.clone()], HELD));
        assert_eq!(key_file_ids(&app).last(), Some(&key_id));
        assert_everything_opens(&app, &holdings).await;
        rotated.push(key_id);
    }
    assert_ne!(rotated[0], rotated[1]);
}
both!(two_rotations_in_a_row_each_leave_every_data_key_under_their_key);

/// Holds the database's write lock (SQLite) or an exclusive lock on every table that holds
/// data keys (PostgreSQL): reads go on, every re-wrap waits until [`WriteLock::release`].
enum WriteLock {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl WriteLock {
    async fn take(app: &TestApp) -> WriteLock {
        match app.backend {
            Backend::Sqlite => {
                let mut db = sqlx::SqliteConnection::connect(&app.database_url)
                    .await
                    .unwrap();
                sqlx::raw_sql("BEGIN IMMEDIATE")
                    .execute(&mut db)
                    .await
                    .unwrap();
                WriteLock::Sqlite(db)
            }
            Backend::Postgres => {
                let mut db = sqlx::PgConnection::connect(&app.database_url)
                    .await
                    .unwrap();
                let lock = format!("BEGIN; LOCK TABLE {} IN EXCLUSIVE MODE", HOLDERS.join(", "));
                sqlx::raw_sql(sqlx::AssertSqlSafe(lock))
                    .execute(&mut db)
                    .await
                    .unwrap();
                WriteLock::Postgres(db)
            }
        }
    }

    async fn release(self) {
        match self {
            WriteLock::Sqlite(db) => db.close().await,
            WriteLock::Postgres(mut db) => {
                sqlx::raw_sql("ROLLBACK").execute(&mut db).await.unwrap();
                db.close().await
            }
        }
        .unwrap();
    }
}

fn start(mut command: tokio::process::Command) -> Child {
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("portico keys rotate starts")
}

/// What a rotation process printed, once it ended (within [`BOUND`]: a rotation that never
/// ends fails here).
async fn finished(child: Child) -> Value {
    let output = tokio::time::timeout(BOUND, child.wait_with_output())
        .await
        .expect("the rotation ends")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{:?}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Two `portico keys rotate` processes whose re-wrapping runs at the same time, for sure: the
/// database's writes are held until both have added their key to the key file.
async fn two_concurrent_rotations_both_end_with_every_data_key_under_one_key(app: TestApp) {
    let app = &app;
    let holdings = hold_data_keys(app).await;
    let before = key_file_ids(app).len();

    let lock = WriteLock::take(app).await;
    let first = start(rotate_command(app));
    eventually("the first rotation adds its key", || async move {
        key_file_ids(app).len() == before + 1
    })
    .await;
    let second = start(rotate_command(app));
    eventually("the second rotation adds its key", || async move {
        key_file_ids(app).len() == before + 2
    })
    .await;
    let keys = key_file_ids(app);
    lock.release().await;

    let (first, second) = tokio::join!(finished(first), finished(second));
    let (earlier, later) = (&keys[before], &keys[before + 1]);
    assert_eq!(first["key_id"], earlier.as_str(), "{first}");
    assert_eq!(second["key_id"], later.as_str(), "{second}");
    // The earlier rotation handed over to the later one rather than undo its work.
    assert_eq!(first["data_keys_under"], later.as_str(), "{first}");
    assert_eq!(second["data_keys_under"], later.as_str(), "{second}");
    assert_eq!(data_key_ids(app).await, (vec![later.clone()], HELD));
    assert_eq!(key_file_ids(app), keys, "no key lost");
    assert_everything_opens(app, &holdings).await;

    // And the next rotation, alone, moves everything on again.
    let third = run(rotate_command(app)).await.json();
    let key_id = third["key_id"].as_str().unwrap();
    assert_eq!(third["data_keys_under"], key_id);
    assert_eq!(data_key_ids(app).await, (vec![key_id.to_string()], HELD));
    assert_everything_opens(app, &holdings).await;
}
both!(two_concurrent_rotations_both_end_with_every_data_key_under_one_key);

// ---------------------------------------------------------------------------------------------
// /metrics

async fn get_metrics(app: &TestApp, authorization: Option<&str>) -> Reply {
    let mut request = app.client.get(format!("{}/metrics", app.base));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    Reply::read(request.send().await.unwrap()).await
}

#[tokio::test]
async fn with_a_metrics_token_metrics_need_it_as_a_bearer_token() {
    let token = "metrics-token-3f9c0d";
    let app = spawn_with(Backend::Sqlite, |s| s.metrics_token = token.into()).await;
    for authorization in [
        None,
        Some("Bearer metrics-token-3f9c0e".to_string()),
        Some("Bearer metrics-token-3f9c0".to_string()),
        Some(format!("Bearer {token}x")),
        Some(format!("Basic {token}")),
        Some(format!("Bearer {}", app.key)),
        Some("Bearer ".to_string()),
    ] {
        let reply = get_metrics(&app, authorization.as_deref()).await;
        reply.assert_problem(401);
        assert_eq!(reply.headers["www-authenticate"], "Bearer");
        assert!(!reply.text.contains("portico_http_requests_total"));
        assert!(!reply.text.contains(token));
    }
    let as_api_key = Reply::read(
        app.client
            .get(format!("{}/metrics", app.base))
            .header("X-API-KEY", token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    as_api_key.assert_problem(401);

    let reply = get_metrics(&app, Some(&format!("Bearer {token}"))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.content_type().starts_with("text/plain"));
    assert!(reply.text.contains("portico_http_requests_total"));
    assert!(!reply.text.contains(token));
}

#[tokio::test]
async fn without_a_metrics_token_metrics_stay_open() {
    let app = spawn(Backend::Sqlite).await;
    app.get("/healthz").await;
    let reply = get_metrics(&app, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.text.contains("portico_http_requests_total"));
}

#[tokio::test]
async fn the_metrics_token_is_never_logged() {
    let token = format!("canary-metrics-{}", uuid::Uuid::new_v4().simple());
    let dir = tempfile::tempdir().unwrap();
    let mut command = serve_command(dir.path(), None);
    command
        .env("PORTICO_METRICS_TOKEN", &token)
        .env("PORTICO_LOG", "trace");
    let mut served = Served::start(command).await;
    let base = served.base.clone();
    for authorization in [
        format!("Bearer {token}"),
        format!("Bearer {token}-wrong"),
        format!("Basic {token}"),
    ] {
        http()
            .get(format!("{base}/metrics"))
            .header("Authorization", authorization)
            .send()
            .await
            .unwrap();
    }
    let reply = Reply::read(
        http()
            .get(format!("{base}/metrics"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(served.stop().await.success());
    let leaked: Vec<&String> = served.all_lines().filter(|l| l.contains(&token)).collect();
    assert!(leaked.is_empty(), "{leaked:#?}");
}
