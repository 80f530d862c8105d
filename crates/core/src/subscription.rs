//! Subscriptions (recurring billing, spec §2.3, §4.2, §10): the statuses, the charge schedule and
//! what a charge's outcome, a cancellation or an update does to a subscription.
//!
//! The schedule is a pure function of an anchor: the n-th charge falls `n × Period × Interval`
//! after the anchor, computed from the anchor and never from the previous date, so 31 January +
//! 1 month is 28/29 February and + 2 months is 31 March again. Charge slots (`period_index`) only
//! ever grow; billing runs one job per `(subscription, period_index, attempt)`, so a slot is
//! charged at most once. Time is a parameter (Unix ms): nothing here reads a clock.

use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use crate::reason::ReasonCode;

/// One day in milliseconds: a failed charge is retried this long after it failed.
pub const RETRY_AFTER_MS: i64 = 24 * 3600 * 1000;
/// Consecutive failures after which a subscription is `Rejected`.
pub const MAX_FAILURES: u32 = 3;

/// `Interval`: the unit of `Period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interval {
    /// Days.
    Day,
    /// Weeks.
    Week,
    /// Calendar months (the day clamps to the month's last day).
    Month,
}

impl Interval {
    /// Parses the wire spelling, any case.
    pub fn parse(text: &str) -> Option<Interval> {
        match text.trim().to_ascii_lowercase().as_str() {
            "day" => Some(Interval::Day),
            "week" => Some(Interval::Week),
            "month" => Some(Interval::Month),
            _ => None,
        }
    }

    /// The wire (and stored) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Day => "Day",
            Interval::Week => "Week",
            Interval::Month => "Month",
        }
    }

    /// `IntervalCode` (spec §4.2): Week 0, Month 1, Day 2.
    pub fn code(self) -> i32 {
        match self {
            Interval::Week => 0,
            Interval::Month => 1,
            Interval::Day => 2,
        }
    }

    /// The longest `Period` that keeps charges at most one year apart (spec §10).
    pub fn max_period(self) -> u32 {
        match self {
            Interval::Day => 365,
            Interval::Week => 52,
            Interval::Month => 12,
        }
    }
}

/// `Status` of a subscription (spec §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Charging as scheduled.
    Active,
    /// The last one or two charges failed; the next try is a day after the failure.
    PastDue,
    /// Cancelled on request.
    Cancelled,
    /// Three charges in a row failed, or one was declined for good.
    Rejected,
    /// `MaxPeriods` charges made.
    Expired,
}

impl Status {
    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Status> {
        Some(match text {
            "Active" => Status::Active,
            "PastDue" => Status::PastDue,
            "Cancelled" => Status::Cancelled,
            "Rejected" => Status::Rejected,
            "Expired" => Status::Expired,
            _ => return None,
        })
    }

    /// The wire (and stored) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "Active",
            Status::PastDue => "PastDue",
            Status::Cancelled => "Cancelled",
            Status::Rejected => "Rejected",
            Status::Expired => "Expired",
        }
    }

    /// `StatusCode`: Active 0 and Cancelled 3 are documented; PastDue 1, Rejected 4 and Expired 5
    /// are inferred (spec §4.2, §15).
    pub fn code(self) -> i32 {
        match self {
            Status::Active => 0,
            Status::PastDue => 1,
            Status::Cancelled => 3,
            Status::Rejected => 4,
            Status::Expired => 5,
        }
    }

    /// Whether billing still charges it.
    pub fn is_billing(self) -> bool {
        matches!(self, Status::Active | Status::PastDue)
    }
}

/// When charges fall: slot `anchor_index` at `anchor_ms`, every `period` × `interval` after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// The date of slot `anchor_index`, Unix ms.
    pub anchor_ms: i64,
    /// The slot the anchor is.
    pub anchor_index: i64,
    /// The unit.
    pub interval: Interval,
    /// Units between charges, > 0.
    pub period: u32,
}

impl Schedule {
    /// The date of slot `index` (at or after the anchor), Unix ms; `None` before the anchor or
    /// beyond the calendar.
    pub fn date(&self, index: i64) -> Option<i64> {
        let n = index.checked_sub(self.anchor_index)?;
        if n < 0 {
            return None;
        }
        let units = n.checked_mul(i64::from(self.period))?;
        let anchor = Timestamp::from_millisecond(self.anchor_ms)
            .ok()?
            .to_zoned(TimeZone::UTC);
        let span = match self.interval {
            Interval::Day => Span::new().try_days(units).ok()?,
            Interval::Week => Span::new().try_weeks(units).ok()?,
            Interval::Month => Span::new().try_months(units).ok()?,
        };
        Some(anchor.checked_add(span).ok()?.timestamp().as_millisecond())
    }

    /// The first slot after `index` whose date is after `now_ms` (at most a few thousand steps:
    /// dates are bounded by the calendar).
    pub fn next_after(&self, index: i64, now_ms: i64) -> Option<i64> {
        let mut k = index.checked_add(1)?.max(self.anchor_index);
        loop {
            if self.date(k)? > now_ms {
                return Some(k);
            }
            k = k.checked_add(1)?;
        }
    }
}

