//! The mail worker: takes due emails from the outbox, unseals them and delivers them. With no
//! SMTP server configured, delivering means writing `{id}.eml` into the mailbox directory.

use chrono::Duration;
use std::path::{Path, PathBuf};
use tokio::task::JoinHandle;

use crate::service::Portico;
use crate::service::mail::binding;
use crate::store::OutboxEmail;

/// How often the worker looks for due emails when nobody wakes it.
const POLL: std::time::Duration = std::time::Duration::from_secs(5);
const BATCH: i64 = 50;

pub fn spawn(portico: Portico, mailbox: PathBuf) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = deliver_due(&portico, &mailbox).await {
                tracing::warn!(error = %e, "mail delivery failed; will retry");
            }
            tokio::select! {
                () = portico.mail_wakeup.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    })
}

/// Delivers every due email; returns how many were delivered.
pub async fn deliver_due(portico: &Portico, mailbox: &Path) -> anyhow::Result<usize> {
    let mut delivered = 0;
    loop {
        let due = portico.store.due_emails(portico.now(), BATCH).await?;
        if due.is_empty() {
            return Ok(delivered);
        }
        for email in &due {
            match deliver(portico, mailbox, email).await {
                Ok(()) => {
                    portico
                        .store
                        .mark_email_sent(email.id, portico.now())
                        .await?;
                    delivered += 1;
                }
                Err(e) => {
                    // Exponential backoff: 30 s, 1 min, 2 min, ... at most an hour.
                    let wait = Duration::seconds(30 << email.attempts.clamp(0, 7));
                    let next = portico.now() + wait.min(Duration::hours(1));
                    tracing::warn!(email = %email.id, error = %e, "could not deliver an email");
                    portico
                        .store
                        .mark_email_failed(email.id, &e.to_string(), next)
                        .await?;
                }
            }
        }
        if due.len() < BATCH as usize {
            return Ok(delivered);
        }
    }
}

async fn deliver(portico: &Portico, mailbox: &Path, email: &OutboxEmail) -> anyhow::Result<()> {
    let Some(sealed) = &email.sealed_message else {
        return Ok(());
    };
    let data_key = portico
        .keyring
        .unwrap(&email.data_key, &binding(email.id))?;
    let message = data_key.open_str(&binding(email.id), sealed)?;
    tokio::fs::create_dir_all(mailbox).await?;
    // Write then rename, so a reader never sees half a message; the name is the email's id, so
    // delivering twice after a crash rewrites the same file.
    let path = mailbox.join(format!("{}.eml", email.id));
    let partial = mailbox.join(format!(".{}.eml.partial", email.id));
    tokio::fs::write(&partial, message.expose().as_bytes()).await?;
    tokio::fs::rename(&partial, &path).await?;
    tracing::info!(email = %email.id, "email written to the mailbox");
    Ok(())
}
