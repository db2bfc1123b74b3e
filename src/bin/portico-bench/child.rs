//! The child processes: the server and the baselines, each in its own process so the server's
//! memory is measured alone; starting and stopping them, and a child's own side.

use crate::baseline::spawn_baseline;
use crate::cli::{Args, Role};
use crate::db::Db;
use anyhow::Context;
use portico::clock::SystemClock;
use portico::config::Settings;
use portico::domain::account::Scope;
use portico::store::group_commit::{self, GroupCommit};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How long a child may take to say it is ready (migrations on a fresh database included).
const CHILD_READY_TIMEOUT: Duration = Duration::from_secs(120);

/// A child process serving one role. It prints one JSON line when it is ready and lives until
/// its stdin closes, so it also goes away when the bench dies.
pub struct ChildProcess {
    pub role: Role,
    pub pid: u32,
    /// The child's ready line: `base` (its URL), and for the server `key` (an API key).
    pub ready: Value,
    process: tokio::process::Child,
}

impl ChildProcess {
    pub async fn spawn(role: Role, database_url: &str, data_dir: &Path) -> anyhow::Result<Self> {
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
    pub async fn stop(mut self) {
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
pub async fn run_child(role: Role, args: &Args) -> anyhow::Result<()> {
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
            let group = match sqlite_path(&database_url) {
                Some(path) => Some(GroupCommit::start(group_commit::open(&path)?)?),
                None => None,
            };
            json!({ "base": spawn_baseline(db, group).await? })
        }
    };
    println!("{ready}");
    let mut rest = Vec::new();
    tokio::io::stdin().read_to_end(&mut rest).await?;
    Ok(())
}

/// The file of a `sqlite://` URL (its query left out); `None` for PostgreSQL.
fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite://")?;
    Some(rest.split('?').next().unwrap_or(rest).into())
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
