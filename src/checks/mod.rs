//! Connector checks: prove that a validated config works (a real database login or a templated
//! HTTP request), through the egress policy, within a time limit, a bounded number at a time.
//! A failure has a category the guest is told in their language, and a detail for the owner
//! (the `connection.check_failed` event, the API) that never contains a secret; the remote
//! server's own words never reach the guest.

mod database;
mod http;
mod tls;
mod token;

pub use token::{Grant, OAuthClient};

use std::error::Error as StdError;
use std::time::Duration;
use tokio::sync::Semaphore;

use crate::domain::connector::{CheckSpec, ConnectorSpec, ValidatedConfig};
use crate::egress::{EgressPolicy, Refused};

/// What a guest is told about a failed check: one of a few categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The server refused the login, the key or the database named.
    WrongCredentials,
    /// No connection: the name does not resolve, nothing listens, no route.
    Unreachable,
    TimedOut,
    /// The server wants TLS, or the TLS session could not be set up as the settings require.
    TlsRequired,
    /// The address is one Portico may not reach (the egress policy).
    RefusedByPolicy,
    /// Something answered, but not as the connector expects.
    Unexpected,
    /// Too many checks are running; nothing was tried.
    Busy,
}

impl Reason {
    /// The `check-failed-{code}` message in the locale files.
    pub fn code(self) -> &'static str {
        match self {
            Reason::WrongCredentials => "wrong-credentials",
            Reason::Unreachable => "unreachable",
            Reason::TimedOut => "timed-out",
            Reason::TlsRequired => "tls",
            Reason::RefusedByPolicy => "refused",
            Reason::Unexpected => "unexpected",
            Reason::Busy => "busy",
        }
    }
}

/// Why a check failed: the category, the detail in English for the owner, and the form field
/// the failure is about when there is one (the host of a refused address).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct CheckFailure {
    pub reason: Reason,
    pub detail: String,
    pub field: Option<String>,
}

impl CheckFailure {
    fn new(reason: Reason, detail: impl Into<String>) -> Self {
        CheckFailure {
            reason,
            detail: detail.into(),
            field: None,
        }
    }

    /// A refusal by the egress policy (or a name that does not resolve), about `field`.
    fn refused(refused: Refused, field: Option<String>) -> Self {
        let reason = match refused {
            Refused::Forbidden { .. } => Reason::RefusedByPolicy,
            Refused::Unresolved { .. } => Reason::Unreachable,
        };
        CheckFailure {
            reason,
            detail: refused.to_string(),
            field,
        }
    }

    /// Last line of defence: details are built from plain values and server replies, but a
    /// server may echo what it was sent, so every secret value is masked all the same.
    fn redacted(mut self, config: &ValidatedConfig) -> Self {
        for secret in config.secrets.values() {
            let secret = secret.expose();
            if !secret.is_empty() && self.detail.contains(secret.as_str()) {
                self.detail = self.detail.replace(secret.as_str(), "***");
            }
        }
        self
    }
}

/// Runs checks: where they may connect, how long they may take, how many at once.
#[derive(Debug)]
pub struct Checker {
    policy: EgressPolicy,
    timeout: Duration,
    slots: Semaphore,
}

