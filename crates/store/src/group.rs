//! Group commit across concurrent callers of one write, on PostgreSQL: the callers of an
//! operation kind queue their rows, and whatever has queued runs as ONE multi-row statement in
//! autocommit (one round trip, one commit), each caller getting its own result back by a
//! oneshot channel.
//!
//! PostgreSQL only. SQLite already commits concurrent writes together ([`crate::writer`]);
//! grouping in front of it too made the writer's own batches smaller (about 1.8 times the
//! commits, so the fsyncs, for the same payments) and was no faster (A/B in
//! docs/benchmarks.md), so on SQLite these operations stay one writer transaction per call.
//!
//! Batching is natural, as in the SQLite writer: a caller that finds fewer than two batches of
//! its kind being written (`IN_FLIGHT`) starts one at once with what is queued (often just
//! itself); callers that arrive while both run queue, and each batch's task takes what has
//! queued as soon as its batch is done. No timer on the path, so at light load a call costs
//! what it did alone, and under load the batches grow. A batch takes at most [`MAX_MEMBERS`] rows,
//! and no row whose key ([`Member::key`]) is in the same or another batch being written: a
//! second operation on the same payment or reference waits until the first is written, so
//! the batches behave as the calls would one after the other (and two statements never wait
//! on each other's rows).
//!
//! Batches run in a task of their own, so a caller that stops waiting (a request whose client
//! went away) changes nothing for the others: its row is written or not with its batch, as if
//! it had waited, and its answer is dropped. A batch that fails (the statement, the commit, a
//! panic) fails every member with [`StoreError::BatchFailed`]: a single statement either
//! commits all its rows or none, so none of them persisted.
//!
//! The kinds, each next to the SQL it runs (`transactions::grouped`, `acquirer::grouped`): the
//! payment with its acquirer intent and the settling compare-and-set with its intent done
//! (called from `transactions::authorization`), and the emulated bank's ledger record (from
//! `acquirer::bank_record`). A failed batch is not retried row by row: its callers answer an
//! error, and a payment left `Processing` with its intent is finished by the reconciler.

use std::collections::{HashSet, VecDeque};
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::StoreError;

/// Most rows one batch writes.
pub const MAX_MEMBERS: usize = 64;
/// Most batches of one kind written at once. One would make a caller that arrives while a
/// batch is written wait for it before its own starts, which doubled the p99 at light load
/// (measured on PostgreSQL); two halves that wait and, under load, still batch.
const IN_FLIGHT: usize = 2;

/// One caller's row of a grouped write, and how a batch of them is written.
pub trait Member: Send + Sized + 'static {
    /// What no two rows being written at once may share (a payment id, a reference).
    type Key: Eq + Hash + Clone + Send;
    /// What each caller gets back.
    type Output: Send + 'static;
    /// What a batch is written with (a pool).
    type Conn: Clone + Send + 'static;
    /// This row's key; `None` when rows never conflict.
    fn key(&self) -> Option<Self::Key>;
    /// Writes `batch` in one commit; answers each member's output in the order given, or fails
    /// the whole batch.
    fn write(
        conn: Self::Conn,
        batch: Vec<Self>,
    ) -> impl Future<Output = Result<Vec<Self::Output>, StoreError>> + Send;
}

type Reply<M> = oneshot::Sender<Result<<M as Member>::Output, StoreError>>;

/// The queue of one operation kind on one database.
pub struct Group<M: Member> {
    state: Arc<Mutex<Queue<M>>>,
    stats: Arc<[AtomicU64; 2]>,
}

struct Queue<M: Member> {
    waiting: VecDeque<(M, Reply<M>)>,
    /// Keys of the batches being written.
    writing: HashSet<M::Key>,
    /// Tasks running batches; each takes what is waiting when its batch is done.
    running: usize,
}

/// What a group has done since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupStats {
    /// Batches written (successfully or not).
    pub batches: u64,
    /// Rows in them.
    pub members: u64,
}

impl<M: Member> Clone for Group<M> {
    fn clone(&self) -> Self {
        Group {
            state: self.state.clone(),
            stats: self.stats.clone(),
        }
    }
}

