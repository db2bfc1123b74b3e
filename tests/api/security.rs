//! Secrets at rest and in transit: no plaintext token or secret in a database dump, ciphertexts
//! bound to their row, master key rotation, and a canary secret that must appear in no API
//! response, event or log line of the real binary.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;
use std::os::unix::fs::PermissionsExt;
use uuid::Uuid;

use crate::both;
use crate::cli::{Served, http, serve_command};
use crate::helpers::{Backend, Reply, TestApp, fresh_pg_database, id_of};

/// A value no code path produces by itself: found anywhere, it leaked.
fn canary() -> String {
    format!("canary-{}", Uuid::new_v4().simple())
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    let needle = needle.as_bytes();
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every byte the database holds: the SQLite files (database, WAL, shared memory) or a
/// `pg_dump` of the PostgreSQL database.
async fn database_bytes(app: &TestApp) -> Vec<u8> {
    match app.backend {
        Backend::Sqlite => {
            let mut bytes = Vec::new();
            let mut files = 0;
            for entry in std::fs::read_dir(app.data_dir.path()).unwrap() {
                let entry = entry.unwrap();
                if entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with("portico.db")
                {
                    bytes.extend(std::fs::read(entry.path()).unwrap());
                    files += 1;
                }
            }
            assert!(files >= 1, "the SQLite files are in the data dir");
            bytes
        }
        Backend::Postgres => {
            let output = tokio::process::Command::new("pg_dump")
                .arg("--dbname")
                .arg(&app.database_url)
                .kill_on_drop(true)
                .output()
                .await
                .expect("pg_dump runs");
            assert!(
                output.status.success(),
                "pg_dump: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            output.stdout
        }
    }
}

/// Runs one statement with UUID parameters on the test's database; the rows it touched.
async fn execute(app: &TestApp, sql: &str, ids: &[Uuid]) -> u64 {
    match app.backend {
        Backend::Sqlite => {
            let mut db = sqlx::SqliteConnection::connect(&app.database_url)
                .await
                .unwrap();
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
            for id in ids {
                query = query.bind(*id);
            }
            query.execute(&mut db).await.unwrap().rows_affected()
        }
        Backend::Postgres => {
            let mut db = sqlx::PgConnection::connect(&app.database_url)
                .await
                .unwrap();
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
            for id in ids {
                query = query.bind(*id);
            }
            query.execute(&mut db).await.unwrap().rows_affected()
        }
    }
}

/// `SELECT count(*) FROM {table} WHERE data_key_id = $1`.
async fn rows_under_key(app: &TestApp, table: &str, key_id: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM {table} WHERE data_key_id = $1");
    match app.backend {
        Backend::Sqlite => {
            let mut db = sqlx::SqliteConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(key_id)
                .fetch_one(&mut db)
                .await
                .unwrap()
        }
        Backend::Postgres => {
            let mut db = sqlx::PgConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(key_id)
                .fetch_one(&mut db)
                .await
                .unwrap()
        }
    }
}

async fn create_named_connection(app: &TestApp, name: &str, api_key: &str) -> Value {
    let reply = app
        .post(
            "/v1/connections",
            json!({"connector": "sandbox", "name": name, "config": {"api_key": api_key}}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json
}

async fn credentials(app: &TestApp, id: Uuid) -> Reply {
    app.get(&format!("/v1/connections/{id}/credentials")).await
}

async fn a_database_dump_holds_no_token_or_secret_in_plaintext(app: TestApp) {
    let secret = canary();
    let patched = canary();
    let marker = format!("dump-marker-{}", Uuid::new_v4().simple());

    let mut tokens = Vec::new();
    let plain = app
        .create_invitation(json!({"connection_name": marker}))
        .await;
    tokens.push(plain["token"].as_str().unwrap().to_string());
    let idempotent = Reply::read(
        app.request(Method::POST, "/v1/invitations")
            .header("Idempotency-Key", "dump-1")
            .json(&json!({"connector": "sandbox", "connection_name": "Stored reply"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(idempotent.status, 201, "{}", idempotent.text);
    tokens.push(idempotent.json["token"].as_str().unwrap().to_string());

    let connection = create_named_connection(&app, "Canary HR", &secret).await;
    let id = id_of(&connection);
    let read = credentials(&app, id).await;
    assert_eq!(read.json["config"]["api_key"], secret.as_str());
    let reply = app
        .patch(
            &format!("/v1/connections/{id}"),
            json!({"config": {"api_key": patched}}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let reply = app
        .post(&format!("/v1/connections/{id}/check"), json!({}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["status"], "ok");
    let read = credentials(&app, id).await;
    assert_eq!(read.json["config"]["api_key"], patched.as_str());
    let edit = app
        .create_invitation(json!({"kind": "edit_connection", "connection_id": id, "connector": null, "connection_name": null}))
        .await;
    tokens.push(edit["token"].as_str().unwrap().to_string());

    let dump = database_bytes(&app).await;
    assert!(
        contains(&dump, &marker),
        "the dump holds the data written (positive control)"
    );
    for token in &tokens {
        assert!(!contains(&dump, token), "token {token} in plaintext");
    }
    assert!(!contains(&dump, &secret), "the first secret in plaintext");
    assert!(
        !contains(&dump, &patched),
        "the patched secret in plaintext"
    );
    assert!(!contains(&dump, &app.key), "the API key in plaintext");

    let key_file = app.data_dir.path().join("master.key");
    let meta = std::fs::metadata(&key_file).expect("master.key exists");
    assert!(meta.is_file());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
}
both!(a_database_dump_holds_no_token_or_secret_in_plaintext);

async fn a_ciphertext_moved_to_another_connection_does_not_decrypt(app: TestApp) {
    let secret_a = canary();
    let a = id_of(&create_named_connection(&app, "A", &secret_a).await);
    let b = id_of(&create_named_connection(&app, "B", "secret-of-b").await);
    let c = id_of(&create_named_connection(&app, "C", "secret-of-c").await);

    // A's sealed secrets in B's row: B's data key and binding do not open them.
    let moved = execute(
        &app,
        "UPDATE connections SET secrets = (SELECT secrets FROM connections WHERE id = $1) \
         WHERE id = $2",
        &[a, b],
    )
    .await;
    assert_eq!(moved, 1);
    let reply = credentials(&app, b).await;
    reply.assert_problem(500);
    assert!(!reply.text.contains(&secret_a), "{}", reply.text);
    assert!(!reply.text.contains("secret-of-b"), "{}", reply.text);

    // A's wrapped data key in C's row: it is bound to A, so it does not unwrap for C.
    let moved = execute(
        &app,
        "UPDATE connections SET data_key = (SELECT data_key FROM connections WHERE id = $1), \
         data_key_id = (SELECT data_key_id FROM connections WHERE id = $1) WHERE id = $2",
        &[a, c],
    )
    .await;
    assert_eq!(moved, 1);
    let reply = credentials(&app, c).await;
    reply.assert_problem(500);
    assert!(!reply.text.contains(&secret_a), "{}", reply.text);
    assert!(!reply.text.contains("secret-of-c"), "{}", reply.text);
    let reply = app
        .post(&format!("/v1/connections/{c}/check"), json!({}))
        .await;
    reply.assert_problem(500);

    // Both together (B and C hold all of A's sealed material now) still fail: the binding
    // names the row.
    execute(
        &app,
        "UPDATE connections SET data_key = (SELECT data_key FROM connections WHERE id = $1), \
         data_key_id = (SELECT data_key_id FROM connections WHERE id = $1) WHERE id = $2",
        &[a, b],
    )
    .await;
    let reply = credentials(&app, b).await;
    reply.assert_problem(500);
    assert!(!reply.text.contains(&secret_a), "{}", reply.text);

    // A is untouched and reads fine.
    let reply = credentials(&app, a).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["config"]["api_key"], secret_a.as_str());
    let reads = app
        .event_types()
        .await
        .iter()
        .filter(|t| *t == "connection.credentials_read")
        .count();
    assert_eq!(reads, 1, "a failed read records no read");
}
both!(a_ciphertext_moved_to_another_connection_does_not_decrypt);

async fn rotation_rewraps_every_data_key_and_every_secret_still_decrypts(app: TestApp) {
    let mut connections = Vec::new();
    for i in 0..4 {
        let secret = format!("rotate-secret-{i}");
        let created = create_named_connection(&app, &format!("HR {i}"), &secret).await;
        connections.push((id_of(&created), secret));
    }
    let body = json!({"connector": "sandbox", "connection_name": "Acme"});
    let idempotent = || {
        app.request(Method::POST, "/v1/invitations")
            .header("Idempotency-Key", "rotation-1")
            .json(&body)
            .send()
    };
    let first = Reply::read(idempotent().await.unwrap()).await;
    assert_eq!(first.status, 201, "{}", first.text);
    app.create_invitation(json!({})).await;

    // Another "process" on the same data dir and database, opened before the rotation.
    let mut settings = portico::config::Settings::defaults_in(app.data_dir.path());
    if app.backend == Backend::Postgres {
        settings.database_url = app.database_url.clone();
    }
    let other = portico::app::open(&settings, app.base.clone(), app.clock.clone())
        .await
        .expect("a second open");

    let old = app.portico.keyring.active_key_id();
    assert_eq!(other.keyring.active_key_id(), old);
    assert_eq!(rows_under_key(&app, "connections", &old).await, 4);
    assert_eq!(rows_under_key(&app, "idempotency_keys", &old).await, 1);

    let rotation = app.portico.rotate_master_key().await.expect("rotate");
    assert_ne!(rotation.key_id, old);
    assert_eq!(app.portico.keyring.active_key_id(), rotation.key_id);
    assert_eq!(rotation.rewrapped_connections, 4);
    assert_eq!(rotation.rewrapped_idempotent_replies, 1);

    assert_eq!(rows_under_key(&app, "connections", &old).await, 0);
    assert_eq!(rows_under_key(&app, "idempotency_keys", &old).await, 0);
    assert_eq!(
        rows_under_key(&app, "connections", &rotation.key_id).await,
        4
    );
    assert_eq!(
        rows_under_key(&app, "idempotency_keys", &rotation.key_id).await,
        1
    );

    for (id, secret) in &connections {
        let reply = credentials(&app, *id).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.json["config"]["api_key"], secret.as_str());
    }
    let replay = Reply::read(idempotent().await.unwrap()).await;
    assert_eq!(replay.status, 201, "{}", replay.text);
    assert_eq!(
        replay.json, first.json,
        "the same invitation, token and url"
    );
    assert_eq!(replay.headers["idempotent-replayed"], "true");

    // The process opened before the rotation meets the new key id and reads it from the file.
    let (id, secret) = &connections[0];
    let read = other
        .read_credentials(app.account.id, *id, Uuid::nil())
        .await
        .expect("the other process decrypts after the rotation");
    assert_eq!(read.config["api_key"], secret.as_str());
    assert!(other.keyring.key_ids().contains(&rotation.key_id));
    // And wraps new data keys under the new key.
    let request = serde_json::from_value(
        json!({"connector": "sandbox", "name": "After", "config": {"api_key": "after-rotation"}}),
    )
    .unwrap();
    let after = other
        .create_connection(app.account.id, request)
        .await
        .expect("create through the other process");
    assert_eq!(
        rows_under_key(&app, "connections", &rotation.key_id).await,
        5
    );
    let reply = credentials(&app, after.id).await;
    assert_eq!(reply.json["config"]["api_key"], "after-rotation");

    // A process started after the rotation.
    let fresh = portico::app::open(&settings, app.base.clone(), app.clock.clone())
        .await
        .expect("a third open");
    assert_eq!(fresh.keyring.active_key_id(), rotation.key_id);
    for (id, secret) in &connections {
        let read = fresh
            .read_credentials(app.account.id, *id, Uuid::nil())
            .await
            .expect("decrypts");
        assert_eq!(read.config["api_key"], secret.as_str());
    }

    let key_file = app.data_dir.path().join("master.key");
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "still private after the rewrite");
}
both!(rotation_rewraps_every_data_key_and_every_secret_still_decrypts);

/// Requests to the served binary; every answer is kept to be searched afterwards.
struct Recorder {
    base: String,
    key: String,
    answers: Vec<(String, String)>,
}

impl Recorder {
    async fn send(&mut self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = http()
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = Reply::read(request.send().await.expect("request")).await;
        self.answers
            .push((format!("{method} {path}"), reply.text.clone()));
        reply
    }
}

/// The real binary with debug logs: a canary secret goes in through every door that takes a
/// secret, and must come out only through `/credentials`.
async fn a_canary_secret_appears_in_no_response_event_or_log_line(backend: Backend) {
    let database_url = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_pg_database().await),
    };
    let dir = tempfile::tempdir().unwrap();
    let mut command = serve_command(dir.path(), database_url.as_deref());
    command.env("PORTICO_LOG", "debug");
    let mut served = Served::start(command).await;
    let key = served.printed_key.clone().expect("a first key");
    let base = served.base.clone();
    let canary = canary();
    let first = format!("{canary}-first");
    let second = format!("{canary}-second");

    let mut api = Recorder {
        base: base.clone(),
        key: key.clone(),
        answers: Vec::new(),
    };

    let created = api
        .send(
            Method::POST,
            "/v1/connections",
            Some(
                json!({"connector": "sandbox", "name": "Canary HR", "config": {"api_key": first}}),
            ),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json["id"].as_str().unwrap().to_string();
    let path = format!("/v1/connections/{id}");
    api.send(Method::GET, &path, None).await;
    api.send(Method::GET, "/v1/connections", None).await;
    let patched = api
        .send(
            Method::PATCH,
            &path,
            Some(json!({"config": {"api_key": second}, "name": "Canary HR 2"})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    let checked = api.send(Method::POST, &format!("{path}/check"), None).await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.text);
    assert_eq!(checked.json["status"], "ok");
    let prefilled = api
        .send(
            Method::POST,
            "/v1/invitations",
            Some(
                json!({"connector": "postgres", "direction": "source", "connection_name": "DB",
                    "prefill": {"host": "db.example.com", "port": 5433, "user": "reader"},
                    "locked_fields": ["host"]}),
            ),
        )
        .await;
    assert_eq!(prefilled.status, StatusCode::CREATED, "{}", prefilled.text);
    let edit = api
        .send(
            Method::POST,
            "/v1/invitations",
            Some(json!({"kind": "edit_connection", "connection_id": id})),
        )
        .await;
    assert_eq!(edit.status, StatusCode::CREATED, "{}", edit.text);
    api.send(Method::GET, "/v1/invitations", None).await;

    // Validation errors with the canary in a bad value: none may echo it.
    let bad_bodies = [
        // A secret where a map is expected, and in an enum.
        (
            "/v1/connections",
            json!({"connector": "sandbox", "name": "x", "config": {"api_key": "k"}, "metadata": canary}),
        ),
        (
            "/v1/connections",
            json!({"connector": "sandbox", "name": "x", "direction": canary, "config": {"api_key": "k"}}),
        ),
        (
            "/v1/connections",
            json!({"connector": "sandbox", "name": "x", "config": canary}),
        ),
        // The secret in a field that does not exist, and too long for the real one.
        (
            "/v1/connections",
            json!({"connector": "sandbox", "name": "x", "config": {"api_key": "k", "token": canary}}),
        ),
        (
            "/v1/connections",
            json!({"connector": "sandbox", "name": "x", "config": {"api_key": canary.repeat(40)}}),
        ),
        (
            "/v1/connections",
            json!({"connector": "postgres", "name": "x", "direction": "source",
                   "config": {"host": "db", "database": "d", "user": "u", "password": canary, "port": canary}}),
        ),
        // A secret where a secret may not go: invitation prefill.
        (
            "/v1/invitations",
            json!({"connector": "sandbox", "connection_name": "x", "prefill": {"api_key": canary}}),
        ),
        (
            "/v1/invitations",
            json!({"connector": "postgres", "direction": "source", "connection_name": "x",
                   "prefill": {"password": canary, "port": canary}}),
        ),
        (
            "/v1/invitations",
            json!({"connector": "sandbox", "connection_name": "x", "max_uses": canary}),
        ),
    ];
    for (path, body) in bad_bodies {
        let reply = api.send(Method::POST, path, Some(body.clone())).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            reply.text
        );
    }
    let reply = api
        .send(
            Method::PATCH,
            &path,
            Some(json!({"config": {"api_key": 7, "nope": canary}})),
        )
        .await;
    reply.assert_problem(422);
    let reply = api
        .send(
            Method::PATCH,
            &path,
            Some(json!({"config": {"api_key": canary}, "metadata": canary})),
        )
        .await;
    reply.assert_problem(422);
    // Not JSON at all.
    let broken = Reply::read(
        http()
            .post(format!("{base}/v1/connections"))
            .bearer_auth(&key)
            .header("content-type", "application/json")
            .body(format!("{{\"config\": {{\"api_key\": \"{canary}\""))
            .send()
            .await
            .unwrap(),
    )
    .await;
    api.answers.push(("POST broken JSON".into(), broken.text));

    // A second connection, deleted: its event carries the redacted object.
    let doomed = api
        .send(
            Method::POST,
            "/v1/connections",
            Some(json!({"connector": "sandbox", "name": "Doomed", "config": {"api_key": first}})),
        )
        .await;
    let doomed_id = doomed.json["id"].as_str().unwrap().to_string();
    let deleted = api
        .send(
            Method::DELETE,
            &format!("/v1/connections/{doomed_id}"),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);

    // The only door out, and a positive control that the canary was stored.
    let read = Reply::read(
        http()
            .get(format!("{base}{path}/credentials"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.json["config"]["api_key"], second.as_str());

    let events = api.send(Method::GET, "/v1/events?limit=100", None).await;
    assert_eq!(events.status, StatusCode::OK, "{}", events.text);
    let types: Vec<&str> = events.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for expected in [
        "connection.created",
        "connection.updated",
        "connection.credentials_read",
        "connection.deleted",
        "invitation.created",
    ] {
        assert!(types.contains(&expected), "{expected} in {types:?}");
    }
    let metrics = Reply::read(http().get(format!("{base}/metrics")).send().await.unwrap()).await;
    api.answers.push(("GET /metrics".into(), metrics.text));

    for (request, text) in &api.answers {
        assert!(
            !text.contains(&canary),
            "{request} answered with the canary: {text}"
        );
    }

    let status = served.stop().await;
    assert!(status.success(), "graceful exit: {status:?}");
    assert!(
        served.stderr.iter().any(|l| l.contains("DEBUG")),
        "debug logging was on: {:#?}",
        served.stderr
    );
    assert!(
        served.stderr.iter().any(|l| l.contains("/v1/connections")),
        "requests were logged"
    );
    for line in served.all_lines() {
        assert!(!line.contains(&canary), "the canary in a log line: {line}");
    }
    assert!(
        served.stdout.iter().any(|l| l.contains(&key)),
        "the key is printed once on stdout"
    );
    for line in &served.stderr {
        assert!(!line.contains(&key), "the API key in a log line: {line}");
    }
}

both!(a_canary_secret_appears_in_no_response_event_or_log_line);
