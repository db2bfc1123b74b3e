//! The guest's side in SQL: sessions, email codes, attempts and the locks they set. Every
//! count of an invitation's scope starts at `lock_gate`, so counts are taken one at a time.

use super::{Bind, Executor, Row, query};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Backend;
use super::batch::{Args, Batch, Tx, arg, placeholders};
use super::events::{insert_events, push_events};
use super::invitations::{INVITATION_COLUMNS, invitation_row};
use super::outbox::outbox_statement;
use super::shared::{DbRow, corrupt, maybe_time, prefixed, time};
use crate::domain::event::NewEvent;
use crate::domain::guest::{
    AttemptDecision, AttemptKind, AttemptLimit, EmailCode, GuestSession, LockScope,
};
use crate::domain::invitation::Invitation;
use crate::domain::values::TokenHash;
use crate::store::{
    CodeSaved, Counted, GuestAttempt, GuestStore, OutboxEmail, StoreResult, from_millis, to_millis,
};

/// The session columns of `get_guest_session`'s join, prefixed so they cannot clash
/// with the invitation's.
const GUEST_SESSION_COLUMNS: &str = "s.id_hash AS s_id_hash, \
     s.invitation_id AS s_invitation_id, s.language AS s_language, \
     s.verified_email AS s_verified_email, s.pending_email AS s_pending_email, \
     s.connector AS s_connector, s.created_at AS s_created_at, \
     s.expires_at AS s_expires_at, s.replaced_at AS s_replaced_at";

/// The session of a `LEFT JOIN`: `None` when there is no row.
fn guest_session_row(row: &DbRow) -> StoreResult<Option<GuestSession>> {
    let Some(id_hash) = row.try_get::<Option<Vec<u8>>, _>("s_id_hash")? else {
        return Ok(None);
    };
    Ok(Some(GuestSession {
        id_hash: TokenHash::parse(&id_hash).ok_or_else(|| corrupt("guest session id"))?,
        invitation_id: row.try_get("s_invitation_id")?,
        language: row.try_get("s_language")?,
        verified_email: row.try_get("s_verified_email")?,
        pending_email: row.try_get("s_pending_email")?,
        connector: row.try_get("s_connector")?,
        created_at: time(row, "s_created_at")?,
        expires_at: time(row, "s_expires_at")?,
        stored: true,
        replaced_at: maybe_time(row, "s_replaced_at")?,
    }))
}

pub(super) fn guest_session_statement(args: &mut Args, s: &GuestSession) -> StoreResult<String> {
    let sql = format!(
        "INSERT INTO guest_sessions (id_hash, invitation_id, language, verified_email, \
         pending_email, connector, created_at, expires_at) VALUES {} \
         ON CONFLICT (id_hash) DO NOTHING",
        placeholders(args, 8)
    );
    arg(args, s.id_hash.as_bytes())?;
    arg(args, s.invitation_id)?;
    arg(args, &s.language)?;
    arg(args, &s.verified_email)?;
    arg(args, &s.pending_email)?;
    arg(args, &s.connector)?;
    arg(args, to_millis(s.created_at))?;
    arg(args, to_millis(s.expires_at))?;
    Ok(sql)
}

fn attempt_statement(args: &mut Args, a: &GuestAttempt) -> StoreResult<String> {
    let sql = format!(
        "INSERT INTO guest_attempts (id, invitation_id, kind, email_hash, attempted_at) \
         VALUES {}",
        placeholders(args, 5)
    );
    arg(args, a.id)?;
    arg(args, a.invitation_id)?;
    arg(args, a.kind.as_str())?;
    arg(args, &a.email_hash)?;
    arg(args, to_millis(a.at))?;
    Ok(sql)
}

/// `DELETE FROM {table} WHERE {column} = $n`, for one value.
fn delete_statement<'t, T>(
    args: &mut Args,
    table: &str,
    column: &str,
    value: T,
) -> StoreResult<String>
where
    T: Bind<'t>,
{
    let sql = format!(
        "DELETE FROM {table} WHERE {column} = {}",
        placeholders(args, 1)
    );
    arg(args, value)?;
    Ok(sql)
}

