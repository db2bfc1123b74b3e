//! Webhook endpoints: subscribe, list, rotate the signing secret, delete, read the attempts;
//! and the expiry of invitations, which emits `invitation.expired` once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use utoipa::ToSchema;
use uuid::Uuid;

use super::views::{InvitationObject, to_json};
use super::{Portico, Resource, ServiceError, ServiceResult};
use crate::crypto::binding;
use crate::domain::FieldError;
use crate::domain::event::{EventType, NewEvent};
use crate::domain::webhook::{
    PREVIOUS_SECRET_GRACE, WebhookAttempt, WebhookEndpoint, WebhookFormat, kombo_subscription,
    new_secret,
};
use crate::egress::EgressPolicy;
use crate::secret::Secret;
use crate::store::Page;

/// `POST /v1/webhook-endpoints`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookEndpoint {
    /// Where events are POSTed (http or https).
    pub url: String,
    /// Event types to receive; empty or absent: every event (for the `kombo` format, every
    /// event Kombo has a form for). A `kombo` endpoint also takes Kombo's names
    /// (`integration-created`, `integration-deleted`, `connection-flow-failed`).
    #[serde(default)]
    pub event_types: Vec<String>,
    /// `standard` (default): Standard Webhooks. `kombo`: Kombo's payloads and signature.
    #[serde(default)]
    pub format: WebhookFormat,
}

/// An endpoint as the owner sees it; `secret` only when created or rotated.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookEndpointObject {
    pub id: Uuid,
    /// Always `webhook_endpoint`.
    pub object: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub format: WebhookFormat,
    /// Set when the endpoint answered 410 Gone: nothing more is sent to it.
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The signing secret (`whsec_...`), shown only in the response that made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<&WebhookEndpoint> for WebhookEndpointObject {
    fn from(w: &WebhookEndpoint) -> Self {
        WebhookEndpointObject {
            id: w.id,
            object: "webhook_endpoint".into(),
            url: w.url.clone(),
            event_types: w.event_types.clone(),
            format: w.format,
            disabled_at: w.disabled_at,
            created_at: w.created_at,
            secret: None,
        }
    }
}

/// The secrets an endpoint's deliveries are signed with: the current one, and the previous
/// one while its grace period lasts.
pub struct SigningSecrets {
    pub current: Secret<String>,
    pub previous: Option<Secret<String>>,
}

fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random generator works");
    new_secret(&bytes)
}

/// Refuses URLs a webhook may not target: not http(s), or naming a private address literally
/// (names are checked again, after DNS, at every delivery).
pub fn check_target(raw: &str, egress: &EgressPolicy) -> Result<url::Url, FieldError> {
    let url = url::Url::parse(raw).map_err(|_| FieldError::new("url", "is not a valid URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(FieldError::new("url", "must be an http or https URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FieldError::new("url", "must not hold credentials"));
    }
    let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']);
    let forbidden = match host.parse::<IpAddr>() {
        Ok(ip) => egress.refusal(ip).is_some(),
        Err(_) => {
            host.eq_ignore_ascii_case("localhost")
                && egress
                    .refusal(IpAddr::V6(std::net::Ipv6Addr::LOCALHOST))
                    .is_some()
        }
    };
    if forbidden {
        return Err(FieldError::new(
            "url",
            "must not point at a private, loopback or link-local address",
        ));
    }
    Ok(url)
}

impl Portico {
    pub async fn create_webhook_endpoint(
        &self,
        account_id: Uuid,
        request: NewWebhookEndpoint,
    ) -> ServiceResult<WebhookEndpointObject> {
        let mut errors = Vec::new();
        if let Err(e) = check_target(&request.url, &self.settings.webhook_egress) {
            errors.push(e);
        }
        if request.url.len() > 2048 {
            errors.push(FieldError::new("url", "must be at most 2048 characters"));
        }
        let mut event_types = request.event_types.clone();
        match request.format {
            WebhookFormat::Standard => {
                for (i, kind) in request.event_types.iter().enumerate() {
                    if EventType::parse(kind).is_none() {
                        errors.push(FieldError::new(
                            format!("event_types[{i}]"),
                            "is not an event type",
                        ));
                    }
                }
            }
            WebhookFormat::Kombo => match kombo_subscription(&request.event_types) {
                Ok(types) => event_types = types,
                Err(i) => errors.push(FieldError::new(
                    format!("event_types[{i}]"),
                    "has no Kombo form: a kombo endpoint takes integration-created, \
                     integration-deleted and connection-flow-failed",
                )),
            },
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        event_types.sort();
        event_types.dedup();
        let id = Uuid::now_v7();
        let (data_key, wrapped) = self.keyring.new_data_key(&binding::webhook_endpoint(id))?;
        let secret = random_secret();
        let endpoint = WebhookEndpoint {
            id,
            account_id,
            url: request.url,
            event_types,
            data_key: wrapped,
            sealed_secret: data_key.seal_str(&binding::webhook_endpoint(id), &secret),
            sealed_previous_secret: None,
            previous_until: None,
            disabled_at: None,
            created_at: self.now(),
            format: request.format,
        };
        self.store.create_webhook_endpoint(&endpoint).await?;
        let mut object = WebhookEndpointObject::from(&endpoint);
        object.secret = Some(secret);
        Ok(object)
    }

    pub async fn list_webhook_endpoints(
        &self,
        account_id: Uuid,
    ) -> ServiceResult<Vec<WebhookEndpointObject>> {
        Ok(self
            .store
            .list_webhook_endpoints(account_id)
            .await?
            .iter()
            .map(WebhookEndpointObject::from)
            .collect())
    }

    async fn webhook_endpoint(&self, account_id: Uuid, id: Uuid) -> ServiceResult<WebhookEndpoint> {
        self.store
            .get_webhook_endpoint(account_id, id)
            .await?
            .ok_or(ServiceError::NotFound(Resource::WebhookEndpoint))
    }

    pub async fn get_webhook_endpoint(
        &self,
        account_id: Uuid,
        id: Uuid,
    ) -> ServiceResult<WebhookEndpointObject> {
        Ok(WebhookEndpointObject::from(
            &self.webhook_endpoint(account_id, id).await?,
        ))
    }

    pub async fn delete_webhook_endpoint(&self, account_id: Uuid, id: Uuid) -> ServiceResult<()> {
        if self.store.delete_webhook_endpoint(account_id, id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound(Resource::WebhookEndpoint))
        }
    }

