//! What follows a bank's answer, in the commit that records it: the one place that lists it,
//! for a single payment (`authorize`) and for a billing round's set (`subscriptions::round`)
//! alike.
//!
//! - approved: the order the payment pays marked `Paid`; a subscription created from the
//!   payment's request or from its order; the subscription whose card the payer changed given
//!   the new token ([`approved_in`]);
//! - approved or declined: the billing job whose charge it is ended and its subscription moved
//!   on ([`job_in`] for one payment, [`jobs_in`] for a round's).
//!
//! The payment's compare-and-set in the same commit lets exactly one of these through per
//! payment. The steps themselves belong to `orders` and `subscriptions`.

use std::collections::HashMap;

use oblako_store::Tx;
use oblako_store::subscriptions::charges::{self, ChargeJob};
use oblako_store::subscriptions::{self, SubscriptionRow};
use oblako_store::transactions::TransactionRow;

use crate::Gateway;
use crate::notify::outbox::NoticeSettings;
use crate::settlement::Payee;
use crate::subscriptions::outcome::{Applied, apply_outcome, moved_on, write_moved};

/// Whether an approval of `row`, with `token`, would start a subscription (so its settling must
/// be a commit of its own, not the payment's alone).
pub fn starts_subscription(row: &TransactionRow, token: &str, now: i64) -> bool {
    row.subscription_id.is_none()
        && crate::subscriptions::from_payment::requested(row, token, now).is_some()
}

/// Inside the commit that records the approval of `row` (as it was before) as `changed`, with
/// `token` (the card's, if any): marks its order paid, creates the subscription it starts and
/// names it in `changed`, and moves a changed card to its subscription. Answers whether a
/// Recurrent notification was queued.
pub async fn approved_in(
    tx: &mut Tx,
    payee: Payee<'_>,
    settings: &NoticeSettings,
    row: &TransactionRow,
    changed: &mut TransactionRow,
    token: Option<&str>,
    now: i64,
) -> anyhow::Result<bool> {
    let id = row.id;
    // A payment that names a subscription (a scheduled charge, a change of card) pays no order.
    let paid_order =
        row.subscription_id.is_none() && oblako_store::orders::settle_paid(tx, id, now).await?;
    let mut made = crate::subscriptions::from_payment::create_in(tx, row, token, now).await?;
    if paid_order && made.is_none() {
        made = crate::subscriptions::from_order::create_in(tx, row, token, now).await?;
    }
    // The row returned by the compare-and-set predates the link; the outcome must name it.
    if made.is_some() {
        changed.subscription_id = made;
    }
    // A card change on the payer's page (a card payment naming its subscription) switches the
    // subscription's card.
    if row.subscription_id.is_some() && row.token.is_none() {
        let (site, mode) = (payee.site.id, payee.mode);
        let change =
            crate::subscriptions::card_change::settle_in(tx, settings, site, mode, id, token, now);
        return change.await;
    }
    Ok(false)
}

/// Inside the commit that settles `payment`: when it is a billing job's charge, ends the job and
/// applies the outcome to the subscription, so the outcome is applied exactly when the
/// payment's status is.
pub async fn job_in(
    state: &Gateway,
    tx: &mut Tx,
    payee: Payee<'_>,
    settings: &NoticeSettings,
    payment: &TransactionRow,
    now: i64,
) -> anyhow::Result<Option<Applied>> {
    let Some(subscription_id) = payment.subscription_id.as_deref() else {
        return Ok(None);
    };
    let Some(job) = charges::finish_for(tx, subscription_id, payment.id, now).await? else {
        return Ok(None);
    };
    apply_outcome(state, tx, payee, settings, &job, payment, now)
        .await
        .map(Some)
}

/// One payment a round settled, with whom it pays and their notification settings.
pub struct RoundPayment<'a> {
    pub payee: Payee<'a>,
    pub settings: &'a NoticeSettings,
    pub payment: &'a TransactionRow,
}

/// [`job_in`] for a round's settled payments, one statement per step: the jobs end, their
/// subscriptions are locked and moved on, those with nothing to announce written together.
/// Answers (a notification queued, a payer notice queued).
pub async fn jobs_in(
    state: &Gateway,
    tx: &mut Tx,
    settled: &[RoundPayment<'_>],
    now: i64,
) -> anyhow::Result<(bool, bool)> {
    let pairs: Vec<(&str, i64)> = settled
        .iter()
        .filter_map(|s| {
            let payment = s.payment;
            payment
                .subscription_id
                .as_deref()
                .map(|sub| (sub, payment.id))
        })
        .collect();
    let ended: HashMap<i64, ChargeJob> = charges::finish_for_many(tx, &pairs, now)
        .await?
        .into_iter()
        .filter_map(|j| j.transaction_id.map(|t| (t, j)))
        .collect();
    let sub_ids: Vec<&str> = ended.values().map(|j| j.subscription_id.as_str()).collect();
    let subs: HashMap<String, SubscriptionRow> = subscriptions::lock_many(tx, &sub_ids)
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let mut quiet = Vec::new();
    let (mut queued, mut mailed) = (false, false);
    for s in settled {
        let Some(job) = ended.get(&s.payment.id) else {
            continue;
        };
        let sub = subs
            .get(&job.subscription_id)
            .ok_or_else(|| anyhow::anyhow!("subscription {} vanished", job.subscription_id))?;
        let Some(moved) = moved_on(sub, job, s.payment, now)? else {
            continue;
        };
        if moved.quiet() {
            quiet.push(moved.sub);
        } else {
            let (q, m) = write_moved(state, tx, s.payee, s.settings, &moved, now).await?;
            queued |= q;
            mailed |= m;
        }
    }
    subscriptions::save_billing_many(tx, &quiet).await?;
    Ok((queued, mailed))
}
