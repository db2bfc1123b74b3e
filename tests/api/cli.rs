//! The command line, as the built binary: `serve` on a fresh or existing data dir, and the admin
//! commands `accounts create`, `api-keys create`, `keys rotate`, `connectors list`, and
//! `openapi --check` against the committed `openapi.json`.
//!
//! Also home of [`Served`], a `portico serve` child process whose output is captured line by
//! line (the security tests use it to look for secrets in logs).

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use crate::helpers::{Reply, fresh_pg_database};

/// Upper bound for anything the binary does (start, migrate, answer, stop); never a sleep.
const BOUND: Duration = Duration::from_secs(60);

/// Environment variables that would make a run depend on the machine it runs on.
const AMBIENT: [&str; 10] = [
    "RUST_LOG",
    "PORTICO_CONFIG",
    "PORTICO_DATA_DIR",
    "PORTICO_DATABASE_URL",
    "PORTICO_LISTEN",
    "PORTICO_PUBLIC_URL",
    "PORTICO_LOG",
    "PORTICO_LOG_FORMAT",
    "PORTICO_CONNECTORS_DIR",
    "PORTICO_SMTP_URL",
];

/// `portico --data-dir DIR ...`, run in DIR, without ambient `PORTICO_*`/`RUST_LOG` settings.
pub fn portico(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_portico"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .current_dir(data_dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    for name in AMBIENT {
        command.env_remove(name);
    }
    command
}

/// What a finished admin command printed.
pub struct Ran {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// The JSON it printed, after asserting it succeeded.
    pub fn json(&self) -> Value {
        assert!(
            self.status.success(),
            "exit {:?}\nstdout: {}\nstderr: {}",
            self.status,
            self.stdout,
            self.stderr
        );
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    pub fn assert_failed(&self) {
        assert!(
            !self.status.success(),
            "expected a failure; stdout: {}",
            self.stdout
        );
    }
}

pub async fn run(mut command: Command) -> Ran {
    let output = tokio::time::timeout(BOUND, command.output())
        .await
        .expect("the command finishes")
        .expect("the binary runs");
    Ran {
        status: output.status,
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

/// `portico --data-dir DIR <args>` to completion.
pub async fn run_in(data_dir: &Path, args: &[&str]) -> Ran {
    let mut command = portico(data_dir);
    command.args(args);
    run(command).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// The example request printed on first start.
pub struct Curl {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// A running `portico serve` with its output captured line by line.
pub struct Served {
    child: Child,
    lines: mpsc::UnboundedReceiver<(Stream, String)>,
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
    /// `http://ADDR` from the `Portico listening on` line.
    pub base: String,
    /// The API key printed on first start, if it was.
    pub printed_key: Option<String>,
    pub curl: Option<Curl>,
}

fn forward(
    reader: impl AsyncRead + Unpin + Send + 'static,
    stream: Stream,
    tx: mpsc::UnboundedSender<(Stream, String)>,
) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(reader).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if tx.send((stream, line)).is_err() {
                break;
            }
        }
    });
}

impl Served {
    /// Starts `command` (a `portico ... serve ...`) and reads its output until it listens.
    pub async fn start(mut command: Command) -> Served {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("portico serve starts");
        let (tx, rx) = mpsc::unbounded_channel();
        forward(child.stdout.take().unwrap(), Stream::Stdout, tx.clone());
        forward(child.stderr.take().unwrap(), Stream::Stderr, tx);
        let mut served = Served {
            child,
            lines: rx,
            stdout: Vec::new(),
            stderr: Vec::new(),
            base: String::new(),
            printed_key: None,
            curl: None,
        };
        loop {
            let next = tokio::time::timeout(BOUND, served.lines.recv())
                .await
                .unwrap_or_else(|_| panic!("no listening line; so far: {:?}", served.stderr));
            let Some((stream, line)) = next else {
                panic!(
                    "portico serve ended before listening\nstdout: {:#?}\nstderr: {:#?}",
                    served.stdout, served.stderr
                );
            };
            let listening = match stream {
                Stream::Stdout => line
                    .strip_prefix("Portico listening on ")
                    .and_then(|rest| rest.split_whitespace().next())
                    .map(str::to_string),
                Stream::Stderr => None,
            };
            served.push(stream, line);
            if let Some(base) = listening {
                served.base = base;
                break;
            }
        }
        served.parse_first_start();
        served
    }

