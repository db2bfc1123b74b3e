//! The SQLite writer: group commit over the one write connection (issue 14, point 2).
//!
//! Every write transaction takes the connection in turn (a fair, first-come mutex) and runs in
//! a savepoint of the *open batch*, one SQLite transaction shared by every request that wrote
//! since the last commit. Committing a request releases its savepoint, hands the connection on
//! and waits for its batch's `COMMIT`: the committer task takes the connection after the
//! requests already queued for it, so everything that queued while the previous commit was
//! syncing is made durable by one fsync (at `synchronous = FULL`), and no request is answered
//! before its batch is on disk. A request that fails, or is dropped without committing (a
//! lost race, a client that hung up), is rolled back to its savepoint by whoever takes the
//! connection next, so it takes back only its own writes.
//!
//! Flow: `Writer::begin` → lock → settle a dropped predecessor (`ROLLBACK TO request`) →
//! `BEGIN IMMEDIATE` if no batch is open → `SAVEPOINT request` → the caller's statements on
//! `WriteTx`'s connection → `WriteTx::commit`: `RELEASE request`, subscribe to the batch's
//! outcome, unlock, wake the committer, wait → committer: lock, settle, `COMMIT` → every
//! request of the batch gets the outcome.

use rusqlite::Connection;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use tokio::sync::{Mutex, OwnedMutexGuard, mpsc, watch};

use super::{StoreError, StoreResult};

/// A batch's outcome: `None` while open, then whether its `COMMIT` succeeded.
type Outcome = Option<Result<(), Arc<str>>>;

struct State {
    conn: Connection,
    /// The open batch: a transaction has begun and these wait for its outcome.
    batch: Option<watch::Sender<Outcome>>,
    /// The last holder left without committing: its savepoint is still open.
    unsettled: bool,
}

impl State {
    /// Rolls back the savepoint of a request that left without committing. If that fails,
    /// the transaction is in a state we cannot know: it is rolled back whole and its batch
    /// fails, so no request is told its writes are durable when they may not be.
    fn settle(&mut self) {
        if !std::mem::take(&mut self.unsettled) {
            return;
        }
        let rolled_back = self
            .conn
            .execute_batch("ROLLBACK TO request; RELEASE request");
        if let Err(e) = rolled_back {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.finish(Err(e.to_string().into()));
        }
    }

    /// Ends the open batch with `outcome`, telling everyone waiting on it.
    fn finish(&mut self, outcome: Result<(), Arc<str>>) {
        if let Some(batch) = self.batch.take() {
            batch.send_replace(Some(outcome));
        }
    }

    /// Settles the last holder and commits the open batch, if any: the fsync, so it runs
    /// on a blocking thread.
    fn commit(&mut self, batches: &AtomicU64) {
        self.settle();
        let Some(batch) = &self.batch else { return };
        tracing::trace!(writes = batch.receiver_count(), "committing a batch");
        let committed = self.conn.execute_batch("COMMIT");
        if committed.is_err() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        // Counted before the waiters hear: one that reads the count once answered sees it.
        if committed.is_ok() {
            batches.fetch_add(1, Ordering::Relaxed);
        }
        self.finish(committed.map_err(|e| e.to_string().into()));
    }
}

/// Wakes the committer. One wake-up pending is enough: the committer commits whatever is
/// open when it runs, so further wake-ups meanwhile are dropped. The committer stops when
/// the writer and every transaction are gone.
#[derive(Clone)]
struct Wake(mpsc::Sender<()>);

impl Wake {
    fn committer(&self) {
        let _ = self.0.try_send(());
    }
}

/// What the SQLite store writes through.
pub struct Writer {
    state: Arc<Mutex<State>>,
    wake: Wake,
    batches: Arc<AtomicU64>,
}