    /// A new secret; the old one keeps signing (both signatures are sent) for 24 hours.
    pub async fn rotate_webhook_secret(
        &self,
        account_id: Uuid,
        id: Uuid,
    ) -> ServiceResult<WebhookEndpointObject> {
        let mut endpoint = self.webhook_endpoint(account_id, id).await?;
        let binding = binding::webhook_endpoint(id);
        let data_key = self.keyring.unwrap(&endpoint.data_key, &binding)?;
        let secret = random_secret();
        endpoint.sealed_previous_secret = Some(endpoint.sealed_secret.clone());
        endpoint.previous_until = Some(self.now() + PREVIOUS_SECRET_GRACE);
        endpoint.sealed_secret = data_key.seal_str(&binding, &secret);
        self.store.update_webhook_secrets(&endpoint).await?;
        let mut object = WebhookEndpointObject::from(&endpoint);
        object.secret = Some(secret);
        Ok(object)
    }

    /// The secrets to sign with now.
    pub fn signing_secrets(&self, endpoint: &WebhookEndpoint) -> ServiceResult<SigningSecrets> {
        let binding = binding::webhook_endpoint(endpoint.id);
        let data_key = self.keyring.unwrap(&endpoint.data_key, &binding)?;
        let previous = match (&endpoint.sealed_previous_secret, endpoint.previous_until) {
            (Some(sealed), Some(until)) if self.now() < until => {
                Some(data_key.open_str(&binding, sealed)?)
            }
            _ => None,
        };
        Ok(SigningSecrets {
            current: data_key.open_str(&binding, &endpoint.sealed_secret)?,
            previous,
        })
    }

    pub async fn list_webhook_attempts(
        &self,
        account_id: Uuid,
        id: Uuid,
        page: Page,
    ) -> ServiceResult<Vec<WebhookAttempt>> {
        self.webhook_endpoint(account_id, id).await?;
        Ok(self.store.list_webhook_attempts(id, page).await?)
    }

    /// Disables the endpoint (nothing more is queued for it or sent to it) or enables it
    /// again (events from then on are queued; those from while it was disabled are not).
    pub async fn set_webhook_endpoint_enabled(
        &self,
        account_id: Uuid,
        id: Uuid,
        enabled: bool,
    ) -> ServiceResult<WebhookEndpointObject> {
        let at = (!enabled).then(|| self.now());
        if !self
            .store
            .set_webhook_endpoint_disabled(account_id, id, at)
            .await?
        {
            return Err(ServiceError::NotFound(Resource::WebhookEndpoint));
        }
        self.get_webhook_endpoint(account_id, id).await
    }

    /// Makes every undelivered event of the endpoint due now, those given up included (the
    /// delivery worker sends them within its poll interval); returns how many.
    pub async fn retry_webhook_deliveries(&self, account_id: Uuid, id: Uuid) -> ServiceResult<u64> {
        self.webhook_endpoint(account_id, id).await?;
        Ok(self.store.retry_webhook_deliveries(id, self.now()).await?)
    }

    /// The endpoint's undelivered events: (waiting, given up).
    pub async fn undelivered_webhook_events(
        &self,
        account_id: Uuid,
        id: Uuid,
    ) -> ServiceResult<(i64, i64)> {
        self.webhook_endpoint(account_id, id).await?;
        Ok(self.store.count_undelivered(id).await?)
    }

    /// Emits `invitation.expired` once for each invitation past its expiry; safe to run on
    /// several nodes at once (the mark is conditional). Returns how many it emitted.
    pub async fn expire_invitations(&self) -> ServiceResult<usize> {
        let now = self.now();
        let mut emitted = 0;
        for invitation in self.store.invitations_to_expire(now, 100).await? {
            let created = self.store.created_connections(&[invitation.id]).await?;
            let object = InvitationObject::new(&invitation, now, &created);
            let event = NewEvent::new(
                invitation.account_id,
                EventType::InvitationExpired,
                now,
                to_json(&object),
            );
            if self
                .store
                .mark_invitation_expired(invitation.id, now, &event)
                .await?
            {
                emitted += 1;
            }
        }
        Ok(emitted)
    }
}
