//! Notifications to merchants' URLs (spec §5).
//!
//! - [`settings`]: per site, mode and kind, whether and where to send (spec §3.24–3.25), and the
//!   site's retry schedule (one for both modes);
//! - `schedule`: [`RetrySchedule`], pure: when a failed notification is due again;
//! - `outbox`: the `notifications` table as a job queue. The server builds and signs a body once
//!   and [`enqueue`]s it inside the transaction that makes the change it announces. Workers
//!   [`claim_due`] rows under a lease (`locked_until`, `locked_by`; no lock is held while they
//!   send), only the earliest pending notification of each transaction, then
//!   [`record_attempt`]; the dashboard can [`resend`] or [`cancel`];
//! - `history`: what the dashboard reads ([`get`], [`list`], [`attempts`]) and the cabinet's
//!   transaction page ([`of_payment`], [`attempts_of_payment`]).
//!
//! Every lookup on behalf of a site is scoped by its id and mode: another
//! site's notification, or the other mode's, is not found. Kinds are stored as their names (`Pay`, `Refund`, …: [`KINDS`]), the protocol crate's
//! `NotificationKind::name`; methods as `POST`/`GET`, encodings as `UTF8`/`Windows1251`.

mod history;
mod outbox;
mod schedule;
pub mod settings;

pub use history::{
    AttemptRow, ListFilter, Notification, attempts, attempts_of_payment, get, list, of_payment,
};
pub use outbox::{
    NewNotification, Outcome, SNIPPET_CHARS, cancel, claim_due, enqueue, record_attempt, resend,
};
pub use schedule::{MAX_ATTEMPTS_LIMIT, MAX_INTERVAL_SECS, MAX_INTERVALS, RetrySchedule};

use crate::StoreError;

/// The eight kinds' names, in the spec's order; the tables' `CHECK` constraints list the same.
pub const KINDS: [&str; 8] = [
    "Check",
    "Pay",
    "Fail",
    "Confirm",
    "Refund",
    "Recurrent",
    "Cancel",
    "Receipt",
];

/// Where a notification is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Waiting for its next attempt (or being attempted, under a lease).
    Pending,
    /// The merchant acknowledged it.
    Delivered,
    /// Every attempt of the schedule failed (exhausted); can be resent.
    Failed,
    /// Withdrawn before delivery; never sent again.
    Cancelled,
}

impl State {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Delivered => "delivered",
            State::Failed => "failed",
            State::Cancelled => "cancelled",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<State> {
        [
            State::Pending,
            State::Delivered,
            State::Failed,
            State::Cancelled,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

fn state_of(text: &str) -> Result<State, StoreError> {
    State::parse(text).ok_or_else(|| StoreError::Corrupt(format!("unknown state {text:?}")))
}

fn mode_of(text: &str) -> Result<oblako_core::ids::Mode, StoreError> {
    oblako_core::ids::Mode::parse(text)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown mode {text:?}")))
}
