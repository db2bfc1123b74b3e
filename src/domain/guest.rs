//! The guest's side of an invitation, as pure rules: sessions, email proof codes, and turning
//! a submitted form into a connector config with the locked fields enforced.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::connector::{ConnectorSpec, FieldType};
use super::invitation::Invitation;
use super::values::TokenHash;

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
    pub id_hash: TokenHash,
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
    /// Whether the session has its row yet: a session starts in its signed cookie alone and is
    /// stored when the guest first posts a form, so a link opened by a mail scanner writes
    /// nothing.
    pub stored: bool,
    /// When a proven address replaced this session with a new one (its cookie then opens
    /// nothing).
    pub replaced_at: Option<DateTime<Utc>>,
}

impl GuestSession {
    /// A session not stored yet, as its cookie describes it: started `SESSION_TTL` before it
    /// ends, nothing proven or picked.
    pub fn unstored(
        id_hash: TokenHash,
        invitation_id: Uuid,
        language: &str,
        expires_at: DateTime<Utc>,
    ) -> GuestSession {
        GuestSession {
            id_hash,
            invitation_id,
            language: language.to_string(),
            verified_email: None,
            pending_email: None,
            connector: None,
            created_at: expires_at - SESSION_TTL,
            expires_at,
            stored: false,
            replaced_at: None,
        }
    }

    /// The row to write with the session's next write, while it has none.
    pub fn row_to_store(&self) -> Option<&GuestSession> {
        (!self.stored).then_some(self)
    }

    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at && self.replaced_at.is_none()
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

/// How long attempts count against an invitation's limits.
pub const ATTEMPT_WINDOW: Duration = Duration::hours(1);
/// How long a lock lasts once an invitation's limit is reached.
pub const LOCK_DURATION: Duration = Duration::hours(1);

/// What an invitation's lock closes: the form (after failed checks) or the email step (after
/// wrong codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockScope {
    Form,
    Email,
}

impl LockScope {
    pub fn as_str(self) -> &'static str {
        match self {
            LockScope::Form => "form",
            LockScope::Email => "email",
        }
    }
}

/// What is counted per invitation, in the database, across sessions and nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptKind {
    /// A guest submission whose connector check failed.
    FailedCheck,
    /// A code tried on the email step. Counted before it is judged (so concurrent guesses
    /// cannot all slip under the limit) and uncounted when it proves right.
    CodeTried,
    /// A code asked for one address, listed or not (so the answer tells nothing).
    CodeSent,
}

impl AttemptKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptKind::FailedCheck => "failed_check",
            AttemptKind::CodeTried => "code_tried",
            AttemptKind::CodeSent => "code_sent",
        }
    }

    /// The step these attempts belong to; attempts of one scope are counted one at a time.
    pub fn scope(self) -> LockScope {
        match self {
            AttemptKind::FailedCheck => LockScope::Form,
            AttemptKind::CodeTried | AttemptKind::CodeSent => LockScope::Email,
        }
    }
}

/// A limit on one kind of attempt: at most `max` in `ATTEMPT_WINDOW`; reaching it locks the
/// scope for `LOCK_DURATION` when `locks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptLimit {
    pub kind: AttemptKind,
    pub max: i64,
    pub locks: bool,
    /// Whether the attempt that reaches `max` locks at once: true when attempts are counted
    /// after their outcome (a failed check is a failure for sure), false when counted before
    /// (the tenth code tried may be the right one; the lock then starts when a wrong verdict
    /// or the next try finds the limit reached).
    pub lock_on_reaching: bool,
}

/// After 10 failed checks within an hour, the invitation's form is locked for an hour.
pub const FAILED_CHECKS: AttemptLimit = AttemptLimit {
    kind: AttemptKind::FailedCheck,
    max: 10,
    locks: true,
    lock_on_reaching: true,
};
/// After 10 wrong codes on one invitation within an hour, its email step is locked for an hour.
pub const WRONG_CODES: AttemptLimit = AttemptLimit {
    kind: AttemptKind::CodeTried,
    max: 10,
    locks: true,
    lock_on_reaching: false,
};
/// At most 5 codes per address per invitation per hour, whatever the session.
pub const CODES_PER_ADDRESS: AttemptLimit = AttemptLimit {
    kind: AttemptKind::CodeSent,
    max: 5,
    locks: false,
    lock_on_reaching: false,
};

/// When a lock starting at `now` ends.
pub fn lock_end(now: DateTime<Utc>) -> DateTime<Utc> {
    now + LOCK_DURATION
}

/// Whether a lock that ends at `locked_until` is on at `now`.
pub fn is_locked(locked_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    locked_until.is_some_and(|until| now < until)
}

/// What to do with one more attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptDecision {
    /// The scope is locked until then: refused, nothing counted.
    Locked(DateTime<Utc>),
    /// The limit is already reached: refused, nothing counted; when the limit locks, the lock
    /// starts now and ends then.
    Exhausted(Option<DateTime<Utc>>),
    /// Counted; with an end, this attempt starts the lock.
    Count(Option<DateTime<Utc>>),
}

