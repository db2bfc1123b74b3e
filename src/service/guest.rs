//! The guest's use cases: open a link, prove an email address, submit the form. Every rule
//! (status, expiry, use counting, email proof) is the domain's; this only sequences them.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::mail::Draft;
use super::views::{ConnectionObject, InvitationObject, to_json};
use super::{Portico, ServiceError};
use crate::checks::CheckFailure;
use crate::crypto::token::{numeric_code, random_token, sha256};
use crate::domain::connection::{CheckStatus, Connection, LastCheck};
use crate::domain::connector::{ConfigProblem, ConnectorSpec, FieldProblem};
use crate::domain::event::{EventType, NewEvent};
use crate::domain::guest::{
    CODE_DIGITS, CODE_TTL, CodeCheck, EmailCode, GuestSession, MAX_CODE_ATTEMPTS, RESEND_INTERVAL,
    SESSION_TTL, config_from_form,
};
use crate::domain::invitation::{Invitation, InvitationKind, InvitationStatus, is_email};
use crate::i18n::{Arg, t, t_args};
use crate::secret::Secret;
use crate::store::{ConnectionWrite, Use};

/// Why a guest request cannot go on; each has its own page.
#[derive(Debug, thiserror::Error)]
pub enum GuestError {
    #[error("unknown link")]
    UnknownLink,
    #[error("the invitation is {}", .status.as_str())]
    Gone {
        status: InvitationStatus,
        language: String,
    },
    #[error("no live guest session")]
    SessionEnded,
    /// The connection a reconnect invitation is for was deleted.
    #[error("the connection no longer exists")]
    ConnectionGone { language: String },
    /// A POST for a later step: the email address is not proven, or no connector is picked.
    #[error("a step was skipped")]
    StepSkipped,
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
}

/// The outcome of asking for a code. The page says the same for allowed and other addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeRequest {
    Sent,
    InvalidEmail,
    TooSoon,
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
        /// Where to send the guest, with `connection_id` and `status` in the query.
        redirect: Option<String>,
    },
    /// Nothing was stored; the form comes back with these problems.
    Invalid(Vec<FormProblem>),
    /// The check failed (or could not run); nothing was stored.
    CheckFailed(CheckFailure),
}

/// Compares two hashes without leaking where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn code_hash(session_hash: &[u8], code: &str) -> Vec<u8> {
    let mut input = session_hash.to_vec();
    input.extend_from_slice(code.as_bytes());
    sha256(&input)
}

impl Portico {
    fn usable(&self, invitation: &Invitation) -> GuestResult<()> {
        match invitation.status(self.now()) {
            InvitationStatus::Active => Ok(()),
            status => Err(GuestError::Gone {
                status,
                language: invitation.language.clone(),
            }),
        }
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
            .find_invitation_by_token(&sha256(token.as_bytes()))
            .await?
            .ok_or(GuestError::UnknownLink)?;
        self.usable(&invitation)?;
        Ok(invitation)
    }

    /// Opens a link: the guest's existing session for this invitation, or a new one whose
    /// cookie value is returned (the link's token is swapped for it).
    pub async fn open_link(
        &self,
        token: &str,
        cookie: Option<&Secret<String>>,
    ) -> GuestResult<(Guest, Option<Secret<String>>)> {
        let invitation = self.peek_link(token).await?;
        if let Some(cookie) = cookie
            && let Ok(guest) = self.guest_session(cookie).await
            && guest.invitation.id == invitation.id
        {
            return Ok((guest, None));
        }
        let cookie = random_token();
        let now = self.now();
        let session = GuestSession {
            id_hash: sha256(cookie.expose().as_bytes()),
            invitation_id: invitation.id,
            language: invitation.language.clone(),
            verified_email: None,
            pending_email: None,
            connector: None,
            created_at: now,
            expires_at: now + SESSION_TTL,
        };
        let opened = match invitation.opened_at {
            Some(_) => None,
            None => Some(
                self.invitation_event(&invitation, EventType::InvitationOpened)
                    .await?,
            ),
        };
        self.store
            .create_guest_session(&session, opened.as_ref())
            .await?;
        Ok((
            Guest {
                session,
                invitation,
            },
            Some(cookie),
        ))
    }

    /// The live session a cookie carries, on an invitation that can still be used. Revoking
    /// the invitation ends it at once.
    pub async fn guest_session(&self, cookie: &Secret<String>) -> GuestResult<Guest> {
        let (session, invitation) = self
            .store
            .get_guest_session(&sha256(cookie.expose().as_bytes()))
            .await?
            .ok_or(GuestError::SessionEnded)?;
        if !session.is_live(self.now()) {
            return Err(GuestError::SessionEnded);
        }
        self.usable(&invitation)?;
        Ok(Guest {
            session,
            invitation,
        })
    }

