//! The mail worker: claims due emails from the outbox, unseals them and delivers them, through
//! the SMTP server when one is configured (`smtp_url`), else by writing `{id}.eml` into the
//! mailbox directory.
//!
//! Several `serve` processes may share one database: each worker claims its emails with a lease
//! (`Store::claim_emails`), so no two send the same email at once, and an email claimed by a
//! process that died is claimed again when the lease expires. Delivery is at least once: a
//! crash after the SMTP server accepted a message but before it was marked sent sends it again
//! (SMTP has no idempotency key); its `Message-ID` stays the same, so receivers can tell.

use anyhow::{Context, anyhow};
use chrono::Duration;
use lettre::address::{Address, Envelope};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::config::Settings;
use crate::crypto::binding;
use crate::service::Portico;
use crate::store::OutboxEmail;

/// How often the worker looks for due emails when nobody wakes it.
const POLL: std::time::Duration = std::time::Duration::from_secs(5);
/// Emails claimed at once.
const BATCH: i64 = 10;
/// Longest one delivery may take, all SMTP round trips included.
const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);
/// How long a claim holds: longer than a whole batch of deliveries at their longest
/// (`BATCH * SEND_TIMEOUT`), so a live worker never loses an email it is sending.
const LEASE: Duration = Duration::minutes(5);

/// Where delivered emails go.
#[derive(Clone)]
pub enum Outlet {
    /// `{id}.eml` files in this directory (no SMTP server configured).
    Mailbox(PathBuf),
    /// An SMTP server, with the envelope sender (the address of `smtp_from`).
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        sender: Address,
    },
}

impl Outlet {
    /// The SMTP server of `smtp_url` when set, else the mailbox directory. Errors never quote
    /// the URL: it may hold a password.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Outlet> {
        let Some(url) = settings.smtp_url() else {
            return Ok(Outlet::Mailbox(settings.mailbox_dir()));
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow!("smtp_url (PORTICO_SMTP_URL) is not a usable SMTP URL: {e}"))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        let sender = settings
            .smtp_from
            .parse::<Mailbox>()
            .context("smtp_from (PORTICO_SMTP_FROM) is not an email address")?
            .email;
        Ok(Outlet::Smtp { transport, sender })
    }
}

/// A name for this worker in the leases it takes: process id and a random part, so two
/// processes (or two workers in one test process) never share it.
fn node_name() -> String {
    format!("pid{}-{}", std::process::id(), Uuid::new_v4().simple())
}

pub fn spawn(portico: Portico, outlet: Outlet) -> JoinHandle<()> {
    tokio::spawn(async move {
        let node = node_name();
        loop {
            if let Err(e) = deliver_due(&portico, &outlet, &node).await {
                tracing::warn!(error = %e, "mail delivery failed; will retry");
            }
            tokio::select! {
                () = portico.mail_wakeup.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    })
}

/// Claims and delivers every due email; returns how many were delivered.
pub async fn deliver_due(portico: &Portico, outlet: &Outlet, node: &str) -> anyhow::Result<usize> {
    let mut delivered = 0;
    loop {
        let claimed_at = portico.now();
        let claimed = portico
            .store
            .claim_emails(node, claimed_at, LEASE, BATCH)
            .await?;
        let held_until = claimed_at + LEASE;
        for email in &claimed {
            // Never start a delivery that could outlast the lease (only a clock that jumped can
            // get here): the rest are claimed again, here or elsewhere, once the lease is over.
            if portico.now() + SEND_TIMEOUT >= held_until {
                break;
            }
            match deliver(portico, outlet, email).await {
                Ok(()) => {
                    portico
                        .store
                        .mark_email_sent(email.id, portico.now())
                        .await?;
                    metrics::counter!("portico_email_attempts_total", "outcome" => "sent")
                        .increment(1);
                    let latency = (chrono::Utc::now() - email.created_at).num_milliseconds();
                    metrics::histogram!("portico_email_delivery_latency_seconds")
                        .record(latency.max(0) as f64 / 1000.0);
                    delivered += 1;
                }
                Err(e) => {
                    metrics::counter!("portico_email_attempts_total", "outcome" => "failed")
                        .increment(1);
                    metrics::counter!("portico_email_failures_total").increment(1);
                    // Exponential backoff: 30 s, 1 min, 2 min, ... at most an hour.
                    let wait = Duration::seconds(30 << email.attempts.clamp(0, 7));
                    let next = portico.now() + wait.min(Duration::hours(1));
                    let error = format!("{e:#}");
                    tracing::warn!(
                        email = %email.id,
                        attempt = email.attempts + 1,
                        retry_at = %next,
                        error = %error,
                        "could not deliver an email; will retry"
                    );
                    portico
                        .store
                        .mark_email_failed(email.id, &error, next)
                        .await?;
                }
            }
        }
        if claimed.len() < BATCH as usize {
            return Ok(delivered);
        }
    }
}

async fn deliver(portico: &Portico, outlet: &Outlet, email: &OutboxEmail) -> anyhow::Result<()> {
    let Some(sealed) = &email.sealed_message else {
        return Ok(());
    };
    let data_key = portico
        .keyring
        .unwrap(&email.data_key, &binding::outbox_email(email.id))?;
    let message = data_key.open_str(&binding::outbox_email(email.id), sealed)?;
    match outlet {
        Outlet::Mailbox(mailbox) => write_to_mailbox(mailbox, email.id, message.expose()).await,
        Outlet::Smtp { transport, sender } => {
            // The stored message goes out byte for byte as composed (its Message-ID included);
            // the envelope only routes it.
            let recipient = email
                .recipient
                .parse::<Address>()
                .context("the recipient is not an email address")?;
            let envelope = Envelope::new(Some(sender.clone()), vec![recipient])?;
            tokio::time::timeout(
                SEND_TIMEOUT,
                transport.send_raw(&envelope, message.expose().as_bytes()),
            )
            .await
            .map_err(|_| anyhow!("the SMTP server took longer than {SEND_TIMEOUT:?}"))?
            .map_err(|e| anyhow!("SMTP: {e}"))?;
            tracing::info!(email = %email.id, "email sent over SMTP");
            Ok(())
        }
    }
}

/// Writes `{id}.eml` into the mailbox: the folder mode 0700 (tightened when it exists with a
/// looser mode) and the file mode 0600, since a message holds a guest's link or code.
async fn write_to_mailbox(mailbox: &Path, id: Uuid, message: &str) -> anyhow::Result<()> {
    tokio::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(mailbox)
        .await?;
    let private = std::fs::Permissions::from_mode(0o700);
    if tokio::fs::metadata(mailbox).await?.permissions().mode() & 0o777 != 0o700 {
        tokio::fs::set_permissions(mailbox, private).await?;
    }
    // Write then rename, so a reader never sees half a message; the name is the email's id, so
    // delivering twice after a crash rewrites the same file.
    let path = mailbox.join(format!("{id}.eml"));
    let partial = mailbox.join(format!(".{id}.eml.partial"));
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)
        .await?;
    // `mode` applies to a new file only: a partial file left by a crash keeps its own.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .await?;
    file.write_all(message.as_bytes()).await?;
    file.flush().await?;
    drop(file);
    tokio::fs::rename(&partial, &path).await?;
    tracing::info!(email = %id, "email written to the mailbox");
    Ok(())
}
