//! Forwarding payments to the backend (`CLOUDPAYMENTS_WEBHOOK_URL`) until it takes each one.
//!
//! Each pending row is its own job: a forwarder leases a batch of due rows, oldest first, POSTs
//! them with at most `concurrency` in flight, and settles each (its attempt logged, the row
//! delivered or rescheduled) as soon as it finishes, attempts that finish together in one commit.
//! A kill at any moment leaves rows leased; the lease runs out and they are sent again, so
//! delivery is at least once: only attempts in flight at the kill can reach the backend twice,
//! and a row whose 200/201 was committed is never sent again.
//!
//! Two kinds of failure are told apart. "The backend is down" (no connection, a timeout, 502,
//! 503, 504) pauses the whole forwarder with a capped doubling backoff and leaves the rows due,
//! so once the backend is back the backlog goes out oldest first. "The backend refused this row"
//! (any other status) reschedules that row alone, with its own capped doubling backoff, so one
//! payment the backend chokes on never holds up the others. There is no limit on attempts or age.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::clock;
use crate::db::{AttemptRow, Db, Pending};

/// The longest response body kept in `cloudpayments_webhook_log`.
const BODY_CAP: usize = 4096;

/// The forwarding worker.
#[derive(Debug, Clone)]
pub struct Forwarder {
    pub db: Db,
    pub client: reqwest::Client,
    pub url: String,
    pub concurrency: usize,
    pub retry_cap: Duration,
    pub timeout: Duration,
    pub wake: Arc<Notify>,
}

/// What one attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Delivered,
    Refused,
    Down,
}