impl AttemptLimit {
    /// Attempts made after this instant count at `now`.
    pub fn window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - ATTEMPT_WINDOW
    }

    /// Whether `attempts` in the window reach the limit.
    pub fn reached(&self, attempts: i64) -> bool {
        attempts >= self.max
    }

    /// Decides one more attempt, given the scope's lock and the attempts (`before`) already
    /// counted in the window.
    pub fn decide(
        &self,
        locked_until: Option<DateTime<Utc>>,
        before: i64,
        now: DateTime<Utc>,
    ) -> AttemptDecision {
        let lock_end = self.locks.then_some(lock_end(now));
        match locked_until {
            Some(until) if is_locked(locked_until, now) => AttemptDecision::Locked(until),
            _ if self.reached(before) => AttemptDecision::Exhausted(lock_end),
            _ if self.lock_on_reaching && self.reached(before + 1) => {
                AttemptDecision::Count(lock_end)
            }
            _ => AttemptDecision::Count(None),
        }
    }
}

/// A guest's form as submitted, typed once by the connector's fields: a number input's text
/// to an integer, a checkbox to a boolean, empty inputs left out, and the locked fields set from
/// the invitation's prefill.
#[derive(Debug, Clone, PartialEq)]
pub struct GuestForm {
    pub config: Map<String, Value>,
    /// Locked fields submitted with another value than the locked one: the page showed them
    /// read-only, so a different value means a forged request.
    pub forged_locked: Vec<String>,
    /// What the guest typed, to show again when the form comes back: never a secret, never a
    /// locked field; an emptied input stays empty.
    pub shown: Map<String, Value>,
}

impl GuestForm {
    pub fn parse(spec: &ConnectorSpec, invitation: &Invitation, form: &[(String, String)]) -> Self {
        let mut config = Map::new();
        let mut forged_locked = Vec::new();
        let mut shown = invitation.prefill.clone();
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
            let locked = invitation.locked_fields.contains(&field.key);
            if !locked && !field.secret {
                let text = match &value {
                    Some(Value::String(text)) => text.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                shown.insert(field.key.clone(), Value::String(text));
            }
            if locked {
                let locked = invitation
                    .prefill
                    .get(&field.key)
                    .or(field.default.as_ref())
                    .cloned();
                if value.is_some() && field.kind != FieldType::Boolean && value != locked {
                    forged_locked.push(field.key.clone());
                }
                if let Some(locked) = locked {
                    config.insert(field.key.clone(), locked);
                }
            } else if let Some(value) = value {
                config.insert(field.key.clone(), value);
            }
        }
        GuestForm {
            config,
            forged_locked,
            shown,
        }
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

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    #[test]
    fn the_tenth_failed_check_locks_the_form_for_an_hour() {
        let now = at(0);
        assert_eq!(
            FAILED_CHECKS.decide(None, 8, now),
            AttemptDecision::Count(None)
        );
        assert_eq!(
            FAILED_CHECKS.decide(None, 9, now),
            AttemptDecision::Count(Some(now + Duration::hours(1)))
        );
        assert_eq!(
            FAILED_CHECKS.decide(None, 10, now),
            AttemptDecision::Exhausted(Some(now + Duration::hours(1)))
        );
        assert_eq!(FAILED_CHECKS.kind.scope(), LockScope::Form);
    }

    #[test]
    fn a_live_lock_refuses_and_an_ended_one_does_not() {
        let until = at(60);
        assert_eq!(
            FAILED_CHECKS.decide(Some(until), 0, at(59)),
            AttemptDecision::Locked(until)
        );
        assert_eq!(
            WRONG_CODES.decide(Some(until), 0, at(59)),
            AttemptDecision::Locked(until)
        );
        assert_eq!(
            FAILED_CHECKS.decide(Some(until), 0, until),
            AttemptDecision::Count(None)
        );
        assert!(is_locked(Some(until), at(59)));
        assert!(!is_locked(Some(until), until));
        assert!(!is_locked(None, until));
    }

    #[test]
    fn code_tries_lock_only_once_ten_are_counted() {
        let now = at(0);
        // The tenth try is counted and judged: it may be the right code.
        assert_eq!(
            WRONG_CODES.decide(None, 9, now),
            AttemptDecision::Count(None)
        );
        assert_eq!(
            WRONG_CODES.decide(None, 10, now),
            AttemptDecision::Exhausted(Some(now + Duration::hours(1)))
        );
        assert_eq!(WRONG_CODES.kind.scope(), LockScope::Email);
    }

    #[test]
    fn the_sixth_code_for_an_address_is_refused_without_a_lock() {
        let now = at(0);
        assert_eq!(
            CODES_PER_ADDRESS.decide(None, 4, now),
            AttemptDecision::Count(None)
        );
        assert_eq!(
            CODES_PER_ADDRESS.decide(None, 5, now),
            AttemptDecision::Exhausted(None)
        );
        assert_eq!(CODES_PER_ADDRESS.kind.scope(), LockScope::Email);
    }

    #[test]
    fn attempts_count_for_one_hour() {
        assert_eq!(FAILED_CHECKS.window_start(at(60)), at(0));
    }

    #[test]
    fn a_replaced_or_ended_session_is_not_live() {
        let mut s = GuestSession::unstored(TokenHash::of(b"1"), Uuid::nil(), "de", at(60));
        assert_eq!(s.created_at, at(0));
        assert!(!s.stored);
        assert!(s.is_live(at(59)));
        assert!(!s.is_live(at(60)));
        s.replaced_at = Some(at(10));
        assert!(!s.is_live(at(11)));
    }

    #[test]
    fn a_new_code_waits_sixty_seconds() {
        let now = Utc::now();
        let c = code(0, now);
        assert!(!c.may_resend(now + Duration::seconds(59)));
        assert!(c.may_resend(now + Duration::seconds(60)));
    }
}