    fn push(&mut self, stream: Stream, line: String) {
        match stream {
            Stream::Stdout => self.stdout.push(line),
            Stream::Stderr => self.stderr.push(line),
        }
    }

    /// The key on its own indented line after "shown only this once", and the curl example.
    fn parse_first_start(&mut self) {
        let Some(at) = self
            .stdout
            .iter()
            .position(|l| l.contains("shown only this once"))
        else {
            return;
        };
        let rest = &self.stdout[at + 1..];
        let key = rest
            .iter()
            .map(|l| l.trim())
            .find(|l| !l.is_empty())
            .expect("a key line follows");
        assert!(!key.contains(' '), "the key is alone on its line: {key:?}");
        self.printed_key = Some(key.to_string());
        let start = rest
            .iter()
            .position(|l| l.trim_start().starts_with("curl "))
            .expect("a curl example follows the key");
        let mut url = None;
        let mut headers = Vec::new();
        let mut body = None;
        for line in &rest[start..] {
            let line = line.trim().trim_end_matches('\\').trim();
            if let Some(args) = line.strip_prefix("curl ") {
                url = args
                    .split_whitespace()
                    .find(|a| a.starts_with("http"))
                    .map(str::to_string);
            } else if let Some(header) = line.strip_prefix("-H '") {
                let header = header.trim_end_matches('\'');
                let (name, value) = header.split_once(": ").expect("Name: value");
                headers.push((name.to_string(), value.to_string()));
            } else if let Some(data) = line.strip_prefix("-d '") {
                body = Some(data.strip_suffix('\'').expect("quoted body").to_string());
                break;
            }
        }
        self.curl = Some(Curl {
            url: url.expect("curl names a URL"),
            headers,
            body: body.expect("curl sends a body"),
        });
    }

    /// SIGTERM, then waits for a graceful exit and for the pipes to close; returns the status.
    pub async fn stop(&mut self) -> ExitStatus {
        let pid = self.child.id().expect("still running");
        let killed = Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .await
            .expect("kill runs");
        assert!(killed.success());
        let status = tokio::time::timeout(BOUND, self.child.wait())
            .await
            .expect("portico exits after SIGTERM")
            .expect("wait");
        while let Some((stream, line)) = tokio::time::timeout(BOUND, self.lines.recv())
            .await
            .expect("the output pipes close")
        {
            self.push(stream, line);
        }
        status
    }

    /// Every captured line, stdout then stderr.
    /// Kills the process without warning (`kill -9`), as a crash would.
    pub async fn kill_hard(&mut self) {
        self.child.start_kill().expect("kill -9");
        let _ = self.child.wait().await;
    }

    pub fn all_lines(&self) -> impl Iterator<Item = &String> {
        self.stdout.iter().chain(self.stderr.iter())
    }
}

/// `portico serve --listen 127.0.0.1:0` on this data dir (and database, when given).
pub fn serve_command(data_dir: &Path, database_url: Option<&str>) -> Command {
    let mut command = portico(data_dir);
    if let Some(url) = database_url {
        command.arg("--database-url").arg(url);
    }
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    command
}

/// An HTTP client (the process-wide rustls provider installed first).
pub fn http() -> reqwest::Client {
    portico::app::install_crypto_provider();
    reqwest::Client::new()
}

async fn get_with_key(base: &str, path: &str, key: &str) -> Reply {
    Reply::read(
        http()
            .get(format!("{base}{path}"))
            .bearer_auth(key)
            .send()
            .await
            .expect("GET"),
    )
    .await
}

async fn post_with_key(base: &str, path: &str, key: &str, body: Value) -> Reply {
    Reply::read(
        http()
            .post(format!("{base}{path}"))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .expect("POST"),
    )
    .await
}

fn keys_of(object: &Value) -> Vec<String> {
    let mut keys: Vec<String> = object.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

pub fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn accounts_create_prints_the_account_and_numbers_it() {
    let dir = tempfile::tempdir().unwrap();
    let first = run_in(dir.path(), &["accounts", "create", "--name", "Acme"])
        .await
        .json();
    assert_eq!(keys_of(&first), ["id", "name", "number"], "{first}");
    let id = first["id"].as_str().unwrap();
    assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 7);
    assert_eq!(first["name"], "Acme");
    assert_eq!(first["number"], 1);

    let second = run_in(dir.path(), &["accounts", "create", "--name", "Globex"])
        .await
        .json();
    assert_eq!(second["number"], 2);
    assert_ne!(second["id"], first["id"]);

    let chosen = run_in(
        dir.path(),
        &["accounts", "create", "--name", "Initech", "--number", "77"],
    )
    .await
    .json();
    assert_eq!(chosen["number"], 77);

    let taken = run_in(
        dir.path(),
        &["accounts", "create", "--name", "Umbrella", "--number", "77"],
    )
    .await;
    taken.assert_failed();
    assert!(taken.stdout.trim().is_empty(), "{}", taken.stdout);
    assert!(
        taken.stderr.contains("number") && taken.stderr.contains("taken"),
        "a clear message: {}",
        taken.stderr
    );

    let nameless = run_in(dir.path(), &["accounts", "create", "--name", " "]).await;
    nameless.assert_failed();
    assert!(nameless.stderr.contains("name"), "{}", nameless.stderr);
}

#[tokio::test]
async fn accounts_create_works_against_postgresql() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_pg_database().await;
    let create = |name: &'static str| {
        let mut command = portico(dir.path());
        command
            .args(["--database-url", &url])
            .args(["accounts", "create", "--name", name]);
        run(command)
    };
    let first = create("Acme").await.json();
    assert_eq!(first["name"], "Acme");
    assert_eq!(first["number"], 1);
    let second = create("Globex").await.json();
    assert_eq!(second["number"], 2);
    assert!(
        !dir.path().join("portico.db").exists(),
        "no SQLite file when PostgreSQL is used"
    );
    let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM accounts ORDER BY number")
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert_eq!(names, ["Acme", "Globex"]);
}

