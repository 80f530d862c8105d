//! A billing round's plain charges run set-wise: the jobs a worker claimed together start in
//! one commit, ask the bank in one ledger write and settle in one commit, with one statement
//! per step for the whole batch instead of one per job (on SQLite each statement is a hop to the
//! write connection's thread and back, and those hops, not SQLite's work, bound billing).
//!
//! The commits are the ones a single job makes (`charge`), so a crash between them is recovered
//! the same way:
//! 1. **start**: the jobs locked, their subscriptions locked and checked (billing, same slot and
//!    attempt, due), each current job's transaction (with `SubscriptionId`), its intent
//!    `auth:{id}` and the job's `transaction_id` inserted; a job whose subscription moved on
//!    ends `stale`.
//! 2. **bank**: every charge under its committed reference, the ledger written in one commit.
//! 3. **settle**: each payment's compare-and-set from `Processing`, its intent done, its Pay or
//!    Fail notification, its job ended and its subscription moved on, all in one commit.
//!
//! Steps 2 and 3 are in [`settle`].
//!
//! Only plain jobs come here; the rest go to `charge::run` one by one, as do all the jobs of a
//! batch whose start or settling commit failed (a job whose start committed then finds its
//! transaction and finishes it under the same reference):
//! - a job that already has a transaction (a takeover after a crash);
//! - a subscription that is missing, live, or whose site wants a Check notification (its
//!   answer is awaited per payment);
//! - a subscription whose token or card is gone (declined with 5033 there).
//!
//! A job whose subscription's card is being changed by the payer waits, as in `charge`.

mod settle;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use oblako_core::ids::Mode;
use oblako_protocol::notification::NotificationKind;
use oblako_store::acquirer;
use oblako_store::sites::Site;
use oblako_store::subscriptions::charges::{self, ChargeJob};
use oblako_store::subscriptions::{self, SubscriptionRow, card_changes};
use oblako_store::transactions::{self, NewTransaction, TransactionRow};

use crate::Gateway;
use crate::notify::outbox::NoticeSettings;
use crate::settlement::Payee;
use crate::subscriptions::billing::Payees;
use crate::subscriptions::billing_of;
use crate::subscriptions::charge::{Ran, charge_of};
use crate::vault::TokenCard;

/// What a round did with its jobs: each one's end, and the jobs left to `charge::run`.
#[derive(Debug, Default)]
pub struct Outcomes {
    /// Jobs that ended here (or failed here and wait for their lease).
    pub ended: Vec<anyhow::Result<Ran>>,
    /// Jobs to run one by one.
    pub one_by_one: Vec<ChargeJob>,
}

/// Who a plain job charges and with what, read before any write.
struct Payer {
    site: Arc<Site>,
    public_id: Arc<str>,
    mode: Mode,
    settings: NoticeSettings,
    /// The subscription's token with its card, opened.
    card: TokenCard,
}

/// A plain job with its payer.
struct Plain {
    job: ChargeJob,
    payer: Payer,
}

impl Plain {
    fn payee(&self) -> Payee<'_> {
        Payee {
            site: &self.payer.site,
            mode: self.payer.mode,
            public_id: &self.payer.public_id,
        }
    }
}

/// A plain job whose payment the start committed.
struct Started {
    plain: Plain,
    row: TransactionRow,
}

