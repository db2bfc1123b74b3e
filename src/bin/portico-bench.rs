//! `portico-bench`: throughput, latency and memory of Portico's hot paths (issue 6).
//!
//! Starts the real server in a child process (this binary again, with `--child server`) on
//! 127.0.0.1:0 over SQLite in a temp dir or a fresh PostgreSQL database, drives it over loopback
//! HTTP with a fixed number of concurrent clients for a fixed time, and prints requests/s,
//! p50/p99/max latency and the server process's peak RSS per scenario. Two baselines run in a
//! second child process (`--child baseline`) in the same run, so each Portico figure is also
//! printed as a ratio that holds on a noisy machine: a bare axum route answering a fixed JSON
//! body (for the GETs) and a bare axum route inserting one row on the same database settings
//! (for the writes). The whole set is measured again at each database size of `--rows`, seeded
//! straight through SQL, and printed side by side.
//!
//! Memory is the server process's peak RSS (`VmHWM` of `/proc/<pid>/status`, reset before each
//! scenario through `/proc/<pid>/clear_refs`): the load generator and the baselines live in
//! other processes and are not counted.

use anyhow::{Context, bail};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use clap::Parser;
use portico::clock::SystemClock;
use portico::config::Settings;
use portico::domain::account::Scope;
use portico::store::SqliteStore;
use serde_json::{Value, json};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, SqlitePool};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The allocator `portico` itself uses (src/main.rs), since the server child runs in this
/// binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "portico-bench",
    about = "Benchmarks Portico's hot paths over loopback HTTP against same-run baselines"
)]
struct Args {
    /// Seconds each scenario runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent clients: tokio tasks sharing one pooled HTTP client.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// A PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/test) on which a fresh
    /// database is created and dropped afterwards. Without it: SQLite in a temp directory.
    #[arg(long)]
    database_url: Option<String>,
    /// Invitations in the database for each round of measurements, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10000,1000000")]
    rows: Vec<u64>,
    /// CI's quick check: 2 seconds per scenario over 1000 rows. Like any run, it exits
    /// non-zero when a request failed.
    #[arg(long)]
    smoke: bool,
    /// Internal: this process is one of the bench's children, serving the role named.
    #[arg(long, hide = true, value_enum)]
    child: Option<Role>,
    /// Internal: the database a child serves.
    #[arg(long, hide = true)]
    child_database_url: Option<String>,
    /// Internal: the server child's data directory (its keys, and the SQLite file).
    #[arg(long, hide = true)]
    child_data_dir: Option<PathBuf>,
}

/// What a child process serves.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Portico, assembled like `portico serve`.
    Server,
    /// The baselines: a fixed JSON body and a one-row insert.
    Baseline,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Server => "server",
            Role::Baseline => "baseline",
        }
    }
}

/// The body of every invitation the bench creates: the sandbox connector, no email proof (so a
/// guest goes straight to the form), one use or, with `unlimited`, `max_uses: null`.
fn invitation_body(unlimited: bool) -> Value {
    let mut body = json!({
        "connector": "sandbox",
        "connection_name": "Acme HR",
        "expires_in_seconds": 86400,
        "prefill": {},
        "end_user": {"organization_name": "Acme", "origin_id": "cust_42"},
        "metadata": {"plan": "pro"}
    });
    if unlimited {
        body["max_uses"] = Value::Null;
    }
    body
}

/// Rows per multi-row INSERT while seeding (two parameters each), and per transaction.
const ROWS_PER_INSERT: usize = 1000;
const ROWS_PER_TRANSACTION: usize = 10_000;
/// Invitations read by `GET /v1/invitations/{id}`, drawn at random from the whole table.
const SAMPLED_IDS: i64 = 1000;
/// Invitations (`max_uses: null`) whose first page `GET /g/{token}` opens.
const PAGE_INVITATIONS: usize = 64;
const GUEST_COOKIE: &str = "portico_guest";

