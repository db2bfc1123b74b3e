//! Connector checks: prove that a validated config works (a real database login or a templated
//! HTTP request), within a time limit, failing with a message a guest can act on that never
//! contains a secret.

use std::error::Error as StdError;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlDatabaseError, MySqlSslMode};
use sqlx::postgres::{PgConnectOptions, PgDatabaseError, PgSslMode};
use sqlx::{ConnectOptions, Connection};

use crate::domain::connector::{CheckSpec, ConnectorSpec, HttpCheck, ValidatedConfig};

/// Why a check failed, in English, fit to show to the guest and to store on the connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CheckFailure {
    pub message: String,
}

impl CheckFailure {
    fn new(message: impl Into<String>) -> Self {
        CheckFailure {
            message: message.into(),
        }
    }

    /// Last line of defence: messages are built from plain values and server replies, but a
    /// server may echo what it was sent, so every secret value is masked all the same.
    fn redacted(mut self, config: &ValidatedConfig) -> Self {
        for secret in config.secrets.values() {
            let secret = secret.expose();
            if !secret.is_empty() && self.message.contains(secret.as_str()) {
                self.message = self.message.replace(secret.as_str(), "***");
            }
        }
        self
    }
}

/// Runs the spec's check against `config`; the whole check, connection included, is bounded by
/// `timeout`.
pub async fn run(
    spec: &ConnectorSpec,
    config: &ValidatedConfig,
    timeout: Duration,
) -> Result<(), CheckFailure> {
    let outcome = match tokio::time::timeout(timeout, run_unbounded(spec, config, timeout)).await {
        Ok(outcome) => outcome,
        Err(_elapsed) => {
            let waiting_for = match target(spec, config) {
                Some(target) => format!(" waiting for {target}"),
                None => String::new(),
            };
            Err(CheckFailure::new(format!(
                "timed out after {}{waiting_for}",
                human(timeout)
            )))
        }
    };
    outcome.map_err(|failure| failure.redacted(config))
}

async fn run_unbounded(
    spec: &ConnectorSpec,
    config: &ValidatedConfig,
    timeout: Duration,
) -> Result<(), CheckFailure> {
    match &spec.check {
        CheckSpec::None => Ok(()),
        CheckSpec::Sandbox => match config.str("api_key") {
            Some("invalid") => Err(CheckFailure::new("the sandbox rejected the API key")),
            Some(_) => Ok(()),
            None => Err(CheckFailure::new("an API key is required")),
        },
        CheckSpec::Postgres => postgres(config).await,
        CheckSpec::Mysql => mysql(config).await,
        CheckSpec::Http(http) => http_check(http, config, timeout).await,
    }
}

/// What the check talks to, for messages: `host:port` or a URL's host.
fn target(spec: &ConnectorSpec, config: &ValidatedConfig) -> Option<String> {
    match &spec.check {
        CheckSpec::Postgres | CheckSpec::Mysql => Some(Database::from_config(config).ok()?.target),
        CheckSpec::Http(http) => url::Url::parse(&render(&http.url, config))
            .ok()
            .and_then(|url| url_target(&url)),
        CheckSpec::None | CheckSpec::Sandbox => None,
    }
}

fn human(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

// ---------------------------------------------------------------------------------------------
// Databases
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Engine {
    Postgres,
    Mysql,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Postgres => "PostgreSQL",
            Engine::Mysql => "MySQL",
        }
    }
}

/// The connection settings the database checks read from a config.
struct Database<'a> {
    host: &'a str,
    port: u16,
    database: &'a str,
    user: &'a str,
    password: &'a str,
    ssl_mode: Option<&'a str>,
    target: String,
}

impl<'a> Database<'a> {
    fn from_config(config: &'a ValidatedConfig) -> Result<Self, CheckFailure> {
        let host = config.str("host").unwrap_or_default();
        // PostgreSQL takes a host starting with `/` as a Unix socket directory: never let a
        // guest reach this machine's own sockets through a connector spec that forgot a pattern.
        if host.is_empty() || host.starts_with('/') {
            return Err(CheckFailure::new(
                "host must be a host name or an IP address",
            ));
        }
        let port = config
            .int("port")
            .and_then(|p| u16::try_from(p).ok())
            .filter(|p| *p != 0)
            .ok_or_else(|| CheckFailure::new("port must be between 1 and 65535"))?;
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
            // Always set, even empty: an unset password would make sqlx fall back to the
            // `PGPASSWORD` of this process, which must never be sent to a guest's server.
            password: config.str("password").unwrap_or_default(),
            ssl_mode: config.str("ssl_mode"),
            target,
        })
    }
}

