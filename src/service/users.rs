//! Console users: creating them (with a password, or a one-time link to set one), the first
//! owner's setup link, signing in with the lockout, sessions, password links and resets, and
//! inviting teammates.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::mail::Draft;
use super::{Conflict, Portico, Resource, ServiceError, ServiceResult, permitted};
use crate::crypto::token::random_token;
use crate::domain::event::{EventType, NewEvent};
use crate::domain::user::{
    self, Action, ConsoleUser, LinkPurpose, Password, Role, parse_user_email,
};
use crate::domain::values::TokenHash;
use crate::i18n::{Arg, t, t_args};
use crate::secret::Secret;
use crate::store::{PasswordLink, StoreError};

/// A created user, with the URL of its one-time set-password link when it has no password.
pub struct CreatedUser {
    pub user: ConsoleUser,
    pub password_link: Option<Secret<String>>,
}

/// What a sign-in came to.
pub enum SignIn {
    /// The session cookie's value, shown to the browser once.
    Done {
        user: ConsoleUser,
        cookie: Secret<String>,
    },
    /// Unknown address, no password yet, or a wrong one: the same answer for all three.
    Refused,
    /// Too many wrong passwords: no sign-in until then, the right password included.
    Locked { until: DateTime<Utc> },
}

/// A password link as its page shows it.
pub struct LinkHolder {
    pub purpose: LinkPurpose,
    pub account_id: Uuid,
    /// The user whose password it sets; `None` for a setup link.
    pub user: Option<ConsoleUser>,
}

/// A session touched less than this long ago is not written again (a write per page view
/// would cost the single SQLite writer for nothing).
const TOUCH_EVERY: chrono::Duration = chrono::Duration::minutes(1);

impl Portico {
    fn password_link_url(&self, token: &Secret<String>) -> Secret<String> {
        Secret::new(format!(
            "{}/console/password/{}",
            self.settings.public_url,
            token.expose()
        ))
    }

    fn new_link(
        &self,
        account_id: Uuid,
        user_id: Option<Uuid>,
        purpose: LinkPurpose,
    ) -> (PasswordLink, Secret<String>) {
        let token = random_token();
        let now = self.now();
        let link = PasswordLink {
            token_hash: TokenHash::of(token.expose().as_bytes()),
            account_id,
            user_id,
            purpose,
            created_at: now,
            expires_at: now + user::PASSWORD_LINK_TTL,
        };
        (link, self.password_link_url(&token))
    }

    /// The email carrying a password link, in `lang`.
    fn password_link_email(
        &self,
        account_id: Uuid,
        to: &str,
        purpose: LinkPurpose,
        url: &Secret<String>,
        lang: &str,
    ) -> ServiceResult<Option<crate::store::OutboxEmail>> {
        let (subject, body) = match purpose {
            LinkPurpose::Reset => ("console-mail-reset-subject", "console-mail-reset-body"),
            _ => ("console-mail-invite-subject", "console-mail-invite-body"),
        };
        let draft = Draft {
            account_id,
            to,
            subject: t(lang, subject),
            text: t_args(lang, body, &[("url", Arg::from(url.expose().as_str()))]),
            brand: None,
        };
        self.compose_email(draft, self.now())
    }

    async fn hash_password(&self, password: &Password) -> ServiceResult<String> {
        self.passwords
            .hash(password.expose())
            .await
            .map_err(|e| ServiceError::Store(StoreError::Corrupt(e.to_string())))
    }

