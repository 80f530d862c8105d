//! The bounded run: `concurrency` workers each issue one operation after another until the
//! operation budget is spent or the deadline passes, whichever comes first. Nothing is started
//! after the deadline, and every request has its own timeout, so a run always ends.
//!
//! With a rate, the run is open-loop: operation `n` is due `n / rate` seconds after the start and
//! no worker starts it earlier. A start more than 1 ms behind its due time is counted as late,
//! so a report shows when the workers could not keep up (and latencies would understate the
//! wait a real client saw).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::task::JoinSet;

use crate::gateway::Gateway;
use crate::scenario::{Sample, Scenario, Workload};

/// When a run stops.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Operations to issue.
    pub ops: u64,
    /// Time after which no operation is started.
    pub duration: Duration,
    /// Operations per second to offer; `None` runs closed-loop, as fast as workers go.
    pub rate: Option<f64>,
}

/// How far behind schedule an open-loop start may be before it counts as late.
const LATE: Duration = Duration::from_millis(1);

/// Runs `workload` within `bounds`; returns what was counted and how long it took.
pub async fn run(
    scenario: Scenario,
    workload: Arc<Workload>,
    gateway: Arc<Gateway>,
    concurrency: usize,
    bounds: Bounds,
) -> anyhow::Result<(Sample, Duration)> {
    let issued = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + bounds.duration;
    let mut workers = JoinSet::new();
    for _ in 0..concurrency {
        let (workload, gateway, issued) = (workload.clone(), gateway.clone(), issued.clone());
        workers.spawn(async move {
            let mut sample = Sample::new(scenario);
            loop {
                let n = issued.fetch_add(1, Ordering::Relaxed);
                if n >= bounds.ops || Instant::now() >= deadline {
                    break;
                }
                if let Some(rate) = bounds.rate {
                    let due = started + Duration::from_secs_f64(n as f64 / rate);
                    if due >= deadline {
                        break;
                    }
                    let now = Instant::now();
                    if due > now {
                        tokio::time::sleep_until(due.into()).await;
                    } else if now - due > LATE {
                        sample.late += 1;
                        sample.max_late = sample.max_late.max(now - due);
                    }
                }
                workload.run_op(&gateway, n, &mut sample).await;
            }
            sample
        });
    }
    let mut total = Sample::new(scenario);
    while let Some(done) = workers.join_next().await {
        total.merge(done.context("a worker failed")?);
    }
    Ok((total, started.elapsed()))
}