async fn postgres(config: &ValidatedConfig) -> Result<(), CheckFailure> {
    let db = Database::from_config(config)?;
    let ssl_mode = match db.ssl_mode.unwrap_or("prefer") {
        "disable" => PgSslMode::Disable,
        "allow" => PgSslMode::Allow,
        "prefer" => PgSslMode::Prefer,
        "require" => PgSslMode::Require,
        "verify-ca" => PgSslMode::VerifyCa,
        "verify-full" => PgSslMode::VerifyFull,
        _ => return Err(CheckFailure::new("ssl_mode is not a PostgreSQL SSL mode")),
    };
    // Not `new()`: that also reads this process's `~/.pgpass`.
    let options = PgConnectOptions::new_without_pgpass()
        .host(db.host)
        .port(db.port)
        .database(db.database)
        .username(db.user)
        .password(db.password)
        .ssl_mode(ssl_mode)
        .application_name("portico-check");
    let fail = |e| database_failure(e, Engine::Postgres, &db);
    let mut conn = options.connect().await.map_err(fail)?;
    sqlx::query("SELECT 1")
        .execute(&mut conn)
        .await
        .map_err(fail)?;
    let _ = conn.close().await;
    Ok(())
}

async fn mysql(config: &ValidatedConfig) -> Result<(), CheckFailure> {
    let db = Database::from_config(config)?;
    let ssl_mode = match db.ssl_mode.unwrap_or("preferred") {
        "disabled" => MySqlSslMode::Disabled,
        "preferred" => MySqlSslMode::Preferred,
        "required" => MySqlSslMode::Required,
        "verify_ca" => MySqlSslMode::VerifyCa,
        "verify_identity" => MySqlSslMode::VerifyIdentity,
        _ => return Err(CheckFailure::new("ssl_mode is not a MySQL SSL mode")),
    };
    let options = MySqlConnectOptions::new()
        .host(db.host)
        .port(db.port)
        .database(db.database)
        .username(db.user)
        .password(db.password)
        .ssl_mode(ssl_mode);
    let fail = |e| database_failure(e, Engine::Mysql, &db);
    let mut conn = options.connect().await.map_err(fail)?;
    sqlx::query("SELECT 1")
        .execute(&mut conn)
        .await
        .map_err(fail)?;
    let _ = conn.close().await;
    Ok(())
}

fn database_failure(err: sqlx::Error, engine: Engine, db: &Database<'_>) -> CheckFailure {
    let target = &db.target;
    let message = match &err {
        sqlx::Error::Database(e) => {
            if let Some(pg) = e.try_downcast_ref::<PgDatabaseError>() {
                postgres_error(pg.code(), pg.message(), db)
            } else if let Some(my) = e.try_downcast_ref::<MySqlDatabaseError>() {
                mysql_error(my.number(), my.message(), db)
            } else {
                format!("the server at {target} reported an error: {}", e.message())
            }
        }
        sqlx::Error::Io(io) => match tls_cause(io) {
            Some(tls) => format!("the TLS handshake with {target} failed: {tls}"),
            None => io_failure(io, db.host, target, engine.name()),
        },
        sqlx::Error::Tls(e) if e.to_string().contains("does not support TLS") => format!(
            "the server at {target} does not support TLS, but ssl_mode \"{}\" requires it",
            db.ssl_mode.unwrap_or_default()
        ),
        sqlx::Error::Tls(e) => format!("the TLS handshake with {target} failed: {e}"),
        // sqlx's detail names its own source lines; it helps no guest.
        sqlx::Error::Protocol(_) => format!(
            "the server at {target} did not answer like a {} server",
            engine.name()
        ),
        other => format!(
            "the check against {target} failed: {}",
            shorten(&other.to_string())
        ),
    };
    CheckFailure::new(message)
}

