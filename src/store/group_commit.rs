//! Group commit on SQLite (issue 14): one thread owns the write connection (rusqlite, WAL,
//! `synchronous = FULL`) and drains a queue of write transactions. It commits whatever has
//! queued while the previous commit was syncing, up to [`MAX_BATCH`] requests in one
//! transaction: one fsync for the lot instead of one each. Each request runs in its own
//! savepoint, so one request's failure (a constraint, a lost race on a one-use link) rolls back
//! only that request; each is answered after its batch is on disk.
//!
//! Flow: `GroupCommit::write(f)` boxes `f` with a reply channel and queues it (waiting when
//! [`QUEUE`] requests are already waiting) → the writer thread takes the first queued request,
//! then every other one already queued → `BEGIN IMMEDIATE` → per request `SAVEPOINT`, run,
//! `RELEASE` or `ROLLBACK TO` → `COMMIT` (durable at FULL) → every reply is sent: the request's
//! own result, or the commit's failure for those that had succeeded.

use rusqlite::Connection;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// The most requests one transaction commits.
pub const MAX_BATCH: usize = 512;

/// Requests waiting beyond this make `write` wait for room (backpressure, bounded memory).
const QUEUE: usize = 4 * MAX_BATCH;

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The request's own statements failed; its savepoint was rolled back.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// The request succeeded but its batch did not commit.
    #[error("the batch did not commit: {0}")]
    Commit(Arc<rusqlite::Error>),
    /// The writer thread is gone (the store was dropped).
    #[error("the SQLite writer has stopped")]
    Stopped,
}

/// One queued request: run it inside its savepoint, then answer it once the batch's fate is
/// known.
trait Job: Send {
    /// Runs the request; `false` when it failed (its savepoint is rolled back).
    fn run(&mut self, conn: &Connection) -> bool;
    fn finish(self: Box<Self>, committed: Result<(), Arc<rusqlite::Error>>);
}

struct Request<T, F> {
    work: Option<F>,
    outcome: Option<rusqlite::Result<T>>,
    reply: oneshot::Sender<Result<T, WriteError>>,
}

impl<T, F> Job for Request<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> rusqlite::Result<T> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let work = self.work.take().expect("a request runs once");
        let outcome = work(conn);
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn finish(self: Box<Self>, committed: Result<(), Arc<rusqlite::Error>>) {
        let answer = match (self.outcome, committed) {
            (Some(Err(own)), _) => Err(WriteError::Sqlite(own)),
            (Some(Ok(_)), Err(commit)) => Err(WriteError::Commit(commit)),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (None, Err(commit)) => Err(WriteError::Commit(commit)),
            (None, Ok(())) => Err(WriteError::Stopped),
        };
        // The caller may have gone away (a dropped request future); nothing to tell it.
        let _ = self.reply.send(answer);
    }
}

/// How many batches and requests the writer has committed (for tests and the benchmark).
#[derive(Debug, Default)]
pub struct Counters {
    pub batches: AtomicU64,
    pub requests: AtomicU64,
}

/// The handle to the writer thread; cheap to clone. The thread ends when every handle is
/// dropped.
#[derive(Clone)]
pub struct GroupCommit {
    queue: mpsc::Sender<Box<dyn Job>>,
    pub counters: Arc<Counters>,
}

/// Opens a connection to `path` as every Portico connection to the file is opened: WAL,
/// `synchronous = FULL`, foreign keys on, a busy wait instead of an immediate SQLITE_BUSY.
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(conn)
}

impl GroupCommit {
    /// Starts the writer thread on `conn`.
    pub fn start(conn: Connection) -> std::io::Result<GroupCommit> {
        let (queue, jobs) = mpsc::channel(QUEUE);
        let counters = Arc::new(Counters::default());
        let counted = counters.clone();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer(conn, jobs, &counted))?;
        Ok(GroupCommit { queue, counters })
    }

    /// Runs `work` in its own savepoint of the next batch; answers once the batch is durable.
    pub async fn write<T, F>(&self, work: F) -> Result<T, WriteError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let request = Request {
            work: Some(work),
            outcome: None,
            reply,
        };
        self.queue
            .send(Box::new(request))
            .await
            .map_err(|_| WriteError::Stopped)?;
        answer.await.map_err(|_| WriteError::Stopped)?
    }
}

