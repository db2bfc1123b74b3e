//! The guest's use cases: open a link, prove an email address, submit the form. Every rule
//! (status, expiry, use counting, email proof) is the domain's; this only sequences them.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::mail::Draft;
use super::views::{ConnectionObject, InvitationObject, to_json};
use super::{Portico, ServiceError};
use crate::checks::{CheckFailure, Reason};
use crate::crypto::binding;
use crate::crypto::csrf;
use crate::crypto::guest_cookie::GuestCookie;
use crate::crypto::token::{email_code_hash, numeric_code, same_secret, sha256};
use crate::domain::account::EmbedOrigin;
use crate::domain::connection::{CheckStatus, Connection, LastCheck};
use crate::domain::connector::{ConfigProblem, ConnectorSpec, FieldProblem};
use crate::domain::event::{EventType, NewEvent};
use crate::domain::guest::{
    AttemptKind, CODE_DIGITS, CODE_TTL, CODES_PER_ADDRESS, CodeCheck, EmailCode, FAILED_CHECKS,
    GuestForm, GuestSession, LockScope, MAX_CODE_ATTEMPTS, RESEND_INTERVAL, SESSION_TTL,
    WRONG_CODES, is_locked, lock_end,
};
use crate::domain::invitation::{Invitation, InvitationKind, InvitationStatus};
use crate::domain::values::Email;
use crate::domain::values::TokenHash;
use crate::i18n::{Arg, t, t_args};
use crate::secret::Secret;
use crate::store::{CodeSaved, ConnectionWrite, Counted, GuestAttempt, InvitationUse, Use};

/// Why a guest request cannot go on; each has its own page.
#[derive(Debug, thiserror::Error)]
pub enum GuestError {
    #[error("unknown link")]
    UnknownLink,
    #[error("the invitation is {}", .status.as_str())]
    Gone {
        status: InvitationStatus,
        language: String,
        /// The invitation's account: its embed origins may frame the page that says so.
        account_id: Uuid,
    },
    #[error("no live guest session")]
    SessionEnded,
    /// The connection a reconnect invitation is for was deleted.
    #[error("the connection no longer exists")]
    ConnectionGone { language: String },
    /// A POST for a later step: the email address is not proven, or no connector is picked.
    #[error("a step was skipped")]
    StepSkipped,
    /// Too many failed attempts on the invitation: this step is locked for `left` more.
    #[error("the invitation's {} step is locked", .scope.as_str())]
    Locked {
        scope: LockScope,
        left: chrono::Duration,
        language: String,
    },
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<crate::store::StoreError> for GuestError {
    fn from(e: crate::store::StoreError) -> Self {
        GuestError::Service(e.into())
    }
}

impl From<crate::crypto::CryptoError> for GuestError {
    fn from(e: crate::crypto::CryptoError) -> Self {
        GuestError::Service(e.into())
    }
}

pub type GuestResult<T> = Result<T, GuestError>;

/// A live session on a usable invitation.
#[derive(Debug, Clone)]
pub struct Guest {
    pub session: GuestSession,
    pub invitation: Invitation,
    /// The cookie value that carries the session (CSRF tokens derive from it).
    pub cookie: Secret<String>,
    /// Whether `cookie` is new to the browser: a new session, a language kept in the cookie,
    /// or a session replaced when its address was proven. The page then sets it.
    pub cookie_changed: bool,
}

/// The POST a guest makes, for the limits each step is under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Asking for a code.
    Email,
    /// Typing a code.
    Code,
    Pick,
    Submit,
}

/// What a renewal request came to. The guest's page never shows `recorded`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewalAnswer {
    /// The invitation's language (the default for an unknown link).
    pub language: String,
    /// The invitation's account, for the framing of its pages; `None` for an unknown link.
    pub account_id: Option<Uuid>,
    pub recorded: bool,
}

/// The outcome of asking for a code. The page says the same for allowed and other addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeRequest {
    Sent,
    InvalidEmail,
    /// This session asked for a code less than `RESEND_INTERVAL` ago.
    TooSoon,
    /// The address had its codes for the hour on this invitation, from whatever session.
    TooMany,
}

