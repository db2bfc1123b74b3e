//! Events: what happened, written in the same transaction as the change (the outbox).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    InvitationCreated,
    InvitationOpened,
    InvitationEmailVerified,
    InvitationRevoked,
    InvitationFulfilled,
    InvitationExpired,
    /// Too many failed attempts: the invitation's form or email step is locked for a while.
    InvitationLocked,
    /// The owner's backend exchanged the result code of a completion.
    InvitationResultExchanged,
    ConnectionCreated,
    ConnectionUpdated,
    ConnectionDeleted,
    ConnectionCheckFailed,
    ConnectionCredentialsRead,
    /// Too many wrong passwords: a console user's sign-in is locked for a while.
    ConsoleUserLocked,
    /// The guest of an expired or fulfilled link asked for a new one.
    InvitationRenewalRequested,
}

impl EventType {
    pub const ALL: [EventType; 15] = [
        EventType::InvitationCreated,
        EventType::InvitationOpened,
        EventType::InvitationEmailVerified,
        EventType::InvitationRevoked,
        EventType::InvitationFulfilled,
        EventType::InvitationExpired,
        EventType::InvitationLocked,
        EventType::InvitationResultExchanged,
        EventType::ConnectionCreated,
        EventType::ConnectionUpdated,
        EventType::ConnectionDeleted,
        EventType::ConnectionCheckFailed,
        EventType::ConnectionCredentialsRead,
        EventType::ConsoleUserLocked,
        EventType::InvitationRenewalRequested,
    ];

    pub fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::InvitationCreated => "invitation.created",
            EventType::InvitationOpened => "invitation.opened",
            EventType::InvitationEmailVerified => "invitation.email_verified",
            EventType::InvitationRevoked => "invitation.revoked",
            EventType::InvitationFulfilled => "invitation.fulfilled",
            EventType::InvitationExpired => "invitation.expired",
            EventType::InvitationLocked => "invitation.locked",
            EventType::InvitationResultExchanged => "invitation.result_exchanged",
            EventType::ConnectionCreated => "connection.created",
            EventType::ConnectionUpdated => "connection.updated",
            EventType::ConnectionDeleted => "connection.deleted",
            EventType::ConnectionCheckFailed => "connection.check_failed",
            EventType::ConnectionCredentialsRead => "connection.credentials_read",
            EventType::ConsoleUserLocked => "console.user_locked",
            EventType::InvitationRenewalRequested => "invitation.renewal_requested",
        }
    }
}

/// An event in the Standard Webhooks payload shape; `data` never holds a secret or a token.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Event {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: String,
    pub timestamp: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// An event about to be written, with the account it belongs to.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub account_id: Uuid,
    pub event: Event,
}

impl NewEvent {
    pub fn new(
        account_id: Uuid,
        kind: EventType,
        at: DateTime<Utc>,
        data: serde_json::Value,
    ) -> Self {
        NewEvent {
            account_id,
            event: Event {
                id: Uuid::now_v7(),
                kind: kind.as_str().to_string(),
                timestamp: at,
                data,
            },
        }
    }
}
