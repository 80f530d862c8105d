//! The schedule's calendar arithmetic and the billing transitions.

use jiff::Timestamp;
use proptest::prelude::*;

use super::*;

fn ms(text: &str) -> i64 {
    text.parse::<Timestamp>().unwrap().as_millisecond()
}

fn text(ms: i64) -> String {
    Timestamp::from_millisecond(ms).unwrap().to_string()
}

fn schedule(start: &str, interval: Interval, period: u32) -> Schedule {
    Schedule {
        anchor_ms: ms(start),
        anchor_index: 0,
        interval,
        period,
    }
}

#[test]
fn month_ends_clamp_and_come_back() {
    let s = schedule("2025-01-31T10:00:00Z", Interval::Month, 1);
    let dates: Vec<String> = (0..5).map(|n| text(s.date(n).unwrap())).collect();
    assert_eq!(
        dates,
        [
            "2025-01-31T10:00:00Z",
            "2025-02-28T10:00:00Z",
            "2025-03-31T10:00:00Z",
            "2025-04-30T10:00:00Z",
            "2025-05-31T10:00:00Z",
        ]
    );
}

#[test]
fn leap_years_give_february_its_29th() {
    let s = schedule("2024-01-31T00:00:00Z", Interval::Month, 1);
    assert_eq!(text(s.date(1).unwrap()), "2024-02-29T00:00:00Z");
    let yearly = schedule("2024-02-29T12:00:00Z", Interval::Month, 12);
    assert_eq!(text(yearly.date(1).unwrap()), "2025-02-28T12:00:00Z");
    assert_eq!(text(yearly.date(4).unwrap()), "2028-02-29T12:00:00Z");
}

#[test]
fn days_and_weeks_count_from_the_start() {
    let days = schedule("2025-12-30T23:59:00Z", Interval::Day, 3);
    assert_eq!(text(days.date(1).unwrap()), "2026-01-02T23:59:00Z");
    let weeks = schedule("2025-02-24T08:00:00Z", Interval::Week, 2);
    assert_eq!(text(weeks.date(1).unwrap()), "2025-03-10T08:00:00Z");
    assert_eq!(text(weeks.date(26).unwrap()), "2026-02-23T08:00:00Z");
    let quarterly = schedule("2025-11-30T00:00:00Z", Interval::Month, 3);
    assert_eq!(text(quarterly.date(1).unwrap()), "2026-02-28T00:00:00Z");
    assert_eq!(text(quarterly.date(2).unwrap()), "2026-05-30T00:00:00Z");
}

#[test]
fn slots_before_the_anchor_have_no_date() {
    let s = Schedule {
        anchor_index: 5,
        ..schedule("2025-01-01T00:00:00Z", Interval::Day, 1)
    };
    assert_eq!(s.date(4), None);
    assert_eq!(s.date(5), Some(ms("2025-01-01T00:00:00Z")));
    assert_eq!(s.next_after(5, ms("2025-01-03T00:00:00Z")), Some(8));
}

#[test]
fn codes_and_spellings_match_the_spec() {
    assert_eq!(
        [Interval::Week, Interval::Month, Interval::Day].map(Interval::code),
        [0, 1, 2]
    );
    assert_eq!(Interval::parse("month"), Some(Interval::Month));
    assert_eq!(Interval::parse("Year"), None);
    assert_eq!(Status::Active.code(), 0);
    assert_eq!(Status::Cancelled.code(), 3);
    for s in [
        Status::Active,
        Status::PastDue,
        Status::Cancelled,
        Status::Rejected,
        Status::Expired,
    ] {
        assert_eq!(Status::parse(s.as_str()), Some(s));
    }
}

#[test]
fn max_periods_expire_the_subscription_after_the_last_charge() {
    let s = schedule("2025-01-31T00:00:00Z", Interval::Month, 1);
    let mut b = Billing::start(&s, Some(2));
    assert_eq!(b.next_at, Some(ms("2025-01-31T00:00:00Z")));
    b = b.charged(&s, ms("2025-01-31T00:00:01Z"));
    assert_eq!(
        (b.status, b.successful, b.period_index),
        (Status::Active, 1, 1)
    );
    assert_eq!(b.next_at, Some(ms("2025-02-28T00:00:00Z")));
    b = b.charged(&s, ms("2025-02-28T00:00:01Z"));
    assert_eq!(
        (b.status, b.successful, b.next_at),
        (Status::Expired, 2, None)
    );
    assert_eq!(b.last_at, Some(ms("2025-02-28T00:00:01Z")));
}

#[test]
fn failures_go_past_due_then_rejected_and_a_success_resets_them() {
    let s = schedule("2025-03-01T00:00:00Z", Interval::Month, 1);
    let at = ms("2025-03-01T00:00:00Z");
    let funds = ReasonCode::INSUFFICIENT_FUNDS;
    let once = Billing::start(&s, None).declined(funds, at);
    assert_eq!((once.status, once.failed), (Status::PastDue, 1));
    assert_eq!(once.next_at, Some(at + RETRY_AFTER_MS));
    assert_eq!(once.period_index, 0, "the retry is for the same slot");
    let twice = once.declined(funds, at + RETRY_AFTER_MS);
    assert_eq!((twice.status, twice.failed), (Status::PastDue, 2));
    let paid = twice.charged(&s, at + 2 * RETRY_AFTER_MS);
    assert_eq!(
        (paid.status, paid.failed, paid.successful),
        (Status::Active, 0, 1)
    );
    assert_eq!(paid.next_at, Some(ms("2025-04-01T00:00:00Z")));
    let thrice = twice.declined(funds, at + 2 * RETRY_AFTER_MS);
    assert_eq!(
        (thrice.status, thrice.failed, thrice.next_at),
        (Status::Rejected, 3, None)
    );
}

