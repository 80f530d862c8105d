//! SQLite's group commit: every write transaction of the process runs on one connection, and
//! the transactions that queue up behind each other share one `COMMIT`, so one fsync makes a
//! whole batch durable.
//!
//! [`Writer::begin`] takes the connection (a fair async mutex: SQLite has one writer anyway, and
//! queueing here replaces its sleeping busy handler), opens the batch with `BEGIN IMMEDIATE` if
//! none is open, and wraps the caller's statements in `SAVEPOINT member`. [`WriteTx::commit`]
//! releases the savepoint; if nobody is queued behind it (or the batch is full or old) it
//! commits the batch at once, otherwise it hands the connection on and waits until the member
//! that ends the batch has committed it. `commit` returns only once the batch is durable, so a
//! caller never answers for a write that could still vanish.
//!
//! A transaction dropped without `commit` is rolled back to its savepoint by the next holder of
//! the connection; the other members of its batch are unaffected. If anything goes wrong with the
//! batch itself (a failed `RELEASE`, `ROLLBACK TO` or `COMMIT`, which SQLite may answer by rolling
//! the whole transaction back), every member of the batch gets an error: none of them can know
//! its write persisted, and none of them persisted.
//!
//! A caller may stop waiting at any await (a request whose client went away is dropped), so every
//! statement on the connection runs in a task of its own ([`detached`]) that finishes whether or
//! not anyone still waits for it: what `Conn` records (open batch, open savepoint) always matches
//! the connection. A `begin` nobody waits for any more ends as a dropped transaction.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::SqliteConnection;
use tokio::sync::{Mutex, OwnedMutexGuard, watch};
use tokio::time::Instant;

use crate::StoreError;

/// Most members in one batch before it commits even with others queued.
const MAX_MEMBERS: usize = 256;
/// Oldest a batch gets before it commits even with others queued.
const MAX_AGE: Duration = Duration::from_millis(10);
/// How long a member that handed the connection on waits before it checks that its batch is not
/// left open (the member queued behind it may have given up).
const LINGER: Duration = Duration::from_millis(50);

/// What a batch's members learn when it ends: `Ok` once durable, or why it failed.
type Outcome = Option<Result<(), Arc<str>>>;

/// The one write connection of a SQLite database, shared by every write transaction.
#[derive(Clone)]
pub struct Writer {
    conn: Arc<Mutex<Conn>>,
    /// Transactions waiting for the connection right now.
    waiting: Arc<AtomicUsize>,
    /// How long `begin` waits for the connection before giving up.
    timeout: Duration,
    /// Batches committed and members committed in them, since start.
    committed: Arc<[AtomicU64; 2]>,
}

/// What the writer has done since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterStats {
    /// Batches committed (fsyncs, with `synchronous=FULL`).
    pub batches: u64,
    /// Transactions committed in them.
    pub members: u64,
    /// Transactions waiting for the connection right now.
    pub waiting: usize,
}

