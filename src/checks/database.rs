//! Database checks: a real login to PostgreSQL or MySQL at an address the egress policy vetted.

use sqlx::mysql::{MySqlConnectOptions, MySqlDatabaseError, MySqlSslMode};
use sqlx::{ConnectOptions, Connection};

use super::tls::{self, PgTls, Verify};
use super::{CheckFailure, Reason, io_failure, shorten, tls_cause};
use crate::domain::connector::ValidatedConfig;
use crate::egress::{self, EgressPolicy};

/// The form field a database's address comes from.
const HOST_FIELD: &str = "host";

/// The connection settings the database checks read from a config.
pub(super) struct Database<'a> {
    host: &'a str,
    port: u16,
    database: &'a str,
    user: &'a str,
    password: &'a str,
    ssl_mode: Option<&'a str>,
    pub(super) target: String,
}

impl<'a> Database<'a> {
    pub(super) fn from_config(config: &'a ValidatedConfig) -> Result<Self, CheckFailure> {
        let host = config.str("host").unwrap_or_default();
        // A host starting with `/` names a Unix socket directory to libpq-like clients: never
        // let a guest reach this machine's own sockets through a spec that forgot a pattern.
        if host.is_empty() || host.starts_with('/') {
            return Err(CheckFailure::new(
                Reason::Unreachable,
                "host must be a host name or an IP address",
            ));
        }
        let port = config
            .int("port")
            .and_then(|p| u16::try_from(p).ok())
            .filter(|p| *p != 0)
            .ok_or_else(|| {
                CheckFailure::new(Reason::Unreachable, "port must be between 1 and 65535")
            })?;
        let target = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        Ok(Database {
            host,
            port,
            database: config.str("database").unwrap_or_default(),
            user: config.str("user").unwrap_or_default(),
            // Always set, even empty: no client library may fall back to a password of this
            // process (`PGPASSWORD`, `~/.pgpass`), which must never be sent to a guest's server.
            password: config.str("password").unwrap_or_default(),
            ssl_mode: config.str("ssl_mode"),
            target,
        })
    }

    pub(super) async fn vet(&self, policy: &EgressPolicy) -> Result<(), CheckFailure> {
        policy
            .resolve(self.host, self.port)
            .await
            .map(drop)
            .map_err(Self::refused)
    }

    fn refused(refused: egress::Refused) -> CheckFailure {
        CheckFailure::refused(refused, Some(HOST_FIELD.to_string()))
    }
}

/// A PostgreSQL login over a TCP connection Portico opened itself to the vetted address, so the
/// TLS session still names the host as entered (SNI, `verify-full`).
pub(super) async fn postgres(
    policy: &EgressPolicy,
    config: &ValidatedConfig,
) -> Result<(), CheckFailure> {
    use tokio_postgres::config::SslMode;
    let db = Database::from_config(config)?;
    let (ssl_mode, verify) = match db.ssl_mode.unwrap_or("prefer") {
        "disable" => (SslMode::Disable, Verify::Nothing),
        // `allow` tries without TLS first; a check has one try, and TLS when offered is better.
        "allow" | "prefer" => (SslMode::Prefer, Verify::Nothing),
        "require" => (SslMode::Require, Verify::Nothing),
        "verify-ca" => (SslMode::Require, Verify::Chain),
        "verify-full" => (SslMode::Require, Verify::ChainAndName),
        _ => {
            return Err(CheckFailure::new(
                Reason::Unexpected,
                "ssl_mode is not a PostgreSQL SSL mode",
            ));
        }
    };
    let server_name = tls::server_name(db.host).ok_or_else(|| {
        CheckFailure::new(
            Reason::Unreachable,
            "host must be a host name or an IP address",
        )
    })?;
    let stream = connect(policy, &db, "PostgreSQL").await?;
    let mut options = tokio_postgres::Config::new();
    options
        .host(db.host)
        .port(db.port)
        .dbname(db.database)
        .user(db.user)
        .password(db.password)
        .application_name("portico-check")
        .ssl_mode(ssl_mode);
    let tls = PgTls {
        config: tls::client_config(verify),
        server_name,
    };
    let fail = |e: tokio_postgres::Error| postgres_failure(&e, &db, ssl_mode);
    let (client, connection) = options.connect_raw(stream, tls).await.map_err(fail)?;
    let driver = tokio::spawn(connection);
    let outcome = client
        .simple_query("SELECT 1")
        .await
        .map(drop)
        .map_err(fail);
    drop(client);
    let _ = driver.await;
    outcome
}

/// A TCP connection to a vetted address of the database's host.
async fn connect(
    policy: &EgressPolicy,
    db: &Database<'_>,
    server_kind: &str,
) -> Result<tokio::net::TcpStream, CheckFailure> {
    policy.connect(db.host, db.port).await.map_err(|e| match e {
        egress::Connect::Refused(refused) => Database::refused(refused),
        egress::Connect::Io(io) => io_failure(&io, db.host, &db.target, server_kind),
    })
}