impl Forwarder {
    /// Runs until the task is dropped.
    pub async fn run(self) {
        let mut down_streak = 0u32;
        loop {
            match self.round().await {
                Ok(None) => {
                    // Nothing due: wait for a new payment, or poll for rescheduled rows.
                    let _ = tokio::time::timeout(Duration::from_millis(500), self.wake.notified())
                        .await;
                }
                Ok(Some(true)) => {
                    down_streak = down_streak.saturating_add(1);
                    let pause = backoff(down_streak, self.retry_cap);
                    tracing::warn!(?pause, "the backend is down; forwarding paused");
                    tokio::time::sleep(pause).await;
                }
                Ok(Some(false)) => down_streak = 0,
                Err(e) => {
                    tracing::error!(error = %e, "forwarding: database error");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// One batch: `None` when nothing was due, else whether the backend looked down.
    pub async fn round(&self) -> Result<Option<bool>, crate::db::DbError> {
        let now = clock::now_ms();
        // A batch is two rounds of `concurrency` attempts: the lease covers both and a margin.
        let lease = now + 3 * clock::ms(self.timeout) + 5_000;
        let limit = i64::try_from(self.concurrency * 2).unwrap_or(64);
        let batch = self.db.claim(now, lease, limit).await?;
        if batch.is_empty() {
            return Ok(None);
        }
        let mut in_flight = JoinSet::new();
        let mut rows = batch.into_iter();
        let mut down = false;
        loop {
            // Once the backend looks down, nothing more of the batch is started: a row sent
            // after its elder failed could overtake it if the backend came back in between.
            while !down
                && in_flight.len() < self.concurrency
                && let Some(row) = rows.next()
            {
                let this = self.clone();
                in_flight.spawn(async move { this.attempt(row).await });
            }
            let Some(first) = in_flight.join_next().await else {
                break;
            };
            // Settle what has finished now, so an acknowledged row is committed at once and a
            // kill can re-send only the attempts still in flight.
            let mut finished = vec![first];
            while let Some(more) = in_flight.try_join_next() {
                finished.push(more);
            }
            let finished: Vec<_> = finished.into_iter().filter_map(Result::ok).collect();
            down |= finished
                .iter()
                .any(|(_, (_, outcome))| *outcome == Outcome::Down);
            self.settle(finished).await?;
        }
        let unsent: Vec<i64> = rows.map(|row| row.id).collect();
        if !unsent.is_empty() {
            self.db.release(&unsent).await?;
        }
        Ok(Some(down))
    }

    async fn settle(
        &self,
        finished: Vec<(AttemptRow, (u32, Outcome))>,
    ) -> Result<(), crate::db::DbError> {
        let now = clock::now_ms();
        let settle: Vec<(AttemptRow, bool, i64)> = finished
            .into_iter()
            .map(|(attempt, (attempts, outcome))| {
                let next = match outcome {
                    Outcome::Delivered | Outcome::Down => now,
                    Outcome::Refused => now + clock::ms(backoff(attempts, self.retry_cap)),
                };
                (attempt, outcome == Outcome::Delivered, next)
            })
            .collect();
        self.db.settle(&settle, &clock::format_utc(now)).await
    }

    /// POSTs one row; returns the attempt to log, with the row's attempt count and the outcome.
    async fn attempt(&self, row: Pending) -> (AttemptRow, (u32, Outcome)) {
        let request = payload(&row);
        let started = Instant::now();
        let reply = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .timeout(self.timeout)
            .body(request.clone())
            .send()
            .await;
        let attempt_number = row.attempts + 1;
        let mut log = AttemptRow {
            transaction_id: row.id,
            attempt: attempt_number,
            url: self.url.clone(),
            request,
            response_status: None,
            response_body: None,
            error: None,
            latency_ms: 0,
        };
        let outcome = match reply {
            Ok(mut reply) => {
                let status = reply.status().as_u16();
                let mut body = Vec::new();
                while body.len() < BODY_CAP
                    && let Ok(Some(chunk)) = reply.chunk().await
                {
                    body.extend_from_slice(&chunk);
                }
                body.truncate(BODY_CAP);
                log.response_status = Some(i64::from(status));
                log.response_body = Some(String::from_utf8_lossy(&body).into_owned());
                match status {
                    200 | 201 => Outcome::Delivered,
                    502..=504 => Outcome::Down,
                    _ => Outcome::Refused,
                }
            }
            Err(e) => {
                log.error = Some(error_chain(&e));
                Outcome::Down
            }
        };
        log.latency_ms = clock::ms(started.elapsed());
        let attempts = u32::try_from(attempt_number).unwrap_or(u32::MAX);
        (log, (attempts, outcome))
    }
}

/// The JSON the backend receives, its keys in the documented order.
#[derive(serde::Serialize)]
struct Payload<'a> {
    id: String,
    account: &'a str,
    code: &'a str,
    sum: serde_json::Value,
    created_at: &'a str,
}

/// The body POSTed to the backend for `row`.
pub fn payload(row: &Pending) -> String {
    let sum = row
        .sum
        .parse::<serde_json::Number>()
        .map(serde_json::Value::Number)
        .unwrap_or_else(|_| serde_json::Value::String(row.sum.clone()));
    let payload = Payload {
        id: row.id.to_string(),
        account: &row.account,
        code: &row.code,
        sum,
        created_at: &row.created_at,
    };
    serde_json::to_string(&payload).unwrap_or_default()
}

/// 1 s doubling per attempt, at most `cap`.
fn backoff(attempts: u32, cap: Duration) -> Duration {
    let exponent = attempts.saturating_sub(1).min(20);
    Duration::from_secs(1u64 << exponent).min(cap)
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let cap = Duration::from_secs(60);
        let waits: Vec<u64> = (1..=9).map(|n| backoff(n, cap).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(backoff(u32::MAX, cap), cap);
    }

    #[test]
    fn the_payload_has_the_documented_shape() {
        let row = Pending {
            id: 7,
            account: "acc".into(),
            code: "123".into(),
            sum: "45.00".into(),
            created_at: "2026-12-07 14:00:00".into(),
            attempts: 0,
        };
        assert_eq!(
            payload(&row),
            r#"{"id":"7","account":"acc","code":"123","sum":45.00,"created_at":"2026-12-07 14:00:00"}"#
        );
    }
}