fn main() -> ExitCode {
    let mut args = Args::parse();
    if args.smoke {
        args.seconds = 2;
        args.rows = vec![1000];
    }
    args.rows.sort_unstable();
    args.rows.dedup();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: starting tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(role) = args.child {
        return match runtime.block_on(run_child(role, &args)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: the bench's {} child: {e:#}", role.as_str());
                ExitCode::FAILURE
            }
        };
    }
    match runtime.block_on(run(args)) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(failed) => {
            eprintln!("error: {failed} requests failed (see the errors column)");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs everything; the number of failed requests.
async fn run(args: Args) -> anyhow::Result<u64> {
    if args.clients == 0 || args.seconds == 0 || args.rows.is_empty() {
        bail!("--clients, --seconds and --rows must be positive");
    }
    portico::app::install_crypto_provider();
    let data_dir = std::env::temp_dir().join(format!("portico-bench-{}", Uuid::now_v7().simple()));
    let result = measure_all(&args, &data_dir).await;
    let _ = std::fs::remove_dir_all(&data_dir);
    let (failed, pg_database) = result?;
    if let (Some(admin), Some(name)) = (&args.database_url, pg_database) {
        drop_pg_database(admin, &name).await;
    }
    Ok(failed)
}

async fn measure_all(args: &Args, data_dir: &Path) -> anyhow::Result<(u64, Option<String>)> {
    let mut pg_database = None;
    let database_url = match &args.database_url {
        Some(admin) => {
            let (url, name) = fresh_pg_database(admin).await?;
            pg_database = Some(name);
            url
        }
        None => Settings::defaults_in(data_dir).database_url(),
    };
    let backend = if pg_database.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let failed = measure_on(args, data_dir, &database_url, backend).await?;
    Ok((failed, pg_database))
}

async fn measure_on(
    args: &Args,
    data_dir: &Path,
    database_url: &str,
    backend: &str,
) -> anyhow::Result<u64> {
    // The server first: it creates the database's tables, which the baseline and the seeding
    // rely on.
    let server = ChildProcess::spawn(Role::Server, database_url, data_dir).await?;
    let baseline = ChildProcess::spawn(Role::Baseline, database_url, data_dir).await?;
    let db = Db::open(database_url).await?;
    let field = |child: &ChildProcess, name: &str| -> anyhow::Result<String> {
        child.ready[name]
            .as_str()
            .map(str::to_string)
            .with_context(|| format!("the {} child did not say its {name}", child.role.as_str()))
    };

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(args.clients * 2)
        .build()
        .context("building the HTTP client")?;
    let bench = Bench {
        http,
        base: field(&server, "base")?,
        baseline: field(&baseline, "base")?,
        auth: HeaderValue::from_str(&format!("Bearer {}", field(&server, "key")?))?,
        server_pid: server.pid,
        db,
        clients: args.clients,
        duration: Duration::from_secs(args.seconds),
        overall_peak_rss: Mutex::new(0),
    };

    println!(
        "portico-bench: {backend}, {} clients, {} s per scenario",
        args.clients, args.seconds
    );
    println!(
        "* RSS: the server process alone (pid {}), at the start of each scenario > its peak \
         (VmHWM, reset before each scenario)\n",
        bench.server_pid
    );

    // The template every seeded row copies, and the invitations whose first page is opened.
    let template = bench.create_invitation(false).await?.0;
    let mut pages = Vec::new();
    for _ in 0..PAGE_INVITATIONS {
        pages.push(bench.create_invitation(true).await?.1);
    }
    let pages = Arc::new(pages);

    let mut rounds = Vec::new();
    for &rows in &args.rows {
        let present = bench.db.count_invitations().await?;
        if present < rows {
            let started = Instant::now();
            bench.db.seed(rows - present, template).await?;
            bench.db.settle().await?;
            println!(
                "seeded {} invitations in {:.1} s (RSS now {:.0} MiB)",
                rows - present,
                started.elapsed().as_secs_f64(),
                mib(read_status_kb(bench.server_pid, "VmRSS:").unwrap_or(0))
            );
        }
        let present = bench.db.count_invitations().await?;
        println!("== {present} invitations in the database (target {rows})");
        let round = bench.round(rows, present, pages.clone()).await?;
        print_round(&round);
        rounds.push(round);
    }
    let scenario_peaks = rounds
        .iter()
        .flat_map(|r| &r.results)
        .filter_map(|m| m.peak_rss);
    let peak = *bench.overall_peak_rss.lock().expect("not poisoned");
    let peak = read_peak_rss(bench.server_pid)
        .into_iter()
        .chain(scenario_peaks)
        .fold(peak, u64::max);
    print_summary(&rounds, peak, args);
    server.stop().await;
    baseline.stop().await;
    Ok(rounds
        .iter()
        .flat_map(|r| &r.results)
        .map(|m| m.errors)
        .sum::<u64>())
}

// ---------------------------------------------------------------------------------------------
// The scenarios
// ---------------------------------------------------------------------------------------------

struct Bench {
    http: reqwest::Client,
    base: String,
    baseline: String,
    auth: HeaderValue,
    /// The server child's process id, whose RSS is measured.
    server_pid: u32,
    db: Db,
    clients: usize,
    duration: Duration,
    /// The highest VmHWM seen before any reset (seeding and setup included).
    overall_peak_rss: Mutex<u64>,
}

/// Which baseline a scenario is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Baseline {
    NoDatabase,
    Insert,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    BaselineJson,
    BaselineInsert,
    Create,
    Get,
    List,
    Page,
    Submit,
}

impl Scenario {
    const ALL: [Scenario; 7] = [
        Scenario::BaselineJson,
        Scenario::BaselineInsert,
        Scenario::Create,
        Scenario::Get,
        Scenario::List,
        Scenario::Page,
        Scenario::Submit,
    ];

    fn label(self) -> &'static str {
        match self {
            Scenario::BaselineJson => "baseline: axum, fixed JSON, no db",
            Scenario::BaselineInsert => "baseline: axum, one-row insert",
            Scenario::Create => "POST /v1/invitations",
            Scenario::Get => "GET /v1/invitations/{id}",
            Scenario::List => "GET /v1/invitations?limit=20",
            Scenario::Page => "GET /g/{token} (first page)",
            Scenario::Submit => "POST /g/s/submit (sandbox)",
        }
    }

    fn baseline(self) -> Option<Baseline> {
        match self {
            Scenario::BaselineJson | Scenario::BaselineInsert => None,
            Scenario::Create | Scenario::Submit => Some(Baseline::Insert),
            Scenario::Get | Scenario::List | Scenario::Page => Some(Baseline::NoDatabase),
        }
    }
}

/// A guest who opened a link and holds a session cookie and the form's CSRF token.
struct ReadyGuest {
    cookie: String,
    csrf: String,
}

/// Every scenario at one database size.
struct Round {
    target_rows: u64,
    rows: u64,
    results: Vec<Measured>,
}

impl Round {
    fn get(&self, scenario: Scenario) -> &Measured {
        self.results
            .iter()
            .find(|m| m.scenario == scenario)
            .expect("every scenario ran")
    }