fn postgres_failure(
    err: &tokio_postgres::Error,
    db: &Database<'_>,
    ssl_mode: tokio_postgres::config::SslMode,
) -> CheckFailure {
    let target = &db.target;
    if let Some(e) = err.as_db_error() {
        let code = e.code().code();
        let message = e.message();
        let (reason, detail) = match code {
            // invalid_password
            "28P01" => (
                Reason::WrongCredentials,
                "the server rejected the user name or password".to_string(),
            ),
            // invalid_authorization_specification: unknown role, or no pg_hba.conf rule
            "28000" => (
                Reason::WrongCredentials,
                format!("the server rejected the login: {}", shorten(message)),
            ),
            // invalid_catalog_name
            "3D000" => (
                Reason::WrongCredentials,
                format!("database \"{}\" does not exist on {target}", db.database),
            ),
            // insufficient_privilege, e.g. no CONNECT on the database
            "42501" => (
                Reason::WrongCredentials,
                format!("the user may not connect: {}", shorten(message)),
            ),
            // too_many_connections, cannot_connect_now, and other insufficient resources
            c if c.starts_with("53") || c == "57P03" => (
                Reason::Unexpected,
                format!(
                    "the server at {target} is not accepting connections now: {}",
                    shorten(message)
                ),
            ),
            c => (
                Reason::Unexpected,
                format!(
                    "the server at {target} reported an error: {} (SQLSTATE {c})",
                    shorten(message)
                ),
            ),
        };
        return CheckFailure::new(reason, detail);
    }
    if let Some(tls) = tls_cause(err) {
        return CheckFailure::new(
            Reason::TlsRequired,
            format!("the TLS handshake with {target} failed: {tls}"),
        );
    }
    let text = err.to_string();
    if text.contains("server does not support TLS")
        || (ssl_mode == tokio_postgres::config::SslMode::Require && text.contains("TLS"))
    {
        return CheckFailure::new(
            Reason::TlsRequired,
            format!(
                "the server at {target} does not support TLS, but ssl_mode \"{}\" requires it",
                db.ssl_mode.unwrap_or_default()
            ),
        );
    }
    if let Some(io) = super::chain(err).find_map(|e| e.downcast_ref::<std::io::Error>()) {
        return io_failure(io, db.host, target, "PostgreSQL");
    }
    CheckFailure::new(
        Reason::Unexpected,
        format!("the server at {target} did not answer like a PostgreSQL server"),
    )
}

/// A MySQL login at the vetted address. sqlx opens the connection itself, so it is given the
/// address rather than the name, and its TLS session cannot be told the host name. For
/// `verify_identity` with a host name, Portico first makes its own TLS handshake with the
/// server at that address, naming the host and verifying the certificate for it, then lets
/// sqlx log in to the same address verifying the chain (`verify_ca`).
pub(super) async fn mysql(
    policy: &EgressPolicy,
    config: &ValidatedConfig,
) -> Result<(), CheckFailure> {
    let db = Database::from_config(config)?;
    let ssl_mode = match db.ssl_mode.unwrap_or("preferred") {
        "disabled" => MySqlSslMode::Disabled,
        "preferred" => MySqlSslMode::Preferred,
        "required" => MySqlSslMode::Required,
        "verify_ca" => MySqlSslMode::VerifyCa,
        "verify_identity" => MySqlSslMode::VerifyIdentity,
        _ => {
            return Err(CheckFailure::new(
                Reason::Unexpected,
                "ssl_mode is not a MySQL SSL mode",
            ));
        }
    };
    let vetted = policy
        .resolve(db.host, db.port)
        .await
        .map_err(Database::refused)?;
    let names_a_host = db
        .host
        .trim_matches(['[', ']'])
        .parse::<std::net::IpAddr>()
        .is_err();
    let (address, ssl_mode) = if matches!(ssl_mode, MySqlSslMode::VerifyIdentity) && names_a_host {
        let verified = mysql_verify_identity(&vetted, &db).await?;
        (verified, MySqlSslMode::VerifyCa)
    } else {
        (vetted[0], ssl_mode)
    };
    let address = address.ip().to_string();
    let options = MySqlConnectOptions::new()
        .host(&address)
        .port(db.port)
        .database(db.database)
        .username(db.user)
        .password(db.password)
        .ssl_mode(ssl_mode);
    let fail = |e| mysql_failure(e, &db);
    let mut conn = options.connect().await.map_err(fail)?;
    sqlx::query("SELECT 1")
        .execute(&mut conn)
        .await
        .map_err(fail)?;
    let _ = conn.close().await;
    Ok(())
}

