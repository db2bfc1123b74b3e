//! The result hand-off: the result code a completion mints, and the owner's one exchange of it
//! for the invitation, the connection and the end user.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::views::{ConnectionObject, InvitationObject, to_json};
use super::{Portico, Resource, ServiceError, ServiceResult};
use crate::crypto::token::random_token;
use crate::domain::event::{EventType, NewEvent};
use crate::domain::invitation::{EndUser, Invitation};
use crate::domain::result::ResultCode;
use crate::domain::values::TokenHash;
use crate::secret::Secret;

/// What a result code hands off, once.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ExchangedResult {
    /// The invitation the guest completed, as `GET /v1/invitations/{id}` returns it.
    pub invitation: InvitationObject,
    /// The connection the guest created or reconnected, secrets redacted, as
    /// `GET /v1/connections/{id}` returns it.
    pub connection: ConnectionObject,
    /// The connection's end user.
    pub end_user: EndUser,
}

impl Portico {
    /// A new result code for the use of `invitation` that writes `connection_id` at `now`:
    /// the code for the guest to carry (256 bits, shown once) and what is stored of it.
    pub(crate) fn mint_result(
        invitation: &Invitation,
        connection_id: Uuid,
        now: chrono::DateTime<chrono::Utc>,
    ) -> (Secret<String>, ResultCode) {
        let code = random_token();
        let stored = ResultCode::minted(
            TokenHash::of(code.expose().as_bytes()),
            invitation.account_id,
            invitation.id,
            connection_id,
            now,
        );
        (code, stored)
    }

    /// Exchanges the account's result code, once, with its `invitation.result_exchanged`
    /// event. An unknown, spent, expired or other account's code is the same not found.
    pub async fn exchange_result(
        &self,
        account_id: Uuid,
        code: &str,
    ) -> ServiceResult<ExchangedResult> {
        let not_found = || ServiceError::NotFound(Resource::Result);
        let now = self.now();
        let code_hash = TokenHash::of(code.as_bytes());
        let found = self
            .store
            .find_result(account_id, &code_hash)
            .await?
            .filter(|r| r.can_be_exchanged(account_id, now))
            .ok_or_else(not_found)?;
        let invitation = self
            .store
            .get_invitation(account_id, found.invitation_id)
            .await?
            .ok_or_else(not_found)?;
        let connection = self
            .store
            .get_connection(account_id, found.connection_id)
            .await?
            .ok_or_else(not_found)?;
        let created = self.created_connections(&[&invitation]).await?;
        let invitation = InvitationObject::new(&invitation, now, &created);
        let mut data = to_json(&invitation);
        data["connection_id"] = serde_json::json!(connection.id);
        let event = NewEvent::new(account_id, EventType::InvitationResultExchanged, now, data);
        if !self
            .store
            .exchange_result(account_id, &code_hash, now, &event)
            .await?
        {
            return Err(not_found());
        }
        Ok(ExchangedResult {
            invitation,
            end_user: connection.end_user.clone(),
            connection: ConnectionObject::from(&connection),
        })
    }
}