    /// requests/s as a fraction of the scenario's baseline.
    fn ratio(&self, scenario: Scenario) -> Option<f64> {
        let base = match scenario.baseline()? {
            Baseline::NoDatabase => self.get(Scenario::BaselineJson),
            Baseline::Insert => self.get(Scenario::BaselineInsert),
        };
        (base.rps() > 0.0).then(|| self.get(scenario).rps() / base.rps())
    }
}

impl Bench {
    /// Creates an invitation over the API: its id and its link.
    async fn create_invitation(&self, unlimited: bool) -> anyhow::Result<(Uuid, String)> {
        create_invitation(&self.http, &self.base, &self.auth, unlimited).await
    }

    async fn round(
        &self,
        target_rows: u64,
        rows: u64,
        pages: Arc<Vec<String>>,
    ) -> anyhow::Result<Round> {
        let mut results = Vec::new();
        for scenario in Scenario::ALL {
            let measured = match scenario {
                Scenario::BaselineJson => {
                    let url = format!("{}/json", self.baseline);
                    let http = self.http.clone();
                    self.measure(scenario, move |_, _| {
                        let request = http.get(&url);
                        async move { expect(request.send().await, 200).await }
                    })
                    .await
                }
                Scenario::BaselineInsert => {
                    let url = format!("{}/rows", self.baseline);
                    let http = self.http.clone();
                    let body = invitation_body(false).to_string();
                    self.measure(scenario, move |_, _| {
                        let request = http
                            .post(&url)
                            .header(header::CONTENT_TYPE, "application/json")
                            .body(body.clone());
                        async move { expect(request.send().await, 201).await }
                    })
                    .await
                }
                Scenario::Create => {
                    let url = format!("{}/v1/invitations", self.base);
                    let (http, auth) = (self.http.clone(), self.auth.clone());
                    let body = invitation_body(false).to_string();
                    self.measure(scenario, move |_, _| {
                        let request = http
                            .post(&url)
                            .header(header::AUTHORIZATION, auth.clone())
                            .header(header::CONTENT_TYPE, "application/json")
                            .body(body.clone());
                        async move { expect(request.send().await, 201).await }
                    })
                    .await
                }
                Scenario::Get => {
                    let ids = Arc::new(self.db.sample_invitation_ids(SAMPLED_IDS).await?);
                    let (http, auth, base) =
                        (self.http.clone(), self.auth.clone(), self.base.clone());
                    let clients = self.clients as u64;
                    self.measure(scenario, move |client, i| {
                        let id = ids[((i * clients + client as u64) % ids.len() as u64) as usize];
                        let request = http
                            .get(format!("{base}/v1/invitations/{id}"))
                            .header(header::AUTHORIZATION, auth.clone());
                        async move { expect(request.send().await, 200).await }
                    })
                    .await
                }
                Scenario::List => {
                    let url = format!("{}/v1/invitations?limit=20", self.base);
                    let (http, auth) = (self.http.clone(), self.auth.clone());
                    self.measure(scenario, move |_, _| {
                        let request = http.get(&url).header(header::AUTHORIZATION, auth.clone());
                        async move { expect(request.send().await, 200).await }
                    })
                    .await
                }
                Scenario::Page => {
                    let http = self.http.clone();
                    let pages = pages.clone();
                    self.measure(scenario, move |client, i| {
                        let url = &pages[(client + i as usize) % pages.len()];
                        let request = http.get(url);
                        async move { expect(request.send().await, 200).await }
                    })
                    .await
                }
                Scenario::Submit => self.submit().await,
            };
            results.push(measured);
        }
        Ok(Round {
            target_rows,
            rows,
            results,
        })
    }

    /// The guest submission. Guests are made ready first (an invitation over the API, then its
    /// link opened) for twice the scenario's time; then the submissions
    /// alone are measured, until the time is up or the ready guests run out.
    async fn submit(&self) -> Measured {
        let ready = Arc::new(Mutex::new(Vec::<ReadyGuest>::new()));
        let prepare = {
            let (http, base, auth) = (self.http.clone(), self.base.clone(), self.auth.clone());
            let ready = ready.clone();
            move |_, _| {
                let (http, base, auth, ready) =
                    (http.clone(), base.clone(), auth.clone(), ready.clone());
                async move {
                    match open_as_guest(&http, &base, &auth).await {
                        Ok(guest) => {
                            ready.lock().expect("not poisoned").push(guest);
                            Outcome::Done
                        }
                        Err(e) => Outcome::Failed(format!("preparing a guest: {e:#}")),
                    }
                }
            }
        };
        let prepared = drive(self.clients, self.duration * 2, prepare).await;

        let url = format!("{}/g/s/submit", self.base);
        let http = self.http.clone();
        let queue = ready.clone();
        let mut measured = self
            .measure(Scenario::Submit, move |_, _| {
                let guest = queue.lock().expect("not poisoned").pop();
                let request = guest.map(|guest| {
                    let body = url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("csrf", &guest.csrf)
                        .append_pair("api_key", "bench-key")
                        .finish();
                    http.post(&url)
                        .header(header::COOKIE, format!("{GUEST_COOKIE}={}", guest.cookie))
                        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .body(body)
                });
                async move {
                    match request {
                        Some(request) => expect(request.send().await, 200).await,
                        None => Outcome::Exhausted,
                    }
                }
            })
            .await;
        measured.errors += prepared.errors;
        if measured.first_error.is_none() {
            measured.first_error = prepared.first_error;
        }
        measured.prepared = Some(prepared.count);
        measured
    }