/// The billing state of a subscription: what charges change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Billing {
    /// Status.
    pub status: Status,
    /// The slot the next charge is for.
    pub period_index: i64,
    /// `SuccessfulTransactionsNumber`.
    pub successful: u32,
    /// `FailedTransactionsNumber`: consecutive failures.
    pub failed: u32,
    /// `MaxPeriods`.
    pub max_periods: Option<u32>,
    /// `LastTransactionDate`, Unix ms.
    pub last_at: Option<i64>,
    /// `NextTransactionDate`, Unix ms; `None` unless billing.
    pub next_at: Option<i64>,
}

impl Billing {
    /// A new subscription: active, first charge at the schedule's anchor.
    pub fn start(schedule: &Schedule, max_periods: Option<u32>) -> Billing {
        Billing {
            status: Status::Active,
            period_index: schedule.anchor_index,
            successful: 0,
            failed: 0,
            max_periods,
            last_at: None,
            next_at: Some(schedule.anchor_ms),
        }
    }

    fn exhausted(&self) -> bool {
        self.max_periods.is_some_and(|max| self.successful >= max)
    }

    /// After the charge of the current slot succeeded at `now_ms`: the count grows, failures
    /// reset, and the next slot is due at its scheduled date (even if that is already past: a
    /// late charge never makes the next one skip), or the subscription expires.
    pub fn charged(self, schedule: &Schedule, now_ms: i64) -> Billing {
        let mut next = Billing {
            status: Status::Active,
            period_index: self.period_index.saturating_add(1),
            successful: self.successful.saturating_add(1),
            failed: 0,
            last_at: Some(now_ms),
            ..self
        };
        next.next_at = schedule.date(next.period_index);
        if next.exhausted() || next.next_at.is_none() {
            next.status = Status::Expired;
            next.next_at = None;
        }
        next
    }

    /// A charge approved after its slot was left behind (an update or a cancellation came while
    /// the bank answered): it counts, and may use up `MaxPeriods`, but the schedule stays.
    pub fn counted(self, now_ms: i64) -> Billing {
        let mut next = Billing {
            successful: self.successful.saturating_add(1),
            last_at: Some(now_ms),
            ..self
        };
        if next.status.is_billing() && next.exhausted() {
            next.status = Status::Expired;
            next.next_at = None;
        }
        next
    }

    /// After the charge of the current slot was declined at `now_ms` with `reason`: `PastDue`
    /// and the same slot again a day later, or `Rejected` after the third failure in a row or
    /// at once on a hard decline (lost, stolen or expired card, spec §10).
    pub fn declined(self, reason: ReasonCode, now_ms: i64) -> Billing {
        let failed = self.failed.saturating_add(1);
        if failed >= MAX_FAILURES || reason.is_hard_decline() {
            return Billing {
                status: Status::Rejected,
                failed,
                next_at: None,
                ..self
            };
        }
        Billing {
            status: Status::PastDue,
            failed,
            next_at: Some(now_ms.saturating_add(RETRY_AFTER_MS)),
            ..self
        }
    }

    /// `subscriptions/cancel`: `Cancelled`, nothing more to charge. Cancelling a finished
    /// subscription changes nothing.
    pub fn cancelled(self) -> Billing {
        if !self.status.is_billing() {
            return self;
        }
        Billing {
            status: Status::Cancelled,
            next_at: None,
            ..self
        }
    }

    /// `subscriptions/update` (spec §3.20). `rescheduled` is the new schedule when `StartDate`,
    /// `Interval` or `Period` changed; a finished subscription is re-activated by any update, and
    /// keeps what `MaxPeriods` leaves after the charges already made. Returns the new billing
    /// state and the schedule to store.
    pub fn updated(
        self,
        schedule: Schedule,
        rescheduled: Option<Schedule>,
        max_periods: Option<u32>,
        now_ms: i64,
    ) -> (Billing, Schedule) {
        let mut next = Billing {
            max_periods,
            ..self
        };
        let reactivate = !self.status.is_billing();
        if reactivate {
            next.status = Status::Active;
            next.failed = 0;
        }
        // A new schedule or a re-activation takes a fresh slot: the old slot's jobs (done or
        // stale) keep their key, and a cancelled stretch is never charged afterwards.
        let schedule = match rescheduled {
            Some(new) => Schedule {
                anchor_index: self.period_index.saturating_add(1),
                ..new
            },
            None if reactivate => {
                let index = schedule
                    .next_after(self.period_index, now_ms)
                    .unwrap_or(self.period_index.saturating_add(1));
                Schedule {
                    anchor_ms: schedule.date(index).unwrap_or(now_ms),
                    anchor_index: index,
                    ..schedule
                }
            }
            None => schedule,
        };
        if rescheduled.is_some() || reactivate {
            next.period_index = schedule.anchor_index;
            next.next_at = Some(schedule.anchor_ms);
        }
        if next.status.is_billing() && next.exhausted() {
            next.status = Status::Expired;
            next.next_at = None;
        }
        (next, schedule)
    }
}

#[cfg(test)]
mod tests;
