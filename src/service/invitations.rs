//! Creating, reading, listing, revoking and resending invitations.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::mail::Draft;
use super::views::{InvitationObject, to_json};
use super::{Conflict, Portico, Resource, ServiceError, ServiceResult};
use crate::crypto::binding;
use crate::crypto::token::{random_token, sha256};
use crate::domain::branding::Branding;
use crate::domain::event::{EventType, NewEvent};
use crate::domain::invitation::{
    Invitation, InvitationKind, Limits, NewInvitation, OnDuplicate, Target,
};
use crate::domain::values::TokenHash;
use crate::i18n::{Arg, t_args};
use crate::store::{
    CreatedConnection, IdempotentResponse, Inserted, InvitationFilter, OutboxEmail, Page,
};

/// An `Idempotency-Key` header and the hash of the request body it came with.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub key: String,
    pub request_hash: Vec<u8>,
}

impl Idempotency {
    /// Keys are the client's: at most 255 visible ASCII characters.
    pub fn new(key: &str, canonical_body: &[u8]) -> ServiceResult<Idempotency> {
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ServiceError::invalid(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            ));
        }
        Ok(Idempotency {
            key: key.to_string(),
            request_hash: sha256(canonical_body),
        })
    }

    fn binding(&self, account_id: Uuid) -> Vec<u8> {
        binding::idempotent_reply(account_id, &self.key)
    }
}

/// What a create or a resend stores and answers.
struct Prepared {
    invitation: Invitation,
    token_hash: TokenHash,
    event: NewEvent,
    created: InvitationObject,
    emails: Vec<OutboxEmail>,
}

/// A created invitation, and whether it is the replay of an earlier identical request.
pub struct CreatedInvitation {
    pub invitation: InvitationObject,
    pub replayed: bool,
}

impl Portico {
    pub async fn create_invitation(
        &self,
        account_id: Uuid,
        request: NewInvitation,
        idempotency: Option<Idempotency>,
    ) -> ServiceResult<CreatedInvitation> {
        if let Some(idem) = &idempotency
            && let Some(earlier) = self.replay(account_id, idem).await?
        {
            return Ok(earlier);
        }
        let request = self.apply_on_duplicate(account_id, request).await?;
        let now = self.now();
        let prepared = self
            .prepare_invitation(account_id, request, now, None)
            .await?;
        let Prepared {
            invitation,
            token_hash,
            event,
            created,
            emails,
        } = prepared;

        let stored_reply = match &idempotency {
            Some(idem) => {
                let (data_key, wrapped) = self.keyring.new_data_key(&idem.binding(account_id))?;
                let body = serde_json::to_string(&created).expect("invitation serialises");
                Some(IdempotentResponse {
                    key: idem.key.clone(),
                    request_hash: idem.request_hash.clone(),
                    status: 201,
                    data_key: wrapped,
                    sealed_response: data_key.seal_str(&idem.binding(account_id), &body),
                    created_at: now,
                })
            }
            None => None,
        };
        let inserted = self
            .store
            .insert_invitation(
                &invitation,
                &token_hash,
                &[event],
                &emails,
                stored_reply.as_ref(),
            )
            .await?;
        if inserted == Inserted::Yes && !emails.is_empty() {
            self.mail_queued();
        }
        match (inserted, &idempotency) {
            (Inserted::Yes, _) => Ok(CreatedInvitation {
                invitation: created,
                replayed: false,
            }),
            (Inserted::KeyTaken, Some(idem)) => self
                .replay(account_id, idem)
                .await?
                .ok_or_else(|| ServiceError::Conflict(Conflict::IdempotencyKeyInUse)),
            (Inserted::KeyTaken, None) => {
                Err(ServiceError::Conflict(Conflict::IdempotencyKeyInUse))
            }
        }
    }