#[tokio::test]
async fn api_keys_create_prints_a_key_that_authenticates_with_its_scopes() {
    let dir = tempfile::tempdir().unwrap();
    let account = run_in(dir.path(), &["accounts", "create", "--name", "Acme"])
        .await
        .json();
    let account_id = account["id"].as_str().unwrap();

    let standard = run_in(dir.path(), &["api-keys", "create", "--account", account_id])
        .await
        .json();
    assert_eq!(
        keys_of(&standard),
        ["account_id", "id", "key", "scopes"],
        "{standard}"
    );
    assert_eq!(standard["account_id"], account_id);
    let scopes: Vec<&str> = standard["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for scope in [
        "invitations:read",
        "invitations:write",
        "connections:read",
        "connections:write",
        "events:read",
    ] {
        assert!(scopes.contains(&scope), "{scope} in {scopes:?}");
    }
    assert!(
        !scopes.contains(&"connections:secrets"),
        "reading secrets is only granted explicitly"
    );
    let standard_key = standard["key"].as_str().unwrap().to_string();
    assert!(standard_key.len() >= 40, "high entropy: {standard_key}");

    let narrow = run_in(
        dir.path(),
        &[
            "api-keys",
            "create",
            "--account",
            account_id,
            "--scope",
            "invitations:read",
        ],
    )
    .await
    .json();
    assert_eq!(narrow["scopes"], json!(["invitations:read"]));
    let narrow_key = narrow["key"].as_str().unwrap().to_string();
    assert_ne!(narrow_key, standard_key);

    let unknown_scope = run_in(
        dir.path(),
        &[
            "api-keys",
            "create",
            "--account",
            account_id,
            "--scope",
            "everything:please",
        ],
    )
    .await;
    unknown_scope.assert_failed();
    assert!(
        unknown_scope.stderr.contains("everything:please"),
        "{}",
        unknown_scope.stderr
    );
    let unknown_account = run_in(
        dir.path(),
        &[
            "api-keys",
            "create",
            "--account",
            &uuid::Uuid::now_v7().to_string(),
        ],
    )
    .await;
    unknown_account.assert_failed();
    assert!(
        unknown_account.stderr.contains("account"),
        "{}",
        unknown_account.stderr
    );

    // The database is not empty, so serve prints no key of its own; the CLI's keys work.
    let mut served = Served::start(serve_command(dir.path(), None)).await;
    assert!(served.printed_key.is_none(), "{:#?}", served.stdout);
    let base = served.base.clone();
    let listed = get_with_key(&base, "/v1/invitations", &narrow_key).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let denied = post_with_key(
        &base,
        "/v1/invitations",
        &narrow_key,
        json!({"connector": "sandbox", "connection_name": "Acme HR"}),
    )
    .await;
    denied.assert_problem(403);
    let created = post_with_key(
        &base,
        "/v1/invitations",
        &standard_key,
        json!({"connector": "sandbox", "connection_name": "Acme HR"}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let connection = post_with_key(
        &base,
        "/v1/connections",
        &standard_key,
        json!({"connector": "sandbox", "name": "HR", "config": {"api_key": "k"}}),
    )
    .await;
    assert_eq!(
        connection.status,
        StatusCode::CREATED,
        "{}",
        connection.text
    );
    let secrets = get_with_key(
        &base,
        &format!(
            "/v1/connections/{}/credentials",
            connection.json["id"].as_str().unwrap()
        ),
        &standard_key,
    )
    .await;
    secrets.assert_problem(403);
    get_with_key(&base, "/v1/invitations", "pk_not-a-key")
        .await
        .assert_problem(401);
    assert!(served.stop().await.success());

    let mut again = Served::start(serve_command(dir.path(), None)).await;
    assert!(again.printed_key.is_none(), "{:#?}", again.stdout);
    assert!(
        !again.stdout.iter().any(|l| l.contains("curl")),
        "{:#?}",
        again.stdout
    );
    let listed = get_with_key(&again.base, "/v1/invitations", &narrow_key).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json["data"].as_array().unwrap().len(), 1);
    assert!(again.stop().await.success());
}

#[tokio::test]
async fn serve_on_an_empty_dir_creates_the_database_the_key_file_and_a_working_example() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("portico-data");
    std::fs::create_dir(&dir).unwrap();
    let mut served = Served::start(serve_command(&dir, None)).await;

    let db_file = dir.join("portico.db");
    assert!(db_file.is_file());
    let mut db = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db_file.display()))
        .await
        .unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    db.close().await.unwrap();
    assert_eq!(mode_of(&dir.join("master.key")), 0o600);

    let key = served
        .printed_key
        .clone()
        .expect("the first key is printed");
    assert!(key.len() >= 40, "high entropy: {key}");
    let curl = served.curl.take().expect("a curl example is printed");
    assert_eq!(curl.url, format!("{}/v1/invitations", served.base));
    assert!(
        curl.headers
            .contains(&("Authorization".to_string(), format!("Bearer {key}"))),
        "{:?}",
        curl.headers
    );
    let mut request = http().post(&curl.url);
    for (name, value) in &curl.headers {
        request = request.header(name, value);
    }
    let created = Reply::read(request.body(curl.body.clone()).send().await.unwrap()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert!(created.json["token"].is_string());
    assert!(
        created.json["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/g/", served.base))
    );

    // The first key has every scope, reading secrets included.
    let connection = post_with_key(
        &served.base,
        "/v1/connections",
        &key,
        json!({"connector": "sandbox", "name": "HR", "config": {"api_key": "first-secret"}}),
    )
    .await;
    assert_eq!(
        connection.status,
        StatusCode::CREATED,
        "{}",
        connection.text
    );
    let credentials = get_with_key(
        &served.base,
        &format!(
            "/v1/connections/{}/credentials",
            connection.json["id"].as_str().unwrap()
        ),
        &key,
    )
    .await;
    assert_eq!(credentials.status, StatusCode::OK, "{}", credentials.text);
    assert_eq!(credentials.json["config"]["api_key"], "first-secret");

    let status = served.stop().await;
    assert!(status.success(), "graceful exit: {status:?}");
    assert!(
        !served.stderr.iter().any(|l| l.contains(&key)),
        "the key is not logged"
    );

    // A second start on the same dir: no new account, no new key; the first key still works.
    let mut again = Served::start(serve_command(&dir, None)).await;
    assert!(again.printed_key.is_none(), "{:#?}", again.stdout);
    let listed = get_with_key(&again.base, "/v1/invitations", &key).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(listed.json["data"].as_array().unwrap().len(), 1);
    assert!(again.stop().await.success());
    assert_eq!(mode_of(&dir.join("master.key")), 0o600);
}

