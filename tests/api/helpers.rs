//! The test harness: a real Portico on port 0 over SQLite or a fresh PostgreSQL database, a
//! manual clock, a first account with an all-scope key, and an HTTP client.

use chrono::{DateTime, TimeZone, Utc};
use portico::clock::ManualClock;
use portico::config::Settings;
use portico::domain::account::{Account, Scope};
use portico::service::Portico;
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;
use sqlx::Connection;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server the suite creates its databases on.
pub fn pg_admin_url() -> String {
    std::env::var("PORTICO_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// A fresh, empty database on the test server; its URL. Fails (never skips) when PostgreSQL is
/// not there: the test command starts it.
pub async fn fresh_pg_database() -> String {
    let admin_url = pg_admin_url();
    match portico::fresh_database::create(&admin_url, "portico_t").await {
        Ok(database) => database.url,
        Err(portico::fresh_database::FreshDatabaseError::Connect(e)) => {
            panic!("PostgreSQL is needed at {admin_url} (set PORTICO_TEST_PG_URL): {e}")
        }
        Err(e) => panic!("create test database: {e:?}"),
    }
}

/// Runs one SQL statement on the database at `url` (SQLite or PostgreSQL), past Portico.
pub async fn execute_sql(url: &str, statement: &str) {
    let statement = sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_string()));
    let done = if url.starts_with("sqlite") {
        let mut db = sqlx::SqliteConnection::connect(url)
            .await
            .expect("open SQLite");
        statement.execute(&mut db).await.map(drop)
    } else {
        let mut db = sqlx::PgConnection::connect(url)
            .await
            .expect("connect to PostgreSQL");
        statement.execute(&mut db).await.map(drop)
    };
    done.unwrap_or_else(|e| panic!("{e}"));
}

/// A fixed, millisecond-aligned start time for the manual clock.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

pub struct TestApp {
    pub base: String,
    pub client: Client,
    /// A key with every scope, `connections:secrets` included.
    pub key: String,
    pub account: Account,
    pub portico: Portico,
    pub clock: Arc<ManualClock>,
    pub backend: Backend,
    pub database_url: String,
    pub data_dir: tempfile::TempDir,
    _shutdown: oneshot::Sender<()>,
}

pub async fn spawn(backend: Backend) -> TestApp {
    spawn_with(backend, |_| {}).await
}

/// Like `spawn`, with settings adjusted first (rate limits, lifetimes, ...).
pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::defaults_in(data_dir.path());
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.check_timeout = 3;
    // Tests send many guest requests from one address; the limit test sets its own.
    settings.guest_rate_per_ip = 1_000_000;
    settings.guest_rate_per_invitation = 1_000_000;
    // The suite's servers (PostgreSQL, MariaDB, fake vendors) are on loopback; the tests of
    // the egress policy turn this off again.
    settings.checks_allow_private = true;
    adjust(&mut settings);
    if backend == Backend::Postgres {
        settings.database_url = fresh_pg_database().await;
    }
    let clock = Arc::new(ManualClock::new(start_time()));
    let (listener, _addr, public_url) = portico::app::bind(&settings).await.expect("bind");
    let portico = portico::app::open(&settings, public_url.clone(), clock.clone())
        .await
        .expect("open portico");
    let account = portico
        .create_account("Test account", None)
        .await
        .expect("account");
    let (_, key) = portico
        .create_api_key(account.id, Scope::ALL.to_vec())
        .await
        .expect("key");
    let (tx, rx) = oneshot::channel::<()>();
    let state = portico::app::state(portico.clone());
    portico::app::start_workers(&state, &settings).expect("start the workers");
    tokio::spawn(async move {
        portico::http::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        .expect("serve");
    });
    TestApp {
        base: public_url,
        client: Client::new(),
        key: key.expose().clone(),
        account,
        portico,
        clock,
        backend,
        database_url: settings.database_url(),
        data_dir,
        _shutdown: tx,
    }
}