/// Runs `jobs`, leased to `worker`: the plain ones set-wise here, the rest handed back.
pub async fn run(state: &Gateway, payees: &Payees, jobs: Vec<ChargeJob>, worker: &str) -> Outcomes {
    let mut out = Outcomes::default();
    let plain = match sort(state, payees, jobs, &mut out).await {
        Ok(plain) => plain,
        Err((e, jobs)) => {
            tracing::warn!(
                error = format!("{e:#}"),
                "billing round read failed; one by one"
            );
            out.one_by_one.extend(jobs);
            return out;
        }
    };
    if plain.is_empty() {
        return out;
    }
    let jobs: Vec<ChargeJob> = plain.iter().map(|p| p.job.clone()).collect();
    let started = match start(state, plain, worker, &mut out).await {
        Ok(started) => started,
        Err(e) => {
            tracing::warn!(
                error = format!("{e:#}"),
                "billing round start failed; one by one"
            );
            // Nothing of the batch committed: each job starts again on its own.
            out.one_by_one.extend(jobs);
            return out;
        }
    };
    let mut charging = Vec::with_capacity(started.len());
    for s in started {
        if state.faults.trip_after_intent() {
            let job = s.plain.job.id;
            out.ended.push(Err(anyhow::anyhow!(
                "injected fault after the intent of job {job}"
            )));
        } else {
            charging.push(s);
        }
    }
    if charging.is_empty() {
        return out;
    }
    let jobs: Vec<ChargeJob> = charging.iter().map(|s| s.plain.job.clone()).collect();
    if let Err(e) = settle::charge(state, charging, &mut out).await {
        tracing::warn!(
            error = format!("{e:#}"),
            "billing round charge failed; one by one"
        );
        // Each job's transaction is committed with its intent: `charge::run` finishes it under
        // the same reference (the bank's ledger answers once per reference).
        out.one_by_one.extend(jobs);
    }
    out
}

/// Reads the jobs' subscriptions and cards (outside any write) and keeps the plain jobs.
async fn sort(
    state: &Gateway,
    payees: &Payees,
    jobs: Vec<ChargeJob>,
    out: &mut Outcomes,
) -> Result<Vec<Plain>, (anyhow::Error, Vec<ChargeJob>)> {
    let (fresh, taken): (Vec<_>, Vec<_>) =
        jobs.into_iter().partition(|j| j.transaction_id.is_none());
    out.one_by_one.extend(taken);
    let ids: Vec<&str> = fresh.iter().map(|j| j.subscription_id.as_str()).collect();
    let subs: HashMap<String, SubscriptionRow> = match subscriptions::by_ids(&state.db, &ids).await
    {
        Ok(rows) => rows.into_iter().map(|s| (s.id.clone(), s)).collect(),
        Err(e) => return Err((e.into(), fresh)),
    };
    // A sandbox site with a test clock charges on its own time, one by one (`charge::run` reads
    // the site's now); the round's single `now` is the wall clock's.
    let clocked: HashSet<i64> = match oblako_store::clocks::offsets(&state.db).await {
        Ok(rows) => rows.into_iter().map(|(site, _)| site.0).collect(),
        Err(e) => return Err((e.into(), fresh)),
    };
    let mut cards =
        match crate::vault::load_subscription_cards(&state.db, &state.secrets, &ids).await {
            Ok(cards) => cards,
            Err(e) => return Err((e, fresh)),
        };
    let mut plain = Vec::with_capacity(fresh.len());
    for job in fresh {
        let sub = subs
            .get(&job.subscription_id)
            .filter(|s| !clocked.contains(&s.site_id.0));
        let card = cards.remove(&job.subscription_id);
        match plain_job(state, payees, sub, card).await {
            Ok(Some(payer)) => plain.push(Plain { job, payer }),
            // `charge::run` says why, or takes the job's other road.
            Ok(None) | Err(_) => out.one_by_one.push(job),
        }
    }
    Ok(plain)
}

/// The payer of a plain job for `sub` charging `card`, or `None` when the job is not plain.
async fn plain_job(
    state: &Gateway,
    payees: &Payees,
    sub: Option<&SubscriptionRow>,
    card: Option<TokenCard>,
) -> anyhow::Result<Option<Payer>> {
    // A charge with a receipt settles one by one, where its receipt joins the commit.
    let Some(sub) = sub.filter(|s| s.receipt.is_none()) else {
        return Ok(None);
    };
    let mode = sub.mode;
    if mode != Mode::Test {
        return Ok(None);
    }
    let site_id = sub.site_id;
    let settings = NoticeSettings::load(state, site_id, mode).await?;
    if settings.wanted(NotificationKind::Check).is_some() {
        return Ok(None);
    }
    let (site, public_id) = payees.get(state, site_id, mode).await?;
    let Some(card) = card.filter(|c| c.token == sub.token && c.account == sub.account_id) else {
        return Ok(None);
    };
    Ok(Some(Payer {
        site,
        public_id,
        mode,
        settings,
        card,
    }))
}