impl<M: Member> std::fmt::Debug for Group<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl<M: Member> Default for Group<M> {
    fn default() -> Self {
        Group {
            state: Arc::new(Mutex::new(Queue {
                waiting: VecDeque::new(),
                writing: HashSet::new(),
                running: 0,
            })),
            stats: Arc::new([AtomicU64::new(0), AtomicU64::new(0)]),
        }
    }
}

impl<M: Member> Group<M> {
    /// Counts since start.
    pub fn stats(&self) -> GroupStats {
        GroupStats {
            batches: self.stats[0].load(Ordering::Relaxed),
            members: self.stats[1].load(Ordering::Relaxed),
        }
    }

    /// Queues `member`, starting a batch at once if fewer than `IN_FLIGHT` are being written,
    /// and answers once its batch committed (or failed).
    pub async fn write(&self, conn: &M::Conn, member: M) -> Result<M::Output, StoreError> {
        let (reply, answer) = oneshot::channel();
        let start = {
            let mut queue = self.lock();
            queue.waiting.push_back((member, reply));
            let start = queue.running < IN_FLIGHT;
            if start {
                queue.running += 1;
            }
            start
        };
        if start {
            tokio::spawn(self.clone().run(conn.clone()));
        }
        answer
            .await
            .map_err(|_| StoreError::BatchFailed("the batch was lost".into()))?
    }

    // The queue is only pushed to and popped from under the lock: a panic elsewhere while it
    // was held leaves it consistent, so a poisoned lock is taken as it is.
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue<M>> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs batches until nothing waits.
    async fn run(self, conn: M::Conn) {
        loop {
            let (batch, replies, keys) = {
                let mut queue = self.lock();
                let taken = take_batch(&mut queue);
                // Nothing, or only rows whose keys another batch is writing (its task takes
                // them when it is done).
                if taken.0.is_empty() {
                    queue.running -= 1;
                    return;
                }
                taken
            };
            let size = batch.len();
            self.stats[0].fetch_add(1, Ordering::Relaxed);
            self.stats[1].fetch_add(size as u64, Ordering::Relaxed);
            // Its own task, so a panic in the write fails this batch, not the group.
            let written = tokio::spawn(M::write(conn.clone(), batch)).await;
            {
                let mut queue = self.lock();
                for key in &keys {
                    queue.writing.remove(key);
                }
            }
            let outputs = match written {
                Ok(Ok(outputs)) if outputs.len() == size => Ok(outputs),
                Ok(Ok(outputs)) => Err(format!("{} answers for {size} rows", outputs.len())),
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(format!("batch task failed: {e}")),
            };
            match outputs {
                Ok(outputs) => {
                    for (reply, output) in replies.into_iter().zip(outputs) {
                        // A caller that stopped waiting is simply not told.
                        let _ = reply.send(Ok(output));
                    }
                }
                Err(why) => {
                    tracing::error!(error = %why, members = size, "grouped write failed");
                    for reply in replies {
                        let _ = reply.send(Err(StoreError::BatchFailed(why.clone())));
                    }
                }
            }
        }
    }
}

/// The grouped writes of one PostgreSQL database, one queue per kind.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    pub(crate) pay: Group<crate::transactions::grouped::Pay>,
    pub(crate) settle: Group<crate::transactions::grouped::Settle>,
    pub(crate) bank: Group<crate::acquirer::BankRecord>,
}

