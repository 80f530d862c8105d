//! Step 3 of a billing job (`charge`): a settled charge's outcome applied to its subscription,
//! once. Normally inside the commit that settles the payment (`settlement::approval::job_in`,
//! or `jobs_in` for a round), so the payment's compare-and-set lets exactly one application through; by
//! `charge::conclude` under the job's lease when that commit did not do it.

use oblako_core::payment::Status as PaymentStatus;
use oblako_core::reason::ReasonCode;
use oblako_core::subscription::{Billing, Status};
use oblako_store::Tx;
use oblako_store::subscriptions::charges::ChargeJob;
use oblako_store::subscriptions::{self, SubscriptionRow};
use oblako_store::transactions::{self, TransactionRow};

use crate::Gateway;
use crate::notify::outbox::NoticeSettings;
use crate::settlement::Payee;
use crate::subscriptions::charge::Ran;
use crate::subscriptions::manage::save_announcing;
use crate::subscriptions::notices::{self, NoticeKind};
use crate::subscriptions::{apply, billing_of, schedule_of};

/// How job's payment `transaction_id` ended, once its outcome is applied.
pub async fn ran_of(state: &Gateway, payee: Payee<'_>, transaction_id: i64) -> anyhow::Result<Ran> {
    let (site, mode) = (payee.site.id, payee.mode);
    let row = transactions::get(&state.db, site, mode, transaction_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("transaction {transaction_id} vanished"))?;
    Ok(if approved(row.status) {
        Ran::Approved
    } else {
        Ran::Declined
    })
}

pub fn approved(status: PaymentStatus) -> bool {
    matches!(status, PaymentStatus::Authorized | PaymentStatus::Completed)
}

/// What applying an outcome queued, to wake the workers after the commit.
#[derive(Debug, Clone, Copy)]
pub struct Applied {
    pub ran: Ran,
    /// A Recurrent notification.
    queued: bool,
    /// A payer notice.
    mailed: bool,
}

impl Applied {
    /// Wakes the delivery and mail workers for what the committed transaction queued.
    pub fn ring(self, state: &Gateway) {
        if self.queued {
            state.delivery.ring();
        }
        if self.mailed {
            state.mail.ring();
        }
    }
}

/// A subscription as a charge's outcome left it.
#[derive(Debug, Clone)]
pub struct Moved {
    /// The row to write.
    pub sub: SubscriptionRow,
    /// Its status before.
    pub before: Status,
    /// Whether the charge was approved.
    pub approved: bool,
}

impl Moved {
    /// Whether the row can be written with the billing fields alone: no status change (no
    /// Recurrent notification) and no payer notice.
    pub fn quiet(&self) -> bool {
        self.approved && self.sub.status == self.before
    }
}

/// The subscription `sub` as job `job`'s settled `payment` leaves it, or `None` when the
/// outcome changes nothing (a decline of a slot the subscription has left behind).
pub fn moved_on(
    sub: &SubscriptionRow,
    job: &ChargeJob,
    payment: &TransactionRow,
    now: i64,
) -> anyhow::Result<Option<Moved>> {
    let approved = approved(payment.status);
    let before: Billing = billing_of(sub)?;
    let schedule = schedule_of(sub)?;
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
    Ok(after.map(|after| {
        let mut moved = sub.clone();
        apply(&mut moved, &after, &schedule, now);
        Moved {
            sub: moved,
            before: before.status,
            approved,
        }
    }))
}

/// Step 3: the settled `payment`'s outcome applied to the subscription of `job` (locked by the
/// caller, who ends it in the same commit), a Recurrent notification and a payer notice queued
/// as they apply.
pub async fn apply_outcome(
    state: &Gateway,
    tx: &mut Tx,
    payee: Payee<'_>,
    settings: &NoticeSettings,
    job: &ChargeJob,
    payment: &TransactionRow,
    now: i64,
) -> anyhow::Result<Applied> {
    let (site, mode) = (payee.site.id, payee.mode);
    if payment.status == PaymentStatus::Processing {
        anyhow::bail!("transaction {} of job {} is unsettled", payment.id, job.id);
    }
    let approved = approved(payment.status);
    let sub = subscriptions::get_for_update(tx, site, mode, &job.subscription_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("subscription {} vanished", job.subscription_id))?;
    let (mut queued, mut mailed) = (false, false);
    if let Some(moved) = moved_on(&sub, job, payment, now)? {
        (queued, mailed) = write_moved(state, tx, payee, settings, &moved, now).await?;
    }
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

/// Writes a moved subscription inside `tx`: a status change with its Recurrent notification,
/// and after a decline the payer's notice (failed charge, or cancellation once Rejected).
/// Answers (notification queued, notice queued).
pub async fn write_moved(
    state: &Gateway,
    tx: &mut Tx,
    payee: Payee<'_>,
    settings: &NoticeSettings,
    moved: &Moved,
    now: i64,
) -> anyhow::Result<(bool, bool)> {
    let sub = &moved.sub;
    let queued = if sub.status != moved.before {
        save_announcing(settings, tx, sub, now).await?
    } else {
        subscriptions::save(tx, sub).await?;
        false
    };
    let mut mailed = false;
    if !moved.approved {
        let kind = if sub.status == Status::Rejected {
            NoticeKind::Cancelled
        } else {
            NoticeKind::FailedCharge
        };
        let notice = notices::queue(state, tx, &payee.site.name, kind, sub, now);
        mailed = notice.await?.is_some();
    }
    Ok((queued, mailed))
}