    /// Runs one scenario with its own peak-RSS window.
    async fn measure<F, Fut>(&self, scenario: Scenario, op: F) -> Measured
    where
        F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        let pid = self.server_pid;
        if let Some(before) = read_peak_rss(pid) {
            let mut peak = self.overall_peak_rss.lock().expect("not poisoned");
            *peak = (*peak).max(before);
        }
        let reset = reset_peak_rss(pid);
        let rss_start = read_status_kb(pid, "VmRSS:");
        let mut measured = drive(self.clients, self.duration, op).await;
        measured.scenario = scenario;
        measured.rss_start = rss_start;
        measured.peak_rss = if reset { read_peak_rss(pid) } else { None };
        measured
    }
}

/// Creates an invitation over the API (`POST /v1/invitations`): its id and its link.
async fn create_invitation(
    http: &reqwest::Client,
    base: &str,
    auth: &HeaderValue,
    unlimited: bool,
) -> anyhow::Result<(Uuid, String)> {
    let response = http
        .post(format!("{base}/v1/invitations"))
        .header(header::AUTHORIZATION, auth.clone())
        .json(&invitation_body(unlimited))
        .send()
        .await?;
    let status = response.status();
    let body: Value = response.json().await?;
    if status != StatusCode::CREATED {
        bail!("creating an invitation answered {status}: {body}");
    }
    let id = body["id"].as_str().context("the invitation has an id")?;
    let url = body["url"].as_str().context("a new invitation has a url")?;
    Ok((id.parse()?, url.to_string()))
}

/// Creates a one-use invitation and opens its link like a browser would: the session cookie
/// from `Set-Cookie`, the CSRF token from the form.
async fn open_as_guest(
    http: &reqwest::Client,
    base: &str,
    auth: &HeaderValue,
) -> anyhow::Result<ReadyGuest> {
    let (_, url) = create_invitation(http, base, auth, false).await?;
    let response = http.get(&url).send().await?;
    let status = response.status();
    let cookie = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(cookie_value)
        .context("no session cookie")?;
    let html = response.text().await?;
    if status != StatusCode::OK {
        bail!("the link answered {status}");
    }
    let csrf = attr_after(&html, r#"name="csrf" value=""#).context("no CSRF token on the page")?;
    Ok(ReadyGuest { cookie, csrf })
}

/// The guest cookie's value in one `Set-Cookie` header.
fn cookie_value(set_cookie: &str) -> Option<String> {
    let (name, value) = set_cookie.split(';').next()?.split_once('=')?;
    (name.trim() == GUEST_COOKIE).then(|| value.to_string())
}

/// The text between `prefix` and the next `"`.
fn attr_after(html: &str, prefix: &str) -> Option<String> {
    let start = html.find(prefix)? + prefix.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

/// Reads the whole body (so the connection goes back to the pool) and checks the status.
async fn expect(response: reqwest::Result<reqwest::Response>, status: u16) -> Outcome {
    let response = match response {
        Ok(response) => response,
        Err(e) => return Outcome::Failed(format!("request: {e}")),
    };
    let got = response.status().as_u16();
    match response.bytes().await {
        Ok(_) if got == status => Outcome::Done,
        Ok(body) => Outcome::Failed(format!(
            "expected {status}, got {got}: {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        )),
        Err(e) => Outcome::Failed(format!("reading the body: {e}")),
    }
}

// ---------------------------------------------------------------------------------------------
// The load driver
// ---------------------------------------------------------------------------------------------

enum Outcome {
    Done,
    Failed(String),
    /// Nothing left to send (the ready guests ran out); this client stops.
    Exhausted,
}

/// One scenario's figures. Latencies are gathered as microseconds in plain vectors (a few MB
/// at most for a 10-second run, and no extra dependency), sorted once, and only the quantiles
/// kept.
struct Measured {
    scenario: Scenario,
    count: u64,
    errors: u64,
    first_error: Option<String>,
    elapsed: Duration,
    /// Latency quantiles in microseconds: p50, p99 and max.
    latency_us: [u32; 3],
    /// The process's RSS when the scenario started, and its peak during it.
    rss_start: Option<u64>,
    peak_rss: Option<u64>,
    /// A client ran out of work before the time was up.
    exhausted: bool,
    /// Guests made ready before the submit scenario.
    prepared: Option<u64>,
}

impl Measured {
    fn rps(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.count as f64 / secs
        } else {
            0.0
        }
    }

    /// The latency at quantile `q` (0..=1), in milliseconds; nearest rank.
    fn quantile_ms(&self, q: f64) -> f64 {
        let i = match q {
            q if q >= 1.0 => 2,
            q if q >= 0.99 => 1,
            _ => 0,
        };
        f64::from(self.latency_us[i]) / 1000.0
    }
}

fn quantile(sorted: &[u32], q: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// `clients` tasks call `op(client, iteration)` back to back until `duration` has passed; only
/// successful calls are timed into the latencies.
async fn drive<F, Fut>(clients: usize, duration: Duration, op: F) -> Measured
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    let op = Arc::new(op);
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let op = op.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(8192);
                let (mut errors, mut first_error, mut exhausted) = (0u64, None, false);
                let mut i = 0u64;
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    match op(client, i).await {
                        Outcome::Done => {
                            let us = sent.elapsed().as_micros();
                            latencies.push(u32::try_from(us).unwrap_or(u32::MAX));
                        }
                        Outcome::Failed(e) => {
                            errors += 1;
                            first_error.get_or_insert(e);
                        }
                        Outcome::Exhausted => {
                            exhausted = true;
                            break;
                        }
                    }
                    i += 1;
                }
                (latencies, errors, first_error, exhausted, Instant::now())
            })
        })
        .collect();
    let mut measured = Measured {
        scenario: Scenario::BaselineJson,
        count: 0,
        errors: 0,
        first_error: None,
        elapsed: Duration::ZERO,
        latency_us: [0; 3],
        rss_start: None,
        peak_rss: None,
        exhausted: false,
        prepared: None,
    };
    let mut end = start;
    let mut all = Vec::new();
    for task in tasks {
        match task.await {
            Ok((latencies, errors, first_error, exhausted, finished)) => {
                all.extend(latencies);
                measured.errors += errors;
                if measured.first_error.is_none() {
                    measured.first_error = first_error;
                }
                measured.exhausted |= exhausted;
                end = end.max(finished);
            }
            Err(e) => {
                measured.errors += 1;
                measured
                    .first_error
                    .get_or_insert(format!("a client panicked: {e}"));
            }
        }
    }
    all.sort_unstable();
    measured.count = all.len() as u64;
    measured.latency_us = [0.5, 0.99, 1.0].map(|q| quantile(&all, q));
    measured.elapsed = end - start;
    measured
}