/// One problem with one form field, ready to be said in the guest's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormProblem {
    pub field: String,
    /// `field-error-{code}` in the locale files.
    pub code: &'static str,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

impl From<ConfigProblem> for FormProblem {
    fn from(p: ConfigProblem) -> Self {
        let (min, max) = match &p.problem {
            FieldProblem::Length { min, max } | FieldProblem::Range { min, max } => (*min, *max),
            _ => (None, None),
        };
        FormProblem {
            field: p.field,
            code: p.problem.code(),
            min,
            max,
        }
    }
}

impl FormProblem {
    pub fn message(&self, lang: &str) -> String {
        t_args(
            lang,
            &format!("field-error-{}", self.code),
            &[
                ("min", Arg::Number(self.min.unwrap_or(0))),
                ("max", Arg::Number(self.max.unwrap_or(i64::MAX))),
            ],
        )
    }
}

/// The outcome of a submission.
pub enum Submitted {
    Done {
        connection_id: Uuid,
        /// The completion's single-use result code, for the owner's backend to exchange.
        result: Secret<String>,
        /// Where to send the guest, with `connection_id`, `status` and `result` in the query.
        redirect: Option<String>,
    },
    /// Nothing was stored; the form comes back with these problems and what the guest typed.
    Invalid {
        problems: Vec<FormProblem>,
        shown: Map<String, Value>,
    },
    /// The check failed (or could not run); nothing was stored.
    CheckFailed {
        failure: CheckFailure,
        shown: Map<String, Value>,
    },
}

impl Portico {
    fn usable(&self, invitation: &Invitation) -> GuestResult<()> {
        let now = self.now();
        if invitation.can_be_used(now) {
            return Ok(());
        }
        Err(GuestError::Gone {
            status: invitation.status(now),
            language: invitation.language.clone(),
            account_id: invitation.account_id,
        })
    }

    async fn invitation_event(
        &self,
        invitation: &Invitation,
        kind: EventType,
    ) -> GuestResult<NewEvent> {
        let created = self.created_connections(&[invitation]).await?;
        let object = InvitationObject::new(invitation, self.now(), &created);
        Ok(NewEvent::new(
            invitation.account_id,
            kind,
            self.now(),
            to_json(&object),
        ))
    }

    /// The invitation a link names, if it can still be used; for `HEAD` and for the first
    /// `GET`. Never uses the invitation up.
    pub async fn peek_link(&self, token: &str) -> GuestResult<Invitation> {
        let invitation = self
            .store
            .find_invitation_by_token(&TokenHash::of(token.as_bytes()))
            .await?
            .ok_or(GuestError::UnknownLink)?;
        self.usable(&invitation)?;
        Ok(invitation)
    }

    /// The CSRF token of the renewal form on a link's page: derived from the link itself, as a
    /// dead link has no session to bind it to.
    pub fn renewal_csrf(&self, token: &str) -> GuestResult<String> {
        Ok(csrf::link_token(
            &self.keyring,
            &TokenHash::of(token.as_bytes()),
        )?)
    }

    /// Whether `presented` is the renewal form's CSRF token of this link.
    pub fn renewal_csrf_matches(&self, token: &str, presented: &str) -> GuestResult<bool> {
        Ok(csrf::link_token_matches(
            &self.keyring,
            &TokenHash::of(token.as_bytes()),
            presented,
        )?)
    }