impl Checker {
    pub fn new(policy: EgressPolicy, timeout: Duration, max_concurrent: usize) -> Checker {
        Checker {
            policy,
            timeout,
            slots: Semaphore::new(max_concurrent.max(1)),
        }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Runs the spec's check against `config`; the whole check, connection included, is
    /// bounded by the timeout. With every slot taken it fails at once with [`Reason::Busy`].
    pub async fn run(
        &self,
        spec: &ConnectorSpec,
        config: &ValidatedConfig,
    ) -> Result<(), CheckFailure> {
        let Ok(_slot) = self.slots.try_acquire() else {
            return Err(CheckFailure::new(
                Reason::Busy,
                "too many checks are running; try again shortly",
            ));
        };
        let timeout = self.timeout;
        let outcome =
            match tokio::time::timeout(timeout, self.run_unbounded(spec, config, timeout)).await {
                Ok(outcome) => outcome,
                Err(_elapsed) => {
                    let waiting_for = match target(spec, config) {
                        Some(target) => format!(" waiting for {target}"),
                        None => String::new(),
                    };
                    Err(CheckFailure::new(
                        Reason::TimedOut,
                        format!("timed out after {}{waiting_for}", human(timeout)),
                    ))
                }
            };
        outcome.map_err(|failure| failure.redacted(config))
    }

    /// Whether the config points at an address the policy refuses, without connecting: for
    /// connections the owner creates or edits. A name that does not resolve now passes.
    pub async fn vet(
        &self,
        spec: &ConnectorSpec,
        config: &ValidatedConfig,
    ) -> Result<(), CheckFailure> {
        let refused = match &spec.check {
            CheckSpec::Postgres | CheckSpec::Mysql => {
                let db = database::Database::from_config(config)?;
                db.vet(&self.policy).await
            }
            CheckSpec::Http(check) => http::vet(&self.policy, check, config).await,
            CheckSpec::None | CheckSpec::Sandbox => Ok(()),
        };
        match refused {
            Err(failure) if failure.reason == Reason::RefusedByPolicy => Err(failure),
            _ => Ok(()),
        }
    }

    async fn run_unbounded(
        &self,
        spec: &ConnectorSpec,
        config: &ValidatedConfig,
        timeout: Duration,
    ) -> Result<(), CheckFailure> {
        match &spec.check {
            CheckSpec::None => Ok(()),
            CheckSpec::Sandbox => match config.str("api_key") {
                Some("invalid") => Err(CheckFailure::new(
                    Reason::WrongCredentials,
                    "the sandbox rejected the API key",
                )),
                Some(_) => Ok(()),
                None => Err(CheckFailure::new(
                    Reason::WrongCredentials,
                    "an API key is required",
                )),
            },
            CheckSpec::Postgres => database::postgres(&self.policy, config).await,
            CheckSpec::Mysql => database::mysql(&self.policy, config).await,
            CheckSpec::Http(check) => http::check(&self.policy, check, config, timeout).await,
        }
    }
}

/// What the check talks to, for details: `host:port` or a URL's host.
fn target(spec: &ConnectorSpec, config: &ValidatedConfig) -> Option<String> {
    match &spec.check {
        CheckSpec::Postgres | CheckSpec::Mysql => {
            Some(database::Database::from_config(config).ok()?.target)
        }
        CheckSpec::Http(check) => http::target(check, config),
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

/// An I/O failure to connect or talk, as a category and a detail.
fn io_failure(io: &std::io::Error, host: &str, target: &str, server_kind: &str) -> CheckFailure {
    use std::io::ErrorKind;
    if is_dns_failure(&io.to_string()) {
        return CheckFailure::new(
            Reason::Unreachable,
            format!("could not find the host \"{host}\": its name does not resolve"),
        );
    }
    let (reason, detail) = match io.kind() {
        ErrorKind::ConnectionRefused => (
            Reason::Unreachable,
            format!("could not connect to {target}: connection refused"),
        ),
        ErrorKind::TimedOut => (
            Reason::TimedOut,
            format!("could not connect to {target}: timed out"),
        ),
        ErrorKind::HostUnreachable => (
            Reason::Unreachable,
            format!("could not connect to {target}: host unreachable"),
        ),
        ErrorKind::NetworkUnreachable => (
            Reason::Unreachable,
            format!("could not connect to {target}: network unreachable"),
        ),
        ErrorKind::ConnectionReset
        | ErrorKind::ConnectionAborted
        | ErrorKind::UnexpectedEof
        | ErrorKind::BrokenPipe => (
            Reason::Unexpected,
            format!("the server at {target} closed the connection; is it a {server_kind} server?"),
        ),
        _ => (
            Reason::Unreachable,
            format!(
                "could not connect to {target}: {}",
                shorten(&io.to_string())
            ),
        ),
    };
    CheckFailure::new(reason, detail)
}

/// The OS resolver's failures come as uncategorised I/O errors; their text is all there is.
fn is_dns_failure(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
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

/// A refusal of the egress policy somewhere in the causes (from reqwest's resolver).
fn refusal_cause(err: &(dyn StdError + 'static)) -> Option<Refused> {
    chain(err).find_map(|e| e.downcast_ref::<Refused>().cloned())
}

/// Server texts go into details: keep them to one short line.
fn shorten(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() > 200 {
        let cut: String = line.chars().take(200).collect();
        format!("{cut}…")
    } else {
        line.to_string()
    }
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

    pub(super) fn config(plain: serde_json::Value, secrets: &[(&str, &str)]) -> ValidatedConfig {
        ValidatedConfig {
            plain: plain.as_object().expect("object").clone(),
            secrets: secrets
                .iter()
                .map(|(k, v)| (k.to_string(), Secret::new(v.to_string())))
                .collect(),
        }
    }

    #[test]
    fn failures_mask_every_secret_value() {
        let c = config(json!({}), &[("password", "hunter2"), ("empty", "")]);
        let failure =
            CheckFailure::new(Reason::Unexpected, "server said: bad password hunter2").redacted(&c);
        assert_eq!(failure.detail, "server said: bad password ***");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human(Duration::from_secs(10)), "10s");
        assert_eq!(human(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn dns_failures_are_recognised() {
        assert!(is_dns_failure(
            "failed to lookup address information: Name or service not known"
        ));
        assert!(!is_dns_failure("connection refused"));
    }

    #[test]
    fn long_server_texts_are_shortened_to_one_line() {
        assert_eq!(shorten("first\nsecond"), "first");
        assert_eq!(shorten(&"x".repeat(300)).chars().count(), 201);
    }

    #[tokio::test]
    async fn a_check_beyond_the_bound_is_busy_and_tries_nothing() {
        let checker = Checker::new(EgressPolicy::default(), Duration::from_secs(1), 1);
        let _taken = checker.slots.try_acquire().unwrap();
        let catalog = crate::catalog::Catalog::builtin().unwrap();
        let spec = catalog.get("sandbox").unwrap();
        let failure = checker
            .run(spec, &config(json!({"api_key": "k"}), &[]))
            .await
            .unwrap_err();
        assert_eq!(failure.reason, Reason::Busy);
    }
}