// ---------------------------------------------------------------------------------------------
// Peak RSS (Linux)
// ---------------------------------------------------------------------------------------------

/// Resets a process's peak RSS to its current RSS; `false` where the kernel will not.
fn reset_peak_rss(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// A process's peak RSS (`VmHWM`) in bytes.
fn read_peak_rss(pid: u32) -> Option<u64> {
    read_status_kb(pid, "VmHWM:")
}

/// A `kB` line of `/proc/<pid>/status`, in bytes.
fn read_status_kb(pid: u32, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_status_kb(&status, key)
}

fn parse_status_kb(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

// ---------------------------------------------------------------------------------------------
// The database, straight through SQL: the baseline's scratch table, seeding, sampling
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The same statements on either pool (each arm is type-checked for its own database).
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            Db::Sqlite($pool) => $body,
            Db::Postgres($pool) => $body,
        }
    };
}

impl Db {
    /// A pool configured like Portico's own writer: for SQLite the store's own connection and
    /// pool settings with one connection; for PostgreSQL a pool of 16.
    async fn open(url: &str) -> anyhow::Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            let options = SqliteStore::connect_options(url)?;
            let pool = SqliteStore::pool_options(1).connect_with(options).await?;
            Ok(Db::Sqlite(pool))
        }
    }

    async fn create_scratch_table(&self) -> anyhow::Result<()> {
        let id_type = match self {
            Db::Sqlite(_) => "BLOB",
            Db::Postgres(_) => "uuid",
        };
        let ddl = format!(
            "CREATE TABLE IF NOT EXISTS bench_scratch (id {id_type} PRIMARY KEY, \
             body TEXT NOT NULL, created_at BIGINT NOT NULL)"
        );
        on_pool!(self, pool => {
            sqlx::raw_sql(AssertSqlSafe(ddl)).execute(pool).await?;
        });
        Ok(())
    }

    async fn insert_scratch_row(&self, body: String) -> sqlx::Result<Uuid> {
        let id = Uuid::now_v7();
        let now = chrono::Utc::now().timestamp_millis();
        let sql = "INSERT INTO bench_scratch (id, body, created_at) VALUES ($1, $2, $3)";
        on_pool!(self, pool => {
            sqlx::query(sql).bind(id).bind(body).bind(now).execute(pool).await?;
        });
        Ok(id)
    }

    async fn count_invitations(&self) -> anyhow::Result<u64> {
        let sql = "SELECT COUNT(*) FROM invitations";
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await?);
        Ok(u64::try_from(n)?)
    }

    /// Invitation ids at random from the whole table.
    async fn sample_invitation_ids(&self, n: i64) -> anyhow::Result<Vec<Uuid>> {
        let sql = "SELECT id FROM invitations ORDER BY random() LIMIT $1";
        let ids = on_pool!(self, pool => sqlx::query_scalar(sql).bind(n).fetch_all(pool).await?);
        Ok(ids)
    }

    /// After a bulk load, what PostgreSQL's autovacuum would do before long anyway (planner
    /// statistics, visibility map), so the round measures settled tables rather than racing
    /// autovacuum. Every table, not only the seeded one: the earlier round grew `connections`
    /// from nothing within seconds, and plans the server cached while it was empty (a
    /// sequential scan) hold until its statistics change. Nothing on SQLite, which Portico
    /// never analyzes.
    async fn settle(&self) -> anyhow::Result<()> {
        if let Db::Postgres(pool) = self {
            sqlx::raw_sql("VACUUM ANALYZE").execute(pool).await?;
        }
        Ok(())
    }

    /// The columns of `invitations` a seeded row copies from its template: all but the id and
    /// the token's hash, read from the schema so a column added later is copied too.
    async fn copied_columns(&self) -> anyhow::Result<Vec<String>> {
        let columns: Vec<String> = match self {
            Db::Sqlite(pool) => {
                sqlx::query_scalar("SELECT name FROM pragma_table_info('invitations')")
                    .fetch_all(pool)
                    .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_scalar(
                    "SELECT column_name::text FROM information_schema.columns \
                     WHERE table_name = 'invitations' AND table_schema = current_schema() \
                     ORDER BY ordinal_position",
                )
                .fetch_all(pool)
                .await?
            }
        };
        Ok(columns
            .into_iter()
            .filter(|c| c != "id" && c != "token_hash")
            .collect())
    }

    /// Adds `n` invitations copied from `template` (ids UUIDv7, token hashes unique), in
    /// multi-row inserts, one transaction per `ROWS_PER_TRANSACTION`.
    async fn seed(&self, n: u64, template: Uuid) -> anyhow::Result<()> {
        let columns = self.copied_columns().await?;
        let copied: Vec<String> = columns.iter().map(|c| format!("t.{c}")).collect();
        let insert = |rows: usize| {
            let values: Vec<String> = (0..rows)
                .map(|r| format!("(${}, ${})", 2 * r + 1, 2 * r + 2))
                .collect();
            format!(
                "INSERT INTO invitations (id, token_hash, {}) SELECT v.column1, v.column2, {} \
                 FROM (VALUES {}) AS v CROSS JOIN invitations t WHERE t.id = ${}",
                columns.join(", "),
                copied.join(", "),
                values.join(", "),
                2 * rows + 1
            )
        };
        let full = insert(ROWS_PER_INSERT);
        let mut left = n as usize;
        while left > 0 {
            let in_tx = left.min(ROWS_PER_TRANSACTION);
            let rows: Vec<(Uuid, Vec<u8>)> = (0..in_tx)
                .map(|_| {
                    let id = Uuid::now_v7();
                    (id, portico::crypto::token::sha256(id.as_bytes()))
                })
                .collect();
            on_pool!(self, pool => {
                let mut tx = pool.begin().await?;
                for chunk in rows.chunks(ROWS_PER_INSERT) {
                    let sql = if chunk.len() == ROWS_PER_INSERT { full.clone() } else { insert(chunk.len()) };
                    let mut query = sqlx::query(AssertSqlSafe(sql));
                    for (id, hash) in chunk {
                        query = query.bind(*id).bind(hash.clone());
                    }
                    let done = query.bind(template).execute(&mut *tx).await?;
                    if done.rows_affected() != chunk.len() as u64 {
                        bail!("seeding inserted {} rows of {}", done.rows_affected(), chunk.len());
                    }
                }
                tx.commit().await?;
            });
            left -= in_tx;
        }
        Ok(())
    }
}

