//! Connections through the owner API: create, read, edit, delete, check, and reading the
//! decrypted credentials. Secret fields are sealed with a per-connection data key.

use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

use super::invitations::CreatedInvitation;
use super::views::{ConnectionObject, CredentialsObject, to_json};
use super::{Conflict, Portico, Resource, ServiceError, ServiceResult};
use crate::checks::Reason;
use crate::crypto::DataKey;
use crate::crypto::binding;
use crate::domain::connection::{
    CheckStatus, Connection, ConnectionPatch, LastCheck, NewConnection, SealedSecrets,
    check_owner_fields, config_errors,
};
use crate::domain::connector::{ConnectorSpec, ValidatedConfig};
use crate::domain::event::{EventType, NewEvent};
use crate::domain::invitation::{InvitationKind, NewInvitation};
use crate::domain::vendor::kombo;
use crate::secret::Secret;
use crate::store::Page;

/// The result of `POST /v1/connections/{id}/check`.
pub type CheckResult = LastCheck;

impl Portico {
    fn spec(&self, connector: &str) -> ServiceResult<&ConnectorSpec> {
        self.catalog
            .get(connector)
            .ok_or(ServiceError::NotFound(Resource::Connector))
    }

    /// Seals every secret value with the connection's data key, bound to account, connection
    /// and field.
    pub(crate) fn seal_secrets(
        account_id: Uuid,
        connection_id: Uuid,
        data_key: &DataKey,
        secrets: &BTreeMap<String, Secret<String>>,
    ) -> SealedSecrets {
        secrets
            .iter()
            .map(|(field, value)| {
                let aad = binding::connection_secret(account_id, connection_id, field);
                (field.clone(), data_key.seal_str(&aad, value.expose()))
            })
            .collect()
    }

    fn data_key_of(&self, c: &Connection) -> ServiceResult<DataKey> {
        Ok(self.keyring.unwrap(
            &c.data_key,
            &binding::connection_data_key(c.account_id, c.id),
        )?)
    }

    /// The connection's whole config, secrets decrypted.
    pub(crate) fn open_config(&self, c: &Connection) -> ServiceResult<ValidatedConfig> {
        let data_key = self.data_key_of(c)?;
        let mut secrets = BTreeMap::new();
        for (field, sealed) in &c.secrets {
            let aad = binding::connection_secret(c.account_id, c.id, field);
            secrets.insert(field.clone(), data_key.open_str(&aad, sealed)?);
        }
        Ok(ValidatedConfig {
            plain: c.config.clone(),
            secrets,
        })
    }

    pub async fn create_connection(
        &self,
        account_id: Uuid,
        request: NewConnection,
    ) -> ServiceResult<ConnectionObject> {
        let spec = self
            .catalog
            .get(&request.connector)
            .ok_or_else(|| ServiceError::invalid("connector", "is not a known connector"))?;
        let draft = request.validate(spec).map_err(ServiceError::Invalid)?;
        let config = draft.config;
        self.checker.vet(spec, &config).await?;

        let now = self.now();
        let id = Uuid::now_v7();
        let (data_key, wrapped) = self
            .keyring
            .new_data_key(&binding::connection_data_key(account_id, id))?;
        let connection = Connection {
            id,
            account_id,
            connector: spec.id.clone(),
            direction: draft.direction,
            name: draft.name,
            config: config.plain,
            secrets: Self::seal_secrets(account_id, id, &data_key, &config.secrets),
            data_key: wrapped,
            end_user: draft.end_user,
            metadata: draft.metadata,
            invitation_id: None,
            last_check: None,
            created_at: now,
            updated_at: now,
            remote_environment: draft.remote_environment,
            enabled: true,
        };
        let object = ConnectionObject::from(&connection);
        let event = NewEvent::new(
            account_id,
            EventType::ConnectionCreated,
            now,
            to_json(&object),
        );
        self.store.insert_connection(&connection, &[event]).await?;
        Ok(object)
    }

    async fn connection(&self, account_id: Uuid, id: Uuid) -> ServiceResult<Connection> {
        self.store
            .get_connection(account_id, id)
            .await?
            .ok_or(ServiceError::NotFound(Resource::Connection))
    }

    pub async fn get_connection(
        &self,
        account_id: Uuid,
        id: Uuid,
    ) -> ServiceResult<ConnectionObject> {
        Ok(ConnectionObject::from(
            &self.connection(account_id, id).await?,
        ))
    }

    pub async fn list_connections(
        &self,
        account_id: Uuid,
        page: Page,
    ) -> ServiceResult<Vec<ConnectionObject>> {
        Ok(self
            .store
            .list_connections(account_id, page)
            .await?
            .iter()
            .map(ConnectionObject::from)
            .collect())
    }

