//! Webhook rules, pure: which events an endpoint takes, when a failed delivery is tried again,
//! the Standard Webhooks and Kombo signatures, and which addresses a webhook may never reach.

use base64::Engine;
use chrono::Duration;
use hmac::{KeyInit, Mac};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// How long a replaced secret keeps signing after a rotation.
pub const PREVIOUS_SECRET_GRACE: Duration = Duration::hours(24);

/// The wait after the n-th failed attempt (Standard Webhooks' schedule); after the last the
/// delivery is given up. 5 s + 5 min + 30 min + 2 h + 5 h + 10 h + 10 h: over a day.
pub const RETRY_SCHEDULE: [Duration; 7] = [
    Duration::seconds(5),
    Duration::minutes(5),
    Duration::minutes(30),
    Duration::hours(2),
    Duration::hours(5),
    Duration::hours(10),
    Duration::hours(10),
];

/// When to try again after `failed_attempts` failures; `None`: give up.
pub fn retry_after(failed_attempts: i32) -> Option<Duration> {
    usize::try_from(failed_attempts - 1)
        .ok()
        .and_then(|i| RETRY_SCHEDULE.get(i).copied())
}

/// Event types as stored: `,a,b,` for a filter, empty for every event, so one SQL `LIKE`
/// matches on both backends.
pub fn stored_filter(event_types: &[String]) -> String {
    if event_types.is_empty() {
        String::new()
    } else {
        format!(",{},", event_types.join(","))
    }
}

pub fn parse_filter(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret(random: &[u8; 32]) -> String {
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(random)
    )
}

/// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` under the secret's key bytes.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_")?)
        .ok()?;
    let mut mac = HmacSha256::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Some(format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// What an endpoint's deliveries look like.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// Standard Webhooks: the event as it is, signed in `webhook-signature`.
    #[default]
    Standard,
    /// Kombo's payloads (`integration-created`, `integration-deleted`,
    /// `connection-flow-failed`), signed in `X-Kombo-Signature`.
    Kombo,
}

impl WebhookFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Standard => "standard",
            WebhookFormat::Kombo => "kombo",
        }
    }

    pub fn parse(s: &str) -> Option<WebhookFormat> {
        [WebhookFormat::Standard, WebhookFormat::Kombo]
            .into_iter()
            .find(|f| f.as_str() == s)
    }
}

/// Kombo's webhook types and the Portico events they are made from.
pub const KOMBO_TYPES: [(&str, &str); 3] = [
    ("integration-created", "connection.created"),
    ("integration-deleted", "connection.deleted"),
    ("connection-flow-failed", "connection.check_failed"),
];

/// The event types a Kombo endpoint subscribes to, from what the request named (Kombo's names
/// or Portico's); every Kombo type when it named none. `Err(i)`: the i-th has no Kombo form.
pub fn kombo_subscription(named: &[String]) -> Result<Vec<String>, usize> {
    if named.is_empty() {
        return Ok(KOMBO_TYPES
            .iter()
            .map(|(_, ours)| ours.to_string())
            .collect());
    }
    named
        .iter()
        .enumerate()
        .map(|(i, name)| {
            KOMBO_TYPES
                .iter()
                .find(|(theirs, ours)| name == theirs || name == ours)
                .map(|(_, ours)| ours.to_string())
                .ok_or(i)
        })
        .collect()
}

