//! One billing job: charge a subscription's slot once, as a merchant-initiated, scheduled token
//! payment through the payment path (`settlement::authorize`), and apply the outcome.
//!
//! Two commits, each of which a crash may precede:
//! 1. **start**: under the subscription's lock, check the job still matches the subscription
//!    (status billing, same slot and attempt, due); insert the transaction (with
//!    `SubscriptionId`), its bank intent `auth:{id}` and the job's `transaction_id` together.
//! 2. **charge**: the site's Check, the bank under that reference, then one commit that records
//!    the outcome with its Pay or Fail notification (`check_then_authorize`) and, in it, applies
//!    it to the subscription (`outcome`): move it on (charged or declined), end the job, queue a
//!    Recurrent notification if its status changed.
//!
//! Step 1 has two other endings: while the payer's payment with another card is unsettled
//! (`card_change`) the job waits for its lease to run out; when the token or its card no longer
//! exists the charge is declined with 5033 without the bank (`decline_without_card`).
//!
//! A worker that takes over a job after a crash finds `transaction_id` set and never creates a
//! second payment: a transaction still `Processing` is finished by asking the bank under the
//! same reference (the bank's ledger answers once per reference); a settled one whose outcome
//! is not applied yet is applied under the job's lease ([`conclude`]). The outcome is applied
//! only while the job is pending, so once.

use oblako_core::card::Pan;
use oblako_core::ids::Mode;
use oblako_core::payment::{self, Event, Kind, Stage, Status as PaymentStatus};
use oblako_core::reason::ReasonCode;
use oblako_core::test_bank::Channel;
use oblako_store::subscriptions::card_changes;
use oblako_store::subscriptions::charges::{self, ChargeJob};
use oblako_store::subscriptions::{self, SubscriptionRow};
use oblako_store::transactions::{self, NewTransaction, TransactionRow};
use oblako_store::{Tx, acquirer};

use crate::Gateway;
use crate::notify::outbox::{NoticeSettings, announce};
use crate::settlement::authorize::{Charged, Known, check_then_authorize, finish_authorization};
use crate::settlement::outcome::PaymentOutcome;
use crate::settlement::{NO_LIVE_ACQUIRER, Payee, change_to, payment_of};
use crate::subscriptions::billing::Payees;
use crate::subscriptions::billing_of;
use crate::subscriptions::outcome::{apply_outcome, ran_of};

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
    /// The payer's payment with another card is unsettled: nothing done, the job stays leased
    /// and runs again after its lease, when that payment has settled.
    Waiting,
}

