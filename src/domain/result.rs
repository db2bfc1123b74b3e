//! Result codes: the single-use proof of one completed guest flow, which the owner's backend
//! exchanges for the invitation, the connection and the end user. The guest carries it back
//! (in the redirect, or to the embedding page); only its hash is kept.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::domain::values::TokenHash;

/// How long a result code can be exchanged after the completion that minted it.
pub const RESULT_TTL: Duration = Duration::minutes(10);

/// A stored result code: what it hands off, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultCode {
    pub code_hash: TokenHash,
    pub account_id: Uuid,
    pub invitation_id: Uuid,
    pub connection_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub exchanged_at: Option<DateTime<Utc>>,
}

impl ResultCode {
    /// The code minted when the guest's use of `invitation_id` wrote `connection_id` at `now`.
    pub fn minted(
        code_hash: TokenHash,
        account_id: Uuid,
        invitation_id: Uuid,
        connection_id: Uuid,
        now: DateTime<Utc>,
    ) -> ResultCode {
        ResultCode {
            code_hash,
            account_id,
            invitation_id,
            connection_id,
            created_at: now,
            expires_at: now + RESULT_TTL,
            exchanged_at: None,
        }
    }

    /// Whether `account_id` may exchange it at `now`: its own, never exchanged, not expired.
    /// The store's conditional exchange repeats this predicate, to take it atomically.
    pub fn can_be_exchanged(&self, account_id: Uuid, now: DateTime<Utc>) -> bool {
        self.account_id == account_id && self.exchanged_at.is_none() && now < self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn code(now: DateTime<Utc>) -> ResultCode {
        ResultCode::minted(
            TokenHash::of(b"code"),
            Uuid::from_u128(1),
            Uuid::from_u128(2),
            Uuid::from_u128(3),
            now,
        )
    }

    #[test]
    fn a_code_is_exchangeable_for_ten_minutes_by_its_account_only() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let minted = code(now);
        let ms = Duration::milliseconds(1);
        assert!(minted.can_be_exchanged(minted.account_id, now));
        assert!(minted.can_be_exchanged(minted.account_id, now + RESULT_TTL - ms));
        assert!(!minted.can_be_exchanged(minted.account_id, now + RESULT_TTL));
        assert!(!minted.can_be_exchanged(Uuid::from_u128(9), now));
    }

    #[test]
    fn an_exchanged_code_is_spent() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let spent = ResultCode {
            exchanged_at: Some(now),
            ..code(now)
        };
        assert!(!spent.can_be_exchanged(spent.account_id, now));
    }
}
