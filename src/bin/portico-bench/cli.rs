//! The command line: the options a user gives, and the hidden ones a child process is started
//! with.

use clap::Parser;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "portico-bench",
    about = "Benchmarks Portico's hot paths over loopback HTTP against same-run baselines"
)]
pub struct Args {
    /// Seconds each scenario runs.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Concurrent clients: tokio tasks sharing one pooled HTTP client.
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
    /// A PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/test) on which a fresh
    /// database is created and dropped afterwards. Without it: SQLite in a temp directory.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Invitations in the database for each round of measurements, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10000,1000000")]
    pub rows: Vec<u64>,
    /// CI's quick check: 2 seconds per scenario over 1000 rows. Like any run, it exits
    /// non-zero when a request failed.
    #[arg(long)]
    pub smoke: bool,
    /// Internal: this process is one of the bench's children, serving the role named.
    #[arg(long, hide = true, value_enum)]
    pub child: Option<Role>,
    /// Internal: the database a child serves.
    #[arg(long, hide = true)]
    pub child_database_url: Option<String>,
    /// Internal: the server child's data directory (its keys, and the SQLite file).
    #[arg(long, hide = true)]
    pub child_data_dir: Option<PathBuf>,
}

/// What a child process serves.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Portico, assembled like `portico serve`.
    Server,
    /// The baselines: a fixed JSON body and a one-row insert.
    Baseline,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Server => "server",
            Role::Baseline => "baseline",
        }
    }
}
