//! The SQL both backends share. `$N` parameters work on SQLite and PostgreSQL alike, ids bind as
//! UUIDs (BLOB in SQLite), JSON as `Json` (TEXT in SQLite, JSONB in PostgreSQL) and timestamps as
//! integer milliseconds, so one body of code serves both; the macro stamps it out per backend.
//! Its third argument is the row-locking clause of claims: `" FOR UPDATE SKIP LOCKED"` on
//! PostgreSQL, where several processes claim at once, and `""` on SQLite, whose single writer
//! already serialises them.

macro_rules! sql_store {
    // `$skip_locked`: how a claim skips rows another node is claiming; PostgreSQL's
    // `FOR UPDATE SKIP LOCKED`, nothing on SQLite, whose single writer serialises claims.
    // `$multi_statement`: whether one query may hold several statements (see `Batch`).
    ($store:ty, $db:ty, $skip_locked:literal, $multi_statement:literal) => {
        use crate::crypto::WrappedKey;
        use crate::domain::account::{Account, ApiKey, Scope};
        use crate::domain::connection::{Connection, LastCheck};
        use crate::domain::connector::Direction;
        use crate::domain::event::{Event, NewEvent};
        use crate::domain::invitation::{EndUser, Invitation, InvitationKind, InvitationStatus};
        use crate::store::{
            from_millis, to_millis, CodeSaved, ConnectionWrite, Counted, Use, CreatedConnection,
            GuestAttempt, IdempotentResponse, Inserted, InvitationFilter, KeyHolder, OutboxEmail,
            Page, PendingDelivery, StoreError, StoreResult,
        };
        use crate::domain::guest::{
            AttemptDecision, AttemptKind, AttemptLimit, EmailCode, GuestSession, LockScope,
            ATTEMPT_WINDOW,
        };
        use crate::domain::webhook::{
            parse_filter, stored_filter, AttemptOutcome, WebhookAttempt, WebhookEndpoint,
        };
        use chrono::{DateTime, Utc};
        use serde_json::{Map, Value};
        use sqlx::types::Json;
        use sqlx::{QueryBuilder, Row};
        use uuid::Uuid;

        type DbRow = <$db as sqlx::Database>::Row;
        type Tx<'a> = sqlx::Transaction<'a, $db>;

        const CONNECTION_COLUMNS: &str = "id, account_id, connector, direction, name, config, \
             secrets, data_key, data_key_id, end_user, metadata, invitation_id, last_check, \
             created_at, updated_at, remote_environment";
        const INVITATION_COLUMNS: &str = "id, account_id, kind, connector, direction, \
             connection_id, connection_name, allowed_emails, expires_at, max_uses, use_count, \
             language, prefill, locked_fields, end_user, redirect_url, send_email, metadata, \
             created_at, revoked_at, category, remote_environment, opened_at";

        /// `columns` (a comma-separated list) qualified by the table alias `table`, each
        /// named as itself (SQLite leaves the name of an unaliased `t.col` unspecified).
        fn prefixed(table: &str, columns: &str) -> String {
            columns
                .split(',')
                .map(|c| format!("{table}.{0} AS {0}", c.trim()))
                .collect::<Vec<_>>()
                .join(", ")
        }

        fn unique_violation(err: &sqlx::Error) -> bool {
            matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
        }

        fn corrupt(what: &str) -> StoreError {
            StoreError::Corrupt(what.to_string())
        }

        fn account_row(row: &DbRow) -> StoreResult<Account> {
            Ok(Account {
                id: row.try_get("id")?,
                number: row.try_get("number")?,
                name: row.try_get("name")?,
            })
        }

        fn connection_row(row: &DbRow) -> StoreResult<Connection> {
            let direction: String = row.try_get("direction")?;
            Ok(Connection {
                id: row.try_get("id")?,
                account_id: row.try_get("account_id")?,
                connector: row.try_get("connector")?,
                direction: Direction::parse(&direction).ok_or_else(|| corrupt("direction"))?,
                name: row.try_get("name")?,
                config: row.try_get::<Json<Map<String, Value>>, _>("config")?.0,
                secrets: row.try_get::<Json<_>, _>("secrets")?.0,
                data_key: WrappedKey {
                    key_id: row.try_get("data_key_id")?,
                    bytes: row.try_get("data_key")?,
                },
                end_user: row.try_get::<Json<EndUser>, _>("end_user")?.0,
                metadata: row.try_get::<Json<Map<String, Value>>, _>("metadata")?.0,
                invitation_id: row.try_get("invitation_id")?,
                last_check: row
                    .try_get::<Option<Json<LastCheck>>, _>("last_check")?
                    .map(|j| j.0),
                created_at: from_millis(row.try_get("created_at")?)?,
                updated_at: from_millis(row.try_get("updated_at")?)?,
                remote_environment: row.try_get("remote_environment")?,
            })
        }

        fn invitation_row(row: &DbRow) -> StoreResult<Invitation> {
            let kind: String = row.try_get("kind")?;
            let direction: String = row.try_get("direction")?;
            Ok(Invitation {
                id: row.try_get("id")?,
                account_id: row.try_get("account_id")?,
                kind: InvitationKind::parse(&kind).ok_or_else(|| corrupt("kind"))?,
                // '' until the guest picks a connector of the invitation's category.
                connector: Some(row.try_get::<String, _>("connector")?).filter(|c| !c.is_empty()),
                category: row.try_get("category")?,
                remote_environment: row.try_get("remote_environment")?,
                direction: Direction::parse(&direction).ok_or_else(|| corrupt("direction"))?,
                connection_id: row.try_get("connection_id")?,
                connection_name: row.try_get("connection_name")?,
                allowed_emails: row.try_get::<Json<Vec<String>>, _>("allowed_emails")?.0,
                expires_at: row
                    .try_get::<Option<i64>, _>("expires_at")?
                    .map(from_millis)
                    .transpose()?,
                max_uses: row.try_get("max_uses")?,
                use_count: row.try_get("use_count")?,
                language: row.try_get("language")?,
                prefill: row.try_get::<Json<Map<String, Value>>, _>("prefill")?.0,
                locked_fields: row.try_get::<Json<Vec<String>>, _>("locked_fields")?.0,
                end_user: row.try_get::<Json<EndUser>, _>("end_user")?.0,
                redirect_url: row.try_get("redirect_url")?,
                send_email: row.try_get("send_email")?,
                metadata: row.try_get::<Json<Map<String, Value>>, _>("metadata")?.0,
                created_at: from_millis(row.try_get("created_at")?)?,
                revoked_at: row
                    .try_get::<Option<i64>, _>("revoked_at")?
                    .map(from_millis)
                    .transpose()?,
                opened_at: row
                    .try_get::<Option<i64>, _>("opened_at")?
                    .map(from_millis)
                    .transpose()?,
            })
        }

        fn event_row(row: &DbRow) -> StoreResult<Event> {
            Ok(Event {
                id: row.try_get("id")?,
                kind: row.try_get("type")?,
                timestamp: from_millis(row.try_get("created_at")?)?,
                data: row.try_get::<Json<Value>, _>("data")?.0,
            })
        }

        type Args = <$db as sqlx::Database>::Arguments;

        /// Adds one value to a statement's arguments.
        fn arg<'t, T>(args: &mut Args, value: T) -> StoreResult<()>
        where
            T: sqlx::Encode<'t, $db> + sqlx::Type<$db>,
        {
            use sqlx::Arguments;
            args.add(value).map_err(sqlx::Error::Encode)?;
            Ok(())
        }

        /// `($k, ..., $k+n-1)`: `n` placeholders numbered after the arguments already in `args`.
        fn placeholders(args: &Args, n: usize) -> String {
            use sqlx::Arguments;
            let first = args.len() + 1;
            let list: Vec<String> = (first..first + n).map(|i| format!("${i}")).collect();
            format!("({})", list.join(", "))
        }

        /// The writes of one transaction, in order. Where one query may hold several statements
        /// (SQLite: sqlx binds `$n` across them) they go as one query, so the single writer's
        /// thread is handed the work once instead of once per statement; elsewhere
        /// (PostgreSQL, whose protocol prepares one statement at a time) one query each.
        /// Each statement is built by a function that numbers its placeholders after the
        /// arguments it is given and adds its own.
        #[derive(Default)]
        struct Batch {
            statements: Vec<(String, Args)>,
        }

        impl Batch {
            fn push(
                &mut self,
                build: impl FnOnce(&mut Args) -> StoreResult<String>,
            ) -> StoreResult<&mut Self> {
                // A builder must add exactly one argument per placeholder it writes: SQLite
                // would bind NULL to a missing one without a word.
                fn checked(
                    build: impl FnOnce(&mut Args) -> StoreResult<String>,
                    args: &mut Args,
                ) -> StoreResult<String> {
                    use sqlx::Arguments;
                    let before = args.len();
                    let sql = build(args)?;
                    debug_assert_eq!(sql.matches('$').count(), args.len() - before, "{sql}");
                    Ok(sql)
                }
                match self.statements.last_mut() {
                    Some((sql, args)) if $multi_statement => {
                        let next = checked(build, args)?;
                        sql.push_str("; ");
                        sql.push_str(&next);
                    }
                    _ => {
                        let mut args = Args::default();
                        let sql = checked(build, &mut args)?;
                        self.statements.push((sql, args));
                    }
                }
                Ok(self)
            }

            async fn execute(self, tx: &mut Tx<'_>) -> StoreResult<()> {
                for (sql, args) in self.statements {
                    sqlx::query_with(sqlx::AssertSqlSafe(sql), args)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }

            /// Runs the batch as a transaction of its own. On SQLite that is one query,
            /// `BEGIN IMMEDIATE`, the statements, `COMMIT`, handed to the writer's thread once
            /// instead of three times. It runs in a task of its own, so a caller that goes away
            /// (a client hanging up) cannot leave it half done; a failure is rolled back on the
            /// same connection before the connection goes back to the pool, or the connection
            /// is closed if even that fails. Elsewhere: begin, the statements, commit.
            async fn commit_alone(self, pool: &sqlx::Pool<$db>) -> StoreResult<()> {
                if !$multi_statement {
                    let mut tx = pool.begin().await?;
                    self.execute(&mut tx).await?;
                    tx.commit().await?;
                    return Ok(());
                }
                let Some((sql, args)) = self.statements.into_iter().next() else {
                    return Ok(());
                };
                let pool = pool.clone();
                let write = tokio::spawn(async move {
                    let mut conn = pool.acquire().await?;
                    let sql = format!("BEGIN IMMEDIATE; {sql}; COMMIT");
                    let done = sqlx::query_with(sqlx::AssertSqlSafe(sql), args)
                        .execute(&mut *conn)
                        .await;
                    if done.is_err() && sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await.is_err()
                    {
                        // SQLite may have rolled back already (then there is nothing to do),
                        // but the connection's state is not known for sure: do not reuse it.
                        conn.close_on_drop();
                    }
                    done.map(|_| ())
                });
                match write.await {
                    Ok(done) => Ok(done?),
                    Err(e) => Err(sqlx::Error::Protocol(format!("the write task failed: {e}")).into()),
                }
            }
        }

        /// Events in one multi-row statement. Their webhook deliveries (one per subscribed
        /// endpoint) are written by the `events_fan_out` trigger, in the same transaction.
        fn events_statement(args: &mut Args, events: &[&NewEvent]) -> StoreResult<String> {
            let mut rows = Vec::with_capacity(events.len());
            for e in events {
                rows.push(placeholders(args, 5));
                arg(args, e.event.id)?;
                arg(args, e.account_id)?;
                arg(args, &e.event.kind)?;
                arg(args, Json(&e.event.data))?;
                arg(args, to_millis(e.event.timestamp))?;
            }
            Ok(format!(
                "INSERT INTO events (id, account_id, type, data, created_at) VALUES {}",
                rows.join(", ")
            ))
        }

        /// Adds the events' statement to `batch`, unless there are none.
        fn push_events<'e>(
            batch: &mut Batch,
            events: impl IntoIterator<Item = &'e NewEvent>,
        ) -> StoreResult<()> {
            let events: Vec<&NewEvent> = events.into_iter().collect();
            if !events.is_empty() {
                batch.push(|args| events_statement(args, &events))?;
            }
            Ok(())
        }

        async fn insert_events<'e>(
            tx: &mut Tx<'_>,
            events: impl IntoIterator<Item = &'e NewEvent>,
        ) -> StoreResult<()> {
            let mut batch = Batch::default();
            push_events(&mut batch, events)?;
            batch.execute(tx).await
        }

        const WEBHOOK_COLUMNS: &str = "id, account_id, url, event_types, data_key, data_key_id, \
             secret, previous_secret, previous_until, disabled_at, created_at";

        fn webhook_row(row: &DbRow) -> StoreResult<WebhookEndpoint> {
            let stored: String = row.try_get("event_types")?;
            Ok(WebhookEndpoint {
                id: row.try_get("id")?,
                account_id: row.try_get("account_id")?,
                url: row.try_get("url")?,
                event_types: parse_filter(&stored),
                data_key: wrapped_key(row)?,
                sealed_secret: row.try_get("secret")?,
                sealed_previous_secret: row.try_get("previous_secret")?,
                previous_until: row
                    .try_get::<Option<i64>, _>("previous_until")?
                    .map(from_millis)
                    .transpose()?,
                disabled_at: row
                    .try_get::<Option<i64>, _>("disabled_at")?
                    .map(from_millis)
                    .transpose()?,
                created_at: from_millis(row.try_get("created_at")?)?,
            })
        }

        fn attempt_row(row: &DbRow) -> StoreResult<WebhookAttempt> {
            let status: Option<i32> = row.try_get("status")?;
            Ok(WebhookAttempt {
                id: row.try_get("id")?,
                endpoint_id: row.try_get("endpoint_id")?,
                event_id: row.try_get("event_id")?,
                attempted_at: from_millis(row.try_get("attempted_at")?)?,
                status: status.and_then(|s| u16::try_from(s).ok()),
                error: row.try_get("error")?,
                duration_ms: row.try_get("duration_ms")?,
            })
        }

        fn invitation_statement(
            args: &mut Args,
            inv: &Invitation,
            token_hash: &[u8],
        ) -> StoreResult<String> {
            let sql = format!(
                "INSERT INTO invitations ({INVITATION_COLUMNS}, token_hash) VALUES {}",
                placeholders(args, 24)
            );
            arg(args, inv.id)?;
            arg(args, inv.account_id)?;
            arg(args, inv.kind.as_str())?;
            arg(args, inv.connector.as_deref().unwrap_or(""))?;
            arg(args, inv.direction.as_str())?;
            arg(args, inv.connection_id)?;
            arg(args, &inv.connection_name)?;
            arg(args, Json(&inv.allowed_emails))?;
            arg(args, inv.expires_at.map(to_millis))?;
            arg(args, inv.max_uses)?;
            arg(args, inv.use_count)?;
            arg(args, &inv.language)?;
            arg(args, Json(&inv.prefill))?;
            arg(args, Json(&inv.locked_fields))?;
            arg(args, Json(&inv.end_user))?;
            arg(args, &inv.redirect_url)?;
            arg(args, inv.send_email)?;
            arg(args, Json(&inv.metadata))?;
            arg(args, to_millis(inv.created_at))?;
            arg(args, inv.revoked_at.map(to_millis))?;
            arg(args, &inv.category)?;
            arg(args, &inv.remote_environment)?;
            arg(args, inv.opened_at.map(to_millis))?;
            arg(args, token_hash)?;
            Ok(sql)
        }

        fn connection_statement(args: &mut Args, c: &Connection) -> StoreResult<String> {
            let sql = format!(
                "INSERT INTO connections ({CONNECTION_COLUMNS}) VALUES {}",
                placeholders(args, 16)
            );
            arg(args, c.id)?;
            arg(args, c.account_id)?;
            arg(args, &c.connector)?;
            arg(args, c.direction.as_str())?;
            arg(args, &c.name)?;
            arg(args, Json(&c.config))?;
            arg(args, Json(&c.secrets))?;
            arg(args, &c.data_key.bytes)?;
            arg(args, &c.data_key.key_id)?;
            arg(args, Json(&c.end_user))?;
            arg(args, Json(&c.metadata))?;
            arg(args, c.invitation_id)?;
            arg(args, c.last_check.as_ref().map(Json))?;
            arg(args, to_millis(c.created_at))?;
            arg(args, to_millis(c.updated_at))?;
            arg(args, &c.remote_environment)?;
            Ok(sql)
        }

        async fn insert_connection_row(tx: &mut Tx<'_>, c: &Connection) -> StoreResult<()> {
            let mut batch = Batch::default();
            batch.push(|args| connection_statement(args, c))?;
            batch.execute(tx).await
        }

        /// Replaces what an edit may change; `false` when there is no such connection.
        async fn update_connection_row(tx: &mut Tx<'_>, c: &Connection) -> StoreResult<bool> {
            let done = sqlx::query(
                "UPDATE connections SET name = $3, config = $4, secrets = $5, data_key = $6, \
                 data_key_id = $7, end_user = $8, metadata = $9, updated_at = $10 \
                 WHERE account_id = $1 AND id = $2",
            )
            .bind(c.account_id)
            .bind(c.id)
            .bind(&c.name)
            .bind(Json(&c.config))
            .bind(Json(&c.secrets))
            .bind(&c.data_key.bytes)
            .bind(&c.data_key.key_id)
            .bind(Json(&c.end_user))
            .bind(Json(&c.metadata))
            .bind(to_millis(c.updated_at))
            .execute(&mut **tx)
            .await?;
            Ok(done.rows_affected() == 1)
        }

        /// A guest's reconnect: the credentials and the last check only, never the owner's
        /// name, end user or metadata.
        async fn reconnect_connection_row(tx: &mut Tx<'_>, c: &Connection) -> StoreResult<bool> {
            let done = sqlx::query(
                "UPDATE connections SET config = $3, secrets = $4, data_key = $5, \
                 data_key_id = $6, last_check = $7, updated_at = $8 \
                 WHERE account_id = $1 AND id = $2",
            )
            .bind(c.account_id)
            .bind(c.id)
            .bind(Json(&c.config))
            .bind(Json(&c.secrets))
            .bind(&c.data_key.bytes)
            .bind(&c.data_key.key_id)
            .bind(c.last_check.as_ref().map(Json))
            .bind(to_millis(c.updated_at))
            .execute(&mut **tx)
            .await?;
            Ok(done.rows_affected() == 1)
        }

        fn wrapped_key(row: &DbRow) -> StoreResult<WrappedKey> {
            Ok(WrappedKey {
                key_id: row.try_get("data_key_id")?,
                bytes: row.try_get("data_key")?,
            })
        }

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
                id_hash,
                invitation_id: row.try_get("s_invitation_id")?,
                language: row.try_get("s_language")?,
                verified_email: row.try_get("s_verified_email")?,
                pending_email: row.try_get("s_pending_email")?,
                connector: row.try_get("s_connector")?,
                created_at: from_millis(row.try_get("s_created_at")?)?,
                expires_at: from_millis(row.try_get("s_expires_at")?)?,
                stored: true,
                replaced_at: row
                    .try_get::<Option<i64>, _>("s_replaced_at")?
                    .map(from_millis)
                    .transpose()?,
            }))
        }

        fn guest_session_statement(args: &mut Args, s: &GuestSession) -> StoreResult<String> {
            let sql = format!(
                "INSERT INTO guest_sessions (id_hash, invitation_id, language, verified_email, \
                 pending_email, connector, created_at, expires_at) VALUES {} \
                 ON CONFLICT (id_hash) DO NOTHING",
                placeholders(args, 8)
            );
            arg(args, &s.id_hash)?;
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

        /// Takes the row of the invitation's `scope` for the rest of the transaction (creating
        /// it on first use) and returns when its lock ends. Every count of a scope starts here:
        /// on PostgreSQL a concurrent count waits for this transaction, then sees its attempt;
        /// SQLite's single writer takes them one at a time anyway.
        async fn lock_gate(
            tx: &mut Tx<'_>,
            invitation_id: Uuid,
            scope: LockScope,
        ) -> StoreResult<Option<DateTime<Utc>>> {
            sqlx::query(
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
            executor: impl sqlx::Executor<'e, Database = $db>,
            invitation_id: Uuid,
            kind: AttemptKind,
            email_hash: Option<&[u8]>,
            since: DateTime<Utc>,
        ) -> StoreResult<i64> {
            Ok(sqlx::query(
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
            tx: &mut Tx<'_>,
            invitation_id: Uuid,
            scope: LockScope,
            until: DateTime<Utc>,
            locked: &NewEvent,
        ) -> StoreResult<()> {
            sqlx::query(
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

        fn outbox_row(row: &DbRow) -> StoreResult<OutboxEmail> {
            Ok(OutboxEmail {
                id: row.try_get("id")?,
                account_id: row.try_get("account_id")?,
                recipient: row.try_get("recipient")?,
                data_key: wrapped_key(row)?,
                sealed_message: row.try_get("message")?,
                created_at: from_millis(row.try_get("created_at")?)?,
                attempts: row.try_get("attempts")?,
                next_attempt_at: from_millis(row.try_get("next_attempt_at")?)?,
            })
        }

        fn outbox_statement(args: &mut Args, e: &OutboxEmail) -> StoreResult<String> {
            let sql = format!(
                "INSERT INTO outbox_emails (id, account_id, recipient, data_key, data_key_id, \
                 message, created_at, attempts, next_attempt_at) VALUES {}",
                placeholders(args, 9)
            );
            arg(args, e.id)?;
            arg(args, e.account_id)?;
            arg(args, &e.recipient)?;
            arg(args, &e.data_key.bytes)?;
            arg(args, &e.data_key.key_id)?;
            arg(args, &e.sealed_message)?;
            arg(args, to_millis(e.created_at))?;
            arg(args, e.attempts)?;
            arg(args, to_millis(e.next_attempt_at))?;
            Ok(sql)
        }

        async fn insert_outbox_row(tx: &mut Tx<'_>, e: &OutboxEmail) -> StoreResult<()> {
            let mut batch = Batch::default();
            batch.push(|args| outbox_statement(args, e))?;
            batch.execute(tx).await
        }

        /// The row of `columns` in `table` with this id, if the account owns it.
        async fn owned_row<T>(
            pool: &sqlx::Pool<$db>,
            columns: &str,
            table: &str,
            account_id: Uuid,
            id: Uuid,
            map: fn(&DbRow) -> StoreResult<T>,
        ) -> StoreResult<Option<T>> {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {columns} FROM {table} WHERE account_id = $1 AND id = $2"
            )))
            .bind(account_id)
            .bind(id)
            .fetch_optional(pool)
            .await?
            .as_ref()
            .map(map)
            .transpose()
        }

        /// Keyset page, newest first.
        fn push_page(q: &mut QueryBuilder<$db>, page: Page) {
            if let Some(before) = page.before {
                q.push(" AND id < ").push_bind(before);
            }
            q.push(" ORDER BY id DESC LIMIT ").push_bind(page.limit);
        }

        #[async_trait::async_trait]
        impl crate::store::Store for $store {
            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(self.reader()).await?;
                Ok(())
            }

            async fn create_account(
                &self,
                name: &str,
                number: Option<i64>,
                now: DateTime<Utc>,
            ) -> StoreResult<Account> {
                // Without a number, take the next free one; a concurrent create may take the same,
                // so try again a few times on that conflict.
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    let id = Uuid::now_v7();
                    let result = sqlx::query(
                        "INSERT INTO accounts (id, number, name, created_at) VALUES ($1, \
                         COALESCE($2, (SELECT COALESCE(MAX(number), 0) + 1 FROM accounts)), \
                         $3, $4) RETURNING id, number, name",
                    )
                    .bind(id)
                    .bind(number)
                    .bind(name)
                    .bind(to_millis(now))
                    .fetch_one(self.writer())
                    .await;
                    match result {
                        Ok(row) => return account_row(&row),
                        Err(e) if unique_violation(&e) && number.is_none() && attempt < 5 => {
                            continue
                        }
                        Err(e) if unique_violation(&e) => {
                            return Err(StoreError::Conflict("account number is taken"))
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }

            async fn count_accounts(&self) -> StoreResult<i64> {
                Ok(sqlx::query("SELECT COUNT(*) AS n FROM accounts")
                    .fetch_one(self.reader())
                    .await?
                    .try_get("n")?)
            }

            async fn get_account(&self, id: Uuid) -> StoreResult<Option<Account>> {
                sqlx::query("SELECT id, number, name FROM accounts WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await?
                    .as_ref()
                    .map(account_row)
                    .transpose()
            }

            async fn get_account_by_number(&self, number: i64) -> StoreResult<Option<Account>> {
                sqlx::query("SELECT id, number, name FROM accounts WHERE number = $1")
                    .bind(number)
                    .fetch_optional(self.reader())
                    .await?
                    .as_ref()
                    .map(account_row)
                    .transpose()
            }

            async fn create_api_key(
                &self,
                key: &ApiKey,
                key_hash: &[u8],
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO api_keys (id, account_id, key_hash, prefix, scopes, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(key.id)
                .bind(key.account_id)
                .bind(key_hash)
                .bind(&key.prefix)
                .bind(Json(&key.scopes))
                .bind(to_millis(now))
                .execute(self.writer())
                .await?;
                Ok(())
            }

            async fn find_api_key(&self, key_hash: &[u8]) -> StoreResult<Option<ApiKey>> {
                let row = sqlx::query(
                    "SELECT id, account_id, prefix, scopes, revoked_at FROM api_keys \
                     WHERE key_hash = $1",
                )
                .bind(key_hash)
                .fetch_optional(self.reader())
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some(ApiKey {
                    id: row.try_get("id")?,
                    account_id: row.try_get("account_id")?,
                    prefix: row.try_get("prefix")?,
                    scopes: row.try_get::<Json<Vec<Scope>>, _>("scopes")?.0,
                    revoked: row.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
                }))
            }

            async fn revoke_api_key(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                )
                .bind(id)
                .bind(to_millis(now))
                .execute(self.writer())
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_connection(
                &self,
                c: &Connection,
                events: &[NewEvent],
            ) -> StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                insert_connection_row(&mut tx, c).await?;
                insert_events(&mut tx, events).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_connection(
                &self,
                account_id: Uuid,
                id: Uuid,
            ) -> StoreResult<Option<Connection>> {
                let table = "connections";
                owned_row(self.reader(), CONNECTION_COLUMNS, table, account_id, id, connection_row).await
            }

            async fn list_connections(
                &self,
                account_id: Uuid,
                page: Page,
            ) -> StoreResult<Vec<Connection>> {
                let mut q = QueryBuilder::<$db>::new(format!(
                    "SELECT {CONNECTION_COLUMNS} FROM connections WHERE account_id = "
                ));
                q.push_bind(account_id);
                push_page(&mut q, page);
                q.build()
                    .fetch_all(self.reader())
                    .await?
                    .iter()
                    .map(connection_row)
                    .collect()
            }

            async fn update_connection(
                &self,
                c: &Connection,
                events: &[NewEvent],
            ) -> StoreResult<bool> {
                let mut tx = self.writer().begin().await?;
                if !update_connection_row(&mut tx, c).await? {
                    return Ok(false);
                }
                insert_events(&mut tx, events).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn record_check(
                &self,
                account_id: Uuid,
                id: Uuid,
                check: &LastCheck,
                events: &[NewEvent],
            ) -> StoreResult<bool> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query(
                    "UPDATE connections SET last_check = $3 WHERE account_id = $1 AND id = $2",
                )
                .bind(account_id)
                .bind(id)
                .bind(Json(check))
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_events(&mut tx, events).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn delete_connection(
                &self,
                account_id: Uuid,
                id: Uuid,
                events: &[NewEvent],
            ) -> StoreResult<bool> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query("DELETE FROM connections WHERE account_id = $1 AND id = $2")
                    .bind(account_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_events(&mut tx, events).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn insert_invitation(
                &self,
                inv: &Invitation,
                token_hash: &[u8],
                events: &[NewEvent],
                emails: &[OutboxEmail],
                idempotency: Option<&IdempotentResponse>,
            ) -> StoreResult<Inserted> {
                let mut batch = Batch::default();
                batch.push(|args| invitation_statement(args, inv, token_hash))?;
                push_events(&mut batch, events)?;
                for email in emails {
                    batch.push(|args| outbox_statement(args, email))?;
                }
                let Some(idem) = idempotency else {
                    batch.commit_alone(self.writer()).await?;
                    return Ok(Inserted::Yes);
                };
                let mut tx = self.writer().begin().await?;
                // A concurrent request with the same key waits here on PostgreSQL until the
                // first commits, then inserts nothing; on SQLite the single writer serialises.
                let taken = sqlx::query(
                    "INSERT INTO idempotency_keys (account_id, key, request_hash, status, \
                     data_key, data_key_id, response, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                )
                .bind(inv.account_id)
                .bind(&idem.key)
                .bind(&idem.request_hash)
                .bind(i32::from(idem.status))
                .bind(&idem.data_key.bytes)
                .bind(&idem.data_key.key_id)
                .bind(&idem.sealed_response)
                .bind(to_millis(idem.created_at))
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 0;
                if taken {
                    return Ok(Inserted::KeyTaken);
                }
                batch.execute(&mut tx).await?;
                tx.commit().await?;
                Ok(Inserted::Yes)
            }

            async fn get_idempotent_response(
                &self,
                account_id: Uuid,
                key: &str,
            ) -> StoreResult<Option<IdempotentResponse>> {
                let row = sqlx::query(
                    "SELECT key, request_hash, status, data_key, data_key_id, response, \
                     created_at FROM idempotency_keys WHERE account_id = $1 AND key = $2",
                )
                .bind(account_id)
                .bind(key)
                .fetch_optional(self.writer())
                .await?;
                let Some(row) = row else { return Ok(None) };
                let status: i32 = row.try_get("status")?;
                Ok(Some(IdempotentResponse {
                    key: row.try_get("key")?,
                    request_hash: row.try_get("request_hash")?,
                    status: u16::try_from(status).map_err(|_| corrupt("status"))?,
                    data_key: WrappedKey {
                        key_id: row.try_get("data_key_id")?,
                        bytes: row.try_get("data_key")?,
                    },
                    sealed_response: row.try_get("response")?,
                    created_at: from_millis(row.try_get("created_at")?)?,
                }))
            }

            async fn get_invitation(
                &self,
                account_id: Uuid,
                id: Uuid,
            ) -> StoreResult<Option<Invitation>> {
                let table = "invitations";
                owned_row(self.reader(), INVITATION_COLUMNS, table, account_id, id, invitation_row).await
            }

            async fn list_invitations(
                &self,
                account_id: Uuid,
                filter: &InvitationFilter,
                now: DateTime<Utc>,
                page: Page,
            ) -> StoreResult<Vec<Invitation>> {
                let mut q = QueryBuilder::<$db>::new(format!(
                    "SELECT {INVITATION_COLUMNS} FROM invitations WHERE account_id = "
                ));
                q.push_bind(account_id);
                if let Some(kind) = filter.kind {
                    q.push(" AND kind = ").push_bind(kind.as_str());
                }
                if let Some(connector) = &filter.connector {
                    q.push(" AND connector = ").push_bind(connector.clone());
                }
                // The same precedence as `Invitation::status`: revoked, fulfilled, expired, active.
                const UNREVOKED: &str = " AND revoked_at IS NULL";
                const OPEN_USES: &str = " AND (max_uses IS NULL OR use_count < max_uses)";
                let now = to_millis(now);
                match filter.status {
                    None => {}
                    Some(InvitationStatus::Revoked) => {
                        q.push(" AND revoked_at IS NOT NULL");
                    }
                    Some(InvitationStatus::Fulfilled) => {
                        q.push(UNREVOKED)
                            .push(" AND max_uses IS NOT NULL AND use_count >= max_uses");
                    }
                    Some(InvitationStatus::Expired) => {
                        q.push(UNREVOKED)
                            .push(OPEN_USES)
                            .push(" AND expires_at IS NOT NULL AND expires_at <= ")
                            .push_bind(now);
                    }
                    Some(InvitationStatus::Active) => {
                        q.push(UNREVOKED)
                            .push(OPEN_USES)
                            .push(" AND (expires_at IS NULL OR expires_at > ")
                            .push_bind(now)
                            .push(")");
                    }
                }
                push_page(&mut q, page);
                q.build()
                    .fetch_all(self.reader())
                    .await?
                    .iter()
                    .map(invitation_row)
                    .collect()
            }

            async fn revoke_invitation(
                &self,
                account_id: Uuid,
                id: Uuid,
                now: DateTime<Utc>,
                events: &[NewEvent],
            ) -> StoreResult<bool> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query(
                    "UPDATE invitations SET revoked_at = $3 \
                     WHERE account_id = $1 AND id = $2 AND revoked_at IS NULL",
                )
                .bind(account_id)
                .bind(id)
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_events(&mut tx, events).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn created_connections(
                &self,
                invitation_ids: &[Uuid],
            ) -> StoreResult<Vec<CreatedConnection>> {
                if invitation_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut q = QueryBuilder::<$db>::new(
                    "SELECT invitation_id, id, name, connector, created_at FROM connections \
                     WHERE invitation_id IN (",
                );
                let mut ids = q.separated(", ");
                for id in invitation_ids {
                    ids.push_bind(*id);
                }
                // Sorted here rather than by an ORDER BY id, which can lead PostgreSQL's generic
                // plan to walk the whole primary key instead of the invitation_id index.
                q.push(")");
                let mut created = q
                    .build()
                    .fetch_all(self.reader())
                    .await?
                    .iter()
                    .map(|row| {
                        Ok(CreatedConnection {
                            invitation_id: row.try_get("invitation_id")?,
                            id: row.try_get("id")?,
                            name: row.try_get("name")?,
                            connector: row.try_get("connector")?,
                            created_at: from_millis(row.try_get("created_at")?)?,
                        })
                    })
                    .collect::<StoreResult<Vec<_>>>()?;
                created.sort_by_key(|c| c.id);
                Ok(created)
            }

            async fn data_keys_not_under(
                &self,
                key_id: &str,
                limit: i64,
            ) -> StoreResult<Vec<(KeyHolder, WrappedKey)>> {
                let mut found = Vec::new();
                for row in sqlx::query(
                    "SELECT account_id, id, data_key, data_key_id FROM connections \
                     WHERE data_key_id <> $1 ORDER BY id LIMIT $2",
                )
                .bind(key_id)
                .bind(limit)
                .fetch_all(self.reader())
                .await?
                {
                    let holder = KeyHolder::Connection {
                        account_id: row.try_get("account_id")?,
                        id: row.try_get("id")?,
                    };
                    found.push((holder, wrapped_key(&row)?));
                }
                for row in sqlx::query(
                    "SELECT account_id, key, data_key, data_key_id FROM idempotency_keys \
                     WHERE data_key_id <> $1 ORDER BY account_id, key LIMIT $2",
                )
                .bind(key_id)
                .bind(limit)
                .fetch_all(self.reader())
                .await?
                {
                    let holder = KeyHolder::IdempotentReply {
                        account_id: row.try_get("account_id")?,
                        key: row.try_get("key")?,
                    };
                    found.push((holder, wrapped_key(&row)?));
                }
                for row in sqlx::query(
                    "SELECT id, data_key, data_key_id FROM outbox_emails \
                     WHERE data_key_id <> $1 ORDER BY id LIMIT $2",
                )
                .bind(key_id)
                .bind(limit)
                .fetch_all(self.reader())
                .await?
                {
                    let holder = KeyHolder::OutboxEmail {
                        id: row.try_get("id")?,
                    };
                    found.push((holder, wrapped_key(&row)?));
                }
                for row in sqlx::query(
                    "SELECT id, data_key, data_key_id FROM webhook_endpoints \
                     WHERE data_key_id <> $1 ORDER BY id LIMIT $2",
                )
                .bind(key_id)
                .bind(limit)
                .fetch_all(self.reader())
                .await?
                {
                    let holder = KeyHolder::WebhookEndpoint {
                        id: row.try_get("id")?,
                    };
                    found.push((holder, wrapped_key(&row)?));
                }
                Ok(found)
            }

            async fn replace_data_key(
                &self,
                holder: &KeyHolder,
                old: &WrappedKey,
                new: &WrappedKey,
            ) -> StoreResult<bool> {
                // $1 and $2 the new key, $3 and $4 the old one, then the row's key columns.
                let swap = |sql: &'static str| {
                    sqlx::query(sql)
                        .bind(&new.bytes)
                        .bind(&new.key_id)
                        .bind(&old.bytes)
                        .bind(&old.key_id)
                };
                let q = match holder {
                    KeyHolder::Connection { id, .. } => swap(
                        "UPDATE connections SET data_key = $1, data_key_id = $2 \
                         WHERE data_key = $3 AND data_key_id = $4 AND id = $5",
                    )
                    .bind(*id),
                    KeyHolder::WebhookEndpoint { id } => swap(
                        "UPDATE webhook_endpoints SET data_key = $1, data_key_id = $2 \
                         WHERE data_key = $3 AND data_key_id = $4 AND id = $5",
                    )
                    .bind(*id),
                    KeyHolder::OutboxEmail { id } => swap(
                        "UPDATE outbox_emails SET data_key = $1, data_key_id = $2 \
                         WHERE data_key = $3 AND data_key_id = $4 AND id = $5",
                    )
                    .bind(*id),
                    KeyHolder::IdempotentReply { account_id, key } => swap(
                        "UPDATE idempotency_keys SET data_key = $1, data_key_id = $2 \
                         WHERE data_key = $3 AND data_key_id = $4 AND account_id = $5 \
                         AND key = $6",
                    )
                    .bind(*account_id)
                    .bind(key.as_str()),
                };
                Ok(q.execute(self.writer()).await?.rows_affected() == 1)
            }

            async fn find_invitation_by_token(
                &self,
                token_hash: &[u8],
            ) -> StoreResult<Option<Invitation>> {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {INVITATION_COLUMNS} FROM invitations WHERE token_hash = $1"
                )))
                .bind(token_hash)
                .fetch_optional(self.reader())
                .await?
                .as_ref()
                .map(invitation_row)
                .transpose()
            }

            async fn mark_invitation_opened(
                &self,
                invitation_id: Uuid,
                at: DateTime<Utc>,
                event: &NewEvent,
            ) -> StoreResult<bool> {
                let mut tx = self.writer().begin().await?;
                // Two first opens at once: only one marks the invitation and writes the event.
                let first = sqlx::query(
                    "UPDATE invitations SET opened_at = $2 WHERE id = $1 AND opened_at IS NULL",
                )
                .bind(invitation_id)
                .bind(to_millis(at))
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if !first {
                    return Ok(false);
                }
                insert_events(&mut tx, std::slice::from_ref(event)).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn create_guest_session(&self, session: &GuestSession) -> StoreResult<()> {
                let mut batch = Batch::default();
                batch.push(|args| guest_session_statement(args, session))?;
                batch.commit_alone(self.writer()).await
            }

            async fn get_guest_session(
                &self,
                id_hash: &[u8],
                invitation_id: Uuid,
            ) -> StoreResult<Option<(Option<GuestSession>, Invitation)>> {
                // One read on a reader connection: every guest request starts here.
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {GUEST_SESSION_COLUMNS}, {} FROM invitations i \
                     LEFT JOIN guest_sessions s ON s.id_hash = $1 AND s.invitation_id = i.id \
                     WHERE i.id = $2",
                    prefixed("i", INVITATION_COLUMNS)
                )))
                .bind(id_hash)
                .bind(invitation_id)
                .fetch_optional(self.reader())
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some((guest_session_row(&row)?, invitation_row(&row)?)))
            }

            async fn set_session_connector(
                &self,
                id_hash: &[u8],
                connector: &str,
            ) -> StoreResult<()> {
                sqlx::query("UPDATE guest_sessions SET connector = $2 WHERE id_hash = $1")
                    .bind(id_hash)
                    .bind(connector)
                    .execute(self.writer())
                    .await?;
                Ok(())
            }

            async fn set_session_language(
                &self,
                id_hash: &[u8],
                language: &str,
            ) -> StoreResult<()> {
                sqlx::query("UPDATE guest_sessions SET language = $2 WHERE id_hash = $1")
                    .bind(id_hash)
                    .bind(language)
                    .execute(self.writer())
                    .await?;
                Ok(())
            }

            async fn save_email_code(
                &self,
                session_hash: &[u8],
                pending_email: &str,
                code: &EmailCode,
                replaceable_before: DateTime<Utc>,
                email: Option<&OutboxEmail>,
                sent: &GuestAttempt,
                limit: &AttemptLimit,
            ) -> StoreResult<CodeSaved> {
                let mut tx = self.writer().begin().await?;
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
                sqlx::query(
                    "DELETE FROM email_codes WHERE session_hash = $1 AND created_at <= $2",
                )
                .bind(session_hash)
                .bind(to_millis(replaceable_before))
                .execute(&mut *tx)
                .await?;
                // A younger code (a concurrent request's) stays: nothing is sent.
                let inserted = sqlx::query(
                    "INSERT INTO email_codes (session_hash, invitation_id, email, code_hash, \
                     attempts, created_at, expires_at) SELECT $1, invitation_id, $2, $3, \
                     $4, $5, $6 FROM guest_sessions WHERE id_hash = $1 \
                     ON CONFLICT (session_hash) DO NOTHING",
                )
                .bind(session_hash)
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
                sqlx::query("UPDATE guest_sessions SET pending_email = $2 WHERE id_hash = $1")
                    .bind(session_hash)
                    .bind(pending_email)
                    .execute(&mut *tx)
                    .await?;
                let mut batch = Batch::default();
                batch.push(|args| attempt_statement(args, sent))?;
                if let Some(email) = email {
                    batch.push(|args| outbox_statement(args, email))?;
                }
                batch.execute(&mut tx).await?;
                tx.commit().await?;
                Ok(CodeSaved::Saved)
            }

            async fn get_email_code(&self, session_hash: &[u8]) -> StoreResult<Option<EmailCode>> {
                let row = sqlx::query(
                    "SELECT email, code_hash, attempts, created_at, expires_at FROM email_codes \
                     WHERE session_hash = $1",
                )
                .bind(session_hash)
                .fetch_optional(self.writer())
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some(EmailCode {
                    email: row.try_get("email")?,
                    code_hash: row.try_get("code_hash")?,
                    attempts: row.try_get("attempts")?,
                    created_at: from_millis(row.try_get("created_at")?)?,
                    expires_at: from_millis(row.try_get("expires_at")?)?,
                }))
            }

            async fn take_code_attempt(
                &self,
                session_hash: &[u8],
                max: i32,
            ) -> StoreResult<Option<i32>> {
                // One statement: concurrent guesses each take their own try, never more than
                // `max` in all.
                let row = sqlx::query(
                    "UPDATE email_codes SET attempts = attempts + 1 \
                     WHERE session_hash = $1 AND attempts < $2 RETURNING attempts",
                )
                .bind(session_hash)
                .bind(max)
                .fetch_optional(self.writer())
                .await?;
                row.map(|row| Ok(row.try_get::<i32, _>("attempts")? - 1))
                    .transpose()
            }

            async fn verify_session_email(
                &self,
                old_hash: &[u8],
                session: &GuestSession,
                tried: Uuid,
                now: DateTime<Utc>,
                event: &NewEvent,
            ) -> StoreResult<bool> {
                let mut tx = self.writer().begin().await?;
                let replaced = sqlx::query(
                    "UPDATE guest_sessions SET replaced_at = $2, pending_email = NULL \
                     WHERE id_hash = $1 AND replaced_at IS NULL",
                )
                .bind(old_hash)
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if !replaced {
                    return Ok(false);
                }
                let mut batch = Batch::default();
                batch
                    .push(|args| guest_session_statement(args, session))?
                    .push(|args| {
                        let sql = format!(
                            "DELETE FROM email_codes WHERE session_hash = {}",
                            placeholders(args, 1)
                        );
                        arg(args, old_hash)?;
                        Ok(sql)
                    })?
                    .push(|args| {
                        let sql =
                            format!("DELETE FROM guest_attempts WHERE id = {}", placeholders(args, 1));
                        arg(args, tried)?;
                        Ok(sql)
                    })?;
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
                let row = sqlx::query(
                    "SELECT locked_until FROM invitation_locks \
                     WHERE invitation_id = $1 AND scope = $2",
                )
                .bind(invitation_id)
                .bind(scope.as_str())
                .fetch_optional(self.reader())
                .await?;
                let Some(row) = row else { return Ok(None) };
                row.try_get::<Option<i64>, _>("locked_until")?
                    .map(from_millis)
                    .transpose()
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
            ) -> StoreResult<Counted> {
                let (id, scope, now) = (attempt.invitation_id, attempt.kind.scope(), attempt.at);
                let mut tx = self.writer().begin().await?;
                let lock = lock_gate(&mut tx, id, scope).await?;
                let before = attempts_since(
                    &mut *tx,
                    id,
                    attempt.kind,
                    attempt.email_hash.as_deref(),
                    limit.window_start(now),
                )
                .await?;
                match limit.decide(lock, before, now) {
                    AttemptDecision::Locked(until) => Ok(Counted::Refused {
                        locked_until: Some(until),
                    }),
                    AttemptDecision::Exhausted(lock_end) => {
                        if let Some(until) = lock_end {
                            start_lock(&mut tx, id, scope, until, locked).await?;
                            tx.commit().await?;
                        }
                        Ok(Counted::Refused {
                            locked_until: lock_end,
                        })
                    }
                    AttemptDecision::Count(lock_end) => {
                        let mut batch = Batch::default();
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
                let mut tx = self.writer().begin().await?;
                let lock = lock_gate(&mut tx, invitation_id, scope).await?;
                let counted =
                    attempts_since(&mut *tx, invitation_id, limit.kind, None, limit.window_start(now))
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

            async fn use_invitation(
                &self,
                invitation_id: Uuid,
                now: DateTime<Utc>,
                write: ConnectionWrite<'_>,
                events: &[NewEvent],
                fulfilled: &NewEvent,
            ) -> StoreResult<Use> {
                let mut tx = self.writer().begin().await?;
                // The conditional increment: on PostgreSQL a concurrent use waits on the row
                // lock and then re-checks the condition against the committed count.
                let used = sqlx::query(
                    "UPDATE invitations SET use_count = use_count + 1 \
                     WHERE id = $1 AND revoked_at IS NULL \
                     AND (max_uses IS NULL OR use_count < max_uses) \
                     AND (expires_at IS NULL OR expires_at > $2) \
                     RETURNING use_count, max_uses",
                )
                .bind(invitation_id)
                .bind(to_millis(now))
                .fetch_optional(&mut *tx)
                .await?;
                let Some(used) = used else {
                    return Ok(Use::Refused);
                };
                let use_count: i64 = used.try_get("use_count")?;
                let max_uses: Option<i64> = used.try_get("max_uses")?;
                // The connection and the events: one query on SQLite.
                let mut batch = Batch::default();
                match write {
                    ConnectionWrite::Create(c) => {
                        batch.push(|args| connection_statement(args, c))?;
                    }
                    ConnectionWrite::Update(c) => {
                        // Dropping the transaction rolls the increment back.
                        if !reconnect_connection_row(&mut tx, c).await? {
                            return Ok(Use::ConnectionGone);
                        }
                    }
                }
                let last_use = max_uses == Some(use_count);
                push_events(&mut batch, events.iter().chain(last_use.then_some(fulfilled)))?;
                batch.execute(&mut tx).await?;
                tx.commit().await?;
                Ok(Use::Used(use_count))
            }

            async fn enqueue_email(&self, email: &OutboxEmail) -> StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                insert_outbox_row(&mut tx, email).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn claim_emails(
                &self,
                node: &str,
                now: DateTime<Utc>,
                lease: chrono::Duration,
                limit: i64,
            ) -> StoreResult<Vec<OutboxEmail>> {
                let mut claimed = sqlx::query(concat!(
                    "UPDATE outbox_emails SET locked_until = $2, locked_by = $3 \
                     WHERE id IN (SELECT id FROM outbox_emails \
                     WHERE sent_at IS NULL AND next_attempt_at <= $1 \
                     AND (locked_until IS NULL OR locked_until < $1) \
                     ORDER BY id LIMIT $4",
                    $skip_locked,
                    ") RETURNING id, account_id, recipient, data_key, data_key_id, message, \
                     created_at, attempts, next_attempt_at"
                ))
                .bind(to_millis(now))
                .bind(to_millis(now + lease))
                .bind(node)
                .bind(limit)
                .fetch_all(self.writer())
                .await?
                .iter()
                .map(outbox_row)
                .collect::<StoreResult<Vec<_>>>()?;
                // RETURNING promises no order; ids are UUIDv7, so this is oldest first.
                claimed.sort_by_key(|e| e.id);
                Ok(claimed)
            }

            async fn mark_email_sent(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE outbox_emails SET sent_at = $2, message = NULL, \
                     attempts = attempts + 1, locked_until = NULL, locked_by = NULL \
                     WHERE id = $1",
                )
                .bind(id)
                .bind(to_millis(now))
                .execute(self.writer())
                .await?;
                Ok(())
            }

            async fn mark_email_failed(
                &self,
                id: Uuid,
                error: &str,
                next_attempt_at: DateTime<Utc>,
            ) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE outbox_emails SET attempts = attempts + 1, last_error = $2, \
                     next_attempt_at = $3, locked_until = NULL, locked_by = NULL \
                     WHERE id = $1 AND sent_at IS NULL",
                )
                .bind(id)
                .bind(error)
                .bind(to_millis(next_attempt_at))
                .execute(self.writer())
                .await?;
                Ok(())
            }

            async fn purge_expired(
                &self,
                now: DateTime<Utc>,
                replies_before: DateTime<Utc>,
                sent_before: DateTime<Utc>,
            ) -> StoreResult<u64> {
                let mut tx = self.writer().begin().await?;
                let mut purged = 0;
                for (sql, at) in [
                    ("DELETE FROM email_codes WHERE expires_at <= $1", now),
                    ("DELETE FROM guest_sessions WHERE expires_at <= $1", now),
                    (
                        "DELETE FROM guest_attempts WHERE attempted_at <= $1",
                        now - ATTEMPT_WINDOW,
                    ),
                    // A lock row with no lock on and no attempt left to count (those went
                    // just before).
                    (
                        "DELETE FROM invitation_locks \
                         WHERE (locked_until IS NULL OR locked_until <= $1) \
                         AND NOT EXISTS (SELECT 1 FROM guest_attempts a \
                         WHERE a.invitation_id = invitation_locks.invitation_id)",
                        now,
                    ),
                    ("DELETE FROM idempotency_keys WHERE created_at < $1", replies_before),
                    ("DELETE FROM outbox_emails WHERE sent_at < $1", sent_before),
                ] {
                    purged += sqlx::query(sql)
                        .bind(to_millis(at))
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                }
                tx.commit().await?;
                Ok(purged)
            }

            async fn create_webhook_endpoint(&self, w: &WebhookEndpoint) -> StoreResult<()> {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO webhook_endpoints ({WEBHOOK_COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                )))
                .bind(w.id)
                .bind(w.account_id)
                .bind(&w.url)
                .bind(stored_filter(&w.event_types))
                .bind(&w.data_key.bytes)
                .bind(&w.data_key.key_id)
                .bind(&w.sealed_secret)
                .bind(&w.sealed_previous_secret)
                .bind(w.previous_until.map(to_millis))
                .bind(w.disabled_at.map(to_millis))
                .bind(to_millis(w.created_at))
                .execute(self.writer())
                .await?;
                Ok(())
            }

            async fn list_webhook_endpoints(
                &self,
                account_id: Uuid,
            ) -> StoreResult<Vec<WebhookEndpoint>> {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {WEBHOOK_COLUMNS} FROM webhook_endpoints WHERE account_id = $1 \
                     ORDER BY id"
                )))
                .bind(account_id)
                .fetch_all(self.reader())
                .await?
                .iter()
                .map(webhook_row)
                .collect()
            }

            async fn get_webhook_endpoint(
                &self,
                account_id: Uuid,
                id: Uuid,
            ) -> StoreResult<Option<WebhookEndpoint>> {
                let table = "webhook_endpoints";
                owned_row(self.writer(), WEBHOOK_COLUMNS, table, account_id, id, webhook_row).await
            }

            async fn delete_webhook_endpoint(&self, account_id: Uuid, id: Uuid) -> StoreResult<bool> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query(
                    "DELETE FROM webhook_endpoints WHERE account_id = $1 AND id = $2",
                )
                .bind(account_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                sqlx::query("DELETE FROM webhook_deliveries WHERE endpoint_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn update_webhook_secrets(&self, w: &WebhookEndpoint) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE webhook_endpoints SET secret = $3, previous_secret = $4, \
                     previous_until = $5 WHERE account_id = $1 AND id = $2",
                )
                .bind(w.account_id)
                .bind(w.id)
                .bind(&w.sealed_secret)
                .bind(&w.sealed_previous_secret)
                .bind(w.previous_until.map(to_millis))
                .execute(self.writer())
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn claim_webhook_endpoints(
                &self,
                node: &str,
                now: DateTime<Utc>,
                until: DateTime<Utc>,
                limit: i64,
            ) -> StoreResult<Vec<WebhookEndpoint>> {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE webhook_endpoints SET locked_until = $1, locked_by = $2 \
                     WHERE id IN (SELECT w.id FROM webhook_endpoints w \
                     WHERE w.disabled_at IS NULL \
                     AND (w.locked_until IS NULL OR w.locked_until < $3) \
                     AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = w.id \
                     AND d.delivered_at IS NULL AND d.given_up_at IS NULL \
                     AND d.next_attempt_at <= $3) \
                     ORDER BY w.id LIMIT $4{}) RETURNING {WEBHOOK_COLUMNS}",
                    $skip_locked
                )))
                .bind(to_millis(until))
                .bind(node)
                .bind(to_millis(now))
                .bind(limit)
                .fetch_all(self.writer())
                .await?
                .iter()
                .map(webhook_row)
                .collect()
            }

            async fn renew_webhook_lease(
                &self,
                id: Uuid,
                node: &str,
                until: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE webhook_endpoints SET locked_until = $3 \
                     WHERE id = $1 AND locked_by = $2",
                )
                .bind(id)
                .bind(node)
                .bind(to_millis(until))
                .execute(self.writer())
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn release_webhook_endpoint(&self, id: Uuid, node: &str) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE webhook_endpoints SET locked_until = NULL, locked_by = NULL \
                     WHERE id = $1 AND locked_by = $2",
                )
                .bind(id)
                .bind(node)
                .execute(self.writer())
                .await?;
                Ok(())
            }

            async fn pending_webhook_deliveries(
                &self,
                endpoint_id: Uuid,
                limit: i64,
            ) -> StoreResult<Vec<PendingDelivery>> {
                sqlx::query(
                    "SELECT e.id, e.type, e.data, e.created_at, d.attempts, d.next_attempt_at \
                     FROM webhook_deliveries d JOIN events e ON e.id = d.event_id \
                     WHERE d.endpoint_id = $1 AND d.delivered_at IS NULL \
                     AND d.given_up_at IS NULL ORDER BY d.event_seq LIMIT $2",
                )
                .bind(endpoint_id)
                .bind(limit)
                .fetch_all(self.writer())
                .await?
                .iter()
                .map(|row| {
                    Ok(PendingDelivery {
                        event: event_row(row)?,
                        attempts: row.try_get("attempts")?,
                        next_attempt_at: from_millis(row.try_get("next_attempt_at")?)?,
                    })
                })
                .collect()
            }

            async fn record_webhook_attempt(
                &self,
                a: &WebhookAttempt,
                outcome: AttemptOutcome,
            ) -> StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                sqlx::query(
                    "INSERT INTO webhook_attempts (id, endpoint_id, event_id, attempted_at, \
                     status, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(a.id)
                .bind(a.endpoint_id)
                .bind(a.event_id)
                .bind(to_millis(a.attempted_at))
                .bind(a.status.map(i32::from))
                .bind(&a.error)
                .bind(a.duration_ms)
                .execute(&mut *tx)
                .await?;
                let at = to_millis(a.attempted_at);
                let (sql, value) = match outcome {
                    AttemptOutcome::Delivered => (
                        "UPDATE webhook_deliveries SET attempts = attempts + 1, delivered_at = $3 \
                         WHERE endpoint_id = $1 AND event_id = $2",
                        at,
                    ),
                    AttemptOutcome::Retry(next) => (
                        "UPDATE webhook_deliveries SET attempts = attempts + 1, \
                         next_attempt_at = $3 WHERE endpoint_id = $1 AND event_id = $2",
                        to_millis(next),
                    ),
                    AttemptOutcome::GiveUp | AttemptOutcome::Disable => (
                        "UPDATE webhook_deliveries SET attempts = attempts + 1, given_up_at = $3 \
                         WHERE endpoint_id = $1 AND event_id = $2",
                        at,
                    ),
                };
                sqlx::query(sql)
                    .bind(a.endpoint_id)
                    .bind(a.event_id)
                    .bind(value)
                    .execute(&mut *tx)
                    .await?;
                if outcome == AttemptOutcome::Disable {
                    sqlx::query("UPDATE webhook_endpoints SET disabled_at = $2 WHERE id = $1")
                        .bind(a.endpoint_id)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn list_webhook_attempts(
                &self,
                endpoint_id: Uuid,
                page: Page,
            ) -> StoreResult<Vec<WebhookAttempt>> {
                let mut q = QueryBuilder::<$db>::new(
                    "SELECT id, endpoint_id, event_id, attempted_at, status, error, duration_ms \
                     FROM webhook_attempts WHERE endpoint_id = ",
                );
                q.push_bind(endpoint_id);
                push_page(&mut q, page);
                q.build()
                    .fetch_all(self.reader())
                    .await?
                    .iter()
                    .map(attempt_row)
                    .collect()
            }

            async fn queue_depths(&self) -> StoreResult<(i64, i64)> {
                let row = sqlx::query(
                    "SELECT (SELECT COUNT(*) FROM webhook_deliveries WHERE delivered_at IS NULL \
                     AND given_up_at IS NULL) AS hooks, (SELECT COUNT(*) FROM outbox_emails \
                     WHERE sent_at IS NULL) AS mails",
                )
                .fetch_one(self.reader())
                .await?;
                Ok((row.try_get("hooks")?, row.try_get("mails")?))
            }

            async fn invitations_to_expire(
                &self,
                now: DateTime<Utc>,
                limit: i64,
            ) -> StoreResult<Vec<Invitation>> {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    // The terms of the partial index invitations_expiry_due, as written there.
                    "SELECT {INVITATION_COLUMNS} FROM invitations WHERE expired_event_at IS NULL \
                     AND revoked_at IS NULL AND expires_at IS NOT NULL \
                     AND (max_uses IS NULL OR use_count < max_uses) AND expires_at <= $1 \
                     ORDER BY expires_at, id LIMIT $2"
                )))
                .bind(to_millis(now))
                .bind(limit)
                .fetch_all(self.reader())
                .await?
                .iter()
                .map(invitation_row)
                .collect()
            }

            async fn mark_invitation_expired(
                &self,
                id: Uuid,
                now: DateTime<Utc>,
                event: &NewEvent,
            ) -> StoreResult<bool> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query(
                    "UPDATE invitations SET expired_event_at = $2 \
                     WHERE id = $1 AND expired_event_at IS NULL",
                )
                .bind(id)
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_events(&mut tx, std::slice::from_ref(event)).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn record_events(&self, events: &[NewEvent]) -> StoreResult<()> {
                let mut batch = Batch::default();
                push_events(&mut batch, events)?;
                batch.commit_alone(self.writer()).await
            }

            async fn event_exists(&self, account_id: Uuid, id: Uuid) -> StoreResult<bool> {
                Ok(sqlx::query("SELECT 1 FROM events WHERE account_id = $1 AND id = $2")
                    .bind(account_id)
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await?
                    .is_some())
            }

            async fn list_events(
                &self,
                account_id: Uuid,
                after: Option<Uuid>,
                limit: i64,
            ) -> StoreResult<Vec<Event>> {
                let mut q = QueryBuilder::<$db>::new(
                    "SELECT id, type, data, created_at FROM events WHERE account_id = ",
                );
                q.push_bind(account_id);
                if let Some(after) = after {
                    // The cursor must be one of this account's events; another account's id
                    // names nothing here (and the service reports it as unknown).
                    q.push(" AND seq > (SELECT seq FROM events WHERE account_id = ")
                        .push_bind(account_id)
                        .push(" AND id = ")
                        .push_bind(after)
                        .push(")");
                }
                q.push(" ORDER BY seq LIMIT ").push_bind(limit);
                q.build()
                    .fetch_all(self.reader())
                    .await?
                    .iter()
                    .map(event_row)
                    .collect()
            }
        }
    };
}

pub(crate) use sql_store;