    /// A guest asks for a new link. Recorded (`renewal_requested_at` and
    /// `invitation.renewal_requested`, together) only for an expired or used-up link, not
    /// revoked, and at most once an hour per invitation (`Invitation::records_renewal_request`,
    /// re-checked by the store's write); otherwise nothing is written. The guest's page is the
    /// same either way: the answer says only which language and framing to show it in.
    pub async fn request_renewal(&self, token: &str) -> GuestResult<RenewalAnswer> {
        let Some(invitation) = self
            .store
            .find_invitation_by_token(&TokenHash::of(token.as_bytes()))
            .await?
        else {
            return Ok(RenewalAnswer {
                language: crate::domain::values::Language::DEFAULT
                    .as_str()
                    .to_string(),
                account_id: None,
                recorded: false,
            });
        };
        let now = self.now();
        let recorded = invitation.records_renewal_request(now) && {
            let event = NewEvent::new(
                invitation.account_id,
                EventType::InvitationRenewalRequested,
                now,
                serde_json::json!({
                    "invitation_id": invitation.id,
                    "connector": invitation.connector,
                    "category": invitation.category,
                    "end_user": invitation.end_user,
                    "requested_at": now,
                }),
            );
            self.store
                .record_renewal_request(invitation.id, now, &event)
                .await?
        };
        Ok(RenewalAnswer {
            language: invitation.language,
            account_id: Some(invitation.account_id),
            recorded,
        })
    }

    /// The origins whose pages may frame an invitation's guest pages: its account's
    /// `embed_origins` (none when the account is gone).
    pub async fn embed_origins(&self, account_id: Uuid) -> GuestResult<Vec<EmbedOrigin>> {
        Ok(self
            .store
            .get_account(account_id)
            .await?
            .map(|account| account.embed_origins)
            .unwrap_or_default())
    }

    /// Opens a link: the guest's live session for this invitation, or a new one that lives in
    /// its cookie alone (the link's token is swapped for it). Writes nothing but the
    /// invitation's first `invitation.opened`: mail scanners open links by the dozen.
    /// `invitation` is the one the link names (`peek_link`), read first so that the
    /// invitation's rate limit is checked before this writes anything.
    pub async fn open_link(
        &self,
        invitation: Invitation,
        cookie: Option<&Secret<String>>,
    ) -> GuestResult<Guest> {
        if let Some(cookie) = cookie
            && let Ok(guest) = self.guest_session(cookie).await
            && guest.invitation.id == invitation.id
        {
            return Ok(guest);
        }
        let now = self.now();
        let cookie = GuestCookie::new(invitation.id, &invitation.language, now + SESSION_TTL);
        if invitation.opened_at.is_none() {
            let opened = self
                .invitation_event(&invitation, EventType::InvitationOpened)
                .await?;
            self.store
                .mark_invitation_opened(invitation.id, now, &opened)
                .await?;
        }
        Ok(Guest {
            session: GuestSession::unstored(
                cookie.id_hash(),
                invitation.id,
                &cookie.language,
                cookie.expires_at,
            ),
            invitation,
            cookie: cookie.seal(&self.keyring)?,
            cookie_changed: true,
        })
    }

    /// The live session a cookie carries, on an invitation that can still be used: its row,
    /// or what the signed cookie says while it has none. Revoking the invitation ends it at
    /// once; a session replaced by a proof is over.
    pub async fn guest_session(&self, cookie: &Secret<String>) -> GuestResult<Guest> {
        let opened = GuestCookie::open(cookie, &self.keyring)?.ok_or(GuestError::SessionEnded)?;
        let now = self.now();
        if now >= opened.expires_at {
            return Err(GuestError::SessionEnded);
        }
        let id_hash = opened.id_hash();
        let (session, invitation) = self
            .store
            .get_guest_session(&id_hash, opened.invitation_id)
            .await?
            .ok_or(GuestError::SessionEnded)?;
        let session = session.unwrap_or_else(|| {
            GuestSession::unstored(id_hash, invitation.id, &opened.language, opened.expires_at)
        });
        if !session.is_live(now) {
            return Err(GuestError::SessionEnded);
        }
        self.usable(&invitation)?;
        Ok(Guest {
            session,
            invitation,
            cookie: cookie.clone(),
            cookie_changed: false,
        })
    }

