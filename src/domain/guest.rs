//! The guest's side of an invitation, as pure rules: sessions, email proof codes, and turning
//! a submitted form into a connector config with the locked fields enforced.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::connector::{ConnectorSpec, FieldType};
use super::invitation::Invitation;

/// How long a guest session lasts.
pub const SESSION_TTL: Duration = Duration::hours(1);
/// How long an email code is valid.
pub const CODE_TTL: Duration = Duration::minutes(10);
/// Wrong tries that end a code.
pub const MAX_CODE_ATTEMPTS: i32 = 5;
/// Digits of an email code.
pub const CODE_DIGITS: usize = 6;
/// The shortest wait between two codes for one session.
pub const RESEND_INTERVAL: Duration = Duration::seconds(60);

/// A guest session: the cookie (stored as its hash) that carries the guest through one
/// invitation's pages and opens nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestSession {
    pub id_hash: Vec<u8>,
    pub invitation_id: Uuid,
    pub language: String,
    /// The allowed address the guest proved, if any.
    pub verified_email: Option<String>,
    /// The address a code was last asked for.
    pub pending_email: Option<String>,
    /// The connector the guest picked, when the invitation names only a category.
    pub connector: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl GuestSession {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }

    /// Whether the guest still has to prove an email address before seeing the form.
    pub fn needs_email_proof(&self, invitation: &Invitation) -> bool {
        !invitation.allowed_emails.is_empty() && self.verified_email.is_none()
    }

    /// The connector this session configures: the invitation's, or the one the guest picked.
    pub fn connector<'a>(&'a self, invitation: &'a Invitation) -> Option<&'a str> {
        invitation
            .connector
            .as_deref()
            .or(self.connector.as_deref())
    }
}

/// A one-time code sent to an allowed address (stored as a hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailCode {
    pub email: String,
    pub code_hash: Vec<u8>,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    Correct,
    /// Wrong; this many tries are left on this code.
    Wrong {
        left: i32,
    },
    Expired,
    /// Too many wrong tries: a new code is needed.
    Locked,
}

impl EmailCode {
    /// Judges a try; `matches` says whether the presented code's hash equals the stored one.
    pub fn check(&self, matches: bool, now: DateTime<Utc>) -> CodeCheck {
        if self.attempts >= MAX_CODE_ATTEMPTS {
            CodeCheck::Locked
        } else if now >= self.expires_at {
            CodeCheck::Expired
        } else if matches {
            CodeCheck::Correct
        } else {
            CodeCheck::Wrong {
                left: MAX_CODE_ATTEMPTS - self.attempts - 1,
            }
        }
    }

    /// Whether a new code may be sent now (one per `RESEND_INTERVAL`).
    pub fn may_resend(&self, now: DateTime<Utc>) -> bool {
        now >= self.created_at + RESEND_INTERVAL
    }
}

/// Turns the raw form pairs into a config: values typed by the connector's fields (a number
/// input's text to an integer, a checkbox to a boolean), empty inputs left out, and the locked
/// fields set from the invitation's prefill. A locked field submitted with another value is an
/// error (the keys are returned): the page showed it read-only, so a different value means a
/// forged request.
pub fn config_from_form(
    spec: &ConnectorSpec,
    invitation: &Invitation,
    form: &[(String, String)],
) -> Result<Map<String, Value>, Vec<String>> {
    let mut config = Map::new();
    let mut errors = Vec::new();
    for field in &spec.fields {
        let raw = form
            .iter()
            .find(|(key, _)| key == &field.key)
            .map(|(_, v)| v.as_str());
        let value = match (field.kind, raw) {
            (FieldType::Boolean, raw) => Some(Value::Bool(matches!(raw, Some("on" | "true")))),
            (_, None) => None,
            (_, Some(raw)) if raw.trim().is_empty() => None,
            (FieldType::Integer, Some(raw)) => Some(
                raw.trim()
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| Value::String(raw.to_string())),
            ),
            (_, Some(raw)) if field.secret => Some(Value::String(raw.to_string())),
            (_, Some(raw)) => Some(Value::String(raw.trim().to_string())),
        };
        if invitation.locked_fields.contains(&field.key) {
            let locked = invitation
                .prefill
                .get(&field.key)
                .or(field.default.as_ref())
                .cloned();
            if value.is_some() && field.kind != FieldType::Boolean && value != locked {
                errors.push(field.key.clone());
            }
            if let Some(locked) = locked {
                config.insert(field.key.clone(), locked);
            }
        } else if let Some(value) = value {
            config.insert(field.key.clone(), value);
        }
    }
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(attempts: i32, now: DateTime<Utc>) -> EmailCode {
        EmailCode {
            email: "a@b.co".into(),
            code_hash: vec![1],
            attempts,
            created_at: now,
            expires_at: now + CODE_TTL,
        }
    }

    #[test]
    fn a_code_is_locked_after_five_wrong_tries() {
        let now = Utc::now();
        assert_eq!(code(0, now).check(false, now), CodeCheck::Wrong { left: 4 });
        assert_eq!(code(4, now).check(false, now), CodeCheck::Wrong { left: 0 });
        assert_eq!(code(5, now).check(true, now), CodeCheck::Locked);
    }

    #[test]
    fn a_code_expires_after_ten_minutes() {
        let now = Utc::now();
        let c = code(0, now);
        assert_eq!(
            c.check(true, now + CODE_TTL - Duration::milliseconds(1)),
            CodeCheck::Correct
        );
        assert_eq!(c.check(true, now + CODE_TTL), CodeCheck::Expired);
    }

    #[test]
    fn a_new_code_waits_sixty_seconds() {
        let now = Utc::now();
        let c = code(0, now);
        assert!(!c.may_resend(now + Duration::seconds(59)));
        assert!(c.may_resend(now + Duration::seconds(60)));
    }
}