#[test]
fn hard_declines_reject_at_once() {
    let s = schedule("2025-03-01T00:00:00Z", Interval::Month, 1);
    for reason in [
        ReasonCode::LOST_CARD,
        ReasonCode::STOLEN_CARD,
        ReasonCode::EXPIRED_CARD,
    ] {
        let b = Billing::start(&s, None).declined(reason, 0);
        assert_eq!((b.status, b.failed, b.next_at), (Status::Rejected, 1, None));
    }
}

#[test]
fn an_update_reactivates_a_finished_subscription_on_a_fresh_slot() {
    let s = schedule("2025-01-10T00:00:00Z", Interval::Month, 1);
    let charged = Billing::start(&s, Some(3)).charged(&s, ms("2025-01-10T00:00:00Z"));
    let cancelled = charged.cancelled();
    assert_eq!(
        (cancelled.status, cancelled.next_at),
        (Status::Cancelled, None)
    );
    assert_eq!(cancelled.cancelled(), cancelled);
    // Re-activated in mid-April: the February–April slots are not charged; May is.
    let (b, s2) = cancelled.updated(s, None, Some(3), ms("2025-04-15T00:00:00Z"));
    assert_eq!(b.status, Status::Active);
    assert_eq!(b.next_at, Some(ms("2025-05-10T00:00:00Z")));
    assert!(b.period_index > charged.period_index);
    assert_eq!(s2.date(b.period_index), b.next_at);
    // MaxPeriods counts the charges already made: 2 more here.
    let b = b.charged(&s2, ms("2025-05-10T00:00:00Z"));
    let b = b.charged(&s2, ms("2025-06-10T00:00:00Z"));
    assert_eq!((b.status, b.successful), (Status::Expired, 3));
    // An expired one with no charges left stays expired; raising MaxPeriods revives it.
    assert_eq!(b.updated(s2, None, Some(3), 0).0.status, Status::Expired);
    let (revived, _) = b.updated(s2, None, Some(5), ms("2025-06-20T00:00:00Z"));
    assert_eq!(revived.status, Status::Active);
}

#[test]
fn a_new_start_date_moves_the_next_charge_to_a_new_slot() {
    let s = schedule("2025-01-10T00:00:00Z", Interval::Month, 1);
    let b = Billing::start(&s, None).declined(ReasonCode::INSUFFICIENT_FUNDS, s.anchor_ms);
    let moved = schedule("2025-02-01T00:00:00Z", Interval::Week, 1);
    let (b2, s2) = b.updated(s, Some(moved), None, ms("2025-01-11T00:00:00Z"));
    assert_eq!(
        b2.status,
        Status::PastDue,
        "an update is not a status change"
    );
    assert_eq!(b2.next_at, Some(ms("2025-02-01T00:00:00Z")));
    assert_eq!((b2.period_index, s2.anchor_index), (1, 1));
    assert_eq!(s2.date(2), Some(ms("2025-02-08T00:00:00Z")));
}

#[test]
fn a_charge_that_outlived_its_slot_counts_without_moving_the_schedule() {
    let s = schedule("2025-01-10T00:00:00Z", Interval::Month, 1);
    let cancelled = Billing::start(&s, Some(1)).cancelled();
    let b = cancelled.counted(ms("2025-01-10T00:00:05Z"));
    assert_eq!(
        (b.status, b.successful, b.next_at),
        (Status::Cancelled, 1, None)
    );
    assert_eq!(b.last_at, Some(ms("2025-01-10T00:00:05Z")));
    let active = Billing {
        period_index: 3,
        ..Billing::start(&s, Some(1))
    };
    assert_eq!(
        active.counted(0).status,
        Status::Expired,
        "MaxPeriods used up"
    );
}

proptest! {
    /// Every slot has a date, strictly later than the slot before, and within one step of it: a
    /// charge is never skipped, never repeated, and the dates never go back.
    #[test]
    fn nth_dates_are_monotone_without_gaps_or_repeats(
        start in 0i64..4_000_000_000_000,
        interval in prop_oneof![Just(Interval::Day), Just(Interval::Week), Just(Interval::Month)],
        period in 1u32..=12,
        n in 0i64..400,
    ) {
        let s = Schedule { anchor_ms: start, anchor_index: 0, interval, period };
        let a = s.date(n).unwrap();
        let b = s.date(n + 1).unwrap();
        prop_assert!(b > a);
        let step_days = match interval {
            Interval::Day => i64::from(period),
            Interval::Week => 7 * i64::from(period),
            Interval::Month => 31 * i64::from(period),
        };
        let min_days = match interval {
            Interval::Month => 28 * i64::from(period),
            _ => step_days,
        };
        prop_assert!(b - a <= step_days * 86_400_000);
        prop_assert!(b - a >= min_days * 86_400_000);
        // Billing walks the slots one by one.
        let billing = Billing { period_index: n, next_at: Some(a), ..Billing::start(&s, None) };
        let after = billing.charged(&s, a);
        prop_assert_eq!(after.period_index, n + 1);
        prop_assert_eq!(after.next_at, Some(b));
        // next_after finds the first slot strictly after a moment, never an earlier one.
        let k = s.next_after(0, a).unwrap();
        prop_assert!(s.date(k).unwrap() > a && s.date(k - 1).unwrap() <= a);
    }
}