/// Kombo's signature of a delivery: the base64url (unpadded) HMAC-SHA256 of the raw body, keyed
/// with the secret as the owner was given it.
pub fn sign_kombo(secret: &str, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(event_types: &[&str]) -> WebhookEndpoint {
        WebhookEndpoint {
            id: uuid::Uuid::nil(),
            account_id: uuid::Uuid::from_u128(1),
            url: "https://example.com/hook".into(),
            event_types: event_types.iter().map(|t| t.to_string()).collect(),
            data_key: crate::crypto::WrappedKey {
                key_id: "k".into(),
                bytes: vec![],
            },
            sealed_secret: String::new(),
            sealed_previous_secret: None,
            previous_until: None,
            disabled_at: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
            format: WebhookFormat::Standard,
        }
    }

    #[test]
    fn kombo_endpoints_subscribe_to_the_events_kombo_has_a_form_for() {
        let all = kombo_subscription(&[]).unwrap();
        assert_eq!(
            all,
            [
                "connection.created",
                "connection.deleted",
                "connection.check_failed"
            ]
        );
        let named = kombo_subscription(&[
            "integration-deleted".to_string(),
            "connection.created".to_string(),
        ]);
        assert_eq!(named.unwrap(), ["connection.deleted", "connection.created"]);
        assert_eq!(
            kombo_subscription(&["connection.created".into(), "invitation.created".into()]),
            Err(1)
        );
    }

    #[test]
    fn the_kombo_signature_is_base64url_hmac_sha256_of_the_body() {
        // RFC 4231's test case 2 ("Jefe"), its digest in base64url without padding.
        assert_eq!(
            sign_kombo("Jefe", b"what do ya want for nothing?"),
            "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM"
        );
    }

    #[test]
    fn an_endpoint_receives_its_own_account_s_subscribed_events_while_enabled() {
        let own = uuid::Uuid::from_u128(1);
        let all = endpoint(&[]);
        assert!(all.receives(own, "invitation.created"));
        assert!(!all.receives(uuid::Uuid::from_u128(2), "invitation.created"));
        let some = endpoint(&["connection.created"]);
        assert!(some.receives(own, "connection.created"));
        assert!(!some.receives(own, "connection.created.x"));
        assert!(!some.receives(own, "invitation.created"));
        let disabled = WebhookEndpoint {
            disabled_at: Some(chrono::DateTime::UNIX_EPOCH),
            ..all
        };
        assert!(!disabled.receives(own, "invitation.created"));
    }

    #[test]
    fn retries_span_more_than_a_day_then_stop() {
        let total: Duration = RETRY_SCHEDULE.iter().copied().sum();
        assert!(total > Duration::hours(24));
        assert_eq!(retry_after(1), Some(Duration::seconds(5)));
        assert_eq!(retry_after(7), Some(Duration::hours(10)));
        assert_eq!(retry_after(8), None);
    }

    #[test]
    fn filters_round_trip() {
        let types = vec![
            "connection.created".to_string(),
            "invitation.revoked".to_string(),
        ];
        let stored = stored_filter(&types);
        assert_eq!(stored, ",connection.created,invitation.revoked,");
        assert_eq!(parse_filter(&stored), types);
        assert_eq!(stored_filter(&[]), "");
    }

    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(
            signature.as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }
}

/// A webhook endpoint as stored; its secrets are sealed with its own data key.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEndpoint {
    pub id: uuid::Uuid,
    pub account_id: uuid::Uuid,
    pub url: String,
    /// Empty: every event.
    pub event_types: Vec<String>,
    pub data_key: crate::crypto::WrappedKey,
    pub sealed_secret: String,
    /// The secret before the last rotation, still signing until `previous_until`.
    pub sealed_previous_secret: Option<String>,
    pub previous_until: Option<chrono::DateTime<chrono::Utc>>,
    pub disabled_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub format: WebhookFormat,
}

impl WebhookEndpoint {
    /// Whether an event of `account_id` of type `event_type` is delivered to this endpoint:
    /// its own account's, while it is enabled, and of a type it subscribed to (every type when
    /// it named none). The store's fan-out repeats this in SQL, in the event's transaction.
    pub fn receives(&self, account_id: uuid::Uuid, event_type: &str) -> bool {
        self.account_id == account_id
            && self.disabled_at.is_none()
            && (self.event_types.is_empty() || self.event_types.iter().any(|t| t == event_type))
    }
}

/// One try to deliver one event to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct WebhookAttempt {
    pub id: uuid::Uuid,
    pub endpoint_id: uuid::Uuid,
    pub event_id: uuid::Uuid,
    pub attempted_at: chrono::DateTime<chrono::Utc>,
    /// The HTTP status the endpoint answered, if it answered.
    pub status: Option<u16>,
    /// Why the attempt failed, if it did (never a secret).
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// What an attempt leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered,
    /// Failed; try again at this time.
    Retry(chrono::DateTime<chrono::Utc>),
    /// Failed for the last time.
    GiveUp,
    /// The endpoint answered 410 Gone: disable it.
    Disable,
}