/// A fresh database on the PostgreSQL server `admin_url` names: its URL and name.
async fn fresh_pg_database(admin_url: &str) -> anyhow::Result<(String, String)> {
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .with_context(|| "connecting to the PostgreSQL server of --database-url")?;
    let name = format!("portico_bench_{}", Uuid::new_v4().simple());
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .context("creating the bench database")?;
    let mut url = url::Url::parse(admin_url).context("--database-url is not a URL")?;
    url.set_path(&name);
    Ok((url.to_string(), name))
}

/// Drops the bench database, connections and all; a failure is only reported.
async fn drop_pg_database(admin_url: &str, name: &str) {
    let dropped = async {
        let mut admin = sqlx::PgConnection::connect(admin_url).await?;
        sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut admin)
        .await
    };
    if let Err(e) = dropped.await {
        eprintln!("warning: could not drop the bench database {name}: {e}");
    }
}

// ---------------------------------------------------------------------------------------------
// The baselines: the same HTTP stack, without Portico
// ---------------------------------------------------------------------------------------------

const FIXED_JSON: &str = r#"{"id":"0198c2f4-6d1e-7a3b-9f00-5a1b2c3d4e5f","object":"invitation","status":"active","connector":"sandbox"}"#;

/// Serves `GET /json` (a fixed body) and `POST /rows` (one row into the scratch table) on
/// 127.0.0.1:0 with axum, as Portico is served; returns the base URL.
async fn spawn_baseline(db: Db) -> anyhow::Result<String> {
    async fn fixed() -> impl axum::response::IntoResponse {
        ([(header::CONTENT_TYPE, "application/json")], FIXED_JSON)
    }
    async fn insert(State(db): State<Db>, body: String) -> axum::response::Response {
        use axum::response::IntoResponse;
        match db.insert_scratch_row(body).await {
            Ok(id) => (StatusCode::CREATED, axum::Json(json!({ "id": id }))).into_response(),
            Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        }
    }
    let router = axum::Router::new()
        .route("/json", axum::routing::get(fixed))
        .route("/rows", axum::routing::post(insert))
        .with_state(db);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            eprintln!("error: the baseline server stopped: {e}");
        }
    });
    Ok(format!("http://{addr}"))
}

// ---------------------------------------------------------------------------------------------
// The child processes: the server and the baselines, each in its own process
// ---------------------------------------------------------------------------------------------

/// How long a child may take to say it is ready (migrations on a fresh database included).
const CHILD_READY_TIMEOUT: Duration = Duration::from_secs(120);

/// A child process serving one role. It prints one JSON line when it is ready and lives until
/// its stdin closes, so it also goes away when the bench dies.
struct ChildProcess {
    role: Role,
    pid: u32,
    /// The child's ready line: `base` (its URL), and for the server `key` (an API key).
    ready: Value,
    process: tokio::process::Child,
}