/// A response read whole: status, headers, parsed JSON body (Null when empty or not JSON).
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    pub async fn read(response: Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("response body");
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            json,
        }
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts a problem+json with this status; returns the `errors` fields named.
    pub fn assert_problem(&self, status: u16) -> Vec<String> {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert_eq!(self.content_type(), "application/problem+json");
        assert_eq!(self.json["status"], status);
        assert!(self.json["type"].is_string() && self.json["title"].is_string());
        self.json["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl TestApp {
    /// The mailbox the mail worker writes `.eml` files to.
    pub fn mailbox(&self) -> std::path::PathBuf {
        self.data_dir.path().join("mailbox")
    }

    /// The messages in the mailbox to `recipient` (case-insensitive), oldest first, decoded
    /// from quoted-printable, once there are at least `count`.
    pub async fn emails_to(&self, recipient: &str, count: usize) -> Vec<String> {
        let what = format!("{count} email(s) to {recipient}");
        eventually(&what, || async move {
            let found = self.emails_now(recipient);
            if found.len() >= count {
                Ok(found)
            } else {
                Err(found)
            }
        })
        .await
    }

    /// The messages in the mailbox to `recipient` right now.
    fn emails_now(&self, recipient: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.mailbox()) else {
            return Vec::new();
        };
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        paths.sort();
        let to = format!("to: {}", recipient.to_lowercase());
        paths
            .iter()
            .map(|path| std::fs::read_to_string(path).unwrap_or_default())
            .filter(|raw| raw.to_lowercase().lines().any(|l| l.trim() == to))
            .map(|raw| decode_quoted_printable(&raw))
            .collect()
    }

    /// The 6-digit code of the newest message to `recipient` (waits for the `nth`, 1-based).
    pub async fn code_sent_to(&self, recipient: &str, nth: usize) -> String {
        let emails = self.emails_to(recipient, nth).await;
        let email = emails
            .get(nth - 1)
            .unwrap_or_else(|| panic!("no email {nth} to {recipient}"));
        // The body only, and a word of six digits: a hex string (the Message-ID's UUID, a
        // hash in a link) may hold a run of six digits between its letters.
        let body = email
            .split_once("\r\n\r\n")
            .or_else(|| email.split_once("\n\n"))
            .map_or(email.as_str(), |(_, body)| body);
        six_digit_code(body)
            .expect("a 6-digit code in the email")
            .to_string()
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key)
    }

    pub async fn get(&self, path: &str) -> Reply {
        Reply::read(self.request(Method::GET, path).send().await.expect("GET")).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        Reply::read(
            self.request(Method::POST, path)
                .json(&body)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        Reply::read(
            self.request(Method::PATCH, path)
                .json(&body)
                .send()
                .await
                .expect("PATCH"),
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        Reply::read(
            self.request(Method::DELETE, path)
                .send()
                .await
                .expect("DELETE"),
        )
        .await
    }

    /// Creates a sandbox invitation with extra fields merged in; asserts 201.
    pub async fn create_invitation(&self, extra: Value) -> Value {
        let mut body = serde_json::json!({"connector": "sandbox", "connection_name": "Acme HR"});
        merge(&mut body, extra);
        let reply = self.post("/v1/invitations", body).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.json
    }

    /// Creates a sandbox connection with this api_key; asserts 201.
    pub async fn create_connection(&self, api_key: &str) -> Value {
        let reply = self
            .post(
                "/v1/connections",
                serde_json::json!({"connector": "sandbox", "name": "HR", "config": {"api_key": api_key}}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.json
    }

    /// A second account with its own all-scope key.
    pub async fn other_account_key(&self) -> String {
        let other = self.portico.create_account("Other", None).await.unwrap();
        let (_, key) = self
            .portico
            .create_api_key(other.id, Scope::ALL.to_vec())
            .await
            .unwrap();
        key.expose().clone()
    }

    /// Event types of the account, oldest first.
    pub async fn event_types(&self) -> Vec<String> {
        let reply = self.get("/v1/events?limit=100").await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_string())
            .collect()
    }
}

/// Undoes quoted-printable soft breaks and `=XX` escapes (enough for our own messages).
/// The first word of exactly six digits: an email code. Words split at anything but letters
/// and digits, so a run of six digits inside a hex or base64 string is not one.
pub fn six_digit_code(text: &str) -> Option<&str> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
}

pub fn decode_quoted_printable(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn merge(base: &mut Value, extra: Value) {
    if let (Value::Object(base), Value::Object(extra)) = (base, extra) {
        for (k, v) in extra {
            base.insert(k, v);
        }
    }
}

/// The `id` of an API object.
pub fn id_of(object: &Value) -> Uuid {
    let id = object["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {object}"));
    id.parse()
        .unwrap_or_else(|e| panic!("the id {id} is not a UUID: {e}"))
}

/// The most any test waits for something to happen; never a sleep.
pub const BOUND: Duration = Duration::from_secs(60);

/// What a poll in [`eventually`] gives: done with a value, or not yet (and what it saw).
pub trait Outcome {
    type Value;
    fn done(self) -> Result<Self::Value, String>;
}

impl Outcome for bool {
    type Value = ();
    fn done(self) -> Result<(), String> {
        self.then_some(()).ok_or_else(|| "not yet".to_string())
    }
}

impl<T> Outcome for Option<T> {
    type Value = T;
    fn done(self) -> Result<T, String> {
        self.ok_or_else(|| "not yet".to_string())
    }
}

/// `Err` carries what the poll saw instead, for the panic message.
impl<T, E: std::fmt::Debug> Outcome for Result<T, E> {
    type Value = T;
    fn done(self) -> Result<T, String> {
        self.map_err(|seen| format!("{seen:?}"))
    }
}

/// Polls `attempt` every 25 ms until it gives `true`, `Some` or `Ok`, and returns what it gave;
/// panics after [`BOUND`], naming `what` was awaited and what the last poll saw.
pub async fn eventually<O: Outcome, F: Future<Output = O>>(
    what: &str,
    mut attempt: impl FnMut() -> F,
) -> O::Value {
    let deadline = tokio::time::Instant::now() + BOUND;
    loop {
        let last = match attempt().await.done() {
            Ok(value) => return value,
            Err(last) => last,
        };
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} did not happen within {BOUND:?}; last seen: {last}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// What a test body takes: a running Portico, or only the backend (for a test that starts its
/// own server or store on it).
pub trait Arrange: Sized {
    fn arrange(backend: Backend) -> impl Future<Output = Self> + Send;
}

impl Arrange for TestApp {
    fn arrange(backend: Backend) -> impl Future<Output = Self> + Send {
        spawn(backend)
    }
}

impl Arrange for Backend {
    async fn arrange(backend: Backend) -> Self {
        backend
    }
}

/// Runs `test` on what it takes, arranged on `backend`.
pub async fn run<A: Arrange, F: Future<Output = ()>>(backend: Backend, test: impl FnOnce(A) -> F) {
    test(A::arrange(backend).await).await
}

/// Runs an async test body once on SQLite and once on PostgreSQL, as the tests
/// `name::sqlite` and `name::postgres`:
/// - `both!(name)` for `async fn name(app: TestApp)` or `async fn name(backend: Backend)`;
/// - `both!(name, |settings| ...)` for `async fn name(app: TestApp)`, with the settings adjusted
///   first, as `spawn_with` does.
#[macro_export]
macro_rules! both {
    ($name:ident $(, $adjust:expr)?) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::both!(@run Sqlite, $name $(, $adjust)?)
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::both!(@run Postgres, $name $(, $adjust)?)
            }
        }
    };
    (@run $backend:ident, $name:ident) => {
        $crate::helpers::run($crate::helpers::Backend::$backend, super::$name).await
    };
    (@run $backend:ident, $name:ident, $adjust:expr) => {
        super::$name($crate::helpers::spawn_with($crate::helpers::Backend::$backend, $adjust).await)
            .await
    };
}

/// A migrated store of its own on a fresh database of `backend` (no server, no workers), and
/// the temp dir a SQLite file lives in.
pub async fn fresh_store(backend: Backend) -> (Arc<dyn portico::store::Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.path().join("store.db").display()),
        Backend::Postgres => fresh_pg_database().await,
    };
    let store = portico::store::open(&url).await.expect("open the store");
    (store, dir)
}