/// Step 1 for the batch, in one commit; ends the jobs that do not charge. Their endings join
/// `out` only once the commit landed: on an error every job of the batch runs one by one.
async fn start(
    state: &Gateway,
    plain: Vec<Plain>,
    worker: &str,
    out: &mut Outcomes,
) -> anyhow::Result<Vec<Started>> {
    let now = state.now_ms();
    let mut tx = state.db.begin_write().await?;
    let job_ids: Vec<i64> = plain.iter().map(|p| p.job.id).collect();
    let locked: HashMap<i64, ChargeJob> = charges::lock_many(&mut tx, &job_ids, worker)
        .await?
        .into_iter()
        .map(|j| (j.id, j))
        .collect();
    let sub_ids: Vec<&str> = plain
        .iter()
        .map(|p| p.job.subscription_id.as_str())
        .collect();
    let subs: HashMap<String, SubscriptionRow> = subscriptions::lock_many(&mut tx, &sub_ids)
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let changing: HashSet<String> = card_changes::in_flight_among(&mut tx, &sub_ids)
        .await?
        .into_iter()
        .collect();
    let mut stale = Vec::new();
    let mut ended = Vec::new();
    let mut charges: Vec<(Plain, SubscriptionRow)> = Vec::new();
    let mut later = Vec::new();
    for p in plain {
        let Some(job) = locked.get(&p.job.id) else {
            ended.push(Ok(Ran::Lost));
            continue;
        };
        if job.transaction_id.is_some() {
            // Another run of this job got as far as step 1: `charge::run` carries on.
            later.push(job.clone());
            continue;
        }
        // A subscription gone, or whose card changed since its card was opened: on its own.
        let Some(sub) = subs
            .get(&p.job.subscription_id)
            .filter(|sub| sub.token == p.payer.card.token)
        else {
            later.push(job.clone());
            continue;
        };
        let billing = billing_of(sub)?;
        let current = billing.status.is_billing()
            && billing.period_index == job.period_index
            && i64::from(billing.failed) == job.attempt
            && billing.next_at.is_some_and(|at| at <= now);
        if !current {
            stale.push(job.id);
            ended.push(Ok(Ran::Stale));
        } else if changing.contains(&sub.id) {
            // As in `charge::start`: the job runs again after its lease, once the payment with
            // another card has settled.
            ended.push(Ok(Ran::Waiting));
        } else {
            charges.push((p, sub.clone()));
        }
    }
    let exps: Vec<String> = charges
        .iter()
        .map(|(p, _)| p.payer.card.expiry.mm_yy())
        .collect();
    let news: Vec<NewTransaction<'_>> = charges
        .iter()
        .zip(&exps)
        .map(|((p, sub), exp)| NewTransaction {
            card_id: Some(p.payer.card.card_id),
            card_first_six: p.payer.card.pan.first_six(),
            card_last_four: p.payer.card.pan.last_four(),
            card_exp: exp,
            card_brand: p.payer.card.pan.brand().name(),
            ..charge_of(p.payee(), sub, now)
        })
        .collect();
    let rows = transactions::insert_many_returning(&mut tx, &news).await?;
    drop(news);
    let references: Vec<String> = rows
        .iter()
        .map(|r| transactions::auth_reference(r.id))
        .collect();
    let intents: Vec<acquirer::Intent<'_>> = rows
        .iter()
        .zip(&references)
        .map(|(r, reference)| (reference.as_str(), r.id, "auth", r.amount))
        .collect();
    acquirer::record_intents(&mut tx, &intents, now).await?;
    let mut links = Vec::with_capacity(rows.len());
    let mut started = Vec::with_capacity(rows.len());
    for ((p, sub), row) in charges.into_iter().zip(rows) {
        anyhow::ensure!(
            row.subscription_id.as_deref() == Some(sub.id.as_str()),
            "transaction {} was inserted for another subscription",
            row.id
        );
        links.push((p.job.id, row.id));
        started.push(Started { plain: p, row });
    }
    charges::attach_many(&mut tx, &links).await?;
    charges::finish_many(&mut tx, &stale, "stale", now).await?;
    tx.commit().await?;
    out.ended.extend(ended);
    out.one_by_one.extend(later);
    Ok(started)
}