fn postgres_error(code: &str, server_message: &str, db: &Database<'_>) -> String {
    let target = &db.target;
    match code {
        // invalid_password
        "28P01" => "the server rejected the user name or password".into(),
        // invalid_authorization_specification: unknown role, or no pg_hba.conf rule admits us
        "28000" => format!("the server rejected the login: {server_message}"),
        // invalid_catalog_name
        "3D000" => format!("database \"{}\" does not exist on {target}", db.database),
        // insufficient_privilege, e.g. no CONNECT on the database
        "42501" => format!("the user may not connect: {server_message}"),
        // too_many_connections, cannot_connect_now, and other insufficient resources
        c if c.starts_with("53") || c == "57P03" => {
            format!("the server at {target} is not accepting connections now: {server_message}")
        }
        c => format!("the server at {target} reported an error: {server_message} (SQLSTATE {c})"),
    }
}

fn mysql_error(number: u16, server_message: &str, db: &Database<'_>) -> String {
    let target = &db.target;
    match number {
        // ER_ACCESS_DENIED_ERROR
        1045 => "the server rejected the user name or password".into(),
        // ER_DBACCESS_DENIED_ERROR
        1044 => format!("the user may not use database \"{}\"", db.database),
        // ER_BAD_DB_ERROR
        1049 => format!("database \"{}\" does not exist on {target}", db.database),
        // ER_HOST_NOT_PRIVILEGED
        1130 => format!(
            "the server at {target} does not accept connections from this service's address"
        ),
        // ER_CON_COUNT_ERROR
        1040 => format!("the server at {target} has too many connections now"),
        n => format!("the server at {target} reported an error: {server_message} (error {n})"),
    }
}

fn io_failure(io: &std::io::Error, host: &str, target: &str, server_kind: &str) -> String {
    use std::io::ErrorKind;
    if is_dns_failure(io) {
        return format!("could not find the host \"{host}\": its name does not resolve");
    }
    match io.kind() {
        ErrorKind::ConnectionRefused => {
            format!("could not connect to {target}: connection refused")
        }
        ErrorKind::TimedOut => format!("could not connect to {target}: timed out"),
        ErrorKind::HostUnreachable => format!("could not connect to {target}: host unreachable"),
        ErrorKind::NetworkUnreachable => {
            format!("could not connect to {target}: network unreachable")
        }
        ErrorKind::ConnectionReset
        | ErrorKind::ConnectionAborted
        | ErrorKind::UnexpectedEof
        | ErrorKind::BrokenPipe => {
            format!("the server at {target} closed the connection; is it a {server_kind} server?")
        }
        _ => format!(
            "could not connect to {target}: {}",
            shorten(&io.to_string())
        ),
    }
}

