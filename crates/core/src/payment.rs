//! The payment lifecycle: one status enum and one exhaustive transition function.
//!
//! [`apply`] takes a payment's money state and an event and returns the next state plus the
//! notifications the change must produce, or a [`Refusal`] the merchant sees. Every legal pair is
//! listed in one `match`; everything else is refused:
//!
//! - `Processing` (the bank has not answered) and `AwaitingAuthentication` (3-D Secure) end in
//!   `Authorized`, `Completed`, `Declined` or `Cancelled`; a passed 3-D Secure check goes back to
//!   `Processing` while the bank is asked;
//! - `Authorized` ends once: confirmed (≤ the authorized amount), voided, or expired; a void of
//!   10 RUB or less waits until more than 24 hours have passed since the authorization (§3.6);
//! - `Completed` takes refunds while their sum stays ≤ the captured amount;
//! - `Declined` and `Cancelled` never change.
//!
//! Amounts are minor units with checked arithmetic; times arrive in the events, never from a
//! clock. The server persists the returned state with a compare-and-set on the old status, in the
//! same transaction as the notifications (the outbox).

use jiff::{SignedDuration, Timestamp};

use crate::money::Currency;
use crate::reason::ReasonCode;

/// A payment's status (spec §4.1), plus `Processing` for the moment between the committed intent
/// and the bank's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// The bank call is in flight (or its outcome is not yet known).
    Processing,
    /// Waiting for the payer's 3-D Secure check.
    AwaitingAuthentication,
    /// Two-stage: funds are held, waiting for confirm or void.
    Authorized,
    /// Captured; refunds are possible.
    Completed,
    /// Voided, expired, or abandoned at 3-D Secure.
    Cancelled,
    /// Refused by the bank, the 3-D Secure check or the merchant's Check handler.
    Declined,
}

impl Status {
    /// Every status, for exhaustive tests.
    pub const ALL: [Status; 6] = [
        Status::Processing,
        Status::AwaitingAuthentication,
        Status::Authorized,
        Status::Completed,
        Status::Cancelled,
        Status::Declined,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Processing => "Processing",
            Status::AwaitingAuthentication => "AwaitingAuthentication",
            Status::Authorized => "Authorized",
            Status::Completed => "Completed",
            Status::Cancelled => "Cancelled",
            Status::Declined => "Declined",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether no event can change the status any more.
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Cancelled | Status::Declined)
    }
}

/// One-stage (`charge`: captured at once) or two-stage (`auth`: held until confirmed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// `payments/cards/charge`, `payments/tokens/charge`.
    OneStage,
    /// `payments/cards/auth`, `payments/tokens/auth`.
    TwoStage,
}

impl Stage {
    /// The stored spelling, `"one"` or `"two"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::OneStage => "one",
            Stage::TwoStage => "two",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Stage> {
        match text {
            "one" => Some(Stage::OneStage),
            "two" => Some(Stage::TwoStage),
            _ => None,
        }
    }
}

/// What a transaction row is: a payment, or a refund of one (`OperationType` 0 and 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Money from the payer.
    Payment,
    /// Money back to the payer, against a payment.
    Refund,
}

impl Kind {
    /// The stored spelling, `"payment"` or `"refund"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Payment => "payment",
            Kind::Refund => "refund",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Kind> {
        match text {
            "payment" => Some(Kind::Payment),
            "refund" => Some(Kind::Refund),
            _ => None,
        }
    }

    /// The model's `OperationType`: 0 for a payment, 1 for a refund.
    pub fn operation_type(self) -> i32 {
        match self {
            Kind::Payment => 0,
            Kind::Refund => 1,
        }
    }
}

/// The money state of one payment, in minor units of its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment {
    /// Where it is in its lifecycle.
    pub status: Status,
    /// One- or two-stage.
    pub stage: Stage,
    /// The amount asked for (and authorized, once it is).
    pub amount: i64,
    /// The currency of every amount here.
    pub currency: Currency,
    /// The amount captured: 0 until `Completed`.
    pub captured: i64,
    /// The sum of refunds made so far.
    pub refunded: i64,
    /// 0 while nothing went wrong; the decline reason once `Declined`.
    pub reason: ReasonCode,
}

/// Something that happens to a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The card needs 3-D Secure before the bank is asked.
    AuthenticationRequired,
    /// The payer passed 3-D Secure; the bank is asked next.
    Authenticated,
    /// The bank approved.
    Approved,
    /// The bank, the 3-D Secure check or the Check handler refused.
    Declined(ReasonCode),
    /// The payer never finished 3-D Secure.
    AuthenticationAbandoned,
    /// `payments/confirm` (or auto-confirm) of this many minor units.
    Confirm(i64),
    /// `payments/void` at `now` of an authorization made at `authorized_at`.
    Void {
        /// When the void is asked for.
        now: Timestamp,
        /// When the bank approved the authorization.
        authorized_at: Timestamp,
    },
    /// The hold ran out unconfirmed.
    HoldExpired,
    /// `payments/refund` of this many minor units.
    Refund(i64),
}