#[tokio::test]
async fn keys_rotate_rewraps_everything_while_the_server_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut served = Served::start(serve_command(dir.path(), None)).await;
    let key = served.printed_key.clone().unwrap();
    let base = served.base.clone();
    let mut connections = Vec::new();
    for i in 0..2 {
        let reply = post_with_key(
            &base,
            "/v1/connections",
            &key,
            json!({"connector": "sandbox", "name": format!("HR {i}"), "config": {"api_key": format!("rotate-{i}")}}),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        connections.push(reply.json["id"].as_str().unwrap().to_string());
    }
    let idempotent = || {
        http()
            .post(format!("{base}/v1/invitations"))
            .bearer_auth(&key)
            .header("Idempotency-Key", "rotate-me")
            .json(&json!({"connector": "sandbox", "connection_name": "Acme HR"}))
            .send()
    };
    let first = Reply::read(idempotent().await.unwrap()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let key_file = dir.path().join("master.key");
    let before = std::fs::read_to_string(&key_file).unwrap();

    let rotated = run_in(dir.path(), &["keys", "rotate"]).await.json();
    let key_id = rotated["key_id"].as_str().unwrap();
    assert_eq!(rotated["rewrapped_connections"], 2, "{rotated}");
    assert_eq!(rotated["rewrapped_idempotent_replies"], 1, "{rotated}");
    let after = std::fs::read_to_string(&key_file).unwrap();
    let last_key_line = after
        .lines()
        .rfind(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .unwrap();
    assert!(last_key_line.starts_with(&format!("{key_id} ")));
    assert!(
        !before.contains(key_id),
        "a new key id, not one already there"
    );
    assert_eq!(mode_of(&key_file), 0o600);
    assert!(
        !rotated
            .to_string()
            .contains(last_key_line.split(' ').nth(1).unwrap()),
        "the key material is not printed"
    );

    // The running server picks up the new key without a restart.
    for (i, id) in connections.iter().enumerate() {
        let read = get_with_key(&base, &format!("/v1/connections/{id}/credentials"), &key).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text);
        assert_eq!(read.json["config"]["api_key"], format!("rotate-{i}"));
    }
    let replay = Reply::read(idempotent().await.unwrap()).await;
    assert_eq!(replay.status, StatusCode::CREATED, "{}", replay.text);
    assert_eq!(replay.json, first.json);
    let third = post_with_key(
        &base,
        "/v1/connections",
        &key,
        json!({"connector": "sandbox", "name": "HR 2", "config": {"api_key": "rotate-2"}}),
    )
    .await;
    assert_eq!(third.status, StatusCode::CREATED, "{}", third.text);

    let again = run_in(dir.path(), &["keys", "rotate"]).await.json();
    assert_ne!(again["key_id"], rotated["key_id"]);
    assert_eq!(again["rewrapped_connections"], 3, "{again}");
    assert_eq!(again["rewrapped_idempotent_replies"], 1, "{again}");
    let read = get_with_key(
        &base,
        &format!(
            "/v1/connections/{}/credentials",
            third.json["id"].as_str().unwrap()
        ),
        &key,
    )
    .await;
    assert_eq!(read.json["config"]["api_key"], "rotate-2", "{}", read.text);
    assert!(served.stop().await.success());
}

#[tokio::test]
async fn connectors_list_names_the_builtin_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let listed = run_in(dir.path(), &["connectors", "list"]).await;
    assert!(listed.status.success(), "{}", listed.stderr);
    let rows: Vec<Vec<&str>> = listed
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    let row = |id: &str| {
        rows.iter()
            .find(|r| r.first() == Some(&id))
            .unwrap_or_else(|| panic!("{id} listed in\n{}", listed.stdout))
    };
    for id in ["sandbox", "postgres", "mysql", "toggl"] {
        row(id);
    }
    assert_eq!(row("toggl")[1], "130");
    assert!(
        row("postgres")
            .last()
            .unwrap()
            .split(',')
            .any(|d| d == "destination")
    );
}

#[tokio::test]
async fn openapi_check_passes_on_the_committed_document_and_fails_on_a_stale_one() {
    let dir = tempfile::tempdir().unwrap();
    let committed = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

    let check = run_in(dir.path(), &["openapi", "--check", committed]).await;
    assert!(
        check.status.success(),
        "the committed openapi.json is stale: {}",
        check.stderr
    );
    assert_eq!(check.stdout, "", "a check prints nothing");
    let printed = run_in(dir.path(), &["openapi"]).await;
    assert_eq!(
        printed.stdout.trim_end(),
        std::fs::read_to_string(committed).unwrap().trim_end()
    );

    let stale = printed
        .stdout
        .replacen("\"Portico\"", "\"Portico (old)\"", 1);
    std::fs::write(dir.path().join("openapi.json"), stale).unwrap();
    let failed = run_in(dir.path(), &["openapi", "--check"]).await;
    failed.assert_failed();
    assert!(
        failed
            .stderr
            .contains("openapi.json is not the API description this build generates")
            && failed
                .stderr
                .contains("regenerate it with `portico openapi > openapi.json`"),
        "{}",
        failed.stderr
    );
}