/// Takes the row of the invitation's `scope` for the rest of the transaction (creating
/// it on first use) and returns when its lock ends. Every count of a scope starts here:
/// on PostgreSQL a concurrent count waits for this transaction, then sees its attempt;
/// SQLite's single writer takes them one at a time anyway.
async fn lock_gate(
    tx: &mut Tx,
    invitation_id: Uuid,
    scope: LockScope,
) -> StoreResult<Option<DateTime<Utc>>> {
    query(
        "INSERT INTO invitation_locks (invitation_id, scope, locked_until) \
         VALUES ($1, $2, NULL) ON CONFLICT (invitation_id, scope) \
         DO UPDATE SET locked_until = invitation_locks.locked_until \
         RETURNING locked_until",
    )
    .bind(invitation_id)
    .bind(scope.as_str())
    .fetch_one(&mut **tx)
    .await?
    .try_get::<Option<i64>, _>("locked_until")?
    .map(from_millis)
    .transpose()
}

/// Attempts of `kind` on the invitation after `since` (for one address with `email_hash`).
async fn attempts_since<'e>(
    executor: impl Executor<'e>,
    invitation_id: Uuid,
    kind: AttemptKind,
    email_hash: Option<&[u8]>,
    since: DateTime<Utc>,
) -> StoreResult<i64> {
    Ok(query(
        "SELECT COUNT(*) AS n FROM guest_attempts WHERE invitation_id = $1 \
         AND kind = $2 AND attempted_at > $3 AND ($4 IS NULL OR email_hash = $4)",
    )
    .bind(invitation_id)
    .bind(kind.as_str())
    .bind(to_millis(since))
    .bind(email_hash)
    .fetch_one(executor)
    .await?
    .try_get("n")?)
}

/// Sets the lock of a scope whose row `lock_gate` took, and writes `locked`.
async fn start_lock(
    tx: &mut Tx,
    invitation_id: Uuid,
    scope: LockScope,
    until: DateTime<Utc>,
    locked: &NewEvent,
) -> StoreResult<()> {
    query(
        "UPDATE invitation_locks SET locked_until = $3 \
         WHERE invitation_id = $1 AND scope = $2",
    )
    .bind(invitation_id)
    .bind(scope.as_str())
    .bind(to_millis(until))
    .execute(&mut **tx)
    .await?;
    insert_events(tx, std::slice::from_ref(locked)).await
}

#[async_trait]
impl GuestStore for Backend {
    async fn create_guest_session(&self, session: &GuestSession) -> StoreResult<()> {
        Batch::of(|args| guest_session_statement(args, session))?
            .commit_alone(self)
            .await
    }

