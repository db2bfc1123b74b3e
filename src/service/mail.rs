//! Emails to guests: composed in the invitation's language, sealed (they carry links and
//! codes) and queued in the outbox; `delivery::mail` sends them.

use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use uuid::Uuid;

use super::{Portico, ServiceResult};
use crate::crypto::binding;
use crate::store::OutboxEmail;

/// A message to compose: recipient, subject, plain text; the HTML part is derived.
pub struct Draft<'a> {
    pub account_id: Uuid,
    pub to: &'a str,
    pub subject: String,
    pub text: String,
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Portico {
    /// Builds and seals the message; `None` when the address cannot be written as a mailbox
    /// (it was validated before, so this only guards odd input).
    pub(crate) fn compose_email(
        &self,
        draft: Draft<'_>,
        now: DateTime<Utc>,
    ) -> ServiceResult<Option<OutboxEmail>> {
        let (Ok(to), Ok(from)) = (
            draft.to.parse::<Mailbox>(),
            self.settings.mail_from.parse::<Mailbox>(),
        ) else {
            tracing::warn!("an email could not be addressed and was dropped");
            return Ok(None);
        };
        let html = format!(
            "<!doctype html><html><body><p>{}</p></body></html>",
            escape_html(&draft.text).replace('\n', "<br>")
        );
        let id = Uuid::now_v7();
        // Stable across retries (the message is stored whole), so a receiver can drop a
        // duplicate left by a crash between the SMTP server's acceptance and the mark as sent.
        let message = Message::builder()
            .message_id(Some(format!("<{id}@portico>")))
            .from(from)
            .to(to)
            .subject(draft.subject)
            .multipart(MultiPart::alternative_plain_html(draft.text, html))
            .expect("a message with from, to and a body builds");
        let (data_key, wrapped) = self.keyring.new_data_key(&binding::outbox_email(id))?;
        let formatted = String::from_utf8_lossy(&message.formatted()).into_owned();
        Ok(Some(OutboxEmail {
            id,
            account_id: draft.account_id,
            recipient: draft.to.to_string(),
            data_key: wrapped,
            sealed_message: Some(data_key.seal_str(&binding::outbox_email(id), &formatted)),
            created_at: now,
            attempts: 0,
            next_attempt_at: now,
        }))
    }

    /// Wakes the mail worker after an email was queued (or when one is due again).
    pub fn mail_queued(&self) {
        self.mail_wakeup.notify_one();
    }
}