impl Writer {
    /// Takes over `conn` (opened with the store's options) and starts its committer.
    pub fn new(conn: Connection) -> Writer {
        let state = Arc::new(Mutex::new(State {
            conn,
            batch: None,
            unsettled: false,
        }));
        let (wake, woken) = mpsc::channel(1);
        let batches = Arc::new(AtomicU64::new(0));
        tokio::spawn(commit_batches(
            Arc::downgrade(&state),
            woken,
            batches.clone(),
        ));
        Writer {
            state,
            wake: Wake(wake),
            batches,
        }
    }

    /// A write transaction: a savepoint in the open batch, the connection held until
    /// `commit` or drop. The batch is opened before BEGIN runs: if BEGIN fails, settling
    /// finds no savepoint and fails this (empty) batch.
    ///
    /// Opening a batch takes the file's write lock, which another process may hold (a
    /// `portico keys rotate` beside the server): `BEGIN IMMEDIATE` then waits on SQLite's
    /// busy handler, so it runs on a blocking thread, never on the runtime's. Once the
    /// batch is open no statement waits for a lock, and they run where they are called.
    pub async fn begin(&self) -> StoreResult<WriteTx> {
        let mut state = self.state.clone().lock_owned().await;
        state.settle();
        if state.batch.is_some() {
            let tx = self.tx(state);
            tx.execute_batch("SAVEPOINT request")?;
            return Ok(tx);
        }
        state.batch = Some(watch::Sender::new(None));
        let (state, begun) = tokio::task::spawn_blocking(move || {
            let begun = state
                .conn
                .execute_batch("BEGIN IMMEDIATE; SAVEPOINT request");
            (state, begun)
        })
        .await
        .map_err(|e| batch_failed(&e.to_string()))?;
        // Dropped on failure: the next holder settles and fails the batch.
        let tx = self.tx(state);
        begun?;
        Ok(tx)
    }

    fn tx(&self, state: OwnedMutexGuard<State>) -> WriteTx {
        WriteTx {
            state: Some(state),
            wake: self.wake.clone(),
        }
    }

    /// How many batches have committed: fewer than the write transactions when they were
    /// grouped.
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the tests"))]
    pub fn batches(&self) -> u64 {
        self.batches.load(Ordering::Relaxed)
    }
}

/// One request's write transaction. Dereferences to the connection, so the shared SQL runs
/// its statements with `&mut *tx`; dropped without `commit`, its writes are rolled back.
pub struct WriteTx {
    state: Option<OwnedMutexGuard<State>>,
    wake: Wake,
}

impl WriteTx {
    /// Keeps the request's writes and returns once they are durable, or fails if its batch
    /// did not commit: hands the connection on once the savepoint is released, and waits
    /// for the batch's outcome.
    pub async fn commit(mut self) -> StoreResult<()> {
        self.execute_batch("RELEASE request")?;
        let state = self
            .state
            .take()
            .expect("a transaction holds the connection");
        let mut outcome = state
            .batch
            .as_ref()
            .expect("a released savepoint is in an open batch")
            .subscribe();
        drop(state);
        self.wake.committer();
        let outcome = outcome.wait_for(Option::is_some).await;
        match outcome.as_deref() {
            Ok(Some(Ok(()))) => Ok(()),
            Ok(Some(Err(e))) => Err(batch_failed(e)),
            _ => Err(batch_failed("the writer stopped")),
        }
    }
}

fn batch_failed(why: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!(
        "the write's batch did not commit: {why}"
    )))
}

impl Deref for WriteTx {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.state.as_ref().expect("held until commit").conn
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.state.as_mut().expect("held until commit").conn
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if let Some(mut state) = self.state.take() {
            state.unsettled = true;
            drop(state);
            // The committer settles it and commits the rest of the batch, so an idle
            // server does not keep the file's write lock.
            self.wake.committer();
        }
    }
}