/// Runs `job`, leased to `worker`, to its end.
pub async fn run(
    state: &Gateway,
    payees: &Payees,
    job: &ChargeJob,
    worker: &str,
) -> anyhow::Result<Ran> {
    let Some(sub) = subscriptions::by_id(&state.db, &job.subscription_id).await? else {
        anyhow::bail!("job {} names a missing subscription", job.id);
    };
    let (site_id, mode) = (sub.site_id, sub.mode);
    // Live tokens cannot exist yet (live payments are refused without an acquirer); never let a
    // live subscription reach the emulated bank.
    anyhow::ensure!(
        mode == Mode::Test,
        "subscription {}: {}",
        sub.id,
        NO_LIVE_ACQUIRER
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
                let reference = transactions::auth_reference(id);
                let card = Charged {
                    pan: &pan,
                    expiry,
                    channel: Channel::Token,
                    card_id,
                    amount,
                };
                let outcome = check_then_authorize(
                    state,
                    payee,
                    id,
                    &reference,
                    card,
                    state.site_now_ms_fresh(payee.site.id).await?,
                    Some(Known {
                        row: *row,
                        order: false,
                    }),
                )
                .await
                .map_err(|e| anyhow::anyhow!("charge of job {}: {e}", job.id))?;
                // Settled, and the outcome applied in the same commit, by this call or by
                // whoever won its compare-and-set; the outcome is the recorded one.
                return Ok(match outcome {
                    PaymentOutcome::Approved(_) => Ran::Approved,
                    PaymentOutcome::Declined(_) | PaymentOutcome::ThreeDs(_) => Ran::Declined,
                });
            }
            Started::Done(ran) => return Ok(ran),
        },
    };
    let Some(row) = transactions::get(&state.db, site_id, mode, transaction_id).await? else {
        anyhow::bail!("job {} lost transaction {transaction_id}", job.id);
    };
    if row.status == PaymentStatus::Processing {
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
    state: &Gateway,
    payee: Payee<'_>,
    sub: &SubscriptionRow,
    job: &ChargeJob,
    worker: &str,
) -> anyhow::Result<Started> {
    let (site, mode) = (payee.site.id, payee.mode);
    let now = state.site_now_ms_fresh(site).await?;
    // The card is read before the write transaction (never inside it); the token of a
    // subscription does not change.
    let card = crate::vault::load_token_card(&state.db, &state.secrets, site, mode, &sub.token)
        .await?
        .filter(|(account, ..)| *account == sub.account_id)
        .map(|(_, card_id, pan, expiry)| (pan, expiry, card_id));
    // Read before the write transaction, needed only to announce a charge declined for want of
    // a card.
    let settings = match card {
        None => Some(NoticeSettings::load(state, site, mode).await?),
        Some(_) => None,
    };
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
        if row.status == PaymentStatus::Processing {
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
    if current && card_changes::in_flight(&mut tx, &sub.id).await? {
        // The payer is paying with another card on the self-service page right now. The job
        // stays leased and runs again after its lease, when that payment has settled: approved,
        // it moved the slot on (this job is then stale); declined, this charge goes ahead.
        return Ok(Started::Done(Ran::Waiting));
    }
    if current && card.is_none() {
        let declined = decline_without_card(state, payee, &sub, job.id, tx, now, settings).await?;
        return conclude(state, payee, job, worker, declined)
            .await
            .map(Started::Done);
    }
    let Some((pan, expiry, card_id)) = card.filter(|_| current) else {
        charges::finish(&mut tx, job.id, "stale", now).await?;
        tx.commit().await?;
        return Ok(Started::Done(Ran::Stale));
    };
    let exp = expiry.mm_yy();
    let new = NewTransaction {
        card_id: Some(card_id),
        card_first_six: pan.first_six(),
        card_last_four: pan.last_four(),
        card_exp: &exp,
        card_brand: pan.brand().name(),
        ..charge_of(payee, &sub, now)
    };
    let row = transactions::insert_returning(&mut tx, &new).await?;
    let id = row.id;
    acquirer::record_intent(
        &mut tx,
        &transactions::auth_reference(id),
        id,
        "auth",
        sub.amount,
        now,
    )
    .await?;
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

/// The scheduled charge of `sub` as a new `Processing` payment, without card fields (the
/// caller fills in the card it charges, if any).
pub fn charge_of<'a>(payee: Payee<'_>, sub: &'a SubscriptionRow, now: i64) -> NewTransaction<'a> {
    NewTransaction {
        site: payee.site.id,
        mode: payee.mode,
        kind: Kind::Payment,
        original_id: None,
        status: PaymentStatus::Processing,
        stage: if sub.require_confirmation {
            Stage::TwoStage
        } else {
            Stage::OneStage
        },
        amount: sub.amount,
        currency: sub.currency,
        invoice_id: None,
        account_id: Some(&sub.account_id),
        email: sub.email.as_deref(),
        description: sub.description.as_deref(),
        json_data: None,
        culture: &sub.culture,
        ip_address: "",
        name: None,
        card_id: None,
        card_first_six: "",
        card_last_four: "",
        card_exp: "",
        card_brand: "",
        token: Some(&sub.token),
        subscription_id: Some(&sub.id),
        created_at: now,
        expires_at: None,
    }
}

/// Step 1 when the subscription's token, or its card in the vault, no longer exists: the charge
/// is a payment declined with 5033 (card no longer usable, a new setup payment needed; a hard
/// decline, so the subscription is Rejected without retries), recorded with its Fail
/// notification and attached to the job in one commit, without asking the bank. Returns the
/// payment's id for step 3.
#[allow(clippy::too_many_arguments)] // the parts of `start` it carries on with
async fn decline_without_card(
    state: &Gateway,
    payee: Payee<'_>,
    sub: &SubscriptionRow,
    job_id: i64,
    mut tx: Tx,
    now: i64,
    settings: Option<NoticeSettings>,
) -> anyhow::Result<i64> {
    let (site, mode) = (payee.site.id, payee.mode);
    let settings = settings.ok_or_else(|| anyhow::anyhow!("settings not read"))?;
    let new = charge_of(payee, sub, now);
    let id = transactions::insert(&mut tx, &new).await?;
    let row = transactions::get_for_update(&mut tx, site, mode, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("transaction {id} vanished"))?;
    let (next, notice) = payment::apply(
        payment_of(&row),
        Event::Declined(ReasonCode::EXPIRED_CARD_PICKUP),
    )
    .map_err(|refusal| anyhow::anyhow!("transaction {id}: {refusal}"))?;
    if !transactions::transition(&mut tx, id, row.status, &change_to(&next, now)).await? {
        anyhow::bail!("transaction {id} changed while locked");
    }
    let queued = announce(&settings, &mut tx, mode, id, notice, now).await?;
    charges::attach(&mut tx, job_id, id).await?;
    tx.commit().await?;
    tracing::warn!(
        subscription = %sub.id,
        transaction = id,
        "subscription charge declined: its token or card no longer exists"
    );
    if queued {
        state.delivery.ring();
    }
    Ok(id)
}

/// Step 3 when the settling commit did not do it (a charge declined for want of a card, or a job
/// whose payment an older version settled, applying outcomes in a commit of their own): under
/// the job's lease.
async fn conclude(
    state: &Gateway,
    payee: Payee<'_>,
    job: &ChargeJob,
    worker: &str,
    transaction_id: i64,
) -> anyhow::Result<Ran> {
    let (site, mode) = (payee.site.id, payee.mode);
    let settings = NoticeSettings::load(state, site, mode).await?;
    let now = state.site_now_ms_fresh(site).await?;
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
    charges::finish(&mut tx, job.id, "done", now).await?;
    tx.commit().await?;
    applied.ring(state);
    Ok(applied.ran)
}
