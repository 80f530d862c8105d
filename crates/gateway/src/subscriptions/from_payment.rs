//! Subscriptions made by a payment (spec §2.6, §6.5): a successful payment whose `JsonData`
//! carries `cloudPayments.recurrent` (any case) with an `AccountId` creates a subscription on the
//! payment's token, in the transaction that records the payment's success, and the payment (and
//! so its Pay notification) carries the new `SubscriptionId`. The payment's id is unique on the
//! subscription, so a payment settled twice makes one.

use oblako_core::money::Money;
use oblako_core::payment::Stage;
use oblako_core::subscription::Interval;
use oblako_protocol::amount::parse_amount;
use oblako_protocol::subscription::parse_start_date;
use oblako_store::Tx;
use oblako_store::subscriptions;
use oblako_store::transactions::TransactionRow;
use serde_json::Value;

use crate::subscriptions::manage::{NewSubscription, new_row};

/// Case-insensitive member of a JSON object.
fn member<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    value
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The `recurrent` instruction of a payment's `JsonData`, if it has one.
pub fn recurrent_of(json_data: &str) -> Option<Value> {
    let data: Value = serde_json::from_str(json_data).ok()?;
    member(member(&data, "cloudPayments")?, "recurrent").cloned()
}

/// The subscription `payment` asks for, if any: `None` without a usable instruction (it is the
/// merchant's data; a malformed one is logged and ignored rather than failing the payment).
pub fn requested(payment: &TransactionRow, token: &str, now_ms: i64) -> Option<NewSubscription> {
    let recurrent = recurrent_of(payment.json_data.as_deref()?)?;
    let account_id = payment.account_id.clone()?;
    let interval = member(&recurrent, "interval")
        .and_then(text)
        .and_then(|t| Interval::parse(&t))?;
    let period = member(&recurrent, "period")
        .and_then(text)
        .and_then(|t| t.trim().parse::<u32>().ok())
        .unwrap_or(1);
    if period == 0 || period > interval.max_period() {
        tracing::warn!(
            payment = payment.id,
            "recurrent period out of range; no subscription"
        );
        return None;
    }
    let currency = payment.currency;
    let amount = match member(&recurrent, "amount").and_then(text) {
        Some(t) => parse_amount("amount", &t, currency).ok()?,
        None => Money::new(payment.amount, currency),
    };
    let first_after_now = oblako_core::subscription::Schedule {
        anchor_ms: now_ms,
        anchor_index: 0,
        interval,
        period,
    }
    .date(1)?;
    // A start that is not in the future would charge right after the setup payment: the
    // default (one interval on) is taken instead.
    let start_ms = member(&recurrent, "startDate")
        .and_then(text)
        .and_then(|t| parse_start_date(&t))
        .map(|at| at.as_millisecond())
        .filter(|&at| at > now_ms)
        .unwrap_or(first_after_now);
    let max_periods = member(&recurrent, "maxPeriods")
        .and_then(text)
        .and_then(|t| t.trim().parse::<u32>().ok())
        .filter(|&m| m > 0);
    // `receipt` is what the widget's intent API calls it (spec §6.2).
    let receipt = member(&recurrent, "customerReceipt")
        .or_else(|| member(&recurrent, "receipt"))
        .map(Value::to_string);
    Some(NewSubscription {
        token: token.to_owned(),
        account_id,
        description: payment.description.clone(),
        email: payment.email.clone(),
        amount,
        require_confirmation: payment.stage == Stage::TwoStage,
        start_ms,
        interval,
        period,
        max_periods,
        receipt,
        culture: payment.culture.clone(),
        source_transaction_id: Some(payment.id),
    })
}

/// Creates the subscription `payment` asks for inside `tx` (where its success is being
/// recorded) and links the payment to it. Returns the subscription's id.
pub async fn create_in(
    tx: &mut Tx,
    payment: &TransactionRow,
    token: Option<&str>,
    now_ms: i64,
) -> anyhow::Result<Option<String>> {
    if payment.subscription_id.is_some() {
        return Ok(None);
    }
    let Some(token) = token else {
        return Ok(None);
    };
    let Some(new) = requested(payment, token, now_ms) else {
        return Ok(None);
    };
    insert_linked(tx, payment, new, now_ms).await
}

/// Inserts `new`, made from `payment`, and links the payment to it; `None` when `payment`
/// already made one (its id is unique on the subscription).
pub async fn insert_linked(
    tx: &mut Tx,
    payment: &TransactionRow,
    new: NewSubscription,
    now_ms: i64,
) -> anyhow::Result<Option<String>> {
    let mode = payment.mode;
    let row = new_row(payment.site_id, mode, new, now_ms)?;
    if !subscriptions::insert(tx, &row).await? {
        return Ok(None);
    }
    subscriptions::link_transaction(tx, payment.id, &row.id).await?;
    Ok(Some(row.id))
}