    /// A validated invitation of `request`, with a fresh id and token, its
    /// `invitation.created` event, its creation answer (`token` and `url`) and the emails that
    /// carry the link when it is to be sent: what a create and a resend store.
    async fn prepare_invitation(
        &self,
        account_id: Uuid,
        request: NewInvitation,
        now: DateTime<Utc>,
        renewed_from: Option<Uuid>,
    ) -> ServiceResult<Prepared> {
        let edited = match (request.kind, request.connection_id) {
            (InvitationKind::EditConnection, Some(id)) => {
                let connection = self.store.get_connection(account_id, id).await?;
                if connection.is_none() {
                    return Err(ServiceError::invalid(
                        "connection_id",
                        "is not a connection of this account",
                    ));
                }
                connection
            }
            _ => None,
        };
        let target = match (request.kind, &edited) {
            (InvitationKind::EditConnection, Some(c)) => Target::Edit {
                spec: self
                    .catalog
                    .get(&c.connector)
                    .ok_or(ServiceError::NotFound(Resource::Connector))?,
                direction: c.direction,
                name: c.name.clone(),
            },
            (InvitationKind::EditConnection, None) => {
                return Err(ServiceError::invalid("connection_id", "is required"));
            }
            (InvitationKind::CreateConnection, _) => Target::Create {
                spec: request
                    .connector
                    .as_deref()
                    .and_then(|id| self.catalog.get(id)),
                categories: self.catalog.categories(),
            },
        };
        let draft = request
            .validate(target, now, self.invitation_limits())
            .map_err(ServiceError::Invalid)?;
        if let Some(connector) = &draft.connector {
            self.require_oauth_app(account_id, connector).await?;
        }

        let token = random_token();
        let invitation = Invitation {
            id: Uuid::now_v7(),
            account_id,
            kind: draft.kind,
            connector: draft.connector,
            category: draft.category,
            remote_environment: draft.remote_environment,
            direction: draft.direction,
            connection_id: draft.connection_id,
            connection_name: draft.connection_name,
            allowed_emails: draft.allowed_emails,
            expires_at: draft.expires_at,
            max_uses: draft.max_uses,
            use_count: 0,
            language: draft.language,
            prefill: draft.prefill,
            locked_fields: draft.locked_fields,
            end_user: draft.end_user,
            redirect_url: draft.redirect_url,
            send_email: draft.send_email,
            metadata: draft.metadata,
            created_at: now,
            revoked_at: None,
            opened_at: None,
            renewal_requested_at: None,
            renewed_from,
        };
        let public = InvitationObject::new(&invitation, now, &[]);
        let event = NewEvent::new(
            account_id,
            EventType::InvitationCreated,
            now,
            to_json(&public),
        );
        let mut created = public;
        let url = format!("{}/g/{}", self.settings.public_url, token.expose());
        let emails = if invitation.send_email {
            let branding = self
                .store
                .get_account(account_id)
                .await?
                .map(|a| a.branding)
                .unwrap_or_default();
            self.invitation_emails(&invitation, &url, &branding)?
        } else {
            Vec::new()
        };
        created.url = Some(url);
        created.token = Some(token.expose().clone());
        Ok(Prepared {
            token_hash: TokenHash::of(token.expose().as_bytes()),
            invitation,
            event,
            created,
            emails,
        })
    }

    /// The server's limits on a new invitation.
    fn invitation_limits(&self) -> Limits {
        Limits {
            max_lifetime_seconds: self
                .settings
                .max_invitation_lifetime
                .map(|d| d.as_secs() as i64),
        }
    }

