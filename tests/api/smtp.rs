//! Email over SMTP: a real SMTP server (aiosmtpd, from PyPI, in `target/venv`, which
//! `scripts/test` makes) receives the invitation and code emails on a free loopback port; the
//! tests read what it stored and parse it with Python's `email` package, an independent MIME
//! reader. Also the outbox's claims: two workers never hold the same email, a lease expires.

use chrono::Duration;
use portico::crypto::WrappedKey;
use portico::store::{OutboxEmail, Store};
use serde_json::{Value, json};
use sqlx::Connection;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use uuid::Uuid;

use crate::both;
use crate::cli::{Served, http, serve_command};
use crate::guest_client::Guest;
use crate::helpers::{
    BOUND, Backend, Reply, TestApp, eventually, fresh_pg_database, six_digit_code, spawn_with,
    start_time,
};

/// Starts aiosmtpd on 127.0.0.1:PORT storing messages in the Maildir DIR; with LOGIN and
/// PASSWORD it requires AUTH with them. Recipients whose address starts with "reject" are refused
/// with a 550, as a real server refuses an unknown mailbox.
const SERVER: &str = r#"
import sys
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword

port, maildir = int(sys.argv[1]), sys.argv[2]
login = sys.argv[3].encode() if len(sys.argv) > 4 else None
password = sys.argv[4].encode() if len(sys.argv) > 4 else None

class Inbox(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == login \
        and auth_data.password == password
    return AuthResult(success=ok)

options = {}
if login is not None:
    options = dict(authenticator=authenticate, auth_required=True, auth_require_tls=False)
controller = Controller(Inbox(maildir), hostname="127.0.0.1", port=port, **options)
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
"#;

/// Prints the messages of the Maildir DIR as JSON, oldest first, decoded by Python's `email`.
const READER: &str = r#"
import glob, json, os, sys
from email import policy
from email.parser import BytesParser

paths = glob.glob(os.path.join(sys.argv[1], "new", "*")) + glob.glob(os.path.join(sys.argv[1], "cur", "*"))
out = []
for path in sorted(paths, key=lambda p: (os.path.getmtime(p), p)):
    with open(path, "rb") as f:
        msg = BytesParser(policy=policy.default).parse(f)
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    out.append({
        "to": str(msg["To"]),
        "from": str(msg["From"]),
        "subject": str(msg["Subject"]),
        "message_id": str(msg["Message-ID"]),
        "envelope_from": str(msg["X-MailFrom"]),
        "envelope_to": str(msg["X-RcptTo"]),
        "content_type": msg.get_content_type(),
        "text": text.get_content() if text is not None else None,
        "html": html.get_content() if html is not None else None,
    })
print(json.dumps(out))
"#;

/// The venv's Python; the suite fails (never skips) without it.
fn python() -> PathBuf {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/test, which makes the venv with aiosmtpd \
         (or: python3 -m venv target/venv && target/venv/bin/pip install aiosmtpd standardwebhooks)",
        python.display()
    );
    python
}

/// A loopback port nobody listens on (bound, then let go).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A running aiosmtpd; stopped when dropped.
struct SmtpServer {
    port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
    _child: Child,
}

impl SmtpServer {
    async fn start(port: u16) -> SmtpServer {
        SmtpServer::launch(port, None).await
    }

    /// A server that accepts mail only after AUTH with these credentials.
    async fn start_with_login(port: u16, login: &str, password: &str) -> SmtpServer {
        SmtpServer::launch(port, Some((login, password))).await
    }

