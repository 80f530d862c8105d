//! The Recurrent notification's input: a subscription whose status changed (spec §5.5, §4.2).
//!
//! The parameters of the spec's table, in its order. The optional ones (`MaxPeriods`,
//! `LastTransactionDate`, `NextTransactionDate`) are left out when the subscription has none, as
//! in the Ruby gem's captured Recurrent (no `MaxPeriods`, no `LastTransactionDate`): typed parsers
//! read an empty `Key=` as a value and fail on it (aiocloudpayments' `RecurrentNotification`
//! rejects `LastTransactionDate=` as a datetime and `MaxPeriods=` as an int, the gem's
//! `DateTimeTransform` calls `DateTime.parse("")`).

use jiff::Timestamp;
use oblako_core::money::Money;

use super::layout::RECURRENT;
use super::payment::two_decimals;
use crate::dates::notification_date;

/// A subscription's `Interval` (spec §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionInterval {
    /// `Day`.
    Day,
    /// `Week`.
    Week,
    /// `Month`.
    Month,
}

impl SubscriptionInterval {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            SubscriptionInterval::Day => "Day",
            SubscriptionInterval::Week => "Week",
            SubscriptionInterval::Month => "Month",
        }
    }
}

/// A subscription's `Status` (spec §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionStatus {
    /// Charging as scheduled.
    Active,
    /// One or two charges in a row failed.
    PastDue,
    /// Cancelled on request.
    Cancelled,
    /// Three charges in a row failed.
    Rejected,
    /// `MaxPeriods` charges made.
    Expired,
}

impl SubscriptionStatus {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            SubscriptionStatus::Active => "Active",
            SubscriptionStatus::PastDue => "PastDue",
            SubscriptionStatus::Cancelled => "Cancelled",
            SubscriptionStatus::Rejected => "Rejected",
            SubscriptionStatus::Expired => "Expired",
        }
    }
}

/// What a Recurrent notification says.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionNotice {
    /// `Id`: the subscription (`sc_…`).
    pub id: String,
    /// `AccountId`.
    pub account_id: String,
    /// `Description`.
    pub description: String,
    /// `Email`.
    pub email: String,
    /// `Amount` and `Currency` of each charge.
    pub amount: Money,
    /// `RequireConfirmation`, `1` or `0`: whether charges are two-stage.
    pub require_confirmation: bool,
    /// `StartDate`.
    pub start_date: Timestamp,
    /// `Interval`.
    pub interval: SubscriptionInterval,
    /// `Period`: how many intervals between charges.
    pub period: u32,
    /// `Status`.
    pub status: SubscriptionStatus,
    /// `SuccessfulTransactionsNumber`.
    pub successful_transactions_number: u32,
    /// `FailedTransactionsNumber`, reset to 0 by each success.
    pub failed_transactions_number: u32,
    /// `MaxPeriods`.
    pub max_periods: Option<u32>,
    /// `LastTransactionDate`: the last successful charge.
    pub last_transaction_date: Option<Timestamp>,
    /// `NextTransactionDate`.
    pub next_transaction_date: Option<Timestamp>,
}

/// The parameters sent only when they have a value.
const OPTIONAL: [&str; 3] = ["MaxPeriods", "LastTransactionDate", "NextTransactionDate"];

impl SubscriptionNotice {
    /// The `(name, value)` pairs, in order.
    pub(super) fn params(&self) -> Vec<(&'static str, String)> {
        RECURRENT
            .iter()
            .map(|&name| (name, self.value(name)))
            .filter(|(name, value)| !(OPTIONAL.contains(name) && value.is_empty()))
            .collect()
    }

    fn value(&self, name: &str) -> String {
        let date = |at: Option<Timestamp>| at.map(notification_date).unwrap_or_default();
        match name {
            "Id" => self.id.clone(),
            "AccountId" => self.account_id.clone(),
            "Description" => self.description.clone(),
            "Email" => self.email.clone(),
            "Amount" => two_decimals(self.amount),
            "Currency" => self.amount.currency.code().to_owned(),
            "RequireConfirmation" => u8::from(self.require_confirmation).to_string(),
            "StartDate" => notification_date(self.start_date),
            "Interval" => self.interval.name().to_owned(),
            "Period" => self.period.to_string(),
            "Status" => self.status.name().to_owned(),
            "SuccessfulTransactionsNumber" => self.successful_transactions_number.to_string(),
            "FailedTransactionsNumber" => self.failed_transactions_number.to_string(),
            "MaxPeriods" => self.max_periods.map(|n| n.to_string()).unwrap_or_default(),
            "LastTransactionDate" => date(self.last_transaction_date),
            "NextTransactionDate" => date(self.next_transaction_date),
            _ => String::new(),
        }
    }
}