    /// Resends an invitation: a new one with the old one's settings and lifetime
    /// (`Invitation::resend_request`, validated as any create), `renewed_from` the old one,
    /// its link emailed; the old one is revoked in the same transaction (its token and guest
    /// sessions end), unless it already was, and its open renewal request is answered
    /// (cleared). Events: `invitation.created` (showing `renewed_from`) and, when this revoked
    /// it, `invitation.revoked`.
    pub async fn resend_invitation(
        &self,
        account_id: Uuid,
        id: Uuid,
    ) -> ServiceResult<CreatedInvitation> {
        let old = self
            .store
            .get_invitation(account_id, id)
            .await?
            .ok_or(ServiceError::NotFound(Resource::Invitation))?;
        let now = self.now();
        let request = old.resend_request(self.invitation_limits());
        let prepared = self
            .prepare_invitation(account_id, request, now, Some(old.id))
            .await?;
        // The old one as this leaves it: revoked, its request answered.
        let revoked = self
            .revoked_event(
                Invitation {
                    renewal_requested_at: None,
                    ..old
                },
                now,
            )
            .await?;
        self.store
            .resend_invitation(
                &prepared.invitation,
                &prepared.token_hash,
                &[prepared.event],
                &revoked,
                &prepared.emails,
            )
            .await?;
        if !prepared.emails.is_empty() {
            self.mail_queued();
        }
        Ok(CreatedInvitation {
            invitation: prepared.created,
            replayed: false,
        })
    }

    /// The `invitation.revoked` event of `invitation` revoked at `now`.
    async fn revoked_event(
        &self,
        mut invitation: Invitation,
        now: DateTime<Utc>,
    ) -> ServiceResult<NewEvent> {
        invitation.revoked_at = Some(now);
        let created = self.created_connections(&[&invitation]).await?;
        let object = InvitationObject::new(&invitation, now, &created);
        Ok(NewEvent::new(
            invitation.account_id,
            EventType::InvitationRevoked,
            now,
            to_json(&object),
        ))
    }

    /// `on_duplicate`: with `update` or `reject`, looks for the account's connection of the
    /// same connector, direction and `end_user.origin_id`; `update` turns the request into a
    /// reconnect of it, `reject` refuses the request naming it. Without one, or when the rule is
    /// malformed (validation then says why), the request is left as it is.
    ///
    /// Concurrency: the lookup reads committed connections only. Connections are written by a
    /// guest's submission, not by creating an invitation, so no transaction here could hold one
    /// back: two creates racing with `update` both become reconnects of the same connection
    /// (harmless: each replaces its credentials), and a create racing a guest who is completing
    /// another invitation for the same customer sees that connection only once it is committed.
    /// The rule is decided once, at creation: it is not checked again when the guest submits.
    async fn apply_on_duplicate(
        &self,
        account_id: Uuid,
        request: NewInvitation,
    ) -> ServiceResult<NewInvitation> {
        let spec = request
            .connector
            .as_deref()
            .and_then(|id| self.catalog.get(id));
        let Some((rule, key)) = request.duplicate_key(spec) else {
            return Ok(request);
        };
        let Some(existing) = self
            .store
            .find_duplicate_connection(account_id, &key)
            .await?
        else {
            return Ok(request);
        };
        match rule {
            OnDuplicate::Update => Ok(request.into_reconnect(existing.id)),
            OnDuplicate::Reject => Err(ServiceError::Conflict(Conflict::DuplicateConnection(
                existing.id,
            ))),
            OnDuplicate::Create => Ok(request),
        }
    }

    /// The link by email to each allowed address, or else to the end user.
    fn invitation_emails(
        &self,
        invitation: &Invitation,
        url: &str,
        branding: &Branding,
    ) -> ServiceResult<Vec<OutboxEmail>> {
        let lang = invitation.language.as_str();
        let connector = match invitation.connector.as_deref() {
            Some(id) => self.catalog.get(id).map_or(id, |spec| spec.name.as_str()),
            None => invitation.category.as_deref().unwrap_or_default(),
        };
        let mut text = t_args(
            lang,
            "mail-invitation-body",
            &[
                ("connection", Arg::from(invitation.connection_name.as_str())),
                ("url", Arg::from(url)),
            ],
        );
        if let Some(expires) = invitation.expires_at {
            let expires = expires.format("%Y-%m-%d %H:%M UTC").to_string();
            text = format!(
                "{text}\n\n{}",
                t_args(
                    lang,
                    "mail-invitation-expiry",
                    &[("expires", Arg::from(expires))]
                )
            );
        }
        let recipients: Vec<&str> = if invitation.allowed_emails.is_empty() {
            invitation
                .end_user
                .email
                .iter()
                .map(String::as_str)
                .collect()
        } else {
            invitation
                .allowed_emails
                .iter()
                .map(String::as_str)
                .collect()
        };
        let edit = invitation.kind == InvitationKind::EditConnection;
        let brand = self.mail_brand(lang, branding, connector, edit);
        // With a display name the subject is "{name} asks you to connect {connector}" too.
        let subject = match brand.as_ref().and_then(|b| b.asks.clone()) {
            Some(asks) => asks,
            None => t_args(
                lang,
                "mail-invitation-subject",
                &[("connector", Arg::from(connector))],
            ),
        };
        let mut emails = Vec::new();
        for to in recipients {
            let draft = Draft {
                account_id: invitation.account_id,
                to,
                subject: subject.clone(),
                text: text.clone(),
                brand: brand.clone(),
            };
            emails.extend(self.compose_email(draft, invitation.created_at)?);
        }
        Ok(emails)
    }