/// The notification a change must produce (spec §11: every state change has one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Notice {
    /// Authorized or completed.
    Pay,
    /// Declined.
    Fail,
    /// A two-stage payment was captured.
    Confirm,
    /// An authorization was voided or expired.
    Cancel,
    /// A refund was made.
    Refund,
}

/// Why an event was refused; `message` is what the merchant reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Confirm or void of a payment that is not an open authorization.
    #[error("Transaction is not authorized: its status is {0}")]
    NotAuthorized(&'static str),
    /// Refund of a payment that is not completed.
    #[error("Only completed payments can be refunded: the status is {0}")]
    NotCompleted(&'static str),
    /// Confirm above the authorized amount.
    #[error("Amount exceeds the authorized amount")]
    AboveAuthorized,
    /// Refund above what is left to refund.
    #[error("Amount exceeds the amount available for refund")]
    AboveRefundable,
    /// Zero or negative amount.
    #[error("Amount must be greater than zero")]
    NotPositive,
    /// A bank or 3-D Secure outcome for a payment that is not waiting for one.
    #[error("Transaction is not awaiting a result: its status is {0}")]
    NotPending(&'static str),
    /// Void of a small authorization too soon after it was made (see [`void_too_soon`]).
    #[error("Должно пройти больше 24 часов для отмены транзакции на 10 рублей либо меньше.")]
    VoidTooSoon,
}

/// The largest authorization, in kopecks, whose void has to wait (spec §3.6: "10 RUB or less").
pub const SMALL_VOID_MAX_KOPECKS: i64 = 1_000;
/// How long a small authorization must have existed before it can be voided: more than this.
pub const SMALL_VOID_WAIT: SignedDuration = SignedDuration::from_hours(24);

/// Whether voiding `payment` at `now`, authorized at `authorized_at`, is refused by the spec's
/// rule (§3.6, §11): an authorization of 10 RUB or less can be voided only once more than
/// 24 hours have passed since it was authorized.
///
/// The spec words the threshold in roubles only, so only RUB authorizations of at most 10.00 are
/// held back; authorizations in any other currency void at once, whatever their amount.
pub fn void_too_soon(payment: &Payment, now: Timestamp, authorized_at: Timestamp) -> bool {
    payment.currency == Currency::RUB
        && payment.amount <= SMALL_VOID_MAX_KOPECKS
        && now.duration_since(authorized_at) <= SMALL_VOID_WAIT
}

/// The next state of `payment` after `event`, with the notifications to send.
pub fn apply(payment: Payment, event: Event) -> Result<(Payment, Option<Notice>), Refusal> {
    use Status::*;
    let status = payment.status.as_str();
    let to = |status: Status| Payment { status, ..payment };
    match (payment.status, event) {
        (Processing, Event::AuthenticationRequired) => Ok((to(AwaitingAuthentication), None)),
        (AwaitingAuthentication, Event::Authenticated) => Ok((to(Processing), None)),
        (Processing | AwaitingAuthentication, Event::Approved) => Ok(match payment.stage {
            Stage::OneStage => (
                Payment {
                    captured: payment.amount,
                    ..to(Completed)
                },
                Some(Notice::Pay),
            ),
            Stage::TwoStage => (to(Authorized), Some(Notice::Pay)),
        }),
        (Processing | AwaitingAuthentication, Event::Declined(reason)) => Ok((
            Payment {
                reason,
                ..to(Declined)
            },
            Some(Notice::Fail),
        )),
        (AwaitingAuthentication, Event::AuthenticationAbandoned) => Ok((to(Cancelled), None)),
        (Authorized, Event::Confirm(amount)) => {
            if amount <= 0 {
                Err(Refusal::NotPositive)
            } else if amount > payment.amount {
                Err(Refusal::AboveAuthorized)
            } else {
                Ok((
                    Payment {
                        captured: amount,
                        ..to(Completed)
                    },
                    Some(Notice::Confirm),
                ))
            }
        }
        (Authorized, Event::Void { now, authorized_at })
            if void_too_soon(&payment, now, authorized_at) =>
        {
            Err(Refusal::VoidTooSoon)
        }
        (Authorized, Event::Void { .. } | Event::HoldExpired) => {
            Ok((to(Cancelled), Some(Notice::Cancel)))
        }
        (Completed, Event::Refund(amount)) => {
            let left = payment.captured.checked_sub(payment.refunded).unwrap_or(0);
            if amount <= 0 {
                Err(Refusal::NotPositive)
            } else if amount > left {
                Err(Refusal::AboveRefundable)
            } else {
                let refunded = payment.refunded.saturating_add(amount);
                Ok((
                    Payment {
                        refunded,
                        ..payment
                    },
                    Some(Notice::Refund),
                ))
            }
        }
        (_, Event::Confirm(_) | Event::Void { .. } | Event::HoldExpired) => {
            Err(Refusal::NotAuthorized(status))
        }
        (_, Event::Refund(_)) => Err(Refusal::NotCompleted(status)),
        (
            _,
            Event::AuthenticationRequired
            | Event::Authenticated
            | Event::Approved
            | Event::Declined(_)
            | Event::AuthenticationAbandoned,
        ) => Err(Refusal::NotPending(status)),
    }
}

#[cfg(test)]
mod tests;
