//! Assembly: settings to a running `Portico` (data dir, master key, store, catalog) and to a
//! listening server. The CLI and the tests start Portico through here.

use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

use crate::catalog::Catalog;
use crate::checks::Checker;
use crate::clock::Clock;
use crate::config::Settings;
use crate::crypto::Keyring;
use crate::egress::EgressPolicy;
use crate::http::{self, AppState};
use crate::service::{Portico, ServiceSettings};
use crate::store;

/// The rustls crypto provider of the whole process (ring), installed once.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Opens everything the use cases need. `public_url` is the resolved base of invitation links.
pub async fn open(
    settings: &Settings,
    public_url: String,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Portico> {
    install_crypto_provider();
    let trusted_proxies = settings
        .trusted_proxies()
        .context("reading the trusted_proxies setting (PORTICO_TRUSTED_PROXIES)")?;
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("creating data dir {}", settings.data_dir.display()))?;
    let keyring = Keyring::load_or_create(&settings.master_key_path())
        .context("loading the master key file")?;
    let catalog = Catalog::load(settings.connectors_dir().as_deref())
        .context("loading the connector catalog")?;
    let allow = settings.egress_allow().map_err(anyhow::Error::msg)?;
    let checker = Checker::new(
        EgressPolicy::new(settings.checks_allow_private, allow.clone()),
        settings.check_timeout(),
        settings.max_concurrent_checks as usize,
    );
    let store = store::open(&settings.database_url())
        .await
        .context("opening the database")?;
    Ok(Portico {
        store,
        keyring: Arc::new(keyring),
        catalog: Arc::new(catalog),
        checker: Arc::new(checker),
        clock,
        settings: Arc::new(ServiceSettings {
            public_url,
            max_invitation_lifetime: settings.max_invitation_lifetime(),
            mail_from: settings.smtp_from.clone(),
            guest_rate_per_ip: settings.guest_rate_per_ip.max(1),
            guest_rate_per_invitation: settings.guest_rate_per_invitation.max(1),
            webhook_egress: EgressPolicy::new(settings.webhooks_allow_private, allow),
            delivery_lease: chrono::Duration::seconds(settings.delivery_lease.max(1) as i64),
            trusted_proxies,
            header_read_timeout: settings.header_read_timeout(),
            request_timeout: settings.request_timeout(),
            metrics_token: settings.metrics_token().map(|t| t.to_owned().into()),
        }),
        mail_wakeup: Arc::new(tokio::sync::Notify::new()),
        api_keys: Arc::default(),
        passwords: Arc::new(crate::crypto::password::PasswordHasher::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        )),
    })
}

/// A bound listener and the public URL it implies.
pub async fn bind(settings: &Settings) -> anyhow::Result<(TcpListener, SocketAddr, String)> {
    let listener = TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("listening on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    Ok((listener, addr, settings.public_url(addr)))
}

pub fn state(portico: Portico) -> AppState {
    let limits = http::pages::GuestLimits::new(
        portico.settings.guest_rate_per_ip,
        portico.settings.guest_rate_per_invitation,
    );
    AppState::new(http::AppParts {
        portico,
        metrics: http::prometheus_handle(),
        guest_limits: Arc::new(limits),
    })
}

/// Starts the background workers of `serve`: mail, webhooks (and expiry), the janitor. Fails
/// on an unusable `smtp_url` or `smtp_from`, before anything is claimed.
pub fn start_workers(state: &AppState, settings: &Settings) -> anyhow::Result<()> {
    let outlet = crate::delivery::mail::Outlet::from_settings(settings)?;
    crate::delivery::mail::spawn(state.portico.clone(), outlet);
    crate::delivery::webhooks::spawn(state.portico.clone());
    crate::delivery::janitor::spawn(state.portico.clone(), state.guest_limits.clone());
    Ok(())
}
