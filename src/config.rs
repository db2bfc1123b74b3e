//! Settings, in layers: the embedded `config.default.toml`, an optional file, `PORTICO_*`
//! environment variables, then command-line flags.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::domain::client_ip::{BadCidr, TrustedProxies, parse_cidrs};

const DEFAULTS: &str = include_str!("../config.default.toml");

#[derive(Clone, Serialize, Deserialize)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub listen: SocketAddr,
    pub public_url: String,
    pub max_invitation_lifetime: u64,
    pub check_timeout: u64,
    pub connectors_dir: String,
    pub log: String,
    pub log_format: String,
    pub smtp_from: String,
    /// lettre's URL form; it may carry a password, so never printed (see `Debug`).
    pub smtp_url: String,
    pub guest_rate_per_ip: u32,
    pub guest_rate_per_invitation: u32,
    pub webhooks_allow_private: bool,
    pub delivery_lease: u64,
    /// CIDRs outbound connections may reach although they are private (comma-separated).
    pub egress_allow: String,
    pub checks_allow_private: bool,
    pub max_concurrent_checks: u32,
    /// CIDRs of the reverse proxies whose `Forwarded` / `X-Forwarded-For` are believed.
    pub trusted_proxies: String,
    pub header_read_timeout: u64,
    pub request_timeout: u64,
    /// When set, `GET /metrics` needs it as a bearer token; never printed (see `Debug`).
    pub metrics_token: String,
}

/// A URL as it may be printed: its password, if any, replaced by `***`; something that is
/// not a URL at all is not printed, since it could be a password put in the wrong place.
fn without_password(value: &str) -> String {
    match url::Url::parse(value) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            url.to_string()
        }
        Err(_) if value.is_empty() => String::new(),
        Err(_) => "(not a URL)".to_string(),
    }
}

/// Debug output without the passwords of the database and the SMTP server.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("data_dir", &self.data_dir)
            .field("database_url", &without_password(&self.database_url))
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("max_invitation_lifetime", &self.max_invitation_lifetime)
            .field("check_timeout", &self.check_timeout)
            .field("connectors_dir", &self.connectors_dir)
            .field("log", &self.log)
            .field("log_format", &self.log_format)
            .field("smtp_from", &self.smtp_from)
            .field("smtp_url", &without_password(&self.smtp_url))
            .field("guest_rate_per_ip", &self.guest_rate_per_ip)
            .field("guest_rate_per_invitation", &self.guest_rate_per_invitation)
            .field("webhooks_allow_private", &self.webhooks_allow_private)
            .field("delivery_lease", &self.delivery_lease)
            .field("egress_allow", &self.egress_allow)
            .field("checks_allow_private", &self.checks_allow_private)
            .field("max_concurrent_checks", &self.max_concurrent_checks)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("metrics_token", &self.metrics_token().map(|_| "***"))
            .finish()
    }
}

/// Values given on the command line; `None` leaves the lower layers' value.
#[derive(Clone, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_url: Option<String>,
}

impl Settings {
    pub fn load(
        file: Option<&Path>,
        overrides: &Overrides,
    ) -> Result<Settings, Box<figment::Error>> {
        let mut figment = Figment::new().merge(Toml::string(DEFAULTS));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment
            .merge(Env::prefixed("PORTICO_").ignore(&["config"]))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(Box::new)
    }

