//! Group commit for Pay: every handler hands its payment to one writer task, which commits
//! whatever has queued up (up to [`MAX_BATCH`]) in one transaction and then answers each. With
//! durable commits (SQLite `synchronous=FULL`) one fsync then covers many Pays, and no Pay is
//! answered before the commit that holds it.

use tokio::sync::{mpsc, oneshot};

use crate::db::{Db, HttpLogRow, NewPayment};

/// The most payments one commit holds.
pub const MAX_BATCH: usize = 256;

/// A payment waiting for its commit.
struct Job {
    payment: NewPayment,
    log: HttpLogRow,
    reply: oneshot::Sender<Result<bool, String>>,
}

/// The handle handlers use; cheap to clone.
#[derive(Debug, Clone)]
pub struct PayWriter {
    queue: mpsc::Sender<Job>,
}

impl PayWriter {
    /// Starts the writer task on `db`.
    pub fn start(db: Db) -> PayWriter {
        let (queue, mut jobs) = mpsc::channel::<Job>(4 * MAX_BATCH);
        tokio::spawn(async move {
            while let Some(first) = jobs.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH
                    && let Ok(job) = jobs.try_recv()
                {
                    batch.push(job);
                }
                let rows: Vec<(&HttpLogRow, &NewPayment)> =
                    batch.iter().map(|job| (&job.log, &job.payment)).collect();
                let now = crate::clock::format_utc(crate::clock::now_ms());
                match db.record_payments(&rows, &now).await {
                    Ok(added) => {
                        for (job, added) in batch.into_iter().zip(added) {
                            let _ = job.reply.send(Ok(added));
                        }
                    }
                    Err(e) => {
                        let why = e.to_string();
                        for job in batch {
                            let _ = job.reply.send(Err(why.clone()));
                        }
                    }
                }
            }
        });
        PayWriter { queue }
    }

    /// Records the payment and its request log; `Ok(true)` when the row is new, `Ok(false)` when
    /// its `code` was recorded before. Returns once committed.
    pub async fn record(&self, log: HttpLogRow, payment: NewPayment) -> Result<bool, String> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            payment,
            log,
            reply,
        };
        self.queue
            .send(job)
            .await
            .map_err(|_| "the payment writer stopped".to_owned())?;
        answer
            .await
            .map_err(|_| "the payment writer stopped".to_owned())?
    }
}