    /// Switches the session's language: in its row, or in a new cookie while it has none.
    pub async fn set_guest_language(&self, guest: &mut Guest, language: &str) -> GuestResult<()> {
        let language = crate::i18n::language(language);
        if guest.session.language == language {
            return Ok(());
        }
        if guest.session.stored {
            self.store
                .set_session_language(&guest.session.id_hash, language)
                .await?;
        } else {
            let mut cookie =
                GuestCookie::open(&guest.cookie, &self.keyring)?.ok_or(GuestError::SessionEnded)?;
            cookie.language = language.to_string();
            guest.cookie = cookie.seal(&self.keyring)?;
            guest.cookie_changed = true;
        }
        guest.session.language = language.to_string();
        Ok(())
    }

    /// What every POST passes before its use case: the step's lock (a read; a locked step
    /// writes nothing), then the session's row for the pick, which writes into it. The email
    /// step stores the session with its first code, after the code limits; a submission
    /// stores it with what it writes (the use, or the failed check's count), so that it waits
    /// on one commit, and an invalid form writes nothing; a code typed in a session without a
    /// row has nothing to match and writes nothing.
    pub async fn enter_step(&self, guest: &mut Guest, step: Step) -> GuestResult<()> {
        let scope = match step {
            Step::Email | Step::Code => Some(LockScope::Email),
            Step::Submit => Some(LockScope::Form),
            Step::Pick => None,
        };
        if let Some(scope) = scope {
            self.check_lock(guest, scope).await?;
        }
        if step == Step::Pick {
            self.store_session(guest).await?;
        }
        Ok(())
    }

    /// Fails with the lock's page while the invitation's `scope` is locked: a locked step is
    /// neither shown nor taken.
    pub async fn check_lock(&self, guest: &Guest, scope: LockScope) -> GuestResult<()> {
        let until = self
            .store
            .invitation_lock(guest.invitation.id, scope)
            .await?;
        match until {
            Some(end) if is_locked(until, self.now()) => Err(self.locked(guest, scope, end)),
            _ => Ok(()),
        }
    }

    /// Writes the session's row if it has none yet.
    async fn store_session(&self, guest: &mut Guest) -> GuestResult<()> {
        if !guest.session.stored {
            self.store.create_guest_session(&guest.session).await?;
            guest.session.stored = true;
        }
        Ok(())
    }

    fn locked(
        &self,
        guest: &Guest,
        scope: LockScope,
        until: chrono::DateTime<chrono::Utc>,
    ) -> GuestError {
        GuestError::Locked {
            scope,
            left: until - self.now(),
            language: guest.session.language.clone(),
        }
    }

    /// The `invitation.locked` event a count may write, ready before the count.
    async fn locked_event(&self, guest: &Guest, scope: LockScope) -> GuestResult<NewEvent> {
        let mut event = self
            .invitation_event(&guest.invitation, EventType::InvitationLocked)
            .await?;
        event.event.data["lock"] = serde_json::json!({
            "scope": scope.as_str(),
            "locked_until": lock_end(self.now()),
        });
        Ok(event)
    }

    fn attempt(&self, guest: &Guest, kind: AttemptKind, email: Option<&str>) -> GuestAttempt {
        GuestAttempt {
            id: Uuid::now_v7(),
            invitation_id: guest.invitation.id,
            kind,
            email_hash: email.map(|e| sha256(e.to_ascii_lowercase().as_bytes())),
            at: self.now(),
        }
    }