    pub async fn update_connection(
        &self,
        account_id: Uuid,
        id: Uuid,
        patch: ConnectionPatch,
    ) -> ServiceResult<ConnectionObject> {
        let mut connection = self.connection(account_id, id).await?;
        let spec = self.spec(&connection.connector)?;
        if let Some(name) = &patch.name {
            connection.name = name.trim().to_string();
        }
        if let Some(end_user) = &patch.end_user {
            connection.end_user = end_user.clone();
        }
        if let Some(metadata) = &patch.metadata {
            connection.metadata = metadata.clone();
        }
        if let Some(enabled) = patch.enabled {
            connection.enabled = enabled;
        }
        let mut errors = Vec::new();
        check_owner_fields(
            &mut errors,
            &connection.name,
            &connection.end_user,
            &connection.metadata,
        );
        if let Some(changes) = &patch.config {
            let current = self.open_config(&connection)?;
            let mut merged = current.plain;
            for (key, value) in current.secrets {
                merged.insert(key, Value::String(value.into_inner()));
            }
            for (key, value) in changes {
                match value {
                    Value::Null => merged.remove(key),
                    value => merged.insert(key.clone(), value.clone()),
                };
            }
            match spec.validate(&merged) {
                Ok(config) => {
                    self.checker.vet(spec, &config).await?;
                    let data_key = self.data_key_of(&connection)?;
                    connection.secrets =
                        Self::seal_secrets(account_id, id, &data_key, &config.secrets);
                    connection.config = config.plain;
                }
                Err(e) => errors.extend(config_errors(e)),
            }
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let now = self.now();
        connection.updated_at = now;
        let object = ConnectionObject::from(&connection);
        let event = NewEvent::new(
            account_id,
            EventType::ConnectionUpdated,
            now,
            to_json(&object),
        );
        if !self.store.update_connection(&connection, &[event]).await? {
            return Err(ServiceError::NotFound(Resource::Connection));
        }
        Ok(object)
    }

    pub async fn delete_connection(&self, account_id: Uuid, id: Uuid) -> ServiceResult<()> {
        let connection = self.connection(account_id, id).await?;
        let now = self.now();
        let event = NewEvent::new(
            account_id,
            EventType::ConnectionDeleted,
            now,
            to_json(&ConnectionObject::from(&connection)),
        );
        if !self
            .store
            .delete_connection(account_id, id, &[event])
            .await?
        {
            return Err(ServiceError::NotFound(Resource::Connection));
        }
        Ok(())
    }

    /// Runs the connector's check on the stored credentials and records the outcome.
    pub async fn check_connection(&self, account_id: Uuid, id: Uuid) -> ServiceResult<CheckResult> {
        let connection = self.connection(account_id, id).await?;
        let spec = self.spec(&connection.connector)?;
        let config = self.open_config(&connection)?;
        let outcome = self.checker.run(spec, &config).await;
        if let Err(failure) = &outcome
            && failure.reason == Reason::Busy
        {
            return Err(failure.clone().into());
        }
        let now = self.now();
        let result = LastCheck {
            status: if outcome.is_ok() {
                CheckStatus::Ok
            } else {
                CheckStatus::Failed
            },
            checked_at: now,
            message: outcome.err().map(|e| e.detail),
        };
        let events = match result.status {
            CheckStatus::Ok => vec![],
            CheckStatus::Failed => {
                let mut object = ConnectionObject::from(&connection);
                object.last_check = Some(result.clone());
                vec![NewEvent::new(
                    account_id,
                    EventType::ConnectionCheckFailed,
                    now,
                    to_json(&object),
                )]
            }
        };
        self.store
            .record_check(account_id, id, &result, &events)
            .await?;
        Ok(result)
    }

    /// The connection as Kombo describes an integration, with the category and metadata of
    /// the invitation that created it; `None` when its connector has no Kombo category.
    pub async fn kombo_integration(
        &self,
        account_id: Uuid,
        id: Uuid,
    ) -> ServiceResult<Option<kombo::Integration>> {
        let connection = self.connection(account_id, id).await?;
        let spec = self.spec(&connection.connector)?;
        let invitation = match connection.invitation_id {
            Some(invitation_id) => self.store.get_invitation(account_id, invitation_id).await?,
            None => None,
        };
        Ok(kombo::Integration::of(
            &connection,
            spec,
            invitation.as_ref().and_then(|i| i.category.as_deref()),
            invitation.as_ref().map(|i| &i.metadata),
        ))
    }

    /// The decrypted credentials; records `connection.credentials_read` naming the key used.
    /// A disabled connection's are refused (409) and nothing is recorded.
    pub async fn read_credentials(
        &self,
        account_id: Uuid,
        id: Uuid,
        api_key_id: Uuid,
    ) -> ServiceResult<CredentialsObject> {
        let connection = self.connection(account_id, id).await?;
        if !connection.hands_out_credentials() {
            return Err(ServiceError::Conflict(Conflict::ConnectionDisabled));
        }
        let config = self.open_config(&connection)?;
        let mut all = config.plain;
        for (key, value) in config.secrets {
            all.insert(key, Value::String(value.into_inner()));
        }
        let event = NewEvent::new(
            account_id,
            EventType::ConnectionCredentialsRead,
            self.now(),
            serde_json::json!({ "connection_id": id, "api_key_id": api_key_id }),
        );
        self.store.record_events(&[event]).await?;
        Ok(CredentialsObject {
            connection_id: id,
            connector: connection.connector,
            config: all,
        })
    }

    /// A reconnect link for one of the account's connections: the invitation
    /// `POST /v1/invitations` makes with `kind: edit_connection` and this `connection_id`,
    /// through the same call. Another account's connection is not found.
    pub async fn create_reconnect_invitation(
        &self,
        account_id: Uuid,
        id: Uuid,
    ) -> ServiceResult<CreatedInvitation> {
        self.connection(account_id, id).await?;
        let request = NewInvitation {
            kind: InvitationKind::EditConnection,
            connection_id: Some(id),
            ..NewInvitation::default()
        };
        self.create_invitation(account_id, request, None).await
    }
}
