//! OAuth apps: the owner registers, reads and deletes the client a connector's vendor knows
//! the account by. The secret is sealed when stored and never returned.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Portico, Resource, ServiceError, ServiceResult};
use crate::crypto::binding;
use crate::domain::connector::ConnectorSpec;
use crate::domain::oauth::{AppRequest, CALLBACK_PATH, OAuthApp, app_errors};
use crate::secret::Secret;

/// `PUT /v1/oauth-apps/{connector}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOAuthApp {
    pub client_id: String,
    /// Stored encrypted; never returned.
    #[schema(value_type = String)]
    pub client_secret: Secret<String>,
    /// The scopes to ask for; absent or empty: the connector's own.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// For the generic `oauth2` connector (required there): the vendor's authorization
    /// endpoint. A connector that names its own does not take these.
    #[serde(default)]
    pub authorize_url: Option<String>,
    #[serde(default)]
    pub token_url: Option<String>,
    /// Where tokens are revoked (RFC 7009) when their connection is deleted; optional.
    #[serde(default)]
    pub revoke_url: Option<String>,
}

/// An OAuth app as the owner sees it: everything but the secret, and the redirect URI to
/// register at the vendor.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OAuthAppObject {
    /// Always `oauth_app`.
    pub object: String,
    pub connector: String,
    pub client_id: String,
    /// The scopes asked for: the app's own, else the connector's.
    pub scopes: Vec<String>,
    pub authorize_url: Option<String>,
    pub token_url: Option<String>,
    pub revoke_url: Option<String>,
    /// `{public_url}/g/oauth/callback`: register it at the vendor as the app's redirect URI.
    pub redirect_uri: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Portico {
    /// The connector an app is for: one of the catalog's.
    fn oauth_connector(&self, connector: &str) -> ServiceResult<&ConnectorSpec> {
        self.catalog
            .get(connector)
            .ok_or(ServiceError::NotFound(Resource::Connector))
    }

    fn oauth_app_object(&self, app: &OAuthApp, spec: &ConnectorSpec) -> OAuthAppObject {
        let endpoints = spec.oauth2.as_ref().and_then(|o| app.endpoints(o));
        OAuthAppObject {
            object: "oauth_app".into(),
            connector: app.connector.clone(),
            client_id: app.client_id.clone(),
            scopes: endpoints
                .as_ref()
                .map_or_else(|| app.scopes.clone(), |e| e.scopes.clone()),
            authorize_url: endpoints.as_ref().map(|e| e.authorize_url.clone()),
            token_url: endpoints.as_ref().map(|e| e.token_url.clone()),
            revoke_url: endpoints.and_then(|e| e.revoke_url),
            redirect_uri: format!(
                "{}{CALLBACK_PATH}",
                self.settings.public_url.trim_end_matches('/')
            ),
            created_at: app.created_at,
            updated_at: app.updated_at,
        }
    }

    /// Refuses an invitation for an OAuth connector while the account has no app for it: its
    /// guest could not sign in.
    pub(super) async fn require_oauth_app(
        &self,
        account_id: Uuid,
        connector: &str,
    ) -> ServiceResult<()> {
        let oauth = self
            .catalog
            .get(connector)
            .is_some_and(|s| s.oauth2.is_some());
        if oauth
            && self
                .store
                .get_oauth_app(account_id, connector)
                .await?
                .is_none()
        {
            return Err(ServiceError::invalid(
                "connector",
                &format!(
                    "`{connector}` connects with OAuth 2 and this account has no OAuth app for \
                     it: register one with PUT /v1/oauth-apps/{connector}"
                ),
            ));
        }
        Ok(())
    }

    /// Registers the account's app for `connector`, replacing the one it had; `true` when
    /// it is new.
    pub async fn put_oauth_app(
        &self,
        account_id: Uuid,
        connector: &str,
        request: NewOAuthApp,
    ) -> ServiceResult<(OAuthAppObject, bool)> {
        let spec = self.oauth_connector(connector)?;
        let errors = app_errors(
            spec,
            &AppRequest {
                client_id: &request.client_id,
                client_secret: request.client_secret.expose(),
                scopes: &request.scopes,
                authorize_url: request.authorize_url.as_deref(),
                token_url: request.token_url.as_deref(),
                revoke_url: request.revoke_url.as_deref(),
            },
        );
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let bound = binding::oauth_app(account_id, connector);
        let (data_key, wrapped) = self.keyring.new_data_key(&bound)?;
        let now = self.now();
        let mut app = OAuthApp {
            account_id,
            connector: spec.id.clone(),
            client_id: request.client_id.trim().to_string(),
            sealed_client_secret: data_key.seal_str(&bound, request.client_secret.expose()),
            data_key: wrapped,
            scopes: request.scopes,
            authorize_url: request.authorize_url,
            token_url: request.token_url,
            revoke_url: request.revoke_url,
            created_at: now,
            updated_at: now,
        };
        let created = self.store.put_oauth_app(&app).await?;
        if !created {
            // The first registration's time stays; read it back as stored.
            if let Some(stored) = self.store.get_oauth_app(account_id, connector).await? {
                app = stored;
            }
        }
        Ok((self.oauth_app_object(&app, spec), created))
    }

    /// The app's client secret, opened for a request to the vendor.
    pub fn oauth_client_secret(&self, app: &OAuthApp) -> ServiceResult<Secret<String>> {
        let bound = binding::oauth_app(app.account_id, &app.connector);
        let key = self.keyring.unwrap(&app.data_key, &bound)?;
        Ok(key.open_str(&bound, &app.sealed_client_secret)?)
    }

    pub async fn get_oauth_app(
        &self,
        account_id: Uuid,
        connector: &str,
    ) -> ServiceResult<OAuthAppObject> {
        let spec = self.oauth_connector(connector)?;
        let app = self
            .store
            .get_oauth_app(account_id, connector)
            .await?
            .ok_or(ServiceError::NotFound(Resource::OAuthApp))?;
        Ok(self.oauth_app_object(&app, spec))
    }

    /// The account's apps, by connector (an app whose connector left the catalog is left out).
    pub async fn list_oauth_apps(&self, account_id: Uuid) -> ServiceResult<Vec<OAuthAppObject>> {
        let apps = self.store.list_oauth_apps(account_id).await?;
        Ok(apps
            .iter()
            .filter_map(|app| {
                let spec = self.catalog.get(&app.connector)?;
                Some(self.oauth_app_object(app, spec))
            })
            .collect())
    }

    pub async fn delete_oauth_app(&self, account_id: Uuid, connector: &str) -> ServiceResult<()> {
        if self.store.delete_oauth_app(account_id, connector).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound(Resource::OAuthApp))
        }
    }
}
