//! Recurring billing on every node: a tick that only enqueues what is due, and workers that run
//! the enqueued charges. [`tick`] and [`run_due`] take time from the state's
//! clock, so tests move a manual clock and call them instead of waiting for [`run`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oblako_core::ids::{Mode, SiteId};
use oblako_store::sites::{self, Site};
use oblako_store::subscriptions::{self, charges};
use tokio::task::JoinSet;

use crate::Gateway;
use crate::subscriptions::charge::{self, Ran};
use crate::subscriptions::notices::{self, NoticeKind, PayerNotice};

/// A job's lease: longer than a charge takes (a Check answer waits at most 30 s).
pub const LEASE_MS: i64 = 120_000;
/// Jobs claimed and run at once by one [`run_due`] round.
pub const BATCH: i64 = 128;
/// How long before a scheduled charge the payer is reminded of it.
pub const REMIND_BEFORE_MS: i64 = 24 * 3600 * 1000;
/// Reminders claimed per round.
const REMIND_BATCH: i64 = 500;
/// How often [`run`] ticks and looks for jobs.
pub const EVERY: Duration = Duration::from_secs(5);

/// Sites and their Public IDs, read once per drain rather than once per charge (a site's name,
/// hold and token settings do not need to be fresher than one drain).
#[derive(Debug, Default, Clone)]
pub struct Payees(Arc<Mutex<HashMap<(i64, Mode), (Arc<Site>, Arc<str>)>>>);

impl Payees {
    pub async fn get(
        &self,
        state: &Gateway,
        site_id: SiteId,
        mode: Mode,
    ) -> anyhow::Result<(Arc<Site>, Arc<str>)> {
        if let Some(hit) = self
            .0
            .lock()
            .ok()
            .and_then(|m| m.get(&(site_id.0, mode)).cloned())
        {
            return Ok(hit);
        }
        let site = sites::site(&state.db, site_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("site {} is gone", site_id.0))?;
        let public_id: Arc<str> = sites::keys_of(&state.db, site_id)
            .await?
            .into_iter()
            .find(|k| k.mode == mode)
            .map(|k| k.public_id)
            .unwrap_or_default()
            .into();
        let entry = (Arc::new(site), public_id);
        if let Ok(mut m) = self.0.lock() {
            m.insert((site_id.0, mode), entry.clone());
        }
        Ok(entry)
    }
}

/// What a round of billing did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    /// Charges approved.
    pub approved: u32,
    /// Charges declined.
    pub declined: u32,
    /// Jobs whose subscription moved on before they ran.
    pub stale: u32,
    /// Jobs another worker took over.
    pub lost: u32,
    /// Jobs left leased while the payer pays with another card (they run after their lease).
    pub waiting: u32,
    /// Jobs that failed and stay leased until their lease runs out.
    pub errors: u32,
    /// Of all these, the jobs that ended in a set-wise round rather than one by one.
    pub set_wise: u32,
}

impl Round {
    /// Jobs claimed in the round.
    pub fn claimed(&self) -> u32 {
        self.approved + self.declined + self.stale + self.lost + self.waiting + self.errors
    }

    fn add(&mut self, other: Round) {
        self.approved += other.approved;
        self.declined += other.declined;
        self.stale += other.stale;
        self.lost += other.lost;
        self.waiting += other.waiting;
        self.errors += other.errors;
        self.set_wise += other.set_wise;
    }

    /// Counts one job's end, in the round and in `oblako_subscription_charges_total`.
    fn count(&mut self, ran: anyhow::Result<Ran>) {
        let outcome = match ran {
            Ok(Ran::Approved) => {
                self.approved += 1;
                "approved"
            }
            Ok(Ran::Declined) => {
                self.declined += 1;
                "declined"
            }
            Ok(Ran::Stale) => {
                self.stale += 1;
                "stale"
            }
            Ok(Ran::Lost) => {
                self.lost += 1;
                "lost"
            }
            Ok(Ran::Waiting) => {
                self.waiting += 1;
                "waiting"
            }
            Err(e) => {
                self.errors += 1;
                tracing::warn!(error = format!("{e:#}"), "subscription charge failed");
                "error"
            }
        };
        metrics::counter!("oblako_subscription_charges_total", "outcome" => outcome).increment(1);
    }
}

/// Enqueues a charge for every subscription due now; returns how many jobs were new.
pub async fn tick(state: &Gateway) -> anyhow::Result<u64> {
    Ok(charges::enqueue_due(&state.db, state.now_ms()).await?)
}