impl ChildProcess {
    async fn spawn(role: Role, database_url: &str, data_dir: &Path) -> anyhow::Result<Self> {
        use tokio::io::AsyncBufReadExt;
        let exe = std::env::current_exe().context("locating the bench binary")?;
        let mut process = tokio::process::Command::new(exe)
            .args([
                "--child",
                role.as_str(),
                "--child-database-url",
                database_url,
            ])
            .arg("--child-data-dir")
            .arg(data_dir)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting the {} child", role.as_str()))?;
        let pid = process.id().context("the child has a pid")?;
        let stdout = process.stdout.take().context("the child's stdout")?;
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let line = tokio::time::timeout(CHILD_READY_TIMEOUT, lines.next_line())
            .await
            .with_context(|| format!("the {} child did not get ready", role.as_str()))??
            .with_context(|| format!("the {} child exited before it was ready", role.as_str()))?;
        let ready = serde_json::from_str(&line)
            .with_context(|| format!("the {} child's ready line: {line}", role.as_str()))?;
        Ok(ChildProcess {
            role,
            pid,
            ready,
            process,
        })
    }

    /// Closes the child's stdin and waits for it to exit (it is killed if it does not).
    async fn stop(mut self) {
        drop(self.process.stdin.take());
        if tokio::time::timeout(Duration::from_secs(10), self.process.wait())
            .await
            .is_err()
        {
            let _ = self.process.kill().await;
        }
    }
}

/// The child's side: serve the role, print the ready line, then live until stdin closes.
async fn run_child(role: Role, args: &Args) -> anyhow::Result<()> {
    use tokio::io::AsyncReadExt;
    portico::app::install_crypto_provider();
    let database_url = args
        .child_database_url
        .clone()
        .context("--child-database-url")?;
    let ready = match role {
        Role::Server => {
            let data_dir = args.child_data_dir.as_deref().context("--child-data-dir")?;
            serve_portico(database_url, data_dir).await?
        }
        Role::Baseline => {
            let db = Db::open(&database_url).await?;
            db.create_scratch_table().await?;
            json!({ "base": spawn_baseline(db).await? })
        }
    };
    println!("{ready}");
    let mut rest = Vec::new();
    tokio::io::stdin().read_to_end(&mut rest).await?;
    Ok(())
}