    async fn get_guest_session(
        &self,
        id_hash: &TokenHash,
        invitation_id: Uuid,
    ) -> StoreResult<Option<(Option<GuestSession>, Invitation)>> {
        // One read on a reader connection: every guest request starts here.
        let row = query(sqlx::AssertSqlSafe(format!(
            "SELECT {GUEST_SESSION_COLUMNS}, {} FROM invitations i \
             LEFT JOIN guest_sessions s ON s.id_hash = $1 AND s.invitation_id = i.id \
             WHERE i.id = $2",
            prefixed("i", INVITATION_COLUMNS)
        )))
        .bind(id_hash.as_bytes())
        .bind(invitation_id)
        .fetch_optional(self.reader())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some((guest_session_row(&row)?, invitation_row(&row)?)))
    }

    async fn set_session_language(&self, id_hash: &TokenHash, language: &str) -> StoreResult<()> {
        self.write_execute(
            query("UPDATE guest_sessions SET language = $2 WHERE id_hash = $1")
                .bind(id_hash.as_bytes())
                .bind(language),
        )
        .await?;
        Ok(())
    }

    async fn set_session_connector(&self, id_hash: &TokenHash, connector: &str) -> StoreResult<()> {
        self.write_execute(
            query("UPDATE guest_sessions SET connector = $2 WHERE id_hash = $1")
                .bind(id_hash.as_bytes())
                .bind(connector),
        )
        .await?;
        Ok(())
    }

    async fn save_email_code(
        &self,
        session_hash: &TokenHash,
        pending_email: &str,
        code: &EmailCode,
        replaceable_before: DateTime<Utc>,
        email: Option<&OutboxEmail>,
        sent: &GuestAttempt,
        limit: &AttemptLimit,
    ) -> StoreResult<CodeSaved> {
        let mut tx = self.write().await?;
        // The limits first, under the invitation's email row: codes asked for one
        // address from several sessions or nodes are counted one at a time.
        let lock = lock_gate(&mut tx, sent.invitation_id, LockScope::Email).await?;
        let before = attempts_since(
            &mut *tx,
            sent.invitation_id,
            sent.kind,
            sent.email_hash.as_deref(),
            limit.window_start(sent.at),
        )
        .await?;
        match limit.decide(lock, before, sent.at) {
            AttemptDecision::Locked(until) => return Ok(CodeSaved::Locked(until)),
            AttemptDecision::Exhausted(_) => return Ok(CodeSaved::TooMany),
            AttemptDecision::Count(_) => {}
        }
        query("DELETE FROM email_codes WHERE session_hash = $1 AND created_at <= $2")
            .bind(session_hash.as_bytes())
            .bind(to_millis(replaceable_before))
            .execute(&mut *tx)
            .await?;
        // A younger code (a concurrent request's) stays: nothing is sent.
        let inserted = query(
            "INSERT INTO email_codes (session_hash, invitation_id, email, code_hash, \
             attempts, created_at, expires_at) SELECT $1, invitation_id, $2, $3, \
             $4, $5, $6 FROM guest_sessions WHERE id_hash = $1 \
             ON CONFLICT (session_hash) DO NOTHING",
        )
        .bind(session_hash.as_bytes())
        .bind(&code.email)
        .bind(&code.code_hash)
        .bind(code.attempts)
        .bind(to_millis(code.created_at))
        .bind(to_millis(code.expires_at))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !inserted {
            return Ok(CodeSaved::TooSoon);
        }
        query("UPDATE guest_sessions SET pending_email = $2 WHERE id_hash = $1")
            .bind(session_hash.as_bytes())
            .bind(pending_email)
            .execute(&mut *tx)
            .await?;
        let mut batch = Batch::of(|args| attempt_statement(args, sent))?;
        if let Some(email) = email {
            batch.push(|args| outbox_statement(args, email))?;
        }
        batch.execute(&mut tx).await?;
        tx.commit().await?;
        Ok(CodeSaved::Saved)
    }

    async fn get_email_code(&self, session_hash: &TokenHash) -> StoreResult<Option<EmailCode>> {
        let row = self
            .write_fetch_optional(
                query(
                    "SELECT email, code_hash, attempts, created_at, expires_at FROM email_codes \
             WHERE session_hash = $1",
                )
                .bind(session_hash.as_bytes()),
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(EmailCode {
            email: row.try_get("email")?,
            code_hash: row.try_get("code_hash")?,
            attempts: row.try_get("attempts")?,
            created_at: time(&row, "created_at")?,
            expires_at: time(&row, "expires_at")?,
        }))
    }

    async fn take_code_attempt(
        &self,
        session_hash: &TokenHash,
        max: i32,
    ) -> StoreResult<Option<i32>> {
        // One statement: concurrent guesses each take their own try, never more than
        // `max` in all.
        let row = self
            .write_fetch_optional(
                query(
                    "UPDATE email_codes SET attempts = attempts + 1 \
             WHERE session_hash = $1 AND attempts < $2 RETURNING attempts",
                )
                .bind(session_hash.as_bytes())
                .bind(max),
            )
            .await?;
        row.map(|row| Ok(row.try_get::<i32, _>("attempts")? - 1))
            .transpose()
    }

    async fn verify_session_email(
        &self,
        old_hash: &TokenHash,
        session: &GuestSession,
        tried: Uuid,
        now: DateTime<Utc>,
        event: &NewEvent,
    ) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        let replaced = query(
            "UPDATE guest_sessions SET replaced_at = $2, pending_email = NULL \
             WHERE id_hash = $1 AND replaced_at IS NULL",
        )
        .bind(old_hash.as_bytes())
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !replaced {
            return Ok(false);
        }
        let mut batch = Batch::of(|args| guest_session_statement(args, session))?;
        batch
            .push(|args| {
                delete_statement(args, "email_codes", "session_hash", old_hash.as_bytes())
            })?
            .push(|args| delete_statement(args, "guest_attempts", "id", tried))?;
        push_events(&mut batch, std::slice::from_ref(event))?;
        batch.execute(&mut tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn invitation_lock(
        &self,
        invitation_id: Uuid,
        scope: LockScope,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let row = query(
            "SELECT locked_until FROM invitation_locks \
             WHERE invitation_id = $1 AND scope = $2",
        )
        .bind(invitation_id)
        .bind(scope.as_str())
        .fetch_optional(self.reader())
        .await?;
        let Some(row) = row else { return Ok(None) };
        maybe_time(&row, "locked_until")
    }

    async fn count_attempts(
        &self,
        invitation_id: Uuid,
        kind: AttemptKind,
        email_hash: Option<&[u8]>,
        since: DateTime<Utc>,
    ) -> StoreResult<i64> {
        attempts_since(self.reader(), invitation_id, kind, email_hash, since).await
    }

    async fn take_attempt(
        &self,
        attempt: &GuestAttempt,
        limit: &AttemptLimit,
        events: &[NewEvent],
        locked: &NewEvent,
        session: Option<&GuestSession>,
    ) -> StoreResult<Counted> {
        let (id, scope, now) = (attempt.invitation_id, attempt.kind.scope(), attempt.at);
        let mut tx = self.write().await?;
        let lock = lock_gate(&mut tx, id, scope).await?;
        let before = attempts_since(
            &mut *tx,
            id,
            attempt.kind,
            attempt.email_hash.as_deref(),
            limit.window_start(now),
        )
        .await?;
        // The session's row goes with whatever the count writes.
        let mut batch = Batch::default();
        if let Some(session) = session {
            batch.push(|args| guest_session_statement(args, session))?;
        }
        match limit.decide(lock, before, now) {
            AttemptDecision::Locked(until) => Ok(Counted::Refused {
                locked_until: Some(until),
            }),
            AttemptDecision::Exhausted(lock_end) => {
                if let Some(until) = lock_end {
                    batch.execute(&mut tx).await?;
                    start_lock(&mut tx, id, scope, until, locked).await?;
                    tx.commit().await?;
                }
                Ok(Counted::Refused {
                    locked_until: lock_end,
                })
            }
            AttemptDecision::Count(lock_end) => {
                batch.push(|args| attempt_statement(args, attempt))?;
                push_events(&mut batch, events)?;
                batch.execute(&mut tx).await?;
                if let Some(until) = lock_end {
                    start_lock(&mut tx, id, scope, until, locked).await?;
                }
                tx.commit().await?;
                Ok(Counted::Yes {
                    before,
                    locked_until: lock_end,
                })
            }
        }
    }

    async fn lock_if_reached(
        &self,
        invitation_id: Uuid,
        limit: &AttemptLimit,
        now: DateTime<Utc>,
        locked: &NewEvent,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let scope = limit.kind.scope();
        let mut tx = self.write().await?;
        let lock = lock_gate(&mut tx, invitation_id, scope).await?;
        let counted = attempts_since(
            &mut *tx,
            invitation_id,
            limit.kind,
            None,
            limit.window_start(now),
        )
        .await?;
        match limit.decide(lock, counted, now) {
            AttemptDecision::Locked(until) => Ok(Some(until)),
            AttemptDecision::Exhausted(Some(until)) => {
                start_lock(&mut tx, invitation_id, scope, until, locked).await?;
                tx.commit().await?;
                Ok(Some(until))
            }
            AttemptDecision::Exhausted(None) | AttemptDecision::Count(_) => Ok(None),
        }
    }
}