    async fn launch(port: u16, credentials: Option<(&str, &str)>) -> SmtpServer {
        let dir = tempfile::tempdir().expect("temp dir");
        // A path that does not exist yet: Python's Maildir makes its tmp/new/cur only then.
        let maildir = dir.path().join("inbox");
        let mut command = Command::new(python());
        command
            .arg("-c")
            .arg(SERVER)
            .arg(port.to_string())
            .arg(&maildir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some((login, password)) = credentials {
            command.arg(login).arg(password);
        }
        let mut child = command.spawn().expect("the venv's python starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(BOUND, stdout.next_line())
            .await
            .expect("aiosmtpd starts within the bound");
        if ready.ok().flatten().as_deref() != Some("ready") {
            let mut stderr = String::new();
            let _ = child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .await;
            panic!(
                "aiosmtpd did not start on port {port} (is it installed? run scripts/test):\n{stderr}"
            );
        }
        SmtpServer {
            port,
            maildir,
            _dir: dir,
            _child: child,
        }
    }

    /// Every message received so far, oldest first.
    async fn received(&self) -> Vec<Value> {
        let output = Command::new(python())
            .arg("-c")
            .arg(READER)
            .arg(&self.maildir)
            .output()
            .await
            .expect("the reader runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let messages: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        messages.as_array().cloned().unwrap_or_default()
    }

    /// The messages to `recipient`, once there are at least `count`.
    async fn messages_to(&self, recipient: &str, count: usize) -> Vec<Value> {
        let what = format!("{count} message(s) to {recipient}");
        eventually(&what, || async move {
            let found: Vec<Value> = self
                .received()
                .await
                .into_iter()
                .filter(|m| m["envelope_to"] == recipient)
                .collect();
            if found.len() >= count {
                Ok(found)
            } else {
                Err(found)
            }
        })
        .await
    }
}

/// Portico with `smtp_url` pointing at 127.0.0.1:`port` (no TLS).
async fn portico_sending_to(backend: Backend, port: u16) -> TestApp {
    spawn_with(backend, |settings| {
        settings.smtp_url = format!("smtp://127.0.0.1:{port}");
    })
    .await
}

/// One row of the outbox as the tests see it.
#[derive(Debug, Clone)]
struct OutboxRow {
    id: Uuid,
    recipient: String,
    attempts: i32,
    last_error: Option<String>,
    sent: bool,
    locked_by: Option<String>,
}

type RawRow = (
    Uuid,
    String,
    i32,
    Option<String>,
    Option<i64>,
    Option<String>,
);

/// The outbox, oldest first, read straight from the database.
async fn outbox(app: &TestApp) -> Vec<OutboxRow> {
    const SQL: &str = "SELECT id, recipient, attempts, last_error, sent_at, locked_by \
                       FROM outbox_emails ORDER BY id";
    let rows: Vec<RawRow> = match app.backend {
        Backend::Sqlite => {
            let mut db = sqlx::SqliteConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query_as(SQL).fetch_all(&mut db).await.unwrap()
        }
        Backend::Postgres => {
            let mut db = sqlx::PgConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query_as(SQL).fetch_all(&mut db).await.unwrap()
        }
    };
    rows.into_iter()
        .map(
            |(id, recipient, attempts, last_error, sent_at, locked_by)| OutboxRow {
                id,
                recipient,
                attempts,
                last_error,
                sent: sent_at.is_some(),
                locked_by,
            },
        )
        .collect()
}

/// The outbox once `done` holds for it.
async fn outbox_when(
    app: &TestApp,
    what: &str,
    done: impl Fn(&[OutboxRow]) -> bool,
) -> Vec<OutboxRow> {
    let done = &done;
    eventually(&format!("the outbox gets to: {what}"), || async move {
        let rows = outbox(app).await;
        if done(&rows) { Ok(rows) } else { Err(rows) }
    })
    .await
}

fn no_eml_files(app: &TestApp) -> bool {
    std::fs::read_dir(app.mailbox()).map_or(true, |mut entries| entries.next().is_none())
}

// ---------------------------------------------------------------------------------------------
// What arrives

async fn the_invitation_email_arrives_over_smtp_in_its_language(backend: Backend) {
    let server = SmtpServer::start(free_port()).await;
    let app = portico_sending_to(backend, server.port).await;

    let invitation = app
        .create_invitation(json!({
            "allowed_emails": ["julia@acme.example"],
            "send_email": true,
            "language": "de",
            "expires_in_seconds": 86_400
        }))
        .await;
    let url = invitation["url"].as_str().unwrap();

    let messages = server.messages_to("julia@acme.example", 1).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    assert_eq!(message["to"], "julia@acme.example");
    assert_eq!(message["from"], "Portico <portico@localhost>");
    assert_eq!(message["envelope_from"], "portico@localhost");
    let subject = message["subject"].as_str().unwrap();
    assert!(
        subject.starts_with("Einladung zur Verbindung mit") && subject.contains("Sandbox"),
        "a German subject naming the connector: {subject}"
    );
    assert_eq!(message["content_type"], "multipart/alternative");
    let text = message["text"].as_str().expect("a text part");
    assert!(text.contains(url), "the link: {text}");
    assert!(text.contains("Acme HR"), "the connection name: {text}");
    assert!(text.contains("Sie wurden eingeladen"), "German: {text}");
    assert!(
        text.contains("gültig bis") && text.contains("2026-11-26 12:00 UTC"),
        "the expiry: {text}"
    );
    let html = message["html"].as_str().expect("an HTML part");
    assert!(
        html.contains(url) && html.contains("Sie wurden eingeladen"),
        "{html}"
    );

    // The Message-ID is the outbox id's, stable across retries; the row is marked sent.
    let rows = outbox_when(&app, "sent", |rows| rows.iter().all(|r| r.sent)).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(message["message_id"], format!("<{}@portico>", rows[0].id));
    assert_eq!(rows[0].attempts, 1);
    assert_eq!(rows[0].locked_by, None, "the lease is dropped");
    assert!(no_eml_files(&app), "with SMTP nothing goes to the mailbox");
}
both!(the_invitation_email_arrives_over_smtp_in_its_language);

async fn the_code_email_arrives_over_smtp_during_the_guest_flow(backend: Backend) {
    let server = SmtpServer::start(free_port()).await;
    let app = portico_sending_to(backend, server.port).await;
    let invitation = app
        .create_invitation(json!({"allowed_emails": ["ops@acme.example"], "language": "it"}))
        .await;

    let mut guest = Guest::new(&app);
    let page = guest.get(invitation["url"].as_str().unwrap()).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let asked = guest
        .post("/g/s/email", &[("email", "ops@acme.example")])
        .await;
    assert_eq!(asked.status, 200, "{}", asked.text);

    let messages = server.messages_to("ops@acme.example", 1).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    assert_eq!(message["to"], "ops@acme.example");
    assert_eq!(message["subject"], "Il Suo codice di conferma");
    let text = message["text"].as_str().expect("a text part");
    assert!(
        text.contains("Il Suo codice di conferma è"),
        "Italian: {text}"
    );
    let code = six_digit_code(text).expect("a 6-digit code").to_string();
    let html = message["html"].as_str().expect("an HTML part");
    assert!(html.contains(&code), "{html}");

    let proven = guest.post("/g/s/code", &[("code", &code)]).await;
    assert_eq!(proven.status, 200, "{}", proven.text);
    assert!(
        proven.text.contains("name=\"api_key\""),
        "the code from the SMTP server opens the form: {}",
        proven.text
    );
    assert!(no_eml_files(&app));
}
both!(the_code_email_arrives_over_smtp_during_the_guest_flow);

// ---------------------------------------------------------------------------------------------
// Failures and retries

async fn an_email_is_retried_until_the_smtp_server_is_up(backend: Backend) {
    let port = free_port();
    let app = portico_sending_to(backend, port).await;
    let invitation = app
        .create_invitation(json!({"allowed_emails": ["julia@acme.example"], "send_email": true}))
        .await;
    let url = invitation["url"].as_str().unwrap().to_string();

    // Nobody listens yet: the attempt fails, is counted and its error kept, the lease dropped.
    let rows = outbox_when(&app, "one failed attempt", |rows| {
        rows.len() == 1 && rows[0].attempts == 1 && rows[0].last_error.is_some()
    })
    .await;
    let error = rows[0].last_error.clone().unwrap();
    assert!(error.contains("SMTP"), "{error}");
    assert!(
        !error.contains(&url),
        "no message content in the error: {error}"
    );
    assert!(!rows[0].sent);
    assert_eq!(rows[0].locked_by, None);

    // The server comes up; the email is due again 30 s later (backoff).
    let server = SmtpServer::start(port).await;
    app.clock.advance(Duration::seconds(31));
    app.portico.mail_queued();

    let messages = server.messages_to("julia@acme.example", 1).await;
    assert_eq!(messages.len(), 1);
    assert!(messages[0]["text"].as_str().unwrap().contains(&url));
    let rows = outbox_when(&app, "sent", |rows| rows[0].sent).await;
    assert_eq!(rows[0].attempts, 2);
    assert_eq!(
        rows[0].last_error.as_deref(),
        Some(error.as_str()),
        "the last error stays visible"
    );
    assert_eq!(rows[0].locked_by, None);
    assert_eq!(server.received().await.len(), 1, "sent once");
}
both!(an_email_is_retried_until_the_smtp_server_is_up);

async fn a_refused_recipient_is_retried_with_backoff_and_does_not_hold_up_the_others(
    backend: Backend,
) {
    let server = SmtpServer::start(free_port()).await;
    let app = portico_sending_to(backend, server.port).await;
    app.create_invitation(json!({
        "allowed_emails": ["reject-me@acme.example", "julia@acme.example"],
        "send_email": true
    }))
    .await;

    server.messages_to("julia@acme.example", 1).await;
    let rows = outbox_when(&app, "one sent, one failed", |rows| {
        rows.iter().any(|r| r.sent) && rows.iter().any(|r| r.last_error.is_some())
    })
    .await;
    let refused = rows
        .iter()
        .find(|r| r.recipient == "reject-me@acme.example")
        .unwrap();
    assert!(!refused.sent);
    let error = refused.last_error.clone().unwrap();
    assert!(
        error.contains("550"),
        "the server's answer is kept: {error}"
    );

    // Due again after 30 s, then after 1 min more: each attempt counted.
    app.clock.advance(Duration::seconds(31));
    app.portico.mail_queued();
    outbox_when(&app, "a second attempt", |rows| {
        rows.iter().any(|r| r.attempts == 2 && !r.sent)
    })
    .await;
    app.clock.advance(Duration::seconds(59));
    app.portico.mail_queued();
    app.clock.advance(Duration::seconds(2));
    app.portico.mail_queued();
    let rows = outbox_when(&app, "a third attempt", |rows| {
        rows.iter().any(|r| r.attempts == 3 && !r.sent)
    })
    .await;
    assert_eq!(rows.iter().filter(|r| r.sent).count(), 1);
    assert_eq!(server.received().await.len(), 1, "the good one went once");
}
both!(a_refused_recipient_is_retried_with_backoff_and_does_not_hold_up_the_others);

// ---------------------------------------------------------------------------------------------
// Claims

/// A queued email with no message (the claim does not read it).
fn queued(account_id: Uuid, n: usize) -> OutboxEmail {
    OutboxEmail {
        id: Uuid::now_v7(),
        account_id,
        recipient: format!("guest{n}@acme.example"),
        data_key: WrappedKey {
            key_id: "test".into(),
            bytes: vec![0; 32],
        },
        sealed_message: None,
        created_at: start_time(),
        attempts: 0,
        next_attempt_at: start_time(),
    }
}

async fn two_workers_never_claim_the_same_email_and_a_lease_expires(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.path().join("claims.db").display()),
        Backend::Postgres => fresh_pg_database().await,
    };
    let store: Arc<dyn Store> = portico::store::open(&url).await.expect("store");
    let account = Uuid::now_v7();
    let mut all = HashSet::new();
    for n in 0..40 {
        let email = queued(account, n);
        all.insert(email.id);
        store.enqueue_email(&email).await.unwrap();
    }
    let now = start_time();
    let lease = Duration::seconds(60);

    // Two workers claim small batches at the same time until nothing is left.
    let worker = |node: &'static str| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let claimed = store.claim_emails(node, now, lease, 3).await.unwrap();
                if claimed.is_empty() {
                    return mine;
                }
                mine.extend(claimed.into_iter().map(|e| e.id));
            }
        })
    };
    let (a, b) = tokio::join!(worker("node-a"), worker("node-b"));
    let (a, b) = (a.unwrap(), b.unwrap());
    let claimed: HashSet<Uuid> = a.iter().chain(b.iter()).copied().collect();
    assert_eq!(a.len() + b.len(), 40, "each email claimed once");
    assert_eq!(claimed, all, "every email claimed");

    // While the leases hold, nobody else gets them.
    let later = now + Duration::seconds(59);
    assert!(
        store
            .claim_emails("node-c", later, lease, 100)
            .await
            .unwrap()
            .is_empty()
    );

    // One is sent, one failed (due again later): both leases are dropped.
    let sent = a.first().or(b.first()).copied().unwrap();
    let failed = *all.iter().find(|id| **id != sent).unwrap();
    store.mark_email_sent(sent, later).await.unwrap();
    store
        .mark_email_failed(failed, "SMTP: refused", later + Duration::hours(1))
        .await
        .unwrap();
    // A late failure report never undoes a send.
    store
        .mark_email_failed(sent, "late", later + Duration::hours(1))
        .await
        .unwrap();

    // The node that held the others died: after the lease they go to another node, oldest
    // first, and neither the sent nor the not-yet-due email is among them.
    let expired = now + Duration::seconds(61);
    let retaken = store
        .claim_emails("node-c", expired, lease, 100)
        .await
        .unwrap();
    let retaken_ids: HashSet<Uuid> = retaken.iter().map(|e| e.id).collect();
    let mut expected = all.clone();
    expected.remove(&sent);
    expected.remove(&failed);
    assert_eq!(retaken_ids, expected);
    assert!(
        retaken.windows(2).all(|w| w[0].id < w[1].id),
        "oldest first"
    );
    assert!(
        store
            .claim_emails("node-d", expired, lease, 100)
            .await
            .unwrap()
            .is_empty()
    );
    for id in &retaken_ids {
        store.mark_email_sent(*id, expired).await.unwrap();
    }
    let due_again = store
        .claim_emails("node-d", later + Duration::hours(1), lease, 100)
        .await
        .unwrap();
    assert_eq!(
        due_again.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![failed]
    );
    assert_eq!(due_again[0].attempts, 1);
}
both!(two_workers_never_claim_the_same_email_and_a_lease_expires);

