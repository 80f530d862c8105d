//! Delivering the outbox: claim due notifications under a lease, send each signed, record the
//! attempt, and schedule the next one on the site's retry schedule.
//!
//! Success is HTTP 200 with `{"code":0}`; any other answer, a redirect, a refused address, no
//! connection or no answer within the timeout is a failed attempt. A worker holds a lease, never
//! a lock, while it sends, so a node that dies mid-attempt leaves the row to another node once
//! the lease runs out. Attempts run concurrently up to [`PARALLEL`] per node, and at most
//! `notification_endpoint_parallel` at once to one URL across all nodes (the claim counts the
//! URL's leased rows), so a slow receiver's backlog waits in the table and never takes the slots
//! the other receivers need.

use std::sync::Arc;
use std::time::Duration;

use oblako_core::ids::Mode;
use oblako_protocol::notification::{FormEncoding, is_acknowledged};
use oblako_store::notifications::{self, Notification, Outcome};
use tokio::sync::{Notify, Semaphore};

use crate::Gateway;
use crate::notify::send::{Target, send_signed};
use crate::outbound::Outbound;
use crate::stop::Stop;

/// A lease outlives the longest attempt (30 s) with a margin.
pub const LEASE_MS: i64 = 90_000;
/// Attempts in flight at once on one node.
pub const PARALLEL: usize = 64;
/// Claimed per round.
const BATCH: i64 = 256;
/// How long an idle worker sleeps when nothing wakes it.
const IDLE: Duration = Duration::from_millis(500);
/// How much of an answer goes into the attempts log.
const SNIPPET_BYTES: usize = 512;

/// The two outbound clients: test-mode sites may reach loopback and private addresses (a
/// developer's local backend) where the operator allows it (`test_notifications_private`),
/// live-mode sites only what the configuration reopens; neither reaches the gateway's own port.
#[derive(Debug, Clone)]
pub struct Outbounds {
    test: Outbound,
    live: Outbound,
}

impl Outbounds {
    /// One client per mode, each under its own policy (the server's `outbound_policy`).
    pub fn new(
        test: crate::outbound::Policy,
        live: crate::outbound::Policy,
        timeouts: crate::outbound::Timeouts,
    ) -> anyhow::Result<Outbounds> {
        Ok(Outbounds {
            test: Outbound::new(test, timeouts)?,
            live: Outbound::new(live, timeouts)?,
        })
    }

    /// The client for a site in `mode`.
    pub fn for_mode(&self, mode: Mode) -> &Outbound {
        match mode {
            Mode::Test => &self.test,
            Mode::Live => &self.live,
        }
    }
}

/// Wakes the delivery worker after a commit that queued notifications.
#[derive(Debug, Default)]
pub struct Wake(Notify);

impl Wake {
    /// Something was queued.
    pub fn ring(&self) {
        self.0.notify_one();
    }
}

/// Delivers until `stop`: claims what is due, sends it, sleeps until woken.
pub async fn run(state: Gateway, worker: String, stop: Stop) {
    let slots = Arc::new(Semaphore::new(PARALLEL));
    while !stop.is_cancelled() {
        let claimed = match deliver_due(&state, &worker, &slots).await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, "notification delivery round failed");
                0
            }
        };
        if claimed < BATCH as usize {
            let woken = tokio::time::timeout(IDLE, state.delivery.0.notified());
            if stop.interrupts(woken).await {
                break;
            }
        }
    }
}