impl Groups {
    /// Batches and rows per kind since start, by name: `pay` (payments with their intents),
    /// `settle` (compare-and-sets with their intents done), `bank` (ledger records).
    pub fn stats(&self) -> [(&'static str, GroupStats); 3] {
        [
            ("pay", self.pay.stats()),
            ("settle", self.settle.stats()),
            ("bank", self.bank.stats()),
        ]
    }
}

/// Takes up to [`MAX_MEMBERS`] waiting rows, oldest first, leaving any whose key is taken or
/// being written; marks the keys taken as being written.
#[allow(clippy::type_complexity)]
fn take_batch<M: Member>(queue: &mut Queue<M>) -> (Vec<M>, Vec<Reply<M>>, Vec<M::Key>) {
    let mut batch = Vec::new();
    let mut replies = Vec::new();
    let mut keys = Vec::new();
    let mut later = VecDeque::new();
    while batch.len() < MAX_MEMBERS
        && let Some((member, reply)) = queue.waiting.pop_front()
    {
        if let Some(key) = member.key() {
            if !queue.writing.insert(key.clone()) {
                later.push_back((member, reply));
                continue;
            }
            keys.push(key);
        }
        batch.push(member);
        replies.push(reply);
    }
    while let Some(item) = later.pop_back() {
        queue.waiting.push_front(item);
    }
    (batch, replies, keys)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A row that fails its batch when `poison`.
    struct Fake {
        key: u32,
        poison: bool,
    }

    impl Member for Fake {
        type Key = u32;
        type Output = u32;
        type Conn = ();
        fn key(&self) -> Option<u32> {
            Some(self.key)
        }
        async fn write(_conn: (), batch: Vec<Fake>) -> Result<Vec<u32>, StoreError> {
            tokio::task::yield_now().await;
            if batch.iter().any(|m| m.poison) {
                return Err(StoreError::Corrupt("poisoned".into()));
            }
            Ok(batch.iter().map(|m| m.key * 10).collect())
        }
    }

    fn fake(key: u32) -> Fake {
        Fake { key, poison: false }
    }

    #[tokio::test]
    async fn concurrent_callers_share_a_batch_and_each_gets_its_own_answer() {
        let group = Group::<Fake>::default();
        let calls = (0..10).map(|k| group.write(&(), fake(k)));
        let answers: Vec<_> = futures_join_all(calls).await;
        let answers: Vec<u32> = answers.into_iter().map(Result::unwrap).collect();
        assert_eq!(answers, (0..10).map(|k| k * 10).collect::<Vec<_>>());
        assert_eq!(group.stats().members, 10);
        assert_eq!(
            group.stats().batches,
            1,
            "all ten queued before the first batch ran"
        );
    }

    #[tokio::test]
    async fn a_repeated_key_waits_for_the_next_batch_and_a_poisoned_batch_fails_all() {
        let group = Group::<Fake>::default();
        let mut members: Vec<Fake> = vec![fake(1), fake(2), fake(1), fake(3)];
        members.push(Fake {
            key: 4,
            poison: true,
        });
        let answers = futures_join_all(members.into_iter().map(|m| group.write(&(), m))).await;
        // Batch one: 1, 2, 3, 4 (poisoned): all fail. Batch two: the second 1, alone.
        for (i, answer) in answers.iter().enumerate() {
            match i {
                2 => assert_eq!(*answer.as_ref().unwrap(), 10),
                _ => assert!(matches!(answer, Err(StoreError::BatchFailed(_))), "{i}"),
            }
        }
        assert_eq!(group.stats().batches, 2);
    }

    #[tokio::test]
    async fn a_caller_that_gives_up_does_not_break_its_batch() {
        let group = Group::<Fake>::default();
        let kept = group.write(&(), fake(1));
        let dropped = group.write(&(), fake(2));
        let (kept, ()) = tokio::join!(kept, async move {
            // Polled once (queued), then dropped before its batch answers.
            let mut dropped = Box::pin(dropped);
            let _ = futures_poll_once(dropped.as_mut()).await;
        });
        assert_eq!(kept.unwrap(), 10);
        assert_eq!(
            group.write(&(), fake(3)).await.unwrap(),
            30,
            "the group goes on"
        );
    }

    async fn futures_join_all<F: Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
        let mut set = Vec::new();
        for f in futures {
            set.push(Box::pin(f));
        }
        let mut out: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
        std::future::poll_fn(|cx| {
            let mut pending = false;
            for (f, slot) in set.iter_mut().zip(out.iter_mut()) {
                if slot.is_none() {
                    match f.as_mut().poll(cx) {
                        std::task::Poll::Ready(v) => *slot = Some(v),
                        std::task::Poll::Pending => pending = true,
                    }
                }
            }
            if pending {
                std::task::Poll::Pending
            } else {
                std::task::Poll::Ready(())
            }
        })
        .await;
        out.into_iter().map(Option::unwrap).collect()
    }

    async fn futures_poll_once<F: Future + Unpin>(mut f: F) -> std::task::Poll<F::Output> {
        std::future::poll_fn(|cx| std::task::Poll::Ready(std::pin::Pin::new(&mut f).poll(cx))).await
    }
}