    /// The stored reply to an earlier request with this key, if any; an error if that request
    /// had another body.
    async fn replay(
        &self,
        account_id: Uuid,
        idem: &Idempotency,
    ) -> ServiceResult<Option<CreatedInvitation>> {
        let Some(stored) = self
            .store
            .get_idempotent_response(account_id, &idem.key)
            .await?
        else {
            return Ok(None);
        };
        if stored.request_hash != idem.request_hash {
            return Err(ServiceError::IdempotencyMismatch);
        }
        let binding = idem.binding(account_id);
        let data_key = self.keyring.unwrap(&stored.data_key, &binding)?;
        let body = data_key.open_str(&binding, &stored.sealed_response)?;
        let invitation: InvitationObject = serde_json::from_str(body.expose())
            .map_err(|e| crate::store::StoreError::Corrupt(format!("idempotent reply: {e}")))?;
        Ok(Some(CreatedInvitation {
            invitation,
            replayed: true,
        }))
    }

    /// The connections made through these invitations. Only an invitation that was used can
    /// have made one (a use and its connection are written together), so the store is asked
    /// about those only, and not at all when none was used.
    pub(crate) async fn created_connections(
        &self,
        invitations: &[&Invitation],
    ) -> ServiceResult<Vec<CreatedConnection>> {
        let used: Vec<Uuid> = invitations
            .iter()
            .filter(|i| i.use_count > 0)
            .map(|i| i.id)
            .collect();
        if used.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.store.created_connections(&used).await?)
    }

    pub async fn get_invitation(
        &self,
        account_id: Uuid,
        id: Uuid,
    ) -> ServiceResult<InvitationObject> {
        let invitation = self
            .store
            .get_invitation(account_id, id)
            .await?
            .ok_or(ServiceError::NotFound(Resource::Invitation))?;
        let created = self.created_connections(&[&invitation]).await?;
        Ok(InvitationObject::new(&invitation, self.now(), &created))
    }

    pub async fn list_invitations(
        &self,
        account_id: Uuid,
        filter: &InvitationFilter,
        page: Page,
    ) -> ServiceResult<Vec<InvitationObject>> {
        let now = self.now();
        let invitations = self
            .store
            .list_invitations(account_id, filter, now, page)
            .await?;
        let listed: Vec<&Invitation> = invitations.iter().collect();
        let created = self.created_connections(&listed).await?;
        Ok(invitations
            .iter()
            .map(|inv| InvitationObject::new(inv, now, &created))
            .collect())
    }

    /// Revokes the invitation; idempotent (a second call changes nothing and writes no event).
    pub async fn revoke_invitation(
        &self,
        account_id: Uuid,
        id: Uuid,
    ) -> ServiceResult<InvitationObject> {
        let invitation = self
            .store
            .get_invitation(account_id, id)
            .await?
            .ok_or(ServiceError::NotFound(Resource::Invitation))?;
        if invitation.revoked_at.is_none() {
            let now = self.now();
            let event = self.revoked_event(invitation, now).await?;
            self.store
                .revoke_invitation(account_id, id, now, &[event])
                .await?;
        }
        self.get_invitation(account_id, id).await
    }
}
