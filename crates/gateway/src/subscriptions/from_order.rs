//! Subscriptions made by an order (spec §3.22, §10): an order created with
//! `SubscriptionBehavior` `CreateWeekly` or `CreateMonthly` makes, once paid, a subscription on
//! the paying card's token: the order's amount, description, e-mail, culture and two-stage flag,
//! every week or month, the first charge one interval after the payment. It is created in the
//! commit that marks the order `Paid` (`settlement::approval`), and the payment (so its Pay
//! notification) carries the new `SubscriptionId`. An order paid without an `AccountId` has no
//! token, so it makes none (logged).

use oblako_core::money::Money;
use oblako_core::payment::Stage;
use oblako_core::subscription::{Interval, Schedule};
use oblako_protocol::order::SubscriptionBehavior;
use oblako_store::transactions::TransactionRow;
use oblako_store::{Tx, orders};

use crate::subscriptions::from_payment::insert_linked;
use crate::subscriptions::manage::NewSubscription;

/// The interval `behavior` charges on.
pub fn interval_of(behavior: SubscriptionBehavior) -> Interval {
    match behavior {
        SubscriptionBehavior::CreateWeekly => Interval::Week,
        SubscriptionBehavior::CreateMonthly => Interval::Month,
    }
}

/// The subscription an order with `behavior`, paid by `payment` with `token`, makes.
pub fn requested(
    payment: &TransactionRow,
    token: &str,
    behavior: SubscriptionBehavior,
    now_ms: i64,
) -> Option<NewSubscription> {
    let account_id = payment.account_id.clone()?;
    let currency = payment.currency;
    let interval = interval_of(behavior);
    let start_ms = Schedule {
        anchor_ms: now_ms,
        anchor_index: 0,
        interval,
        period: 1,
    }
    .date(1)?;
    Some(NewSubscription {
        token: token.to_owned(),
        account_id,
        description: payment.description.clone(),
        email: payment.email.clone(),
        amount: Money::new(payment.amount, currency),
        require_confirmation: payment.stage == Stage::TwoStage,
        start_ms,
        interval,
        period: 1,
        max_periods: None,
        receipt: None,
        culture: payment.culture.clone(),
        source_transaction_id: Some(payment.id),
    })
}

/// Inside `tx`, where `payment` is recorded as approved and its order marked `Paid`: creates the
/// subscription the order's `SubscriptionBehavior` asks for and links the payment to it.
pub async fn create_in(
    tx: &mut Tx,
    payment: &TransactionRow,
    token: Option<&str>,
    now_ms: i64,
) -> anyhow::Result<Option<String>> {
    let Some(behavior) = orders::paid_behavior(tx, payment.id).await? else {
        return Ok(None);
    };
    let Some(behavior) = SubscriptionBehavior::parse(&behavior) else {
        tracing::warn!(
            payment = payment.id,
            behavior,
            "unknown SubscriptionBehavior"
        );
        return Ok(None);
    };
    if payment.subscription_id.is_some() {
        return Ok(None);
    }
    let Some(new) = token.and_then(|t| requested(payment, t, behavior, now_ms)) else {
        tracing::info!(
            payment = payment.id,
            "order SubscriptionBehavior: no AccountId or token; no subscription"
        );
        return Ok(None);
    };
    insert_linked(tx, payment, new, now_ms).await
}
