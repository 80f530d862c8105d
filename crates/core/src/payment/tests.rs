//! Tests of the parent module.

use super::*;

/// When the test authorizations were made.
const AUTHORIZED_AT: Timestamp = Timestamp::constant(1_790_000_000, 0);

/// A void `seconds` after the authorization.
fn void_after(seconds: i64) -> Event {
    Event::Void {
        now: AUTHORIZED_AT
            .checked_add(SignedDuration::from_secs(seconds))
            .unwrap(),
        authorized_at: AUTHORIZED_AT,
    }
}

/// 24 hours and one second: late enough for any void.
const LATE: i64 = 24 * 3600 + 1;

fn payment(status: Status, stage: Stage) -> Payment {
    let captured = if status == Status::Completed { 1000 } else { 0 };
    Payment {
        status,
        stage,
        amount: 1000,
        currency: Currency::RUB,
        captured,
        refunded: 0,
        reason: ReasonCode::APPROVED,
    }
}

fn events() -> Vec<Event> {
    vec![
        Event::AuthenticationRequired,
        Event::Authenticated,
        Event::Approved,
        Event::Declined(ReasonCode::INSUFFICIENT_FUNDS),
        Event::AuthenticationAbandoned,
        Event::Confirm(500),
        void_after(0),
        void_after(LATE),
        Event::HoldExpired,
        Event::Refund(300),
    ]
}

/// The only status changes that happen.
fn allowed(from: Status, to: Status) -> bool {
    use Status::*;
    from == to
        || matches!(
            (from, to),
            (
                Processing,
                AwaitingAuthentication | Authorized | Completed | Declined
            ) | (
                AwaitingAuthentication,
                Processing | Authorized | Completed | Declined | Cancelled
            ) | (Authorized, Completed | Cancelled)
        )
}

#[test]
fn every_status_and_event_pair_obeys_the_allow_list() {
    for status in Status::ALL {
        for stage in [Stage::OneStage, Stage::TwoStage] {
            for event in events() {
                let before = payment(status, stage);
                if let Ok((after, _)) = apply(before, event) {
                    assert!(
                        allowed(status, after.status),
                        "{status:?} --{event:?}--> {:?}",
                        after.status
                    );
                    assert!(after.refunded <= after.captured);
                    assert!(after.captured <= after.amount);
                    if status == after.status {
                        assert!(
                            matches!(event, Event::Refund(_)),
                            "only refunds keep the status"
                        );
                    }
                }
                if status.is_terminal() {
                    assert!(apply(before, event).is_err(), "{status:?} is terminal");
                }
            }
        }
    }
}

#[test]
fn one_stage_approval_captures_and_two_stage_holds() {
    let (paid, notice) = apply(
        payment(Status::Processing, Stage::OneStage),
        Event::Approved,
    )
    .unwrap();
    assert_eq!(
        (paid.status, paid.captured, notice),
        (Status::Completed, 1000, Some(Notice::Pay))
    );
    let (held, notice) = apply(
        payment(Status::Processing, Stage::TwoStage),
        Event::Approved,
    )
    .unwrap();
    assert_eq!(
        (held.status, held.captured, notice),
        (Status::Authorized, 0, Some(Notice::Pay))
    );
    let (declined, notice) = apply(
        payment(Status::AwaitingAuthentication, Stage::OneStage),
        Event::Declined(ReasonCode(5206)),
    )
    .unwrap();
    assert_eq!(
        (declined.status, declined.reason, notice),
        (Status::Declined, ReasonCode(5206), Some(Notice::Fail))
    );
}

#[test]
fn an_authorization_resolves_once() {
    let held = payment(Status::Authorized, Stage::TwoStage);
    let (partial, notice) = apply(held, Event::Confirm(400)).unwrap();
    assert_eq!(
        (partial.status, partial.captured, notice),
        (Status::Completed, 400, Some(Notice::Confirm))
    );
    assert_eq!(
        apply(held, Event::Confirm(1001)),
        Err(Refusal::AboveAuthorized)
    );
    assert_eq!(apply(held, Event::Confirm(0)), Err(Refusal::NotPositive));
    let (voided, notice) = apply(held, void_after(LATE)).unwrap();
    assert_eq!(
        (voided.status, notice),
        (Status::Cancelled, Some(Notice::Cancel))
    );
    assert_eq!(
        apply(voided, Event::Confirm(400)),
        Err(Refusal::NotAuthorized("Cancelled"))
    );
    assert_eq!(
        apply(partial, void_after(LATE)),
        Err(Refusal::NotAuthorized("Completed"))
    );
    assert_eq!(
        apply(payment(Status::Completed, Stage::OneStage), void_after(0))
            .unwrap_err()
            .to_string(),
        "Transaction is not authorized: its status is Completed"
    );
}

#[test]
fn small_rouble_authorizations_void_only_after_24_hours() {
    let usd = Currency::from_code("USD").unwrap();
    // (amount, currency, seconds since the authorization, refused)
    let cases = [
        (1_000, Currency::RUB, 0, true),
        (1, Currency::RUB, 3_600, true),
        (1_000, Currency::RUB, 24 * 3600, true),
        (1_000, Currency::RUB, LATE, false),
        (1_001, Currency::RUB, 0, false),
        (500_000, Currency::RUB, 0, false),
        (1_000, usd, 0, false),
        (1, usd, 0, false),
    ];
    for (amount, currency, seconds, refused) in cases {
        let held = Payment {
            amount,
            currency,
            ..payment(Status::Authorized, Stage::TwoStage)
        };
        let outcome = apply(held, void_after(seconds));
        if refused {
            assert_eq!(outcome, Err(Refusal::VoidTooSoon), "{amount} {currency}");
        } else {
            let (voided, notice) = outcome.unwrap();
            assert_eq!(
                (voided.status, notice),
                (Status::Cancelled, Some(Notice::Cancel)),
                "{amount} {currency} after {seconds} s"
            );
        }
    }
    assert_eq!(
        Refusal::VoidTooSoon.to_string(),
        "Должно пройти больше 24 часов для отмены транзакции на 10 рублей либо меньше."
    );
    // The hold running out is no void: a small authorization still expires on time.
    let small = payment(Status::Authorized, Stage::TwoStage);
    assert_eq!(
        apply(small, Event::HoldExpired).map(|(p, _)| p.status),
        Ok(Status::Cancelled)
    );
}

#[test]
fn refunds_never_exceed_the_captured_amount() {
    let mut paid = apply(
        payment(Status::Authorized, Stage::TwoStage),
        Event::Confirm(700),
    )
    .unwrap()
    .0;
    for _ in 0..3 {
        paid = apply(paid, Event::Refund(200)).unwrap().0;
    }
    assert_eq!(paid.refunded, 600);
    assert_eq!(
        apply(paid, Event::Refund(101)),
        Err(Refusal::AboveRefundable)
    );
    let (full, notice) = apply(paid, Event::Refund(100)).unwrap();
    assert_eq!(
        (full.refunded, full.status, notice),
        (700, Status::Completed, Some(Notice::Refund))
    );
    assert_eq!(apply(full, Event::Refund(1)), Err(Refusal::AboveRefundable));
    assert_eq!(
        apply(
            payment(Status::Authorized, Stage::TwoStage),
            Event::Refund(1)
        ),
        Err(Refusal::NotCompleted("Authorized"))
    );
}

#[test]
fn statuses_round_trip_their_names() {
    for status in Status::ALL {
        assert_eq!(Status::parse(status.as_str()), Some(status));
    }
    assert_eq!(Status::parse("Nope"), None);
}
