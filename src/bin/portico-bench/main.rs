//! `portico-bench`: throughput, latency and memory of Portico's hot paths.
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

mod baseline;
mod child;
mod cli;
mod db;
mod driver;
mod report;
mod requests;
mod rss;
mod scenarios;

use anyhow::{Context, bail};
use axum::http::HeaderValue;
use child::{ChildProcess, run_child};
use clap::Parser;
use cli::{Args, Role};
use db::Db;
use portico::config::Settings;
use portico::fresh_database::{self, FreshDatabase};
use report::{mib, print_round, print_summary};
use rss::{read_peak_rss, read_status_kb};
use scenarios::{Bench, PAGE_INVITATIONS};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The allocator `portico` itself uses (src/main.rs), since the server child runs in this
/// binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    if let (Some(server), Some(database)) = (&args.database_url, pg_database)
        && let Err(e) = database.drop(server).await
    {
        eprintln!(
            "warning: could not drop the bench database {}: {e}",
            database.name
        );
    }
    Ok(failed)
}

/// Measures on a fresh database: on the PostgreSQL server of `--database-url` (returned, so it
/// can be dropped), else on SQLite in `data_dir`.
async fn measure_all(args: &Args, data_dir: &Path) -> anyhow::Result<(u64, Option<FreshDatabase>)> {
    let pg_database = match &args.database_url {
        Some(server) => Some(
            fresh_database::create(server, "portico_bench")
                .await
                .context("creating the bench database on the server of --database-url")?,
        ),
        None => None,
    };
    let (database_url, backend) = match &pg_database {
        Some(database) => (database.url.clone(), "PostgreSQL"),
        None => (Settings::defaults_in(data_dir).database_url(), "SQLite"),
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
        group_baseline: backend == "SQLite",
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