    pub async fn set_guest_language(&self, guest: &mut Guest, language: &str) -> GuestResult<()> {
        let language = crate::i18n::language(language);
        if guest.session.language != language {
            self.store
                .set_session_language(&guest.session.id_hash, language)
                .await?;
            guest.session.language = language.to_string();
        }
        Ok(())
    }

    /// Sends a code to `email` if the invitation allows it. Whatever the address, the same
    /// outcome comes back and the same row is written (a code that was never sent for an
    /// address that is not allowed), so the page reveals nothing.
    pub async fn request_code(&self, guest: &Guest, email: &str) -> GuestResult<CodeRequest> {
        let email = email.trim();
        if !is_email(email) {
            return Ok(CodeRequest::InvalidEmail);
        }
        let now = self.now();
        let session_hash = &guest.session.id_hash;
        if let Some(previous) = self.store.get_email_code(session_hash).await?
            && !previous.may_resend(now)
        {
            return Ok(CodeRequest::TooSoon);
        }
        let code = numeric_code(CODE_DIGITS);
        // Once proven, the address is recorded as the owner listed it; the page keeps showing
        // what the guest typed, so the spelling reveals nothing.
        let listed = guest
            .invitation
            .allowed_emails
            .iter()
            .find(|allowed| allowed.eq_ignore_ascii_case(email));
        let stored = EmailCode {
            email: listed.map_or(email, String::as_str).to_string(),
            code_hash: code_hash(session_hash, code.expose()),
            attempts: 0,
            created_at: now,
            expires_at: now + CODE_TTL,
        };
        let lang = &guest.session.language;
        // An invitation without `allowed_emails` has nothing to prove: no code is mailed, or
        // anyone holding the link could make Portico mail any address.
        let message = if !guest.invitation.allowed_emails.is_empty()
            && guest.invitation.allows_email(email)
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
                },
                now,
            )?
        } else {
            None
        };
        if !self
            .store
            .save_email_code(
                session_hash,
                email,
                &stored,
                now - RESEND_INTERVAL,
                message.as_ref(),
            )
            .await?
        {
            return Ok(CodeRequest::TooSoon);
        }
        if message.is_some() {
            self.mail_queued();
        }
        Ok(CodeRequest::Sent)
    }

    /// Checks a code; the right code for an allowed address proves it for this session.
    pub async fn verify_code(
        &self,
        guest: &mut Guest,
        code: &str,
    ) -> GuestResult<Option<CodeCheck>> {
        let session_hash = guest.session.id_hash.clone();
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
        let stored = EmailCode { attempts, ..stored };
        let matches = same(&code_hash(&session_hash, code.trim()), &stored.code_hash)
            && guest.invitation.allows_email(&stored.email);
        let outcome = stored.check(matches, now);
        match outcome {
            CodeCheck::Correct => {
                let mut event = self
                    .invitation_event(&guest.invitation, EventType::InvitationEmailVerified)
                    .await?;
                event.event.data["email"] = Value::String(stored.email.clone());
                self.store
                    .verify_session_email(&session_hash, &stored.email, &event)
                    .await?;
                guest.session.verified_email = Some(stored.email);
            }
            CodeCheck::Wrong { .. } | CodeCheck::Expired | CodeCheck::Locked => {}
        }
        Ok(Some(outcome))
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
        let config = match config_from_form(spec, invitation, form) {
            Ok(config) => config,
            Err(locked) => {
                return Ok(Submitted::Invalid(
                    locked
                        .into_iter()
                        .map(|field| FormProblem {
                            field,
                            code: "locked",
                            min: None,
                            max: None,
                        })
                        .collect(),
                ));
            }
        };
        let config = match spec.validate_detailed(&config) {
            Ok(config) => config,
            Err(problems) => {
                return Ok(Submitted::Invalid(
                    problems.into_iter().map(FormProblem::from).collect(),
                ));
            }
        };
        if let Err(failure) = self.checker.run(spec, &config).await {
            return Ok(Submitted::CheckFailed(failure));
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
                    .new_data_key(&Connection::data_key_binding(invitation.account_id, id))?;
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
                    .new_data_key(&Connection::data_key_binding(invitation.account_id, id))?;
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
        let used = self
            .store
            .use_invitation(invitation.id, now, write, &[changed], &fulfilled)
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
                });
            }
        }
        let redirect = invitation.redirect_url.as_deref().map(|url| {
            let mut url = url::Url::parse(url).expect("redirect_url was validated");
            url.query_pairs_mut()
                .append_pair("connection_id", &connection.id.to_string())
                .append_pair("status", "success");
            url.to_string()
        });
        Ok(Submitted::Done {
            connection_id: connection.id,
            redirect,
        })
    }
}
