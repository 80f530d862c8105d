//! The node's background loops: starting them under one stop signal ([`spawn_workers`]),
//! draining them within the grace period at shutdown ([`drain`]), and the housekeeping round
//! ([`housekeep`]) that purges expired idempotency keys and ended cabinet sessions.

use std::time::Duration;

use oblako_gateway::stop::Stop;
use tokio::task::JoinSet;

use crate::state::AppState;

/// Starts every background loop of this node under `stop`.
pub fn spawn_workers(state: &AppState, stop: &Stop) -> anyhow::Result<JoinSet<()>> {
    let mut workers = JoinSet::new();
    let gateway = &state.gateway;
    let name = || -> anyhow::Result<String> {
        Ok(format!(
            "{}-{}",
            std::process::id(),
            crate::secrets::random_hex(4)?
        ))
    };
    workers.spawn(housekeeping(state.clone(), stop.clone()));
    workers.spawn(crate::sweeper::run(
        gateway.clone(),
        Duration::from_secs(5),
        stop.clone(),
    ));
    if state.config.deliver_notifications {
        workers.spawn(crate::notify::deliver::run(
            gateway.clone(),
            name()?,
            stop.clone(),
        ));
    } else {
        tracing::info!(
            "deliver_notifications is off: this node queues notifications, others send them"
        );
    }
    workers.spawn(crate::mail::run(gateway.clone(), name()?, stop.clone()));
    workers.spawn(crate::receipts::fiscalise::run(
        gateway.clone(),
        name()?,
        stop.clone(),
    ));
    workers.spawn(crate::subscriptions::billing::run(
        gateway.clone(),
        name()?,
        stop.clone(),
    ));
    Ok(workers)
}

/// Waits for the background loops to finish their rounds, until `grace` after the stop signal;
/// whatever still runs then is dropped (its leases run out and another node takes it over).
pub async fn drain(mut workers: JoinSet<()>, stop: &Stop, grace: Duration) {
    let since = stop
        .cancelled_at()
        .map_or(Duration::ZERO, |at| at.elapsed());
    let left = grace.saturating_sub(since);
    let finished =
        tokio::time::timeout(left, async { while workers.join_next().await.is_some() {} });
    if finished.await.is_err() {
        tracing::warn!("grace period over, stopping background work that is still running");
        workers.abort_all();
    }
}

/// Housekeeping every ten minutes: see [`housekeep`].
async fn housekeeping(state: AppState, stop: Stop) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        if stop.interrupts(tick.tick()).await {
            break;
        }
        if let Err(e) = housekeep(&state).await {
            tracing::warn!(error = %format!("{e:#}"), "housekeeping failed");
        }
    }
}

/// One round of housekeeping: deletes expired `X-Request-ID` records and the cabinet's
/// sessions that have ended (idle or too old); answers how many of each went.
pub async fn housekeep(state: &AppState) -> anyhow::Result<(u64, u64)> {
    let keys = oblako_store::idempotency::purge_expired(&state.db, state.now_ms()).await?;
    let sessions = crate::cabinet::session::purge_ended(state).await?;
    if keys + sessions > 0 {
        tracing::info!(keys, sessions, "housekeeping removed expired rows");
    }
    Ok((keys, sessions))
}