/// One round: claims what is due now and starts an attempt for each (waiting for a free slot);
/// returns how many were claimed. The attempts finish in the background.
pub async fn deliver_due(
    state: &Gateway,
    worker: &str,
    slots: &Arc<Semaphore>,
) -> anyhow::Result<usize> {
    let free = slots.available_permits().max(1) as i64;
    let per_url = state.settings.notification_endpoint_parallel as i64;
    let now = state.now_ms();
    let lease = state.settings.notification_lease_ms;
    let due =
        notifications::claim_due(&state.db, now, lease, worker, free.min(BATCH), per_url).await?;
    let claimed = due.len();
    for notification in due {
        let slot = slots.clone().acquire_owned().await?;
        let (state, worker) = (state.clone(), worker.to_owned());
        tokio::spawn(async move {
            if let Err(e) = attempt(&state, &worker, &notification).await {
                tracing::error!(id = notification.id, error = %e, "notification attempt not recorded");
            }
            drop(slot);
            // Its transaction's next notification may be due now.
            state.delivery.ring();
        });
    }
    Ok(claimed)
}

/// Delivers everything due now and waits for every attempt to be recorded (tests, `resend`).
pub async fn drain(state: &Gateway, worker: &str) -> anyhow::Result<usize> {
    let slots = Arc::new(Semaphore::new(PARALLEL));
    let mut total = 0;
    loop {
        let claimed = deliver_due(state, worker, &slots).await?;
        // Wait for this round's attempts before claiming again: the next of a transaction's
        // notifications becomes due only once the one before it is recorded.
        let _all = slots.acquire_many(PARALLEL as u32).await?;
        total += claimed;
        if claimed == 0 {
            return Ok(total);
        }
    }
}

/// One attempt at `n`, recorded under the worker's lease.
async fn attempt(state: &Gateway, worker: &str, n: &Notification) -> anyhow::Result<()> {
    let started = state.now_ms();
    let site = state.delivery_sites.get(state, n.site, n.mode).await?;
    let now = jiff::Timestamp::from_millisecond(started)?;
    let webhook_id = format!("ntf_{}", n.id);
    let target = Target {
        mode: n.mode,
        url: &n.url,
        method: &n.method,
        encoding: FormEncoding::from_name(&n.encoding).unwrap_or(FormEncoding::Utf8),
    };
    let sequence = [("X-Webhook-Sequence", n.sequence.to_string())];
    let sent = send_signed(
        state,
        target,
        &site.secret,
        &webhook_id,
        now,
        &n.body,
        &sequence,
    )
    .await;
    let finished = state.now_ms();
    // The retry schedule runs on the site's clock (a test clock moves it); the signature's
    // timestamp and the attempt's times stay on the wall clock the receiver checks against.
    let site_finished = state.site_now_ms(n.site).await?;
    let retry_at = site.schedule.next_attempt_at(n.attempts + 1, site_finished);
    let latency_ms = finished - started;
    let (snippet, failure): (String, Option<String>);
    let remote_ip = sent
        .as_ref()
        .ok()
        .and_then(|a| a.peer)
        .map(|peer| peer.ip());
    let http_status = match &sent {
        Ok(answer) => {
            snippet = String::from_utf8_lossy(&answer.body[..answer.body.len().min(SNIPPET_BYTES)])
                .into_owned();
            failure = (!is_acknowledged(answer.status, &answer.body))
                .then(|| format!("answered HTTP {} without {{\"code\":0}}", answer.status));
            Some(answer.status)
        }
        Err(e) => {
            snippet = String::new();
            failure = Some(e.to_string());
            None
        }
    };
    let outcome = match &failure {
        None => Outcome::Delivered {
            http_status: http_status.unwrap_or(200),
            latency_ms,
            response: &snippet,
            remote_ip,
        },
        Some(error) => Outcome::Failed {
            http_status,
            latency_ms,
            response: &snippet,
            remote_ip,
            error,
            retry_at,
        },
    };
    if n.attempts == 0 {
        metrics::histogram!("oblako_notification_first_attempt_delay_seconds")
            .record((started - n.created_at).max(0) as f64 / 1000.0);
    }
    metrics::counter!("oblako_notification_attempts_total", "result" => if failure.is_none() { "delivered" } else { "failed" })
        .increment(1);
    if !notifications::record_attempt(&state.db, n.id, worker, started, &outcome).await? {
        tracing::warn!(id = n.id, "lease lost before the attempt was recorded");
    }
    Ok(())
}
