//! Settling a payment: what every flow that takes money shares once a transaction exists, so
//! single payments (`payments`) and billing (`subscriptions`) both build on it and neither
//! imports the other.
//!
//! - [`authorize`]: an authorization whose intent is committed, to its recorded outcome (the
//!   site's Check, the bank, the compare-and-set, the token, the notification), and finishing
//!   one that a crash left in `Processing`;
//! - [`approval`]: the one place for what follows a bank's answer in the commit that records it
//!   (the order paid, a subscription created, its card changed, a billing job settled), for one
//!   payment and for a billing round's set alike;
//! - [`claims`]: what a new payment claims in the commit that creates it (the order it pays, the
//!   subscription whose card it changes);
//! - [`outcome`]: the typed outcomes the faces render;
//! - here: who is paid ([`Payee`]) and the core's view of a stored payment.

pub mod approval;
pub mod authorize;
pub mod claims;
pub mod outcome;

use oblako_core::card::CardExpiry;
use oblako_core::ids::Mode;
use oblako_core::payment::{Event, Payment, Status};
use oblako_core::reason::ReasonCode;
use oblako_store::sites::Site;
use oblako_store::transactions::{Change, TransactionRow};

use crate::FlowError;
use crate::bank::BankAnswer;

/// How long an authorization is held before it is cancelled (spec §11).
pub const HOLD_MS: i64 = 7 * 24 * 3600 * 1000;

/// Refusal for live payments until an acquirer is configured.
pub const NO_LIVE_ACQUIRER: &str =
    "Live payments are not available: no acquirer is configured for this gateway";

/// Who is paying: the authenticated site and mode.
#[derive(Debug, Clone, Copy)]
pub struct Payee<'a> {
    /// The site.
    pub site: &'a Site,
    /// Test or live.
    pub mode: Mode,
    /// The Public ID used.
    pub public_id: &'a str,
}

/// How long an authorization on `site` waits: the hold, or less when the site confirms
/// authorizations automatically after some days.
pub fn hold_ms(site: &Site) -> i64 {
    const DAY_MS: i64 = 24 * 3600 * 1000;
    match site.auto_confirm_days {
        Some(days) if days >= 0 => HOLD_MS.min(days.saturating_mul(DAY_MS)),
        _ => HOLD_MS,
    }
}

/// The core's view of a stored payment.
pub fn payment_of(row: &TransactionRow) -> Payment {
    Payment {
        status: row.status,
        stage: row.stage,
        amount: row.amount,
        currency: row.currency,
        captured: row.captured,
        refunded: row.refunded,
        reason: ReasonCode(i32::try_from(row.reason_code).unwrap_or(5204)),
    }
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
        status: next.status,
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

/// The lifecycle's event for a bank's answer to an authorization.
pub fn event_of(answer: &BankAnswer) -> Event {
    if answer.approved() {
        Event::Approved
    } else {
        Event::Declined(answer.reason)
    }
}

/// The row's new values once the bank answered an authorization.
pub fn settled<'a>(
    next: &'a Payment,
    answer: &'a BankAnswer,
    token: Option<&'a str>,
    payee: Payee<'_>,
    now: i64,
) -> Change<'a> {
    Change {
        auth_code: answer.auth_code.as_deref(),
        auth_at: answer.approved().then_some(now),
        confirm_at: (next.status == Status::Completed).then_some(now),
        token,
        expires_at: (next.status == Status::Authorized).then(|| now + hold_ms(payee.site)),
        ..change_to(next, now)
    }
}
