//! One billing job: charge a subscription's slot once, as a merchant-initiated, scheduled token
//! payment through the payment path (`payments::settle`), and apply the outcome.
//!
//! Three commits, each of which a crash may precede:
//! 1. **start**: under the subscription's lock, check the job still matches the subscription
//!    (status billing, same slot and attempt, due); insert the transaction (with
//!    `SubscriptionId`), its bank intent `auth:{id}` and the job's `transaction_id` together.
//! 2. **charge**: the site's Check, the bank under that reference, the outcome recorded with its
//!    Pay or Fail notification (`check_then_authorize`).
//! 3. **apply**: under the subscription's lock, move it on (charged or declined), end the job,
//!    and queue a Recurrent notification if its status changed.
//!
//! A worker that takes over a job after a crash finds `transaction_id` set and never creates a
//! second payment: a transaction still `Processing` is finished by asking the bank under the
//! same reference (the bank's ledger answers once per reference), a settled one goes straight to
//! step 3. Step 3 runs only while the job is pending, so the outcome is applied once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use oblako_core::card::Pan;
use oblako_core::ids::{Mode, SiteId};
use oblako_core::payment::Status as PaymentStatus;
use oblako_core::reason::ReasonCode;
use oblako_core::subscription::Billing;
use oblako_core::test_bank::Channel;
use oblako_store::sites::{self, Site};
use oblako_store::subscriptions::charges::{self, ChargeJob};
use oblako_store::subscriptions::{self, SubscriptionRow};
use oblako_store::transactions::{self, NewTransaction, TransactionRow};
use oblako_store::{Tx, acquirer};

use crate::notify::outbox::Subscriptions;
use crate::payments::pay::Payee;
use crate::payments::settle::{Charged, check_then_authorize, finish_authorization};
use crate::state::AppState;
use crate::subscriptions::manage::save_announcing;
use crate::subscriptions::notices::{self, NoticeKind};
use crate::subscriptions::{apply, billing_of, schedule_of};

/// What a job came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ran {
    /// Charged, approved.
    Approved,
    /// Charged, declined.
    Declined,
    /// The subscription moved on (cancelled, updated, charged by another job): nothing charged.
    Stale,
    /// The lease was lost to another worker: nothing done here.
    Lost,
}

fn mode_of(row: &SubscriptionRow) -> anyhow::Result<Mode> {
    Mode::parse(&row.mode)
        .ok_or_else(|| anyhow::anyhow!("subscription {} has mode {:?}", row.id, row.mode))
}

/// Sites and their Public IDs, read once per drain rather than once per charge (a site's name,
/// hold and token settings do not need to be fresher than one drain).
#[derive(Debug, Default, Clone)]
pub struct Payees(Arc<Mutex<HashMap<(i64, Mode), (Arc<Site>, Arc<str>)>>>);

