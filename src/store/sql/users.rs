//! Console users in SQL: users, sessions and password links by hash, wrong passwords counted
//! one at a time per user (`gate` takes the user's row first).

use super::{Row, query};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Backend;
use super::batch::{Batch, Tx};
use super::events::insert_events;
use super::outbox::outbox_statement;
use super::shared::{DbRow, corrupt, maybe_time, prefixed, time};
use crate::domain::event::NewEvent;
use crate::domain::user::{ConsoleUser, LinkPurpose, Role};
use crate::domain::values::TokenHash;
use crate::store::{
    OutboxEmail, PasswordLink, SignInRecord, StoreError, StoreResult, UserStore, to_millis,
};

const USER_COLUMNS: &str = "id, account_id, email, role, password_hash, language, created_at";

fn user_row(row: &DbRow) -> StoreResult<ConsoleUser> {
    let role: String = row.try_get("role")?;
    Ok(ConsoleUser {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        email: row.try_get("email")?,
        role: Role::parse(&role).ok_or_else(|| corrupt("console_users.role"))?,
        has_password: row.try_get::<Option<String>, _>("password_hash")?.is_some(),
        language: row.try_get("language")?,
        created_at: time(row, "created_at")?,
    })
}

/// The link, and the email that carries it.
async fn insert_link(
    tx: &mut Tx,
    link: &PasswordLink,
    email: Option<&OutboxEmail>,
) -> StoreResult<()> {
    query(
        "INSERT INTO console_password_links \
         (token_hash, account_id, user_id, purpose, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(link.token_hash.as_bytes())
    .bind(link.account_id)
    .bind(link.user_id)
    .bind(link.purpose.as_str())
    .bind(to_millis(link.created_at))
    .bind(to_millis(link.expires_at))
    .execute(&mut **tx)
    .await?;
    if let Some(email) = email {
        Batch::of(|args| outbox_statement(args, email))?
            .execute(tx)
            .await?;
    }
    Ok(())
}

async fn insert_user(
    tx: &mut Tx,
    user: &ConsoleUser,
    password_hash: Option<&str>,
) -> StoreResult<()> {
    let inserted = query(
        "INSERT INTO console_users (id, account_id, email, role, password_hash, language, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user.id)
    .bind(user.account_id)
    .bind(&user.email)
    .bind(user.role.as_str())
    .bind(password_hash)
    .bind(user.language.as_deref())
    .bind(to_millis(user.created_at))
    .execute(&mut **tx)
    .await
    .map_err(StoreError::from);
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if e.is_unique_violation() => {
            Err(StoreError::Conflict("a console user has this email"))
        }
        Err(e) => Err(e),
    }
}

fn link_row(row: &DbRow) -> StoreResult<PasswordLink> {
    let purpose: String = row.try_get("purpose")?;
    Ok(PasswordLink {
        token_hash: TokenHash::parse(row.try_get::<Vec<u8>, _>("token_hash")?.as_slice())
            .ok_or_else(|| corrupt("console_password_links.token_hash"))?,
        account_id: row.try_get("link_account_id")?,
        user_id: row.try_get("user_id")?,
        purpose: LinkPurpose::parse(&purpose)
            .ok_or_else(|| corrupt("console_password_links.purpose"))?,
        created_at: time(row, "link_created_at")?,
        expires_at: time(row, "expires_at")?,
    })
}

/// Takes the user's row for the rest of the transaction and returns its lock's end: every count
/// of one user's wrong passwords starts here, so they are taken one at a time.
async fn gate(tx: &mut Tx, user_id: Uuid) -> StoreResult<Option<DateTime<Utc>>> {
    let row = query(
        "UPDATE console_users SET locked_until = locked_until WHERE id = $1 \
         RETURNING locked_until",
    )
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        Some(row) => maybe_time(&row, "locked_until"),
        None => Ok(None),
    }
}