impl fmt::Debug for Writer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Writer")
            .field("waiting", &self.waiting.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

struct Conn {
    conn: SqliteConnection,
    committed: Arc<[AtomicU64; 2]>,
    batch: Option<Batch>,
    /// Batches opened so far; names the open one.
    opened: u64,
    /// A dropped transaction left its savepoint open.
    dangling: bool,
}

struct Batch {
    id: u64,
    started: Instant,
    members: usize,
    done: watch::Sender<Outcome>,
}

impl Writer {
    /// Wraps the connection every write will use.
    pub fn new(conn: SqliteConnection, timeout: Duration) -> Writer {
        let committed = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
        Writer {
            conn: Arc::new(Mutex::new(Conn {
                conn,
                committed: committed.clone(),
                batch: None,
                opened: 0,
                dangling: false,
            })),
            waiting: Arc::new(AtomicUsize::new(0)),
            timeout,
            committed,
        }
    }

    /// Counts since start.
    pub fn stats(&self) -> WriterStats {
        WriterStats {
            batches: self.committed[0].load(Ordering::Relaxed),
            members: self.committed[1].load(Ordering::Relaxed),
            waiting: self.waiting.load(Ordering::SeqCst),
        }
    }

    /// Brings the schema up to date on the write connection, outside any batch.
    pub async fn migrate(&self, migrator: &sqlx::migrate::Migrator) -> Result<(), StoreError> {
        let mut conn = self.lock().await?;
        conn.tidy().await?;
        conn.end_batch().await?;
        migrator.run(&mut conn.conn).await?;
        Ok(())
    }

    /// Starts a write transaction: joins the open batch or opens one.
    pub async fn begin(&self) -> Result<WriteTx, StoreError> {
        let conn = self.lock().await?;
        let writer = self.clone();
        detached(async move { writer.open_member(conn).await }).await
    }

    async fn open_member(self, mut conn: OwnedMutexGuard<Conn>) -> Result<WriteTx, StoreError> {
        conn.tidy().await?;
        if conn.batch.is_none() {
            conn.exec("BEGIN IMMEDIATE").await?;
            conn.opened += 1;
            conn.batch = Some(Batch {
                id: conn.opened,
                started: Instant::now(),
                members: 0,
                done: watch::Sender::new(None),
            });
        }
        if let Err(e) = conn.exec("SAVEPOINT member").await {
            conn.abort_batch(&e).await;
            return Err(e);
        }
        Ok(WriteTx {
            conn: Some(conn),
            writer: self,
        })
    }

    async fn lock(&self) -> Result<OwnedMutexGuard<Conn>, StoreError> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let locked = tokio::time::timeout(self.timeout, self.conn.clone().lock_owned()).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        locked.map_err(|_| StoreError::Busy(self.timeout))
    }

    fn nobody_waiting(&self) -> bool {
        self.waiting.load(Ordering::SeqCst) == 0
    }

    /// Waits for batch `id` to end, ending it ourselves if it was left open.
    async fn await_batch(
        &self,
        id: u64,
        mut done: watch::Receiver<Outcome>,
    ) -> Result<(), StoreError> {
        loop {
            // The borrow of the channel's value must end before anything else is awaited.
            let ended = tokio::time::timeout(LINGER, done.wait_for(Option::is_some))
                .await
                .map(|outcome| outcome.map(|outcome| outcome_result(&outcome)));
            match ended {
                Ok(Ok(result)) => return result,
                Ok(Err(_)) => return Err(StoreError::BatchFailed("the batch was lost".into())),
                Err(_) => {
                    let mut conn = self.lock().await?;
                    if conn.batch.as_ref().is_some_and(|b| b.id == id) {
                        return detached(async move {
                            conn.tidy().await?;
                            conn.end_batch().await
                        })
                        .await;
                    }
                }
            }
        }
    }
}

/// Runs `work` to its end in a task of its own, whether or not the caller still waits.
async fn detached<T: Send + 'static>(
    work: impl Future<Output = Result<T, StoreError>> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::spawn(work)
        .await
        .map_err(|e| StoreError::BatchFailed(format!("write task failed: {e}")))?
}

/// Where a member stands after releasing its savepoint.
enum Released {
    /// Its batch committed.
    Committed,
    /// Another member will commit batch `id`; wait on `done`.
    Waiting(u64, watch::Receiver<Outcome>),
}

fn outcome_result(outcome: &Outcome) -> Result<(), StoreError> {
    match outcome {
        Some(Ok(())) => Ok(()),
        Some(Err(why)) => Err(StoreError::BatchFailed(why.to_string())),
        None => Err(StoreError::BatchFailed("the batch has not ended".into())),
    }
}

impl Conn {
    async fn exec(&mut self, sql: &'static str) -> Result<(), StoreError> {
        sqlx::raw_sql(sql).execute(&mut self.conn).await?;
        Ok(())
    }