impl Payees {
    async fn get(
        &self,
        state: &AppState,
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

/// Runs `job`, leased to `worker`, to its end.
pub async fn run(
    state: &AppState,
    payees: &Payees,
    job: &ChargeJob,
    worker: &str,
) -> anyhow::Result<Ran> {
    let Some(sub) = subscriptions::by_id(&state.db, &job.subscription_id).await? else {
        anyhow::bail!("job {} names a missing subscription", job.id);
    };
    let (site_id, mode) = (SiteId(sub.site_id), mode_of(&sub)?);
    // Live tokens cannot exist yet (live payments are refused without an acquirer); never let a
    // live subscription reach the emulated bank.
    anyhow::ensure!(
        mode == Mode::Test,
        "subscription {}: {}",
        sub.id,
        crate::payments::pay::NO_LIVE_ACQUIRER
    );
    let (site, public_id) = payees.get(state, site_id, mode).await?;
    let payee = Payee {
        site: &site,
        mode,
        public_id: &public_id,
    };
    let transaction_id = match job.transaction_id {
        Some(id) => id,
        None => match start(state, payee, &sub, job, worker).await? {
            Started::Charge {
                row,
                pan,
                card_id,
                expiry,
                amount,
            } => {
                if state.faults.trip_after_intent() {
                    anyhow::bail!("injected fault after the intent of job {}", job.id);
                }
                let id = row.id;
                let reference = format!("auth:{id}");
                let card = Charged {
                    pan: &pan,
                    expiry,
                    channel: Channel::Token,
                    card_id,
                    amount,
                };
                let reply = check_then_authorize(
                    state,
                    payee,
                    id,
                    &reference,
                    card,
                    state.now_ms(),
                    Some(*row),
                )
                .await
                .map_err(|e| anyhow::anyhow!("charge of job {}: {e}", job.id))?;
                // Settled, and the outcome applied in the same commit, by this call or by
                // whoever won its compare-and-set; the reply is the recorded outcome.
                let body: serde_json::Value = serde_json::from_slice(&reply.body)?;
                return Ok(if body["Success"] == true {
                    Ran::Approved
                } else {
                    Ran::Declined
                });
            }
            Started::Done(ran) => return Ok(ran),
        },
    };
    let Some(row) = transactions::get(&state.db, site_id, mode, transaction_id).await? else {
        anyhow::bail!("job {} lost transaction {transaction_id}", job.id);
    };
    if row.status == PaymentStatus::Processing.as_str() {
        finish_authorization(state, payee, &row)
            .await
            .map_err(|e| anyhow::anyhow!("finishing job {}: {e}", job.id))?;
    }
    conclude(state, payee, job, worker, transaction_id).await
}

enum Started {
    Charge {
        /// The transaction as committed with its intent.
        row: Box<TransactionRow>,
        pan: Pan,
        card_id: i64,
        expiry: oblako_core::card::CardExpiry,
        /// What the committed transaction charges (the locked row's amount).
        amount: i64,
    },
    Done(Ran),
}

/// Step 1: the transaction, its intent and the job's link in one commit, or the job ends stale.
async fn start(
    state: &AppState,
    payee: Payee<'_>,
    sub: &SubscriptionRow,
    job: &ChargeJob,
    worker: &str,
) -> anyhow::Result<Started> {
    let (site, mode) = (payee.site.id, payee.mode);
    let now = state.now_ms();
    // The card is read before the write transaction (never inside it); the token of a
    // subscription does not change.
    let card = crate::vault::load_token_card(&state.db, &state.secrets, site, mode, &sub.token)
        .await?
        .filter(|(account, ..)| *account == sub.account_id)
        .map(|(_, card_id, pan, expiry)| (pan, expiry, card_id));
    let mut tx = state.db.begin_write().await?;
    let Some(locked) = charges::lock(&mut tx, job.id, worker).await? else {
        return Ok(Started::Done(Ran::Lost));
    };
    if let Some(id) = locked.transaction_id {
        drop(tx);
        // Another run of this job got as far as step 1; carry on from there.
        let Some(row) = transactions::get(&state.db, site, mode, id).await? else {
            anyhow::bail!("job {} lost transaction {id}", job.id);
        };
        if row.status == PaymentStatus::Processing.as_str() {
            finish_authorization(state, payee, &row)
                .await
                .map_err(|e| anyhow::anyhow!("finishing job {}: {e}", job.id))?;
        }
        return conclude(state, payee, job, worker, id)
            .await
            .map(Started::Done);
    }
    let sub = subscriptions::get_for_update(&mut tx, site, mode, &job.subscription_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("subscription {} vanished", job.subscription_id))?;
    let billing = billing_of(&sub)?;
    let current = billing.status.is_billing()
        && billing.period_index == job.period_index
        && i64::from(billing.failed) == job.attempt
        && billing.next_at.is_some_and(|at| at <= now);
    let Some((pan, expiry, card_id)) = card.filter(|_| current) else {
        if current {
            anyhow::bail!("subscription {} has no usable card for its token", sub.id);
        }
        charges::finish(&mut tx, job.id, "stale", now).await?;
        tx.commit().await?;
        return Ok(Started::Done(Ran::Stale));
    };
    let new = NewTransaction {
        site,
        mode,
        kind: "payment",
        original_id: None,
        status: PaymentStatus::Processing.as_str(),
        stage: if sub.require_confirmation {
            "two"
        } else {
            "one"
        },
        amount: sub.amount,
        currency: &sub.currency,
        invoice_id: None,
        account_id: Some(&sub.account_id),
        email: sub.email.as_deref(),
        description: sub.description.as_deref(),
        json_data: None,
        culture: &sub.culture,
        ip_address: "",
        name: None,
        card_id: Some(card_id),
        card_first_six: pan.first_six(),
        card_last_four: pan.last_four(),
        card_exp: &expiry.mm_yy(),
        card_brand: pan.brand().name(),
        token: Some(&sub.token),
        subscription_id: Some(&sub.id),
        created_at: now,
        expires_at: None,
    };
    let row = transactions::insert_returning(&mut tx, &new).await?;
    let id = row.id;
    acquirer::record_intent(&mut tx, &format!("auth:{id}"), id, "auth", sub.amount, now).await?;
    charges::attach(&mut tx, job.id, id).await?;
    tx.commit().await?;
    Ok(Started::Charge {
        row: Box::new(row),
        pan,
        card_id,
        expiry,
        amount: sub.amount,
    })
}

/// Step 3 when the settling commit did not do it (a job whose payment was settled by an older
/// version, which applied outcomes in a commit of their own): under the job's lease.
async fn conclude(
    state: &AppState,
    payee: Payee<'_>,
    job: &ChargeJob,
    worker: &str,
    transaction_id: i64,
) -> anyhow::Result<Ran> {
    let (site, mode) = (payee.site.id, payee.mode);
    let settings = Subscriptions::load(state, site).await?;
    let now = state.now_ms();
    let mut tx = state.db.begin_write().await?;
    let Some(job) = charges::lock(&mut tx, job.id, worker).await? else {
        // Ended by the payment's settling commit (or another worker): read how it went.
        drop(tx);
        return ran_of(state, payee, transaction_id).await;
    };
    let payment = transactions::get_for_update(&mut tx, site, mode, transaction_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("transaction {transaction_id} vanished"))?;
    let applied = apply_outcome(state, &mut tx, payee, &settings, &job, &payment, now).await?;
    tx.commit().await?;
    applied.ring(state);
    Ok(applied.ran)
}

/// How job's payment `transaction_id` ended, once its outcome is applied.
async fn ran_of(state: &AppState, payee: Payee<'_>, transaction_id: i64) -> anyhow::Result<Ran> {
    let (site, mode) = (payee.site.id, payee.mode);
    let row = transactions::get(&state.db, site, mode, transaction_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("transaction {transaction_id} vanished"))?;
    Ok(if approved(&row.status) {
        Ran::Approved
    } else {
        Ran::Declined
    })
}

fn approved(status: &str) -> bool {
    matches!(
        PaymentStatus::parse(status),
        Some(PaymentStatus::Authorized | PaymentStatus::Completed)
    )
}

/// What applying an outcome queued, to wake the workers after the commit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Applied {
    ran: Ran,
    /// A Recurrent notification.
    queued: bool,
    /// A payer notice.
    mailed: bool,
}

impl Applied {
    /// Wakes the delivery and mail workers for what the committed transaction queued.
    pub(crate) fn ring(self, state: &AppState) {
        if self.queued {
            state.delivery.ring();
        }
        if self.mailed {
            state.mail.ring();
        }
    }
}

/// Inside the commit that settles `payment`: when it is a billing job's charge, applies the
/// outcome to the subscription and ends the job, so the outcome is applied exactly when the
/// payment's status is (the compare-and-set on the payment lets one commit through).
pub(crate) async fn settle_job_in(
    state: &AppState,
    tx: &mut Tx,
    payee: Payee<'_>,
    settings: &Subscriptions,
    payment: &TransactionRow,
    now: i64,
) -> anyhow::Result<Option<Applied>> {
    let Some(subscription_id) = payment.subscription_id.as_deref() else {
        return Ok(None);
    };
    let Some(job) = charges::pending_for(tx, subscription_id, payment.id).await? else {
        return Ok(None);
    };
    apply_outcome(state, tx, payee, settings, &job, payment, now)
        .await
        .map(Some)
}

/// Step 3: the settled `payment`'s outcome applied to the subscription of `job` (locked by the
/// caller), the job ended, a Recurrent notification and a payer notice queued as they apply.
async fn apply_outcome(
    state: &AppState,
    tx: &mut Tx,
    payee: Payee<'_>,
    settings: &Subscriptions,
    job: &ChargeJob,
    payment: &TransactionRow,
    now: i64,
) -> anyhow::Result<Applied> {
    let (site, mode) = (payee.site.id, payee.mode);
    if PaymentStatus::parse(&payment.status) == Some(PaymentStatus::Processing) {
        anyhow::bail!("transaction {} of job {} is unsettled", payment.id, job.id);
    }
    let approved = approved(&payment.status);
    let mut sub = subscriptions::get_for_update(tx, site, mode, &job.subscription_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("subscription {} vanished", job.subscription_id))?;
    let before: Billing = billing_of(&sub)?;
    let schedule = schedule_of(&sub)?;
    let after = if before.period_index != job.period_index || !before.status.is_billing() {
        // Updated or cancelled while the bank answered: the charge stands and counts, the
        // schedule is theirs; a decline of a slot left behind changes nothing.
        approved.then(|| before.counted(now))
    } else if approved {
        Some(before.charged(&schedule, now))
    } else {
        let reason = ReasonCode(i32::try_from(payment.reason_code).unwrap_or(5204));
        Some(before.declined(reason, now))
    };
    let mut queued = false;
    let mut mailed = false;
    if let Some(after) = after {
        apply(&mut sub, &after, &schedule, now);
        if after.status != before.status {
            queued = save_announcing(settings, tx, &sub, now).await?;
        } else {
            subscriptions::save(tx, &sub).await?;
        }
        if !approved {
            let kind = if sub.status == "Rejected" {
                NoticeKind::Cancelled
            } else {
                NoticeKind::FailedCharge
            };
            let notice = notices::queue(state, tx, &payee.site.name, kind, &sub, now);
            mailed = notice.await?.is_some();
        }
    }
    charges::finish(tx, job.id, "done", now).await?;
    Ok(Applied {
        ran: if approved {
            Ran::Approved
        } else {
            Ran::Declined
        },
        queued,
        mailed,
    })
}
