//! Payments: taking money by card cryptogram or token (`pay`), and confirming, voiding and
//! refunding it (`manage`), each ending in a typed outcome (`outcome`) that the faces render, on top of the core lifecycle (`oblako_core::payment::apply`).
//!
//! Each operation that reaches the bank commits an intent row first, calls the bank with that
//! row's reference, then records the answer and the new state in a second transaction with a
//! compare-and-set on the old status (RELIABILITY M2–M5).

pub mod manage;
pub mod model;
pub mod outcome;
pub mod pay;
pub mod post3ds;
pub mod settle;
pub mod three_ds;

use oblako_core::card::CardExpiry;
use oblako_core::money::Currency;
use oblako_core::payment::{Payment, Stage, Status};
use oblako_core::reason::ReasonCode;
use oblako_store::transactions::{Change, TransactionRow};

use crate::FlowError;

/// The core's view of a stored payment.
pub fn payment_of(row: &TransactionRow) -> Result<Payment, FlowError> {
    let status = Status::parse(&row.status).ok_or_else(|| {
        anyhow::anyhow!("transaction {} has unknown status {:?}", row.id, row.status)
    })?;
    let currency = Currency::from_code(&row.currency).ok_or_else(|| {
        anyhow::anyhow!(
            "transaction {} has unknown currency {:?}",
            row.id,
            row.currency
        )
    })?;
    let stage = if row.stage == "two" {
        Stage::TwoStage
    } else {
        Stage::OneStage
    };
    Ok(Payment {
        status,
        stage,
        amount: row.amount,
        currency,
        captured: row.captured,
        refunded: row.refunded,
        reason: ReasonCode(i32::try_from(row.reason_code).unwrap_or(5204)),
    })
}

/// The expiry the payment was made with (`card_exp`, `MM/YY`). The vault keeps one expiry per
/// card number, which a later payment with the same number may have changed since.
pub fn expiry_of(row: &TransactionRow) -> Result<CardExpiry, FlowError> {
    let parsed = row.card_exp.split_once('/').and_then(|(mm, yy)| {
        CardExpiry::new(yy.trim().parse().ok()?, mm.trim().parse().ok()?).ok()
    });
    Ok(parsed
        .ok_or_else(|| anyhow::anyhow!("transaction {} has card_exp {:?}", row.id, row.card_exp))?)
}

/// The stored change that brings a row to `next`, touching nothing else; callers add the dates,
/// codes and deadline their transition sets.
pub fn change_to(next: &Payment, now: i64) -> Change<'static> {
    Change {
        status: next.status.as_str(),
        captured: next.captured,
        refunded: next.refunded,
        reason_code: i64::from(next.reason.0),
        auth_code: None,
        auth_at: None,
        confirm_at: None,
        token: None,
        expires_at: None,
        updated_at: now,
    }
}

/// The wire's "not found": `{"Success":false,"Message":"Not found"}` with no `Model` key.
pub const NOT_FOUND: &str = "Not found";
