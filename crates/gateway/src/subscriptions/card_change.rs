//! Paying with another card on the payer's page (spec §10: "new setup payment is counted
//! towards the subscription and future charges use the new card").
//!
//! The page (`pages::my_subscription_card`) pays with the cryptogram through the ordinary payment
//! path; this module is the subscription's side of it, inside that path's own commits:
//! - [`claim_in`], in the commit that creates the payment (`settlement::claims`): the subscription is still in the
//!   status the page offered the form for, and nothing else is charging it (no billing job with
//!   a payment in flight, no other card payment unsettled), then the payment is recorded as its
//!   card change. The billing worker checks the same record under the same row lock
//!   (`charge::start`), so a slot is never charged twice.
//! - [`settle_in`], in the commit that records the approval (`settlement::approval`): the
//!   subscription's token becomes the new card's; a `charge` also counts as the due charge
//!   (the schedule moves on exactly as after an approved billing charge, with the Recurrent
//!   notification when the status changes), which leaves any pending retry job of the old slot
//!   stale.

use oblako_core::ids::{Mode, SiteId};
use oblako_core::money::{Currency, Money};
use oblako_core::subscription::Status;
use oblako_store::Tx;
use oblako_store::subscriptions::card_changes::{self, CardChange};
use oblako_store::subscriptions::{self, SubscriptionRow};

use crate::notify::outbox::NoticeSettings;
pub use crate::settlement::claims::{ForSubscription, Purpose};
use crate::subscriptions::manage::save_announcing;
use crate::subscriptions::{apply, billing_of, schedule_of};

/// The amount a verification holds: 11.00 RUB, since an authorization of 10 RUB or less cannot
/// be voided for 24 hours (spec §3.6); 1.00 of any other currency.
pub fn verification_amount(currency: Currency) -> Money {
    let unit = 10_i64.pow(u32::from(currency.minor_units()));
    let units = if currency == Currency::RUB { 11 } else { 1 };
    Money::new(units * unit, currency)
}

/// Refusal when a charge of the subscription is under way.
pub const BUSY: &str = "A payment for this subscription is in progress; try again in a few minutes";
/// Refusal when the subscription changed since the page was shown.
pub const CHANGED: &str = "The subscription has changed; reload the page";

/// Inside the commit that creates payment `transaction_id`: records it as `target`'s card
/// change, or returns why it may not go ahead (the caller drops the commit).
pub async fn claim_in(
    tx: &mut Tx,
    site: SiteId,
    mode: Mode,
    target: &ForSubscription,
    transaction_id: i64,
    now: i64,
) -> anyhow::Result<Option<&'static str>> {
    let Some(sub) = subscriptions::get_for_update(tx, site, mode, &target.id).await? else {
        return Ok(Some(CHANGED));
    };
    if Purpose::of(sub.status) != Some(target.purpose) {
        return Ok(Some(CHANGED));
    }
    if card_changes::charge_in_flight(tx, &sub.id).await?
        || card_changes::in_flight(tx, &sub.id).await?
    {
        return Ok(Some(BUSY));
    }
    let change = CardChange {
        transaction_id,
        subscription_id: sub.id.clone(),
        purpose: target.purpose.as_str().to_owned(),
        period_index: sub.period_index,
        created_at: now,
    };
    card_changes::insert(tx, &change).await?;
    Ok(None)
}

/// Inside the commit that records the approval of payment `transaction_id` (with `token`, the
/// new card's): applies it to its subscription if it is a card change. Returns whether a
/// Recurrent notification was queued.
pub async fn settle_in(
    tx: &mut Tx,
    settings: &NoticeSettings,
    site: SiteId,
    mode: Mode,
    transaction_id: i64,
    token: Option<&str>,
    now: i64,
) -> anyhow::Result<bool> {
    let Some(change) = card_changes::get(tx, transaction_id).await? else {
        return Ok(false);
    };
    let token = token.ok_or_else(|| {
        anyhow::anyhow!("card change {transaction_id} was approved without a token")
    })?;
    let mut sub: SubscriptionRow =
        subscriptions::get_for_update(tx, site, mode, &change.subscription_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("subscription {} vanished", change.subscription_id))?;
    sub.token = token.to_owned();
    sub.updated_at = now;
    if change.purpose == Purpose::Charge.as_str() {
        let before = billing_of(&sub)?;
        let schedule = schedule_of(&sub)?;
        let after =
            if before.status == Status::PastDue && before.period_index == change.period_index {
                before.charged(&schedule, now)
            } else {
                // Rescheduled or cancelled through the API while the payer paid: the payment
                // stands and counts, the schedule is the merchant's (as in `charge::conclude`).
                before.counted(now)
            };
        apply(&mut sub, &after, &schedule, now);
        if after.status != before.status {
            return save_announcing(settings, tx, &sub, now).await;
        }
    }
    subscriptions::save(tx, &sub).await?;
    Ok(false)
}