/// Proves that the MySQL server at a vetted address holds a certificate for the host: its
/// greeting, an SSL request, and a TLS handshake that names the host and verifies the
/// certificate. Returns the address (the first of `vetted` that accepts a connection).
async fn mysql_verify_identity(
    vetted: &[std::net::SocketAddr],
    db: &Database<'_>,
) -> Result<std::net::SocketAddr, CheckFailure> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    /// CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION.
    const CAPABILITIES: u32 = 0x0200 | 0x0800 | 0x8000;
    const CLIENT_SSL: u16 = 0x0800;
    let io = |e: std::io::Error| io_failure(&e, db.host, &db.target, "MySQL");
    let not_mysql = || {
        CheckFailure::new(
            Reason::Unexpected,
            format!(
                "the server at {} did not answer like a MySQL server",
                db.target
            ),
        )
    };
    let mut stream = tokio::net::TcpStream::connect(vetted).await.map_err(io)?;
    let address = stream.peer_addr().map_err(io)?;
    let mut header = [0u8; 4];
    stream.read_exact(&mut header).await.map_err(io)?;
    let length = u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize;
    if !(8..=64 * 1024).contains(&length) {
        return Err(not_mysql());
    }
    let mut greeting = vec![0u8; length];
    stream.read_exact(&mut greeting).await.map_err(io)?;
    // Protocol 10: version, server version (NUL-terminated), thread id (4), scramble (8),
    // filler (1), then the lower capability flags (2).
    let version_end = greeting
        .iter()
        .skip(1)
        .position(|b| *b == 0)
        .ok_or_else(not_mysql)?
        + 1;
    let flags_at = version_end + 1 + 4 + 8 + 1;
    if greeting[0] != 10 || greeting.len() < flags_at + 2 {
        return Err(not_mysql());
    }
    let flags = u16::from_le_bytes([greeting[flags_at], greeting[flags_at + 1]]);
    if flags & CLIENT_SSL == 0 {
        return Err(CheckFailure::new(
            Reason::TlsRequired,
            format!(
                "the server at {} does not support TLS, but ssl_mode \"verify_identity\" requires it",
                db.target
            ),
        ));
    }
    let mut request = vec![32, 0, 0, 1];
    request.extend_from_slice(&CAPABILITIES.to_le_bytes());
    request.extend_from_slice(&(16u32 << 20).to_le_bytes());
    request.push(0x21);
    request.extend_from_slice(&[0; 23]);
    stream.write_all(&request).await.map_err(io)?;
    let server_name = tls::server_name(db.host).ok_or_else(not_mysql)?;
    tokio_rustls::TlsConnector::from(tls::client_config(Verify::ChainAndName))
        .connect(server_name, stream)
        .await
        .map(|_| address)
        .map_err(|e| match tls_cause(&e) {
            Some(tls) => CheckFailure::new(
                Reason::TlsRequired,
                format!("the TLS handshake with {} failed: {tls}", db.target),
            ),
            None => io(e),
        })
}

fn mysql_failure(err: sqlx::Error, db: &Database<'_>) -> CheckFailure {
    let target = &db.target;
    let (reason, detail) = match &err {
        sqlx::Error::Database(e) => match e.try_downcast_ref::<MySqlDatabaseError>() {
            Some(my) => match my.number() {
                // ER_ACCESS_DENIED_ERROR
                1045 => (
                    Reason::WrongCredentials,
                    "the server rejected the user name or password".to_string(),
                ),
                // ER_DBACCESS_DENIED_ERROR
                1044 => (
                    Reason::WrongCredentials,
                    format!("the user may not use database \"{}\"", db.database),
                ),
                // ER_BAD_DB_ERROR
                1049 => (
                    Reason::WrongCredentials,
                    format!("database \"{}\" does not exist on {target}", db.database),
                ),
                // ER_HOST_NOT_PRIVILEGED
                1130 => (
                    Reason::Unreachable,
                    format!(
                        "the server at {target} does not accept connections from this service's address"
                    ),
                ),
                // ER_CON_COUNT_ERROR
                1040 => (
                    Reason::Unexpected,
                    format!("the server at {target} has too many connections now"),
                ),
                n => (
                    Reason::Unexpected,
                    format!(
                        "the server at {target} reported an error: {} (error {n})",
                        shorten(my.message())
                    ),
                ),
            },
            None => (
                Reason::Unexpected,
                format!(
                    "the server at {target} reported an error: {}",
                    shorten(e.message())
                ),
            ),
        },
        sqlx::Error::Io(io) => match tls_cause(io) {
            Some(tls) => (
                Reason::TlsRequired,
                format!("the TLS handshake with {target} failed: {tls}"),
            ),
            None => return io_failure(io, db.host, target, "MySQL"),
        },
        sqlx::Error::Tls(e) if e.to_string().contains("does not support TLS") => (
            Reason::TlsRequired,
            format!(
                "the server at {target} does not support TLS, but ssl_mode \"{}\" requires it",
                db.ssl_mode.unwrap_or_default()
            ),
        ),
        sqlx::Error::Tls(e) => (
            Reason::TlsRequired,
            format!("the TLS handshake with {target} failed: {e}"),
        ),
        // sqlx's detail names its own source lines; it helps no one.
        sqlx::Error::Protocol(_) => (
            Reason::Unexpected,
            format!("the server at {target} did not answer like a MySQL server"),
        ),
        other => (
            Reason::Unexpected,
            format!(
                "the check against {target} failed: {}",
                shorten(&other.to_string())
            ),
        ),
    };
    CheckFailure::new(reason, detail)
}