/// Portico as `portico serve` assembles it, with an account and an API key for the bench.
async fn serve_portico(database_url: String, data_dir: &Path) -> anyhow::Result<Value> {
    let mut settings = Settings::defaults_in(data_dir);
    settings.database_url = database_url;
    settings.listen = "127.0.0.1:0".parse().expect("an address");
    // Every guest request comes from 127.0.0.1 and a few invitations; the limits protect a
    // real server, not this measurement.
    settings.guest_rate_per_ip = 1_000_000_000;
    settings.guest_rate_per_invitation = 1_000_000_000;
    let (listener, _addr, public_url) = portico::app::bind(&settings).await?;
    let portico = portico::app::open(&settings, public_url.clone(), Arc::new(SystemClock)).await?;
    let account = portico.create_account("Bench", None).await?;
    let (_, key) = portico
        .create_api_key(account.id, Scope::ALL.to_vec())
        .await?;
    let state = portico::app::state(portico);
    portico::app::start_workers(&state, &settings)?;
    tokio::spawn(async move {
        if let Err(e) = portico::http::serve(listener, state, std::future::pending()).await {
            eprintln!("error: the server stopped: {e}");
        }
    });
    Ok(json!({ "base": public_url, "key": key.expose() }))
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// RSS at the start of the scenario and its peak during it, in MiB.
fn rss_cell(m: &Measured) -> String {
    let cell = |b: Option<u64>| b.map_or_else(|| "n/a".to_string(), |b| format!("{:.0}", mib(b)));
    format!("{}>{}", cell(m.rss_start), cell(m.peak_rss))
}

fn ratio_cell(round: &Round, scenario: Scenario) -> String {
    match (scenario.baseline(), round.ratio(scenario)) {
        (Some(Baseline::Insert), Some(r)) => format!("{r:.2} of insert"),
        (Some(Baseline::NoDatabase), Some(r)) => format!("{r:.2} of no-db"),
        _ => "-".to_string(),
    }
}

fn print_round(round: &Round) {
    println!(
        "{:<36} {:>9} {:>8} {:>8} {:>8} {:>7} {:>9}  ratio",
        "scenario", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "RSS MiB*"
    );
    for m in &round.results {
        println!(
            "{:<36} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>7} {:>9}  {}",
            m.scenario.label(),
            m.rps(),
            m.quantile_ms(0.5),
            m.quantile_ms(0.99),
            m.quantile_ms(1.0),
            m.errors,
            rss_cell(m),
            ratio_cell(round, m.scenario),
        );
        if let Some(e) = &m.first_error {
            println!("    first error: {e}");
        }
        if let Some(prepared) = m.prepared {
            let ran_out = if m.exhausted { ", and ran out" } else { "" };
            println!(
                "    {prepared} guests made ready beforehand, {} submitted in {:.1} s{ran_out}",
                m.count,
                m.elapsed.as_secs_f64()
            );
        }
    }
    println!();
}

fn rows_label(rows: u64) -> String {
    match rows {
        r if r >= 1_000_000 && r % 1_000_000 == 0 => format!("{}M", r / 1_000_000),
        r if r >= 1000 && r % 1000 == 0 => format!("{}k", r / 1000),
        r => r.to_string(),
    }
}

/// The rounds side by side as one Markdown table, then the issue's targets.
fn print_summary(rounds: &[Round], peak_rss: u64, args: &Args) {
    println!("## Summary (Markdown)\n");
    let mut head = "| scenario |".to_string();
    let mut rule = "| --- |".to_string();
    for round in rounds {
        let rows = rows_label(round.target_rows);
        head.push_str(&format!(
            " {rows}: req/s | {rows}: p50 / p99 / max ms | {rows}: ratio |"
        ));
        rule.push_str(" ---: | ---: | ---: |");
    }
    if rounds.len() > 1 {
        head.push_str(" req/s last/first |");
        rule.push_str(" ---: |");
    }
    println!("{head}\n{rule}");
    for scenario in Scenario::ALL {
        let mut line = format!("| {} |", scenario.label());
        for round in rounds {
            let m = round.get(scenario);
            line.push_str(&format!(
                " {:.0} | {:.2} / {:.2} / {:.1} | {} |",
                m.rps(),
                m.quantile_ms(0.5),
                m.quantile_ms(0.99),
                m.quantile_ms(1.0),
                ratio_cell(round, scenario)
            ));
        }
        if let (Some(first), Some(last)) = (rounds.first(), rounds.last())
            && rounds.len() > 1
        {
            let (a, b) = (first.get(scenario).rps(), last.get(scenario).rps());
            line.push_str(&format!(" {:.2} |", if a > 0.0 { b / a } else { 0.0 }));
        }
        println!("{line}");
    }
    let per_scenario_peak = rounds
        .iter()
        .flat_map(|r| &r.results)
        .filter_map(|m| m.peak_rss)
        .max()
        .unwrap_or(0);
    println!(
        "\nInvitations present per round: {}. Peak RSS of the server process: {:.1} MiB during \
         the scenarios, {:.1} MiB over the whole run (setup and seeding included).\n",
        rounds
            .iter()
            .map(|r| format!("{} ({})", r.rows, rows_label(r.target_rows)))
            .collect::<Vec<_>>()
            .join(", "),
        mib(per_scenario_peak),
        mib(peak_rss)
    );

    println!("## Targets of issue 6 ({} clients)\n", args.clients);
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    for round in rounds {
        let rows = rows_label(round.target_rows);
        let create = round.ratio(Scenario::Create).unwrap_or(0.0);
        println!(
            "- {rows}: create at least 0.5 of the insert baseline: {create:.2} ({})",
            verdict(create >= 0.5)
        );
        let p99 = round.get(Scenario::Submit).quantile_ms(0.99);
        println!(
            "- {rows}: guest submission p99 under 20 ms: {p99:.2} ms ({})",
            verdict(p99 < 20.0)
        );
        for scenario in [Scenario::Get, Scenario::List, Scenario::Page] {
            let r = round.ratio(scenario).unwrap_or(0.0);
            println!(
                "- {rows}: {} at least 0.5 of the no-db baseline: {r:.2} ({})",
                scenario.label(),
                verdict(r >= 0.5)
            );
        }
    }
    if let (Some(first), Some(last)) = (rounds.first(), rounds.last())
        && rounds.len() > 1
    {
        let (a, b) = (rows_label(first.target_rows), rows_label(last.target_rows));
        for scenario in Scenario::ALL.into_iter().filter(|s| s.baseline().is_some()) {
            let (f, l) = (first.get(scenario), last.get(scenario));
            let slower = if l.rps() > 0.0 {
                f.rps() / l.rps()
            } else {
                f64::INFINITY
            };
            let p99 = if f.quantile_ms(0.99) > 0.0 {
                l.quantile_ms(0.99) / f.quantile_ms(0.99)
            } else {
                f64::INFINITY
            };
            println!(
                "- {} at {b} within 1.5x of {a}: req/s {slower:.2}x lower, p99 {p99:.2}x ({})",
                scenario.label(),
                verdict(slower <= 1.5 && p99 <= 1.5)
            );
        }
    }
    println!(
        "- server peak RSS under 64 MiB through the run: {:.1} MiB ({})",
        mib(peak_rss),
        verdict(mib(peak_rss) < 64.0)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico::domain::invitation::NewInvitation;

    #[test]
    fn quantiles_are_nearest_rank() {
        let sorted: Vec<u32> = (1..=100).collect();
        assert_eq!(quantile(&sorted, 0.5), 50);
        assert_eq!(quantile(&sorted, 0.99), 99);
        assert_eq!(quantile(&sorted, 1.0), 100);
        assert_eq!(quantile(&sorted, 0.0), 1);
        assert_eq!(quantile(&[], 0.5), 0);
    }

    #[test]
    fn the_guest_cookie_and_csrf_token_are_found() {
        assert_eq!(
            cookie_value("portico_guest=abc_-1; Path=/; HttpOnly").as_deref(),
            Some("abc_-1")
        );
        assert_eq!(cookie_value("other=1; Path=/"), None);
        let html = r#"<input type="hidden" name="csrf" value="tok-EN_1">"#;
        assert_eq!(
            attr_after(html, r#"name="csrf" value=""#).as_deref(),
            Some("tok-EN_1")
        );
    }

    #[test]
    fn peak_rss_is_read_from_vm_hwm() {
        let status = "Name:\tportico-bench\nVmPeak:\t  200 kB\nVmHWM:\t    1536 kB\n";
        assert_eq!(parse_status_kb(status, "VmHWM:"), Some(1536 * 1024));
        assert_eq!(parse_status_kb("Name: x\n", "VmHWM:"), None);
    }

    #[test]
    fn every_bench_invitation_is_a_valid_request() {
        for unlimited in [false, true] {
            let request: NewInvitation = serde_json::from_value(invitation_body(unlimited))
                .expect("the bench's invitation body parses");
            assert_eq!(request.connector.as_deref(), Some("sandbox"));
        }
    }
}