    /// A new console user of the account: with `password` (already chosen), or else with a
    /// one-time set-password link (1 hour), emailed to the user when `email_link` is set (in
    /// `lang`).
    pub async fn create_user(
        &self,
        account_id: Uuid,
        email: &str,
        role: Role,
        password: Option<&str>,
        email_link: Option<&str>,
    ) -> ServiceResult<CreatedUser> {
        self.account(account_id).await?;
        let mut errors = Vec::new();
        let email = parse_user_email(email).map_err(|e| errors.push(e)).ok();
        let password = password
            .map(|p| Password::parse(p).map_err(|e| errors.push(e)).ok())
            .unwrap_or_default();
        let Some(email) = email.filter(|_| errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        let user = ConsoleUser {
            id: Uuid::now_v7(),
            account_id,
            email,
            role,
            has_password: password.is_some(),
            language: None,
            created_at: self.now(),
        };
        let hash = match &password {
            Some(p) => Some(self.hash_password(p).await?),
            None => None,
        };
        let link = hash
            .is_none()
            .then(|| self.new_link(account_id, Some(user.id), LinkPurpose::Set));
        let mail = match (&link, email_link) {
            (Some((_, url)), Some(lang)) => {
                self.password_link_email(account_id, &user.email, LinkPurpose::Set, url, lang)?
            }
            _ => None,
        };
        match self
            .store
            .create_user(
                &user,
                hash.as_deref(),
                link.as_ref().map(|(l, _)| l),
                mail.as_ref(),
            )
            .await
        {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => {
                return Err(ServiceError::Conflict(Conflict::UserEmailTaken));
            }
            Err(e) => return Err(e.into()),
        }
        if mail.is_some() {
            self.mail_queued();
        }
        Ok(CreatedUser {
            user,
            password_link: link.map(|(_, url)| url),
        })
    }

    /// A teammate invited from the console by `by` (an owner): a user with a set-password
    /// link sent to the address.
    pub async fn invite_user(
        &self,
        by: &ConsoleUser,
        email: &str,
        role: Role,
        lang: &str,
    ) -> ServiceResult<ConsoleUser> {
        let account_id = permitted(by, Action::InviteUsers)?;
        let created = self
            .create_user(account_id, email, role, None, Some(lang))
            .await?;
        Ok(created.user)
    }

    pub async fn list_users(&self, account_id: Uuid) -> ServiceResult<Vec<ConsoleUser>> {
        Ok(self.store.list_users(account_id).await?)
    }

    /// On a database without console users: a one-time setup link (1 hour) that makes the
    /// first owner of the first account. `None` when a user exists or there is no account.
    pub async fn setup_link(&self) -> ServiceResult<Option<Secret<String>>> {
        if self.store.count_users().await? > 0 {
            return Ok(None);
        }
        let Some(account) = self.store.get_account_by_number(1).await? else {
            return Ok(None);
        };
        let (link, url) = self.new_link(account.id, None, LinkPurpose::Setup);
        self.store.create_password_link(&link, None).await?;
        Ok(Some(url))
    }

    /// Signs in by address and password. Every refusal takes one password hash's time.
    pub async fn sign_in(&self, email: &str, password: &str) -> ServiceResult<SignIn> {
        let record = match parse_user_email(email) {
            Ok(email) => self.store.find_user_for_sign_in(&email).await?,
            Err(_) => None,
        };
        let now = self.now();
        if let Some(until) = record
            .as_ref()
            .and_then(|r| r.locked_until)
            .filter(|until| *until > now)
        {
            return Ok(SignIn::Locked { until });
        }
        let hash = record.as_ref().and_then(|r| r.password_hash.clone());
        let right = self
            .passwords
            .verify(hash, password)
            .await
            .map_err(|e| ServiceError::Store(StoreError::Corrupt(e.to_string())))?;
        let Some(record) = record else {
            return Ok(SignIn::Refused);
        };
        let user = record.user;
        if !right {
            if !user.has_password {
                return Ok(SignIn::Refused);
            }
            let until = now + user::LOCKOUT_DURATION;
            let locked = NewEvent::new(
                user.account_id,
                EventType::ConsoleUserLocked,
                now,
                serde_json::json!({
                    "user_id": user.id,
                    "email": user.email,
                    "locked_until": until,
                }),
            );
            let started = self
                .store
                .count_wrong_password(
                    user.id,
                    now,
                    now - user::LOCKOUT_WINDOW,
                    user::LOCKOUT_FAILURES,
                    until,
                    &locked,
                )
                .await?;
            return Ok(match started {
                Some(until) => SignIn::Locked { until },
                None => SignIn::Refused,
            });
        }
        let cookie = random_token();
        self.store
            .create_console_session(&TokenHash::of(cookie.expose().as_bytes()), user.id, now)
            .await?;
        Ok(SignIn::Done { user, cookie })
    }

    /// The user of a session cookie, if the session is open; marks it seen.
    pub async fn console_session(
        &self,
        cookie: &Secret<String>,
    ) -> ServiceResult<Option<ConsoleUser>> {
        let hash = TokenHash::of(cookie.expose().as_bytes());
        let now = self.now();
        let Some((user, last_seen)) = self
            .store
            .get_console_session(&hash, now - user::SESSION_IDLE)
            .await?
        else {
            return Ok(None);
        };
        if now - last_seen >= TOUCH_EVERY {
            self.store.touch_console_session(&hash, now).await?;
        }
        Ok(Some(user))
    }

    pub async fn sign_out(&self, cookie: &Secret<String>) -> ServiceResult<()> {
        let hash = TokenHash::of(cookie.expose().as_bytes());
        Ok(self.store.delete_console_session(&hash).await?)
    }

    pub async fn set_user_language(&self, user: &ConsoleUser, language: &str) -> ServiceResult<()> {
        Ok(self.store.set_user_language(user.id, language).await?)
    }

    /// A live (unused, unexpired) password link.
    pub async fn password_link(&self, token: &str) -> ServiceResult<Option<LinkHolder>> {
        let hash = TokenHash::of(token.as_bytes());
        Ok(self
            .store
            .peek_password_link(&hash, self.now())
            .await?
            .map(|(link, user)| LinkHolder {
                purpose: link.purpose,
                account_id: link.account_id,
                user,
            }))
    }

    /// Uses a password link: sets the password (and, for a setup link, makes the first owner
    /// with `email`). `NotFound(PasswordLink)` when the link is unknown, used or expired.
    pub async fn set_password(
        &self,
        token: &str,
        email: Option<&str>,
        password: &str,
    ) -> ServiceResult<ConsoleUser> {
        let holder = self
            .password_link(token)
            .await?
            .ok_or(ServiceError::NotFound(Resource::PasswordLink))?;
        let mut errors = Vec::new();
        let email = match (&holder.user, email) {
            (Some(user), _) => Some(user.email.clone()),
            (None, Some(email)) => parse_user_email(email).map_err(|e| errors.push(e)).ok(),
            (None, None) => {
                errors.push(crate::domain::FieldError::new("email", "is required"));
                None
            }
        };
        let password = Password::parse(password).map_err(|e| errors.push(e)).ok();
        let (Some(email), Some(password)) = (email, password) else {
            return Err(ServiceError::Invalid(errors));
        };
        let hash = self.hash_password(&password).await?;
        let new_owner = ConsoleUser {
            id: Uuid::now_v7(),
            account_id: holder.account_id,
            email,
            role: Role::Owner,
            has_password: true,
            language: None,
            created_at: self.now(),
        };
        match self
            .store
            .use_password_link(
                &TokenHash::of(token.as_bytes()),
                self.now(),
                &hash,
                &new_owner,
            )
            .await
        {
            Ok(Some(user)) => Ok(user),
            Ok(None) => Err(ServiceError::NotFound(Resource::PasswordLink)),
            Err(StoreError::Conflict(_)) => Err(ServiceError::Conflict(Conflict::UserEmailTaken)),
            Err(e) => Err(e.into()),
        }
    }

    /// Emails a reset link to the address if it is a user's; the caller answers the same
    /// either way, so the page reveals nothing about who has an account.
    pub async fn request_password_reset(&self, email: &str, lang: &str) -> ServiceResult<()> {
        let Ok(email) = parse_user_email(email) else {
            return Ok(());
        };
        let Some(record) = self.store.find_user_for_sign_in(&email).await? else {
            return Ok(());
        };
        let user = record.user;
        let lang = user.language.clone().unwrap_or_else(|| lang.to_string());
        let (link, url) = self.new_link(user.account_id, Some(user.id), LinkPurpose::Reset);
        let mail = self.password_link_email(
            user.account_id,
            &user.email,
            LinkPurpose::Reset,
            &url,
            &lang,
        )?;
        self.store
            .create_password_link(&link, mail.as_ref())
            .await?;
        self.mail_queued();
        Ok(())
    }
}