// ---------------------------------------------------------------------------------------------
// Secrets

/// The real binary with debug logs, `--smtp-url` with a canary password that the SMTP server
/// requires: the email arrives (so the password was used), one refused recipient makes a
/// warning, and the password is in no log line.
async fn the_smtp_password_appears_in_no_log_line(backend: Backend) {
    let database_url = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_pg_database().await),
    };
    let canary = format!("canary-{}", Uuid::new_v4().simple());
    let server = SmtpServer::start_with_login(free_port(), "portico", &canary).await;
    let dir = tempfile::tempdir().unwrap();
    let mut command = serve_command(dir.path(), database_url.as_deref());
    command
        .arg("--smtp-url")
        .arg(format!("smtp://portico:{canary}@127.0.0.1:{}", server.port))
        .env("PORTICO_LOG", "debug");
    let mut served = Served::start(command).await;
    let key = served.printed_key.clone().expect("a first key");

    let created = Reply::read(
        http()
            .post(format!("{}/v1/invitations", served.base))
            .bearer_auth(&key)
            .json(&json!({
                "connector": "sandbox", "connection_name": "Canary HR", "send_email": true,
                "allowed_emails": ["reject-me@acme.example", "julia@acme.example"]
            }))
            .send()
            .await
            .expect("POST"),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    server.messages_to("julia@acme.example", 1).await;

    // Wait for the refusal's warning before stopping (the log is read after the exit).
    let db_url = database_url
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("portico.db").display()));
    let db_url = &db_url;
    eventually("a failed attempt in the outbox", || async move {
        let failed: Option<(i64,)> = if db_url.starts_with("sqlite") {
            let mut db = sqlx::SqliteConnection::connect(db_url).await.unwrap();
            sqlx::query_as("SELECT 1 FROM outbox_emails WHERE last_error IS NOT NULL")
                .fetch_optional(&mut db)
                .await
                .unwrap()
        } else {
            let mut db = sqlx::PgConnection::connect(db_url).await.unwrap();
            sqlx::query_as("SELECT 1::BIGINT FROM outbox_emails WHERE last_error IS NOT NULL")
                .fetch_optional(&mut db)
                .await
                .unwrap()
        };
        failed
    })
    .await;
    served.stop().await;

    let lines: Vec<&String> = served.all_lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("could not deliver an email")),
        "the refusal is logged: {lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("email sent over SMTP")),
        "{lines:#?}"
    );
    let leaked: Vec<&&String> = lines.iter().filter(|l| l.contains(&canary)).collect();
    assert!(
        leaked.is_empty(),
        "the SMTP password was logged: {leaked:#?}"
    );
}
both!(the_smtp_password_appears_in_no_log_line);