/// The writer thread: one batch per loop, until every handle is gone.
fn writer(conn: Connection, mut jobs: mpsc::Receiver<Box<dyn Job>>, counters: &Counters) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = jobs.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let committed = commit(&conn, &mut batch).map_err(Arc::new);
        if committed.is_ok() {
            counters.batches.fetch_add(1, Ordering::Relaxed);
            counters
                .requests
                .fetch_add(batch.len() as u64, Ordering::Relaxed);
        }
        for job in batch.drain(..) {
            job.finish(committed.clone());
        }
    }
}

/// One transaction of every request in `batch`, each in its savepoint.
fn commit(conn: &Connection, batch: &mut [Box<dyn Job>]) -> rusqlite::Result<()> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let ran = batch.iter_mut().try_for_each(|job| {
        conn.execute_batch("SAVEPOINT request")?;
        if job.run(conn) {
            conn.execute_batch("RELEASE request")
        } else {
            conn.execute_batch("ROLLBACK TO request; RELEASE request")
        }
    });
    match ran.and_then(|()| conn.execute_batch("COMMIT")) {
        Ok(()) => Ok(()),
        Err(e) => {
            // Nothing of the batch stays; a failed ROLLBACK means there was nothing to undo.
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(dir: &tempfile::TempDir) -> (GroupCommit, std::path::PathBuf) {
        let path = dir.path().join("g.db");
        let conn = open(&path).unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)")
            .unwrap();
        (GroupCommit::start(conn).unwrap(), path)
    }

    fn count(path: &Path) -> i64 {
        Connection::open(path)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_requests_commit_together_and_all_are_durable() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, path) = started(&dir);
        let tasks: Vec<_> = (0..400)
            .map(|i| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    writer
                        .write(move |c| {
                            c.prepare_cached("INSERT INTO t (v) VALUES (?1)")?
                                .execute([format!("v{i}")])?;
                            Ok(c.last_insert_rowid())
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert!(task.await.unwrap().unwrap() > 0);
        }
        // Every answered request is in the file, read by another connection.
        assert_eq!(count(&path), 400);
        let batches = writer.counters.batches.load(Ordering::Relaxed);
        assert_eq!(writer.counters.requests.load(Ordering::Relaxed), 400);
        assert!(
            batches < 400,
            "requests queued behind a commit share the next one ({batches} batches)"
        );
        let mode: String = Connection::open(&path)
            .unwrap()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_failing_request_rolls_back_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, path) = started(&dir);
        writer
            .write(|c| c.execute("INSERT INTO t (v) VALUES ('taken')", []))
            .await
            .unwrap();
        // Many requests at once, every third one writes a row and then breaks the UNIQUE rule:
        // its first row must go with it, the others' rows stay.
        let tasks: Vec<_> = (0..90)
            .map(|i| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    writer
                        .write(move |c| {
                            c.execute("INSERT INTO t (v) VALUES (?1)", [format!("r{i}")])?;
                            if i % 3 == 0 {
                                c.execute("INSERT INTO t (v) VALUES ('taken')", [])?;
                            }
                            Ok(i)
                        })
                        .await
                })
            })
            .collect();
        let mut failed = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(i) => assert_ne!(i % 3, 0),
                Err(WriteError::Sqlite(_)) => failed += 1,
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(failed, 30);
        assert_eq!(count(&path), 1 + 60);
        let leaked: i64 = Connection::open(&path)
            .unwrap()
            .query_row(
                "SELECT COUNT(*) FROM t WHERE v IN ('r0', 'r3', 'r87')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            leaked, 0,
            "a failed request's earlier statements are undone"
        );
    }

    #[test]
    fn the_connection_syncs_every_commit() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(&dir.path().join("s.db")).unwrap();
        let level: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(level, 2, "FULL");
    }
}