/// Reminds the payers of the scheduled charges due within [`REMIND_BEFORE_MS`], each charge
/// once across all nodes, and returns the notices queued in the mail outbox (in the commit that
/// marks the charge reminded).
pub async fn remind(state: &Gateway) -> anyhow::Result<Vec<PayerNotice>> {
    let now = state.now_ms();
    let merchants: HashMap<SiteId, String> = sites::list_sites(&state.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut sent = Vec::new();
    loop {
        let mut tx = state.db.begin_write().await?;
        let rows = subscriptions::claim_reminders_in(
            &mut tx,
            now,
            now.saturating_add(REMIND_BEFORE_MS),
            REMIND_BATCH,
        )
        .await?;
        let last = rows.len() < REMIND_BATCH as usize;
        let mut batch = Vec::new();
        for row in &rows {
            let merchant = merchants.get(&row.site_id).map_or("", String::as_str);
            let queued = notices::queue(
                state,
                &mut tx,
                merchant,
                NoticeKind::UpcomingCharge,
                row,
                now,
            );
            batch.extend(queued.await?);
        }
        tx.commit().await?;
        if !batch.is_empty() {
            state.mail.ring();
        }
        sent.extend(batch);
        if last {
            return Ok(sent);
        }
    }
}

/// Claims up to [`BATCH`] due jobs for `worker` and runs them: the plain ones set-wise
/// ([`round`](crate::subscriptions::round)), the others concurrently one by one.
pub async fn run_due(state: &Gateway, worker: &str) -> anyhow::Result<Round> {
    let jobs = charges::claim_due(&state.db, state.now_ms(), LEASE_MS, worker, BATCH).await?;
    let payees = Payees::default();
    let outcomes = crate::subscriptions::round::run(state, &payees, jobs, worker).await;
    let mut round = Round::default();
    for ran in outcomes.ended {
        round.count(ran);
        round.set_wise += 1;
    }
    let mut set = JoinSet::new();
    for job in outcomes.one_by_one {
        let (state, worker, payees) = (state.clone(), worker.to_owned(), payees.clone());
        set.spawn(async move { charge::run(&state, &payees, &job, &worker).await });
    }
    while let Some(done) = set.join_next().await {
        round.count(done?);
    }
    Ok(round)
}

/// Runs [`run_due`] until a round claims nothing.
pub async fn drain(state: &Gateway, worker: &str) -> anyhow::Result<Round> {
    let mut total = Round::default();
    loop {
        let round = run_due(state, worker).await?;
        total.add(round);
        // Jobs that failed or wait stay leased: a round of nothing else claims nothing new.
        if round.claimed() == 0 || round.claimed() == round.errors + round.waiting {
            return Ok(total);
        }
    }
}

/// Ticks and drains until `stop` (`oblako serve`): every [`EVERY`], and sooner when a
/// subscription falls due before that, so a charge runs at its time rather than up to
/// [`EVERY`] after it. A tick that enqueued something is followed by another at once (a test
/// clock moved months ahead has a slot per missed period, each enqueued once the one before was
/// charged), and a test clock's move wakes the loop.
pub async fn run(state: Gateway, worker: String, stop: crate::stop::Stop) {
    while !stop.is_cancelled() {
        let mut again = false;
        match tick(&state).await {
            Err(e) => tracing::warn!(error = format!("{e:#}"), "subscription tick failed"),
            Ok(added) => {
                again = added > 0;
                if let Err(e) = remind(&state).await {
                    tracing::warn!(error = format!("{e:#}"), "subscription reminders failed");
                }
                match drain(&state, &worker).await {
                    Ok(r) if r == Round::default() => {}
                    Ok(r) => tracing::info!(?r, "subscription billing"),
                    Err(e) => {
                        again = false;
                        tracing::warn!(error = format!("{e:#}"), "subscription billing failed");
                    }
                }
            }
        }
        let now = state.now_ms();
        let wait = match charges::next_due_after(&state.db, now).await {
            _ if again => Duration::ZERO,
            Ok(Some(at)) => Duration::from_millis(u64::try_from(at - now).unwrap_or(0)).min(EVERY),
            Ok(None) => EVERY,
            Err(e) => {
                tracing::warn!(
                    error = format!("{e:#}"),
                    "subscription schedule read failed"
                );
                EVERY
            }
        };
        let idle = async {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = state.site_clocks.moved() => {}
            }
        };
        if stop.interrupts(idle).await {
            break;
        }
    }
}