    /// Counts a failed connector check against the invitation's form, with its
    /// `connection.check_failed` event (the invitation, the connector, the category, the end
    /// user and the check's detail, which holds no secret) in the same transaction; the tenth within the
    /// hour locks the form (`invitation.locked`), and the guest is told so. A check that never
    /// ran (every slot busy) is not the guest's failure and is not counted.
    pub async fn count_failed_check(
        &self,
        guest: &Guest,
        spec: &ConnectorSpec,
        failure: &CheckFailure,
    ) -> GuestResult<()> {
        if failure.reason == Reason::Busy {
            return Ok(());
        }
        let invitation = &guest.invitation;
        let failed = NewEvent::new(
            invitation.account_id,
            EventType::ConnectionCheckFailed,
            self.now(),
            serde_json::json!({
                "invitation_id": invitation.id,
                "connection_id": invitation.connection_id,
                "connector": spec.id,
                "category": invitation.category.as_deref().or(spec.categories.first().map(String::as_str)),
                "end_user": invitation.end_user,
                "reason": failure.reason.code(),
                "detail": failure.detail,
            }),
        );
        let locked = self.locked_event(guest, LockScope::Form).await?;
        let attempt = self.attempt(guest, AttemptKind::FailedCheck, None);
        match self
            .store
            .take_attempt(
                &attempt,
                &FAILED_CHECKS,
                &[failed],
                &locked,
                guest.session.row_to_store(),
            )
            .await?
        {
            Counted::Yes {
                locked_until: None, ..
            } => Ok(()),
            Counted::Yes {
                locked_until: Some(until),
                ..
            }
            | Counted::Refused {
                locked_until: Some(until),
            } => Err(self.locked(guest, LockScope::Form, until)),
            // A locking limit refuses only with a lock.
            Counted::Refused { locked_until: None } => Ok(()),
        }
    }

    /// Sends a code to `email` if the invitation allows it. Whatever the address, the same
    /// outcome comes back and the same row is written (a code that was never sent for an
    /// address that is not allowed), so the page reveals nothing.
    pub async fn request_code(&self, guest: &mut Guest, email: &str) -> GuestResult<CodeRequest> {
        let Some(address) = Email::parse(email.trim()) else {
            return Ok(CodeRequest::InvalidEmail);
        };
        let email = address.as_str();
        let now = self.now();
        if guest.session.stored
            && let Some(previous) = self.store.get_email_code(&guest.session.id_hash).await?
            && !previous.may_resend(now)
        {
            return Ok(CodeRequest::TooSoon);
        }
        // The limit before anything is written; the save below counts again, atomically.
        let sent = self.attempt(guest, AttemptKind::CodeSent, Some(email));
        let asked = self
            .store
            .count_attempts(
                guest.invitation.id,
                AttemptKind::CodeSent,
                sent.email_hash.as_deref(),
                CODES_PER_ADDRESS.window_start(now),
            )
            .await?;
        if CODES_PER_ADDRESS.reached(asked) {
            return Ok(CodeRequest::TooMany);
        }
        self.store_session(guest).await?;
        let session_hash = &guest.session.id_hash;
        let code = numeric_code(CODE_DIGITS);
        // Once proven, the address is recorded as the owner listed it; the page keeps showing
        // what the guest typed, so the spelling reveals nothing.
        let listed = guest
            .invitation
            .allowed_emails
            .iter()
            .find(|allowed| address.is(allowed));
        let stored = EmailCode {
            email: listed.map_or(email, String::as_str).to_string(),
            code_hash: email_code_hash(session_hash, code.expose()),
            attempts: 0,
            created_at: now,
            expires_at: now + CODE_TTL,
        };
        let lang = &guest.session.language;
        // An invitation without `allowed_emails` has nothing to prove: no code is mailed, or
        // anyone holding the link could make Portico mail any address.
        let message = if !guest.invitation.allowed_emails.is_empty()
            && guest.invitation.allows_email(&address)
        {
            self.compose_email(
                Draft {
                    account_id: guest.invitation.account_id,
                    to: email,
                    subject: t(lang, "mail-code-subject"),
                    text: format!(
                        "{}\n\n{}",
                        t_args(
                            lang,
                            "mail-code-body",
                            &[("code", code.expose().as_str().into())],
                        ),
                        t_args(
                            lang,
                            "mail-code-context",
                            &[(
                                "connection",
                                guest.invitation.connection_name.as_str().into()
                            )],
                        )
                    ),
                    brand: self.guest_mail_brand(guest).await?,
                },
                now,
            )?
        } else {
            None
        };
        match self
            .store
            .save_email_code(
                session_hash,
                email,
                &stored,
                now - RESEND_INTERVAL,
                message.as_ref(),
                &sent,
                &CODES_PER_ADDRESS,
            )
            .await?
        {
            CodeSaved::Saved => {}
            CodeSaved::TooSoon => return Ok(CodeRequest::TooSoon),
            CodeSaved::TooMany => return Ok(CodeRequest::TooMany),
            CodeSaved::Locked(until) => return Err(self.locked(guest, LockScope::Email, until)),
        }
        if message.is_some() {
            self.mail_queued();
        }
        Ok(CodeRequest::Sent)
    }

