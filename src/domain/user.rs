//! Console users: the people of an account who sign in to `/console` (role `owner` or
//! `member`), the rules of their passwords, sessions, password links and lockout, and what each
//! role may do.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::FieldError;
use super::values::Email;
use crate::secret::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything of the account, teammates, API keys and webhooks included.
    Owner,
    /// Invitations and connections; not API keys, webhooks or teammates.
    Member,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "owner" => Some(Role::Owner),
            "member" => Some(Role::Member),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Member => "member",
        }
    }

    /// Whether this role may do what `action` names.
    pub fn may(self, action: Action) -> bool {
        match action {
            Action::ManageInvitations | Action::ManageConnections | Action::ReadEvents => true,
            Action::ManageApiKeys
            | Action::ManageWebhooks
            | Action::InviteUsers
            | Action::ManageBranding => self == Role::Owner,
        }
    }
}

/// What a console user can ask for, as far as roles decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ManageInvitations,
    ManageConnections,
    ReadEvents,
    ManageApiKeys,
    ManageWebhooks,
    InviteUsers,
    ManageBranding,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsoleUser {
    pub id: Uuid,
    pub account_id: Uuid,
    /// Lowercased.
    pub email: String,
    pub role: Role,
    /// Whether a password is set (the hash itself never leaves the store's sign-in read).
    pub has_password: bool,
    /// The console language the user picked, if any.
    pub language: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A console user's address: a valid email, lowercased (one address, one user).
pub fn parse_user_email(raw: &str) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    Email::parse(trimmed)
        .map(|e| e.as_str().to_ascii_lowercase())
        .ok_or_else(|| FieldError::new("email", "is not a valid email address"))
}

/// Shortest password, in characters (OWASP ASVS 2.1.1 asks for at least 12).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password, in bytes: enough for any passphrase, short enough that hashing a huge
/// body costs nothing extra.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// A password that meets the rules; held as a secret.
#[derive(Debug, Clone)]
pub struct Password(Secret<String>);

impl Password {
    pub fn parse(raw: &str) -> Result<Password, FieldError> {
        if raw.chars().count() < MIN_PASSWORD_CHARS {
            return Err(FieldError::new(
                "password",
                format!("must be at least {MIN_PASSWORD_CHARS} characters"),
            ));
        }
        if raw.len() > MAX_PASSWORD_BYTES {
            return Err(FieldError::new(
                "password",
                format!("must be at most {MAX_PASSWORD_BYTES} bytes"),
            ));
        }
        Ok(Password(Secret::new(raw.to_string())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

/// A session ends after this long without a request.
pub const SESSION_IDLE: Duration = Duration::hours(12);
/// A set-password or reset link works once, for this long.
pub const PASSWORD_LINK_TTL: Duration = Duration::hours(1);
/// Wrong passwords for one user within [`LOCKOUT_WINDOW`] that lock its sign-in.
pub const LOCKOUT_FAILURES: i64 = 10;
pub const LOCKOUT_WINDOW: Duration = Duration::minutes(15);
/// How long a locked user cannot sign in, the right password included.
pub const LOCKOUT_DURATION: Duration = Duration::minutes(15);

/// Whether a session last seen at `last_seen` is still open at `now`.
pub fn session_open(last_seen: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - last_seen < SESSION_IDLE
}

/// After a wrong password, with `failures` wrong ones (this one included) in the window:
/// until when sign-in is locked, if this one locks it.
pub fn lock_after_failure(failures: i64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (failures >= LOCKOUT_FAILURES).then(|| now + LOCKOUT_DURATION)
}

/// What a set-password link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// A new user's first password.
    Set,
    /// A forgotten password.
    Reset,
    /// No user yet: the holder chooses the address and password of the account's first owner.
    Setup,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Set => "set",
            LinkPurpose::Reset => "reset",
            LinkPurpose::Setup => "setup",
        }
    }

    pub fn parse(s: &str) -> Option<LinkPurpose> {
        match s {
            "set" => Some(LinkPurpose::Set),
            "reset" => Some(LinkPurpose::Reset),
            "setup" => Some(LinkPurpose::Setup),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    #[test]
    fn only_owners_manage_keys_webhooks_teammates_and_branding() {
        for action in [
            Action::ManageApiKeys,
            Action::ManageWebhooks,
            Action::InviteUsers,
            Action::ManageBranding,
        ] {
            assert!(Role::Owner.may(action));
            assert!(!Role::Member.may(action));
        }
        for action in [
            Action::ManageInvitations,
            Action::ManageConnections,
            Action::ReadEvents,
        ] {
            assert!(Role::Member.may(action));
        }
    }

    #[test]
    fn passwords_have_twelve_characters_or_more() {
        assert!(Password::parse("elevenchars").is_err());
        assert!(Password::parse("twelve chars").is_ok());
        // Characters, not bytes: twelve umlauts are twelve.
        assert!(Password::parse("ääääääääääää").is_ok());
        assert!(Password::parse(&"x".repeat(MAX_PASSWORD_BYTES + 1)).is_err());
        let error = Password::parse("short").unwrap_err();
        assert!(
            !error.message.contains("short"),
            "the value is never echoed"
        );
    }

    #[test]
    fn the_tenth_wrong_password_locks_for_fifteen_minutes() {
        assert_eq!(lock_after_failure(9, at(0)), None);
        assert_eq!(lock_after_failure(10, at(0)), Some(at(15)));
    }

    #[test]
    fn sessions_end_after_twelve_idle_hours() {
        assert!(session_open(at(0), at(11 * 60 + 59)));
        assert!(!session_open(at(0), at(12 * 60)));
    }

    #[test]
    fn user_emails_are_lowercased_and_checked() {
        assert_eq!(
            parse_user_email(" Ann@Example.COM ").unwrap(),
            "ann@example.com"
        );
        assert!(parse_user_email("not an address").is_err());
    }
}