#[tokio::test]
async fn serve_refuses_an_unusable_smtp_url_without_printing_it_or_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let canary = format!("canary-{}", Uuid::new_v4().simple());
    let mut command = serve_command(dir.path(), None);
    command
        .arg("--smtp-url")
        .arg(format!("ftp://portico:{canary}@mail.example"));
    let output = tokio::time::timeout(BOUND, command.output())
        .await
        .expect("serve exits")
        .expect("serve runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("smtp_url"), "{stderr}");
    assert!(!stdout.contains("pk_"), "no key printed: {stdout}");
    assert!(
        !stdout.contains(&canary) && !stderr.contains(&canary),
        "{stdout}\n{stderr}"
    );
}

/// The whole path a real customer takes: the link by SMTP, the code by SMTP, the form, and the
/// owner's webhook saying the connection exists.
async fn the_guest_flow_end_to_end_with_email_and_a_webhook(backend: Backend) {
    let server = SmtpServer::start(free_port()).await;
    let app = spawn_with(backend, |settings| {
        settings.smtp_url = format!("smtp://127.0.0.1:{}", server.port);
        settings.webhooks_allow_private = true;
    })
    .await;
    let receiver = crate::webhooks::Receiver::start().await;
    let endpoint = app
        .post(
            "/v1/webhook-endpoints",
            json!({"url": receiver.url, "event_types": ["connection.created"]}),
        )
        .await;
    assert_eq!(endpoint.status, 201, "{}", endpoint.text);
    receiver
        .control(json!({"secrets": [endpoint.json["secret"]]}))
        .await;
    let invitation = app
        .create_invitation(json!({
            "allowed_emails": ["julia@acme.example"],
            "send_email": true,
            "connection_name": "Acme HR"
        }))
        .await;

    // The link arrives by SMTP; the guest opens it from the message.
    let link_mail = &server.messages_to("julia@acme.example", 1).await[0];
    let text = link_mail["text"].as_str().unwrap();
    let url = text
        .split_whitespace()
        .find(|w| w.starts_with(&format!("{}/g/", app.base)))
        .expect("the link is in the message")
        .to_string();
    assert_eq!(url, invitation["url"].as_str().unwrap());
    let mut guest = Guest::new(&app);
    assert_eq!(guest.get(&url).await.status, 200);
    guest
        .post("/g/s/email", &[("email", "julia@acme.example")])
        .await;
    let code_mail = &server.messages_to("julia@acme.example", 2).await[1];
    let code = six_digit_code(code_mail["text"].as_str().unwrap())
        .expect("a 6-digit code")
        .to_string();
    guest.post("/g/s/code", &[("code", &code)]).await;
    let done = guest
        .post("/g/s/submit", &[("api_key", "from-the-guest")])
        .await;
    assert_eq!(done.status, 200, "{}", done.text);

    let deliveries = receiver
        .wait_for("connection.created", |d| !d.is_empty())
        .await;
    assert_eq!(deliveries[0]["type"], "connection.created");
    assert_eq!(deliveries[0]["verified"], json!([true]));
    let connection = &app.get("/v1/connections").await.json["data"][0];
    let event = &app.get("/v1/events?limit=100").await.json["data"];
    let created = event
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "connection.created")
        .unwrap();
    assert_eq!(created["data"]["id"], connection["id"]);
    assert_eq!(deliveries[0]["id"], created["id"]);
    let metrics = app.get("/metrics").await.text;
    for name in [
        "portico_email_attempts_total",
        "portico_email_delivery_latency_seconds",
    ] {
        assert!(metrics.contains(name), "{name} in /metrics");
    }
}
both!(the_guest_flow_end_to_end_with_email_and_a_webhook);