/// The OS resolver's failures come as uncategorised I/O errors; their text is all there is.
fn is_dns_failure(io: &std::io::Error) -> bool {
    let text = io.to_string().to_ascii_lowercase();
    [
        "failed to lookup address",
        "name or service not known",
        "no address associated",
        "nodename nor servname",
        "temporary failure in name resolution",
        "dns error",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}

/// A rustls error somewhere in the causes (certificate problems come wrapped in I/O errors).
fn tls_cause<'e>(err: &'e (dyn StdError + 'static)) -> Option<&'e rustls::Error> {
    chain(err).find_map(|e| e.downcast_ref::<rustls::Error>())
}

/// Server texts are shown to guests: keep them to one short line.
fn shorten(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() > 200 {
        let cut: String = line.chars().take(200).collect();
        format!("{cut}…")
    } else {
        line.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

/// Replaces each `{key}` by the field's value (empty when the field is not set).
fn render(template: &str, config: &ValidatedConfig) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                out.push_str(&config.text(&after[..close]).unwrap_or_default());
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// `host`, or `host:port` when the URL names a port.
fn url_target(url: &url::Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

async fn http_check(
    check: &HttpCheck,
    config: &ValidatedConfig,
    timeout: Duration,
) -> Result<(), CheckFailure> {
    // The rendered URL may hold secrets: messages name only its host.
    let url = url::Url::parse(&render(&check.url, config))
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| {
            CheckFailure::new(
                "the check's URL is not a valid http(s) URL; check the fields it is built from",
            )
        })?;
    let target = url_target(&url).unwrap_or_default();
    let method = reqwest::Method::from_bytes(check.method.as_bytes())
        .map_err(|_| CheckFailure::new(format!("`{}` is not an HTTP method", check.method)))?;

    let client = reqwest::Client::builder()
        .timeout(timeout)
        // A redirect would carry custom credential headers to wherever it points.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("portico-check/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            CheckFailure::new(format!("cannot prepare the HTTP client: {}", innermost(&e)))
        })?;

    let mut request = client.request(method, url);
    for (name, template) in &check.headers {
        let mut value = reqwest::header::HeaderValue::from_str(&render(template, config))
            .map_err(|_| {
                CheckFailure::new(format!(
                    "the {name} header would contain characters HTTP does not allow; check the fields it is built from"
                ))
            })?;
        value.set_sensitive(true);
        request = request.header(name.as_str(), value);
    }
    if let Some(auth) = &check.basic_auth {
        request = request.basic_auth(
            render(&auth.username, config),
            Some(render(&auth.password, config)),
        );
    }

    let response = request
        .send()
        .await
        .map_err(|e| http_failure(e.without_url(), &target, timeout))?;
    let status = response.status();
    if check.expect_status.contains(&status.as_u16()) {
        return Ok(());
    }
    let hint = match status.as_u16() {
        401 | 403 => ": the credentials were not accepted",
        _ => "",
    };
    Err(CheckFailure::new(format!(
        "unexpected HTTP status {status} from {target}{hint}"
    )))
}

fn http_failure(err: reqwest::Error, target: &str, timeout: Duration) -> CheckFailure {
    let host = target.rsplit_once(':').map_or(target, |(h, _)| h);
    let message = if err.is_timeout() {
        format!("timed out after {} waiting for {target}", human(timeout))
    } else if let Some(tls) = tls_cause(&err) {
        format!("the TLS handshake with {target} failed: {tls}")
    } else if chain(&err).any(|e| is_dns_failure_text(&e.to_string())) {
        format!("could not find the host \"{host}\": its name does not resolve")
    } else if let Some(io) = chain(&err).find_map(|e| e.downcast_ref::<std::io::Error>()) {
        io_failure(io, host, target, "web")
    } else if err.is_connect() {
        format!("could not connect to {target}: {}", innermost(&err))
    } else {
        format!("the request to {target} failed: {}", innermost(&err))
    };
    CheckFailure::new(message)
}

fn is_dns_failure_text(text: &str) -> bool {
    is_dns_failure(&std::io::Error::other(text.to_string()))
}

/// `err` and its causes. An `io::Error`'s `source()` skips the error it wraps, so the walk
/// steps into that one instead: TLS errors hide there.
fn chain<'e>(
    err: &'e (dyn StdError + 'static),
) -> impl Iterator<Item = &'e (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |&e| {
        match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => e.source(),
        }
    })
}

/// The deepest cause's text; unlike the outer layers it never includes the request URL.
fn innermost(err: &(dyn StdError + 'static)) -> String {
    shorten(&chain(err).last().map(|e| e.to_string()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use serde_json::json;

    fn config(plain: serde_json::Value, secrets: &[(&str, &str)]) -> ValidatedConfig {
        ValidatedConfig {
            plain: plain.as_object().expect("object").clone(),
            secrets: secrets
                .iter()
                .map(|(k, v)| (k.to_string(), Secret::new(v.to_string())))
                .collect(),
        }
    }

    #[test]
    fn templates_substitute_plain_and_secret_values() {
        let c = config(
            json!({"base_url": "https://x.test", "port": 8080}),
            &[("token", "t0k")],
        );
        assert_eq!(
            render("{base_url}:{port}/me?k={token}&m={missing}", &c),
            "https://x.test:8080/me?k=t0k&m="
        );
        assert_eq!(render("no placeholders", &c), "no placeholders");
        assert_eq!(render("broken {base_url", &c), "broken {base_url");
    }

    #[test]
    fn failures_mask_every_secret_value() {
        let c = config(json!({}), &[("password", "hunter2"), ("empty", "")]);
        let failure = CheckFailure::new("server said: bad password hunter2").redacted(&c);
        assert_eq!(failure.message, "server said: bad password ***");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human(Duration::from_secs(10)), "10s");
        assert_eq!(human(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn dns_failures_are_recognised() {
        let io = std::io::Error::other(
            "failed to lookup address information: Name or service not known",
        );
        assert!(is_dns_failure(&io));
        assert!(!is_dns_failure(&std::io::Error::other(
            "connection refused"
        )));
    }

    #[test]
    fn long_server_texts_are_shortened_to_one_line() {
        assert_eq!(shorten("first\nsecond"), "first");
        assert_eq!(shorten(&"x".repeat(300)).chars().count(), 201);
    }
}
