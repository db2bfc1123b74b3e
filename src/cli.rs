//! The command line: `serve` and the admin commands, each a thin call into the services.

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use uuid::Uuid;

use crate::app;
use crate::clock::SystemClock;
use crate::config::{Overrides, Settings};
use crate::domain::account::{AccountPatch, Scope};
use crate::domain::connector::Direction;
use crate::domain::invitation::NewInvitation;
use crate::service::oauth_apps::NewOAuthApp;
use crate::service::{Portico, ServiceError};

/// Not `Debug`: `--database-url` may carry a password.
#[derive(Parser)]
#[command(
    name = "portico",
    version,
    about = "Secure invitations to configure one data connection"
)]
pub struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Global {
    /// Settings file (TOML); also PORTICO_CONFIG.
    #[arg(long, global = true, env = "PORTICO_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory (SQLite file, master key, mailbox); also PORTICO_DATA_DIR. Default ./portico-data.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// postgres://... to use PostgreSQL instead of SQLite; also PORTICO_DATABASE_URL.
    #[arg(long, global = true)]
    database_url: Option<String>,
}

/// Not `Debug`: `--smtp-url` may carry a password.
#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service.
    Serve {
        /// Address to listen on; also PORTICO_LISTEN. Default 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Base URL of invitation links; also PORTICO_PUBLIC_URL. Default http://{listen}.
        #[arg(long)]
        public_url: Option<String>,
        /// SMTP server for guest emails, e.g. smtp://user:pass@host:587?tls=required; also
        /// PORTICO_SMTP_URL. Default: none, emails are written to {data_dir}/mailbox/.
        #[arg(long)]
        smtp_url: Option<String>,
    },
    /// Manage accounts.
    Accounts {
        #[command(subcommand)]
        command: AccountsCommand,
    },
    /// Manage API keys.
    ApiKeys {
        #[command(subcommand)]
        command: ApiKeysCommand,
    },
    /// Manage master keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// The connector catalog.
    Connectors {
        #[command(subcommand)]
        command: ConnectorsCommand,
    },
    /// Manage console users.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Manage OAuth apps (the client an account registered at a connector's vendor).
    OauthApps {
        #[command(subcommand)]
        command: OAuthAppsCommand,
    },
    /// Create invitations.
    Invitations {
        #[command(subcommand)]
        command: InvitationsCommand,
    },
    /// Print the OpenAPI document (the committed openapi.json is this output).
    Openapi {
        /// Print nothing; fail unless FILE (default openapi.json) is exactly the document.
        #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "openapi.json")]
        check: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Create a console user; prints it as JSON, with a one-time link (1 hour) to set its
    /// password unless --password-stdin gave one.
    Create {
        #[arg(long)]
        account: uuid::Uuid,
        #[arg(long)]
        email: String,
        /// owner or member.
        #[arg(long, default_value = "member")]
        role: String,
        /// Read the password (at least 12 characters) from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
enum AccountsCommand {
    /// Create an account; prints {"id", "number", "name"}.
    Create {
        #[arg(long)]
        name: String,
        /// The account number (Kondado's client_id); default: the next free one.
        #[arg(long)]
        number: Option<i64>,
    },
    /// Change an account's settings; prints the account. Options left out stay as they are.
    Update {
        #[arg(long)]
        id: Uuid,
        #[arg(long)]
        name: Option<String>,
        /// The account number (Kondado's client_id); must be free.
        #[arg(long)]
        number: Option<i64>,
        /// An origin that may frame guest pages (repeat for several); replaces the list.
        #[arg(long = "embed-origin", conflicts_with = "no_embed_origins")]
        embed_origins: Vec<String>,
        /// Clear the list of embed origins.
        #[arg(long)]
        no_embed_origins: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ApiKeysCommand {
    /// Create a key; prints {"id", "account_id", "key", "scopes"}. The key is shown only here.
    Create {
        #[arg(long)]
        account: Uuid,
        /// A scope (repeat for several); default: every scope but connections:secrets.
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
    /// Revoke a key by id.
    Revoke { id: Uuid },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Add a master key and re-wrap every data key under it (servers may keep running).
    Rotate,
}

#[derive(Debug, Subcommand)]
enum OAuthAppsCommand {
    /// Register the account's app for an OAuth connector, replacing the one it had; prints it
    /// (without the secret) with the redirect URI to register at the vendor. The client
    /// secret is read from the first line of standard input.
    Put {
        #[arg(long)]
        account: Uuid,
        #[arg(long)]
        connector: String,
        #[arg(long)]
        client_id: String,
        /// A scope to ask for (repeat for several); default: the connector's.
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// For the generic `oauth2` connector: the vendor's endpoints.
        #[arg(long)]
        authorize_url: Option<String>,
        #[arg(long)]
        token_url: Option<String>,
        #[arg(long)]
        revoke_url: Option<String>,
    },
    /// Print the account's app for a connector (without the secret).
    Get {
        #[arg(long)]
        account: Uuid,
        #[arg(long)]
        connector: String,
    },
    /// List the account's apps.
    List {
        #[arg(long)]
        account: Uuid,
    },
    /// Delete the account's app for a connector.
    Delete {
        #[arg(long)]
        account: Uuid,
        #[arg(long)]
        connector: String,
    },
}

#[derive(Debug, Subcommand)]
enum ConnectorsCommand {
    /// List the catalog: id, number, name, directions.
    List,
}

#[derive(Debug, Subcommand)]
enum InvitationsCommand {
    /// Create a create_connection invitation; prints the invitation with its url.
    Create {
        #[arg(long)]
        account: Uuid,
        #[arg(long)]
        connector: String,
        #[arg(long)]
        connection_name: String,
        #[arg(long)]
        direction: Option<String>,
        /// An allowed email (repeat for several).
        #[arg(long = "email")]
        emails: Vec<String>,
        #[arg(long)]
        max_uses: Option<i64>,
        #[arg(long)]
        expires_in_seconds: Option<i64>,
        #[arg(long)]
        language: Option<String>,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The first line of standard input, for a secret that must stay out of the arguments (the
/// process list and the shell's history show those).
fn stdin_line(what: &str) -> anyhow::Result<crate::secret::Secret<String>> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .with_context(|| format!("reading {what} from standard input"))?;
    Ok(crate::secret::Secret::new(
        line.trim_end_matches(['\n', '\r']).to_string(),
    ))
}

fn print_json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("JSON prints")
    );
}

/// Service errors for a terminal: field errors listed one per line.
fn explain(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Invalid(errors) => anyhow::anyhow!(
            "invalid input:\n{}",
            errors
                .iter()
                .map(|e| format!("  {}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        other => other.into(),
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut overrides = Overrides {
        data_dir: cli.global.data_dir.clone(),
        database_url: cli.global.database_url.clone(),
        ..Overrides::default()
    };
    if let Command::Serve {
        listen,
        public_url,
        smtp_url,
    } = &cli.command
    {
        overrides.listen = *listen;
        overrides.public_url = public_url.clone();
        overrides.smtp_url = smtp_url.clone();
    }
    let settings =
        Settings::load(cli.global.config.as_deref(), &overrides).context("reading settings")?;
    crate::telemetry::init(&settings.log, &settings.log_format);

    if let Command::Serve { .. } = cli.command {
        return serve(&settings).await;
    }
    if let Command::Openapi { check } = &cli.command {
        let document = crate::http::openapi().to_pretty_json()?;
        return match check {
            None => {
                println!("{document}");
                Ok(())
            }
            Some(file) => check_openapi(file, &document),
        };
    }
    let public_url = settings.public_url(settings.listen);
    let portico = app::open(&settings, public_url, Arc::new(SystemClock)).await?;
    admin(portico, cli.command).await
}

async fn admin(portico: Portico, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Accounts {
            command: AccountsCommand::Create { name, number },
        } => {
            let account = portico
                .create_account(&name, number)
                .await
                .map_err(explain)?;
            print_json(&json!({"id": account.id, "number": account.number, "name": account.name}));
        }
        Command::Accounts {
            command:
                AccountsCommand::Update {
                    id,
                    name,
                    number,
                    embed_origins,
                    no_embed_origins,
                },
        } => {
            let embed_origins = match (no_embed_origins, embed_origins.is_empty()) {
                (true, _) => Some(Vec::new()),
                (false, true) => None,
                (false, false) => Some(embed_origins),
            };
            let patch = AccountPatch {
                name,
                number,
                embed_origins,
                ..AccountPatch::default()
            };
            let account = portico.update_account(id, patch).await.map_err(explain)?;
            print_json(&json!(account));
        }
        Command::ApiKeys {
            command: ApiKeysCommand::Create { account, scopes },
        } => {
            let scopes = scopes
                .iter()
                .map(|s| Scope::parse(s).with_context(|| format!("unknown scope {s}")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let (key, secret) = portico
                .create_api_key(account, scopes)
                .await
                .map_err(explain)?;
            print_json(&json!({
                "id": key.id,
                "account_id": key.account_id,
                "key": secret.expose(),
                "scopes": key.scopes,
            }));
        }
        Command::ApiKeys {
            command: ApiKeysCommand::Revoke { id },
        } => {
            if !portico.revoke_api_key(id).await.map_err(explain)? {
                bail!("no active API key with id {id}");
            }
            print_json(&json!({ "id": id, "revoked": true }));
        }
        Command::Users {
            command:
                UsersCommand::Create {
                    account,
                    email,
                    role,
                    password_stdin,
                },
        } => {
            let role = crate::domain::user::Role::parse(&role)
                .with_context(|| format!("unknown role {role} (owner or member)"))?;
            let password = if password_stdin {
                Some(stdin_line("the password")?)
            } else {
                None
            };
            let created = portico
                .create_user(
                    account,
                    &email,
                    role,
                    password.as_ref().map(|p| p.expose().as_str()),
                    None,
                )
                .await
                .map_err(explain)?;
            let mut out = json!(created.user);
            if let Some(link) = created.password_link {
                out["password_link"] = json!(link.expose());
            }
            print_json(&out);
        }
        Command::Keys {
            command: KeysCommand::Rotate,
        } => {
            let rotation = portico.rotate_master_key().await.map_err(explain)?;
            print_json(&json!(rotation));
        }
        Command::Connectors {
            command: ConnectorsCommand::List,
        } => {
            for spec in portico.catalog.all() {
                let directions: Vec<&str> = spec.directions.iter().map(|d| d.as_str()).collect();
                println!(
                    "{:<28} {:>5}  {:<32} {}",
                    spec.id,
                    spec.number,
                    spec.name,
                    directions.join(",")
                );
            }
        }
        Command::Invitations {
            command:
                InvitationsCommand::Create {
                    account,
                    connector,
                    connection_name,
                    direction,
                    emails,
                    max_uses,
                    expires_in_seconds,
                    language,
                },
        } => {
            let direction = match direction.as_deref() {
                None => None,
                Some(d) => Some(Direction::parse(d).context("direction is source or destination")?),
            };
            let request = NewInvitation {
                connector: Some(connector),
                connection_name: Some(connection_name),
                direction,
                allowed_emails: emails,
                max_uses: max_uses.map(Some),
                expires_in_seconds: expires_in_seconds.map(Some),
                language,
                ..NewInvitation::default()
            };
            let created = portico
                .create_invitation(account, request, None)
                .await
                .map_err(explain)?;
            print_json(&json!(created.invitation));
        }
        Command::OauthApps { command } => match command {
            OAuthAppsCommand::Put {
                account,
                connector,
                client_id,
                scopes,
                authorize_url,
                token_url,
                revoke_url,
            } => {
                let request = NewOAuthApp {
                    client_id,
                    client_secret: stdin_line("the client secret")?,
                    scopes,
                    authorize_url,
                    token_url,
                    revoke_url,
                };
                let (app, _) = portico
                    .put_oauth_app(account, &connector, request)
                    .await
                    .map_err(explain)?;
                print_json(&json!(app));
            }
            OAuthAppsCommand::Get { account, connector } => {
                let app = portico
                    .get_oauth_app(account, &connector)
                    .await
                    .map_err(explain)?;
                print_json(&json!(app));
            }
            OAuthAppsCommand::List { account } => {
                let apps = portico.list_oauth_apps(account).await.map_err(explain)?;
                print_json(&json!(apps));
            }
            OAuthAppsCommand::Delete { account, connector } => {
                portico
                    .delete_oauth_app(account, &connector)
                    .await
                    .map_err(explain)?;
            }
        },
        Command::Serve { .. } | Command::Openapi { .. } => unreachable!("handled before"),
    }
    Ok(())
}

/// Fails, saying how to regenerate it, unless `file` holds `document` (give or take the
/// final newline).
fn check_openapi(file: &std::path::Path, document: &str) -> anyhow::Result<()> {
    let regenerate = format!("regenerate it with `portico openapi > {}`", file.display());
    let committed = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read {}; {regenerate}", file.display()))?;
    if committed.trim_end() == document.trim_end() {
        return Ok(());
    }
    let line = committed
        .lines()
        .zip(document.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| committed.lines().count().min(document.lines().count()))
        + 1;
    bail!(
        "{} is not the API description this build generates (they differ from line {line}); \
         {regenerate}",
        file.display()
    )
}

async fn serve(settings: &Settings) -> anyhow::Result<()> {
    let (listener, addr, public_url) = app::bind(settings).await?;
    let portico = app::open(settings, public_url.clone(), Arc::new(SystemClock)).await?;
    // Workers first: a bad smtp_url stops the start before a first key is printed.
    let state = app::state(portico.clone());
    app::start_workers(&state, settings)?;
    if let Some((account, _key, secret)) = portico.bootstrap().await.map_err(explain)? {
        println!(
            "Created account {} (number {}) and its first API key, shown only this once:\n\n  {}\n\n\
             Create an invitation:\n\n  curl -s {public_url}/v1/invitations \\\n    \
             -H 'Authorization: Bearer {}' \\\n    -H 'Content-Type: application/json' \\\n    \
             -d '{{\"connector\": \"sandbox\", \"connection_name\": \"Acme HR\"}}'\n",
            account.id,
            account.number,
            secret.expose(),
            secret.expose(),
        );
    }
    if let Some(link) = portico.setup_link().await.map_err(explain)? {
        println!(
            "No one can sign in to the console yet. Open this link within an hour to create its \
             first owner (it works once):\n\n  {}\n",
            link.expose()
        );
    }
    // Signal handlers before the line that says the server is up: a SIGTERM sent as soon as
    // it appears must stop the server gracefully, not kill it with the default action.
    let shutdown = shutdown_signal().context("installing the signal handlers")?;
    println!("Portico listening on http://{addr} (public URL {public_url})");
    tracing::info!(%addr, "listening");
    crate::http::serve(listener, state, shutdown).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM; both are registered when this returns.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        tracing::info!("shutting down");
    })
}