    /// Checks a code; the right code for an allowed address proves it, and the session is
    /// replaced by a new one (a new cookie: whoever planted the old one gains nothing). Every
    /// try counts against the session's code and, before it is judged, against the
    /// invitation's wrong codes; the tenth wrong one locks the email step.
    pub async fn verify_code(
        &self,
        guest: &mut Guest,
        code: &str,
    ) -> GuestResult<Option<CodeCheck>> {
        if !guest.session.stored {
            return Ok(None);
        }
        let session_hash = guest.session.id_hash;
        let Some(stored) = self.store.get_email_code(&session_hash).await? else {
            return Ok(None);
        };
        let now = self.now();
        // An expired or locked code is refused without taking a try.
        if let outcome @ (CodeCheck::Expired | CodeCheck::Locked) = stored.check(false, now) {
            return Ok(Some(outcome));
        }
        // Take a try before judging, atomically, so concurrent guesses cannot all be judged
        // against the same count.
        let Some(attempts) = self
            .store
            .take_code_attempt(&session_hash, MAX_CODE_ATTEMPTS)
            .await?
        else {
            return Ok(Some(CodeCheck::Locked));
        };
        // And one of the invitation's, across sessions and nodes.
        let locked = self.locked_event(guest, LockScope::Email).await?;
        let tried = self.attempt(guest, AttemptKind::CodeTried, None);
        let before = match self
            .store
            .take_attempt(&tried, &WRONG_CODES, &[], &locked, None)
            .await?
        {
            Counted::Yes { before, .. } => before,
            Counted::Refused { locked_until } => {
                let until = locked_until.unwrap_or_else(|| lock_end(now));
                return Err(self.locked(guest, LockScope::Email, until));
            }
        };
        let stored = EmailCode { attempts, ..stored };
        let matches = same_secret(
            &email_code_hash(&session_hash, code.trim()),
            &stored.code_hash,
        ) && Email::parse(&stored.email)
            .is_some_and(|e| guest.invitation.allows_email(&e));
        let outcome = stored.check(matches, now);
        match outcome {
            CodeCheck::Correct => self.prove(guest, stored.email, tried.id).await?,
            CodeCheck::Wrong { .. } if WRONG_CODES.reached(before + 1) => {
                if let Some(until) = self
                    .store
                    .lock_if_reached(guest.invitation.id, &WRONG_CODES, now, &locked)
                    .await?
                {
                    return Err(self.locked(guest, LockScope::Email, until));
                }
            }
            CodeCheck::Wrong { .. } | CodeCheck::Expired | CodeCheck::Locked => {}
        }
        Ok(Some(outcome))
    }

    /// Replaces the session by a new one with `email` proven: a new random id (and cookie)
    /// with the old one's invitation, language, pick and end.
    async fn prove(&self, guest: &mut Guest, email: String, tried: Uuid) -> GuestResult<()> {
        let mut event = self
            .invitation_event(&guest.invitation, EventType::InvitationEmailVerified)
            .await?;
        event.event.data["email"] = Value::String(email.clone());
        let cookie = GuestCookie::new(
            guest.invitation.id,
            &guest.session.language,
            guest.session.expires_at,
        );
        let session = GuestSession {
            id_hash: cookie.id_hash(),
            verified_email: Some(email),
            pending_email: None,
            created_at: self.now(),
            ..guest.session.clone()
        };
        if !self
            .store
            .verify_session_email(&guest.session.id_hash, &session, tried, self.now(), &event)
            .await?
        {
            return Err(GuestError::SessionEnded);
        }
        guest.session = session;
        guest.cookie = cookie.seal(&self.keyring)?;
        guest.cookie_changed = true;
        Ok(())
    }