async fn forget_wrong_passwords(tx: &mut Tx, user_id: Uuid) -> StoreResult<()> {
    query("DELETE FROM console_login_failures WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[async_trait]
impl UserStore for Backend {
    async fn create_user(
        &self,
        user: &ConsoleUser,
        password_hash: Option<&str>,
        link: Option<&PasswordLink>,
        email: Option<&OutboxEmail>,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        insert_user(&mut tx, user, password_hash).await?;
        if let Some(link) = link {
            insert_link(&mut tx, link, email).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn get_user(&self, id: Uuid) -> StoreResult<Option<ConsoleUser>> {
        query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM console_users WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.reader())
        .await?
        .as_ref()
        .map(user_row)
        .transpose()
    }

    async fn count_users(&self) -> StoreResult<i64> {
        Ok(query("SELECT COUNT(*) AS n FROM console_users")
            .fetch_one(self.reader())
            .await?
            .try_get("n")?)
    }

    async fn list_users(&self, account_id: Uuid) -> StoreResult<Vec<ConsoleUser>> {
        query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM console_users WHERE account_id = $1 ORDER BY email"
        )))
        .bind(account_id)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(user_row)
        .collect()
    }

    async fn find_user_for_sign_in(&self, email: &str) -> StoreResult<Option<SignInRecord>> {
        let row = query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, locked_until FROM console_users WHERE email = $1"
        )))
        .bind(email)
        .fetch_optional(self.reader())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(SignInRecord {
            user: user_row(&row)?,
            password_hash: row.try_get("password_hash")?,
            locked_until: maybe_time(&row, "locked_until")?,
        }))
    }

    async fn set_user_language(&self, id: Uuid, language: &str) -> StoreResult<()> {
        self.write_execute(
            query("UPDATE console_users SET language = $2 WHERE id = $1")
                .bind(id)
                .bind(language),
        )
        .await?;
        Ok(())
    }

    async fn count_wrong_password(
        &self,
        user_id: Uuid,
        now: DateTime<Utc>,
        window_start: DateTime<Utc>,
        limit: i64,
        lock_until: DateTime<Utc>,
        locked: &NewEvent,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let mut tx = self.write().await?;
        if gate(&mut tx, user_id)
            .await?
            .is_some_and(|until| until > now)
        {
            return Ok(None);
        }
        query("INSERT INTO console_login_failures (user_id, failed_at) VALUES ($1, $2)")
            .bind(user_id)
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
        let failures: i64 = query(
            "SELECT COUNT(*) AS n FROM console_login_failures \
             WHERE user_id = $1 AND failed_at > $2",
        )
        .bind(user_id)
        .bind(to_millis(window_start))
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        let mut started = None;
        if failures >= limit {
            query("UPDATE console_users SET locked_until = $2 WHERE id = $1")
                .bind(user_id)
                .bind(to_millis(lock_until))
                .execute(&mut *tx)
                .await?;
            forget_wrong_passwords(&mut tx, user_id).await?;
            insert_events(&mut tx, std::slice::from_ref(locked)).await?;
            started = Some(lock_until);
        }
        tx.commit().await?;
        Ok(started)
    }

    async fn create_console_session(
        &self,
        token_hash: &TokenHash,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        forget_wrong_passwords(&mut tx, user_id).await?;
        query(
            "INSERT INTO console_sessions (token_hash, user_id, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $3)",
        )
        .bind(token_hash.as_bytes())
        .bind(user_id)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_console_session(
        &self,
        token_hash: &TokenHash,
        idle_since: DateTime<Utc>,
    ) -> StoreResult<Option<(ConsoleUser, DateTime<Utc>)>> {
        let row = query(sqlx::AssertSqlSafe(format!(
            "SELECT {}, s.last_seen_at AS last_seen_at FROM console_sessions s \
             JOIN console_users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.last_seen_at > $2",
            prefixed("u", USER_COLUMNS)
        )))
        .bind(token_hash.as_bytes())
        .bind(to_millis(idle_since))
        .fetch_optional(self.reader())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some((user_row(&row)?, time(&row, "last_seen_at")?)))
    }

    async fn touch_console_session(
        &self,
        token_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write_execute(
            query("UPDATE console_sessions SET last_seen_at = $2 WHERE token_hash = $1")
                .bind(token_hash.as_bytes())
                .bind(to_millis(now)),
        )
        .await?;
        Ok(())
    }

    async fn delete_console_session(&self, token_hash: &TokenHash) -> StoreResult<()> {
        self.write_execute(
            query("DELETE FROM console_sessions WHERE token_hash = $1").bind(token_hash.as_bytes()),
        )
        .await?;
        Ok(())
    }

    async fn create_password_link(
        &self,
        link: &PasswordLink,
        email: Option<&OutboxEmail>,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        insert_link(&mut tx, link, email).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn peek_password_link(
        &self,
        token_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(PasswordLink, Option<ConsoleUser>)>> {
        let row = query(
            "SELECT l.token_hash, l.account_id AS link_account_id, l.user_id, l.purpose, \
             l.created_at AS link_created_at, l.expires_at FROM console_password_links l \
             WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2",
        )
        .bind(token_hash.as_bytes())
        .bind(to_millis(now))
        .fetch_optional(self.reader())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let link = link_row(&row)?;
        let user = match link.user_id {
            Some(id) => self.get_user(id).await?,
            None => None,
        };
        Ok(Some((link, user)))
    }

    async fn use_password_link(
        &self,
        token_hash: &TokenHash,
        now: DateTime<Utc>,
        password_hash: &str,
        new_user: &ConsoleUser,
    ) -> StoreResult<Option<ConsoleUser>> {
        let mut tx = self.write().await?;
        let used = query(
            "UPDATE console_password_links SET used_at = $2 \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
             RETURNING account_id, user_id",
        )
        .bind(token_hash.as_bytes())
        .bind(to_millis(now))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(used) = used else { return Ok(None) };
        let Some(user_id) = used.try_get::<Option<Uuid>, _>("user_id")? else {
            // A setup link: the first owner, in the link's account.
            let account_id: Uuid = used.try_get("account_id")?;
            let user = ConsoleUser {
                account_id,
                ..new_user.clone()
            };
            insert_user(&mut tx, &user, Some(password_hash)).await?;
            tx.commit().await?;
            return Ok(Some(ConsoleUser {
                has_password: true,
                ..user
            }));
        };
        let row = query(sqlx::AssertSqlSafe(format!(
            "UPDATE console_users SET password_hash = $2, locked_until = NULL WHERE id = $1 \
             RETURNING {USER_COLUMNS}"
        )))
        .bind(user_id)
        .bind(password_hash)
        .fetch_one(&mut *tx)
        .await?;
        forget_wrong_passwords(&mut tx, user_id).await?;
        // A new password ends every session, and every other link, of the user.
        query("DELETE FROM console_sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        query(
            "UPDATE console_password_links SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        let user = user_row(&row)?;
        tx.commit().await?;
        Ok(Some(user))
    }
}
