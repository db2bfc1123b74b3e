//! Emails to guests: composed in the invitation's language, sealed (they carry links and
//! codes) and queued in the outbox; `delivery::mail` sends them.

use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use uuid::Uuid;

use super::{Portico, ServiceResult};
use crate::crypto::binding;
use crate::domain::branding::Branding;
use crate::i18n::{Arg, t_args};
use crate::store::OutboxEmail;

/// A message to compose: recipient, subject, plain text; the HTML part is derived.
pub struct Draft<'a> {
    pub account_id: Uuid,
    pub to: &'a str,
    pub subject: String,
    pub text: String,
    /// The account's branding, shown above the text.
    pub brand: Option<MailBrand>,
}

/// What an email shows of the account's branding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailBrand {
    /// "{display name} asks you to connect {connector}", with a display name.
    pub asks: Option<String>,
    /// The display name: the logo's `alt`.
    pub name: String,
    /// The logo's absolute URL (under the public URL).
    pub logo_url: Option<String>,
    /// `#rrggbb`: a bar above the message.
    pub colour: Option<String>,
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Portico {
    /// The account's branding in an email about `connector` (`edit`: a reconnect), in `lang`;
    /// `None` for an account without branding.
    pub(crate) fn mail_brand(
        &self,
        lang: &str,
        branding: &Branding,
        connector: &str,
        edit: bool,
    ) -> Option<MailBrand> {
        if branding == &Branding::default() {
            return None;
        }
        let name = branding.display_name.as_ref().map(|n| n.as_str());
        Some(MailBrand {
            asks: name.map(|name| {
                t_args(
                    lang,
                    if edit {
                        "brand-asks-edit"
                    } else {
                        "brand-asks"
                    },
                    &[
                        ("name", Arg::from(name)),
                        ("connector", Arg::from(connector)),
                    ],
                )
            }),
            name: name.unwrap_or_default().to_string(),
            logo_url: branding
                .logo_path()
                .map(|path| format!("{}{path}", self.settings.public_url)),
            colour: branding.primary_color.map(|c| c.css()),
        })
    }

    /// The branding of an email to a guest of this session (the code email), from its
    /// account.
    pub(crate) async fn guest_mail_brand(
        &self,
        guest: &super::guest::Guest,
    ) -> ServiceResult<Option<MailBrand>> {
        let invitation = &guest.invitation;
        let Some(account) = self.store.get_account(invitation.account_id).await? else {
            return Ok(None);
        };
        let connector = match self.guest_connector(guest) {
            Some(spec) => spec.name.as_str(),
            None => invitation.category.as_deref().unwrap_or_default(),
        };
        let edit = invitation.kind == crate::domain::invitation::InvitationKind::EditConnection;
        Ok(self.mail_brand(&guest.session.language, &account.branding, connector, edit))
    }

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
        // The branding heads the HTML part (its colour as a bar, its logo, the "asks you"
        // line) and the plain text starts with the line; everything from the account escaped.
        let mut header = String::new();
        let mut text = draft.text.clone();
        if let Some(brand) = &draft.brand {
            if let Some(colour) = &brand.colour {
                header.push_str(&format!(
                    "<div style=\"border-top: 4px solid {}; margin: 0 0 16px\"></div>",
                    escape_html(colour)
                ));
            }
            if let Some(logo) = &brand.logo_url {
                header.push_str(&format!(
                    "<p><img src=\"{}\" alt=\"{}\" height=\"48\" \
                     style=\"display: block; height: 48px; width: auto; max-width: 240px\"></p>",
                    escape_html(logo),
                    escape_html(&brand.name)
                ));
            }
            if let Some(asks) = &brand.asks {
                header.push_str(&format!(
                    "<p style=\"font-size: 18px; font-weight: 600\">{}</p>",
                    escape_html(asks)
                ));
                text = format!("{asks}\n\n{text}");
            }
        }
        let html = format!(
            "<!doctype html><html><body>{header}<p>{}</p></body></html>",
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
            .multipart(MultiPart::alternative_plain_html(text, html))
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