/// The committer: each time a request commits (or leaves), take the connection after those
/// already waiting for it and commit the open batch on a blocking thread (the fsync); the
/// requests that queue meanwhile make the next batch.
async fn commit_batches(
    state: Weak<Mutex<State>>,
    mut woken: mpsc::Receiver<()>,
    batches: Arc<AtomicU64>,
) {
    while woken.recv().await.is_some() {
        let Some(state) = state.upgrade() else { return };
        let mut state = state.lock_owned().await;
        let batches = batches.clone();
        // A panic there drops the batch's sender: its requests hear "the writer stopped".
        let _ = tokio::task::spawn_blocking(move || state.commit(&batches)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::group_commit;

    /// A connection to the test's file, opened as the store opens it (its busy wait included).
    fn connect(dir: &tempfile::TempDir) -> Connection {
        group_commit::open(&dir.path().join("w.db")).unwrap()
    }

    fn writer(dir: &tempfile::TempDir) -> Writer {
        let conn = connect(dir);
        conn.execute_batch("CREATE TABLE t (k TEXT PRIMARY KEY)")
            .unwrap();
        Writer::new(conn)
    }

    fn insert(tx: &WriteTx, k: &str) -> rusqlite::Result<()> {
        tx.execute("INSERT INTO t (k) VALUES (?1)", [k]).map(|_| ())
    }

    async fn keys(w: &Writer) -> Vec<String> {
        let tx = w.begin().await.unwrap();
        let keys = tx
            .prepare("SELECT k FROM t ORDER BY k")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        tx.commit().await.unwrap();
        keys
    }

    /// Twenty requests queue while a first one holds the connection: all twenty-one commit in
    /// one batch, and the one that hits a constraint (after a write of its own) takes back
    /// only its own writes.
    #[tokio::test(flavor = "current_thread")]
    async fn queued_writes_commit_together_and_a_failure_rolls_back_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let w = Arc::new(writer(&dir));
        let first = w.begin().await.unwrap();
        insert(&first, "first").unwrap();
        let mut queued = Vec::new();
        for i in 0..20 {
            let w = w.clone();
            queued.push(tokio::spawn(async move {
                let tx = w.begin().await?;
                if i == 7 {
                    insert(&tx, "doomed")?;
                    // A primary key taken earlier in the batch: this request fails.
                    insert(&tx, "first")?;
                } else {
                    insert(&tx, &format!("k{i:02}"))?;
                }
                tx.commit().await
            }));
        }
        // On this one thread, yielding runs every spawned task up to its wait for the
        // connection, which `first` holds: all twenty queue before it lets go.
        tokio::task::yield_now().await;
        first.commit().await.unwrap();
        let mut failed = 0;
        for task in queued {
            if task.await.unwrap().is_err() {
                failed += 1;
            }
        }
        assert_eq!(failed, 1);
        assert_eq!(w.batches(), 1, "the 21 writes were committed together");
        let keys = keys(&w).await;
        assert_eq!(keys.len(), 20);
        assert!(keys.contains(&"first".to_string()));
        assert!(!keys.contains(&"doomed".to_string()));
    }

    /// A request dropped without committing (a client that hung up) is rolled back and its
    /// batch still ends, so the file's write lock is not kept.
    #[tokio::test]
    async fn a_dropped_write_is_rolled_back_and_its_batch_ends() {
        let dir = tempfile::tempdir().unwrap();
        let w = writer(&dir);
        let tx = w.begin().await.unwrap();
        insert(&tx, "gone").unwrap();
        drop(tx);
        // Another connection can take the write lock (its busy wait spans the committer's
        // turn, which runs meanwhile): the batch was ended.
        let other = connect(&dir);
        tokio::task::spawn_blocking(move || {
            other.execute_batch("BEGIN IMMEDIATE; INSERT INTO t (k) VALUES ('other'); COMMIT")
        })
        .await
        .unwrap()
        .unwrap();
        assert_eq!(keys(&w).await, vec!["other".to_string()]);
    }

    /// A commit is answered only once its batch is committed: another connection sees it.
    #[tokio::test]
    async fn a_commit_returns_once_the_batch_is_committed() {
        let dir = tempfile::tempdir().unwrap();
        let w = writer(&dir);
        let tx = w.begin().await.unwrap();
        insert(&tx, "durable").unwrap();
        tx.commit().await.unwrap();
        let n: i64 = connect(&dir)
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    }
}