    /// The connector the guest configures: the invitation's, or the one picked for its
    /// category; `None` while the guest has yet to pick.
    pub fn guest_connector(&self, guest: &Guest) -> Option<&ConnectorSpec> {
        guest
            .session
            .connector(&guest.invitation)
            .and_then(|id| self.catalog.get(id))
    }

    /// The connectors a guest may pick from for a category invitation, by name.
    pub fn guest_choices(&self, guest: &Guest) -> Vec<&ConnectorSpec> {
        let Some(category) = &guest.invitation.category else {
            return Vec::new();
        };
        let mut choices: Vec<&ConnectorSpec> = self
            .catalog
            .all()
            .filter(|spec| spec.categories.contains(category))
            .filter(|spec| spec.directions.contains(&guest.invitation.direction))
            // Until its guests can sign in at the vendor (issue 15), an OAuth connector is
            // not offered: its form is refused.
            .filter(|spec| spec.oauth2.is_none())
            .collect();
        choices.sort_by_key(|spec| spec.name.to_lowercase());
        choices
    }

    /// Records the guest's pick; only a connector of the invitation's category, and only while
    /// the invitation names none.
    pub async fn pick_connector(&self, guest: &mut Guest, connector: &str) -> GuestResult<bool> {
        if guest.invitation.connector.is_some()
            || !self
                .guest_choices(guest)
                .iter()
                .any(|spec| spec.id == connector)
        {
            return Ok(false);
        }
        self.store
            .set_session_connector(&guest.session.id_hash, connector)
            .await?;
        guest.session.connector = Some(connector.to_string());
        Ok(true)
    }

    /// Values to show in the form before the guest typed anything: the connection's current
    /// non-secret config (for a reconnect), then the invitation's prefill.
    pub async fn form_values(&self, guest: &Guest) -> GuestResult<Map<String, Value>> {
        let mut values = Map::new();
        if let Some(id) = guest.invitation.connection_id
            && let Some(c) = self
                .store
                .get_connection(guest.invitation.account_id, id)
                .await?
        {
            values.extend(c.config);
        }
        values.extend(guest.invitation.prefill.clone());
        Ok(values)
    }