    /// The defaults alone, with a data directory (tests and embedding).
    pub fn defaults_in(data_dir: &Path) -> Settings {
        let overrides = Overrides {
            data_dir: Some(data_dir.to_path_buf()),
            ..Overrides::default()
        };
        Figment::new()
            .merge(Toml::string(DEFAULTS))
            .merge(Serialized::defaults(overrides))
            .extract()
            .expect("embedded defaults are valid")
    }

    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("portico.db").display())
        } else {
            self.database_url.clone()
        }
    }

    /// The SMTP server to send email through; `None`: write it to the mailbox directory.
    pub fn smtp_url(&self) -> Option<&str> {
        let url = self.smtp_url.trim();
        (!url.is_empty()).then_some(url)
    }

    /// The bearer token `GET /metrics` requires; `None`: the endpoint is open.
    pub fn metrics_token(&self) -> Option<&str> {
        let token = self.metrics_token.trim();
        (!token.is_empty()).then_some(token)
    }

    pub fn mailbox_dir(&self) -> PathBuf {
        self.data_dir.join("mailbox")
    }

    pub fn master_key_path(&self) -> PathBuf {
        self.data_dir.join("master.key")
    }

    /// The public base URL; `bound` is the address actually listened on (port 0 resolved).
    pub fn public_url(&self, bound: SocketAddr) -> String {
        if self.public_url.is_empty() {
            format!("http://{bound}")
        } else {
            self.public_url.trim_end_matches('/').to_string()
        }
    }

    pub fn max_invitation_lifetime(&self) -> Option<Duration> {
        (self.max_invitation_lifetime > 0)
            .then(|| Duration::from_secs(self.max_invitation_lifetime))
    }

    pub fn check_timeout(&self) -> Duration {
        Duration::from_secs(self.check_timeout.max(1))
    }

    /// The ranges `egress_allow` lists; an entry that is not a CIDR is an error naming it.
    pub fn egress_allow(&self) -> Result<Vec<ipnet::IpNet>, String> {
        parse_cidrs(&self.egress_allow)
            .map_err(|e| format!("egress_allow (PORTICO_EGRESS_ALLOW): {e}"))
    }

    /// `trusted_proxies` parsed; the error names the entry that is not a CIDR.
    pub fn trusted_proxies(&self) -> Result<TrustedProxies, BadCidr> {
        TrustedProxies::parse(&self.trusted_proxies)
    }

    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout.max(1))
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout.max(1))
    }

    pub fn connectors_dir(&self) -> Option<PathBuf> {
        (!self.connectors_dir.is_empty()).then(|| PathBuf::from(&self.connectors_dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_use_sqlite_under_the_data_dir() {
        let s = Settings::defaults_in(Path::new("/tmp/x"));
        assert_eq!(s.database_url(), "sqlite:///tmp/x/portico.db");
        assert_eq!(s.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(s.check_timeout(), Duration::from_secs(10));
        assert_eq!(s.max_invitation_lifetime(), None);
        assert_eq!(s.header_read_timeout(), Duration::from_secs(10));
        assert_eq!(s.request_timeout(), Duration::from_secs(30));
        assert!(s.trusted_proxies().unwrap().is_empty());
    }

    #[test]
    fn debug_hides_the_database_password() {
        let mut s = Settings::defaults_in(Path::new("/tmp/x"));
        s.database_url = "postgres://portico:hunter2@db:5432/portico".into();
        let printed = format!("{s:?}");
        assert!(!printed.contains("hunter2"));
        assert!(printed.contains("postgres://portico:***@db:5432/portico"));
    }

    #[test]
    fn debug_hides_the_smtp_password() {
        let mut s = Settings::defaults_in(Path::new("/tmp/x"));
        assert_eq!(s.smtp_url(), None);
        s.smtp_url = "smtp://mailer:canary-hunter3@mail.example.com:587?tls=required".into();
        let printed = format!("{s:?}");
        assert!(!printed.contains("canary-hunter3"), "{printed}");
        assert!(printed.contains("smtp://mailer:***@mail.example.com:587?tls=required"));
        s.smtp_url = "canary-hunter3".into();
        assert!(!format!("{s:?}").contains("canary-hunter3"));
    }

    #[test]
    fn debug_hides_the_metrics_token() {
        let mut s = Settings::defaults_in(Path::new("/tmp/x"));
        assert_eq!(s.metrics_token(), None);
        assert!(format!("{s:?}").contains("metrics_token: None"));
        s.metrics_token = " canary-metrics-token ".into();
        assert_eq!(s.metrics_token(), Some("canary-metrics-token"));
        let printed = format!("{s:?}");
        assert!(!printed.contains("canary-metrics-token"), "{printed}");
        assert!(
            printed.contains("metrics_token: Some(\"***\")"),
            "{printed}"
        );
    }

    #[test]
    fn public_url_defaults_to_the_bound_address() {
        let s = Settings::defaults_in(Path::new("/tmp/x"));
        assert_eq!(
            s.public_url("127.0.0.1:4321".parse().unwrap()),
            "http://127.0.0.1:4321"
        );
    }
}