    /// Rolls back a savepoint a dropped transaction left open.
    async fn tidy(&mut self) -> Result<(), StoreError> {
        if !self.dangling {
            return Ok(());
        }
        self.dangling = false;
        if let Err(e) = self.exec("ROLLBACK TO member; RELEASE member").await {
            self.abort_batch(&e).await;
            return Err(e);
        }
        Ok(())
    }

    /// Commits the open batch and tells its members.
    async fn end_batch(&mut self) -> Result<(), StoreError> {
        let Some(batch) = self.batch.take() else {
            return Ok(());
        };
        let result = self.exec("COMMIT").await;
        match &result {
            Ok(()) => {
                self.committed[0].fetch_add(1, Ordering::Relaxed);
                self.committed[1].fetch_add(batch.members as u64, Ordering::Relaxed);
            }
            Err(e) => {
                tracing::error!(error = %e, members = batch.members, "group commit failed");
                let _ = self.exec("ROLLBACK").await;
            }
        }
        batch
            .done
            .send_replace(Some(result.as_ref().map(|_| ()).map_err(failure)));
        result
    }

    /// Gives up the open batch after `error`: nothing in it persists, and its members hear so.
    async fn abort_batch(&mut self, error: &StoreError) {
        tracing::error!(%error, "write batch aborted");
        let _ = self.exec("ROLLBACK").await;
        self.dangling = false;
        if let Some(batch) = self.batch.take() {
            batch.done.send_replace(Some(Err(failure(error))));
        }
    }
}

fn failure(error: &StoreError) -> Arc<str> {
    Arc::from(error.to_string())
}

/// A write transaction on the shared connection: a savepoint inside the open batch. Statements
/// run on it through `&mut **tx` like on any sqlx transaction.
pub struct WriteTx {
    /// `None` only after `commit` took it.
    conn: Option<OwnedMutexGuard<Conn>>,
    writer: Writer,
}

impl fmt::Debug for WriteTx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteTx").finish_non_exhaustive()
    }
}

impl WriteTx {
    /// Makes the transaction's writes durable: returns once the batch holding them committed.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let Some(conn) = self.conn.take() else {
            return Err(StoreError::BatchFailed("transaction already ended".into()));
        };
        let writer = self.writer.clone();
        match detached(release(writer, conn)).await? {
            Released::Committed => Ok(()),
            Released::Waiting(id, done) => self.writer.await_batch(id, done).await,
        }
    }
}

/// Releases a member's savepoint, and commits its batch unless others are queued to join it.
async fn release(writer: Writer, mut conn: OwnedMutexGuard<Conn>) -> Result<Released, StoreError> {
    if let Err(e) = conn.exec("RELEASE member").await {
        conn.abort_batch(&e).await;
        return Err(e);
    }
    let Some(batch) = conn.batch.as_mut() else {
        return Err(StoreError::BatchFailed("no open batch".into()));
    };
    batch.members += 1;
    if writer.nobody_waiting() || batch.members >= MAX_MEMBERS || batch.started.elapsed() >= MAX_AGE
    {
        conn.end_batch().await?;
        return Ok(Released::Committed);
    }
    Ok(Released::Waiting(batch.id, batch.done.subscribe()))
}

impl Deref for WriteTx {
    type Target = SqliteConnection;

    #[allow(clippy::expect_used)] // the guard is gone only inside `commit`, which consumes self
    fn deref(&self) -> &SqliteConnection {
        &self
            .conn
            .as_ref()
            .expect("write transaction used after commit")
            .conn
    }
}

impl DerefMut for WriteTx {
    #[allow(clippy::expect_used)] // as in `deref`
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self
            .conn
            .as_mut()
            .expect("write transaction used after commit")
            .conn
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        conn.dangling = true;
        // With nobody queued, nobody would roll the savepoint back and end the batch for the
        // members waiting on it: do it now, off the dropping thread.
        if self.writer.nobody_waiting()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                if conn.tidy().await.is_ok() {
                    let _ = conn.end_batch().await;
                }
            });
        }
    }
}