    /// Validates, checks the credentials with the connector, then uses the invitation and
    /// writes the connection in one transaction. Nothing is stored unless all of it succeeds.
    pub async fn submit(&self, guest: &Guest, form: &[(String, String)]) -> GuestResult<Submitted> {
        let invitation = &guest.invitation;
        if guest.session.needs_email_proof(invitation) {
            return Err(GuestError::StepSkipped);
        }
        let spec = self.guest_connector(guest).ok_or(GuestError::StepSkipped)?;
        // An OAuth connector's credentials come from the vendor, never from a form.
        if spec.oauth2.is_some() {
            return Err(GuestError::StepSkipped);
        }
        let form = GuestForm::parse(spec, invitation, form);
        if !form.forged_locked.is_empty() {
            let problems = form
                .forged_locked
                .into_iter()
                .map(|field| FormProblem {
                    field,
                    code: "locked",
                    min: None,
                    max: None,
                })
                .collect();
            return Ok(Submitted::Invalid {
                problems,
                shown: form.shown,
            });
        }
        let config = match spec.validate_detailed(&form.config) {
            Ok(config) => config,
            Err(problems) => {
                return Ok(Submitted::Invalid {
                    problems: problems.into_iter().map(FormProblem::from).collect(),
                    shown: form.shown,
                });
            }
        };
        if let Err(failure) = self.checker.run(spec, &config).await {
            self.count_failed_check(guest, spec, &failure).await?;
            return Ok(Submitted::CheckFailed {
                failure,
                shown: form.shown,
            });
        }

        let now = self.now();
        let last_check = Some(LastCheck {
            status: CheckStatus::Ok,
            checked_at: now,
            message: None,
        });
        let (connection, kind) = match invitation.kind {
            InvitationKind::CreateConnection => {
                let id = Uuid::now_v7();
                let (data_key, wrapped) = self
                    .keyring
                    .new_data_key(&binding::connection_data_key(invitation.account_id, id))?;
                let connection = Connection {
                    id,
                    account_id: invitation.account_id,
                    connector: spec.id.clone(),
                    direction: invitation.direction,
                    name: invitation.connection_name.clone(),
                    config: config.plain,
                    secrets: Self::seal_secrets(
                        invitation.account_id,
                        id,
                        &data_key,
                        &config.secrets,
                    ),
                    data_key: wrapped,
                    end_user: invitation.end_user.clone(),
                    metadata: Map::new(),
                    invitation_id: Some(invitation.id),
                    last_check,
                    created_at: now,
                    updated_at: now,
                    remote_environment: invitation.remote_environment.clone(),
                    enabled: true,
                };
                (connection, EventType::ConnectionCreated)
            }
            InvitationKind::EditConnection => {
                let gone = || GuestError::ConnectionGone {
                    language: guest.session.language.clone(),
                };
                let id = invitation.connection_id.ok_or_else(gone)?;
                let mut connection = self
                    .store
                    .get_connection(invitation.account_id, id)
                    .await?
                    .ok_or_else(gone)?;
                let (data_key, wrapped) = self
                    .keyring
                    .new_data_key(&binding::connection_data_key(invitation.account_id, id))?;
                connection.config = config.plain;
                connection.secrets =
                    Self::seal_secrets(invitation.account_id, id, &data_key, &config.secrets);
                connection.data_key = wrapped;
                connection.last_check = last_check;
                connection.updated_at = now;
                (connection, EventType::ConnectionUpdated)
            }
        };
        let changed = NewEvent::new(
            invitation.account_id,
            kind,
            now,
            to_json(&ConnectionObject::from(&connection)),
        );
        // Built before the write; stored only if this use takes the last one.
        let mut used = invitation.clone();
        used.use_count += 1;
        let mut fulfilled = self
            .invitation_event(&used, EventType::InvitationFulfilled)
            .await?;
        if let Some(created) = fulfilled.event.data["created_connections"].as_array_mut()
            && kind == EventType::ConnectionCreated
        {
            created.push(serde_json::json!({
                "id": connection.id, "name": connection.name,
                "connector": connection.connector, "created_at": connection.created_at,
            }));
        }
        let write = match kind {
            EventType::ConnectionCreated => ConnectionWrite::Create(&connection),
            _ => ConnectionWrite::Update(&connection),
        };
        let (result, result_code) = Self::mint_result(invitation, connection.id, now);
        let used = self
            .store
            .use_invitation(InvitationUse {
                invitation_id: invitation.id,
                at: now,
                write,
                result: &result_code,
                events: &[changed],
                fulfilled: &fulfilled,
                session: guest.session.row_to_store(),
            })
            .await?;
        match used {
            Use::Used(_) => {}
            Use::ConnectionGone => {
                return Err(GuestError::ConnectionGone {
                    language: guest.session.language.clone(),
                });
            }
            Use::Refused => {
                // Another submission took the last use (or the owner revoked) meanwhile.
                let status = self
                    .store
                    .get_invitation(invitation.account_id, invitation.id)
                    .await?
                    .map(|i| i.status(now))
                    .unwrap_or(InvitationStatus::Revoked);
                return Err(GuestError::Gone {
                    status,
                    language: guest.session.language.clone(),
                    account_id: invitation.account_id,
                });
            }
        }
        let redirect = invitation.redirect_url.as_deref().map(|url| {
            let mut url = url::Url::parse(url).expect("redirect_url was validated");
            url.query_pairs_mut()
                .append_pair("connection_id", &connection.id.to_string())
                .append_pair("status", "success")
                .append_pair("result", result.expose());
            url.to_string()
        });
        Ok(Submitted::Done {
            connection_id: connection.id,
            result,
            redirect,
        })
    }
}
