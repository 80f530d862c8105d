//! Subscriptions: recurring charges of a saved card on a schedule.
//!
//! - [`manage`]: create, update and cancel, with the rules of spec §3.17–3.21.
//! - [`billing`]: the tick that enqueues due charges and the workers that run them
//!   ([`charge`] is one job: a token MIT payment through the payment path, exactly once).
//! - [`card_change`]: the payer pays with another card on the self-service page.
//! - [`from_payment`]: a payment whose `JsonData` carries `CloudPayments.recurrent`.
//! - [`from_order`]: an order with `SubscriptionBehavior`, once paid.
//! - [`recurrent`]: the Recurrent notification, queued in the transaction of a status change.
//! - [`notices`]: what the payer would be e-mailed (upcoming, failed, cancelled).
//! - [`round`]: a billing round's plain jobs charged set-wise (one statement per step).
//!
//! This file converts between the stored row and the core's [`Schedule`] and [`Billing`], and
//! prints the model.

pub mod billing;
pub mod card_change;
pub mod charge;
pub mod from_order;
pub mod from_payment;
pub mod manage;
pub mod notices;
pub mod outcome;
pub mod recurrent;
pub mod round;

use jiff::Timestamp;
use oblako_core::money::Money;
use oblako_core::subscription::{Billing, Schedule};
use oblako_protocol::subscription::{SubscriptionFacts, SubscriptionModel};
use oblako_store::subscriptions::SubscriptionRow;

/// The row's schedule.
pub fn schedule_of(row: &SubscriptionRow) -> anyhow::Result<Schedule> {
    Ok(Schedule {
        anchor_ms: row.anchor_at,
        anchor_index: row.anchor_index,
        interval: row.unit,
        period: u32::try_from(row.period)?,
    })
}

fn count(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// The row's billing state.
pub fn billing_of(row: &SubscriptionRow) -> anyhow::Result<Billing> {
    Ok(Billing {
        status: row.status,
        period_index: row.period_index,
        successful: count(row.successful),
        failed: count(row.failed),
        max_periods: row.max_periods.map(count),
        last_at: row.last_at,
        next_at: row.next_at,
    })
}

/// Writes `billing` and `schedule` into `row`.
pub fn apply(row: &mut SubscriptionRow, billing: &Billing, schedule: &Schedule, now_ms: i64) {
    row.status = billing.status;
    row.period_index = billing.period_index;
    row.successful = i64::from(billing.successful);
    row.failed = i64::from(billing.failed);
    row.max_periods = billing.max_periods.map(i64::from);
    row.last_at = billing.last_at;
    row.next_at = billing.next_at;
    row.anchor_at = schedule.anchor_ms;
    row.anchor_index = schedule.anchor_index;
    row.unit = schedule.interval;
    row.period = i64::from(schedule.period);
    row.updated_at = now_ms;
}

/// The row's amount.
pub fn money_of(row: &SubscriptionRow) -> anyhow::Result<Money> {
    Ok(Money::new(row.amount, row.currency))
}

fn at(ms: i64) -> anyhow::Result<Timestamp> {
    Ok(Timestamp::from_millisecond(ms)?)
}

/// The model of spec §2.3.
pub fn model_of(row: &SubscriptionRow) -> anyhow::Result<SubscriptionModel> {
    let receipt = row
        .receipt
        .as_deref()
        .map(serde_json::from_str)
        .transpose()?;
    Ok(SubscriptionModel::of(SubscriptionFacts {
        id: &row.id,
        account_id: &row.account_id,
        description: row.description.as_deref(),
        email: row.email.as_deref(),
        amount: money_of(row)?,
        require_confirmation: row.require_confirmation,
        start: at(row.start_at)?,
        interval: row.unit,
        period: count(row.period),
        max_periods: row.max_periods.map(count),
        culture: &row.culture,
        status: row.status,
        successful: count(row.successful),
        failed: count(row.failed),
        last: row.last_at.map(at).transpose()?,
        next: row.next_at.map(at).transpose()?,
        receipt,
    }))
}

/// A new subscription id: `sc_` and 29 hex digits.
pub fn new_id() -> anyhow::Result<String> {
    Ok(format!("sc_{}", &crate::secrets::random_hex(15)?[..29]))
}
