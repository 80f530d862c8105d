//! Tests of the parent module.

use super::*;

fn payment(status: Status, stage: Stage) -> Payment {
    let captured = if status == Status::Completed { 1000 } else { 0 };
    Payment {
        status,
        stage,
        amount: 1000,
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
        Event::Void,
        Event::HoldExpired,
        Event::Refund(300),
    ]
}

/// M4: the only status changes that happen.
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
    let (voided, notice) = apply(held, Event::Void).unwrap();
    assert_eq!(
        (voided.status, notice),
        (Status::Cancelled, Some(Notice::Cancel))
    );
    assert_eq!(
        apply(voided, Event::Confirm(400)),
        Err(Refusal::NotAuthorized("Cancelled"))
    );
    assert_eq!(
        apply(partial, Event::Void),
        Err(Refusal::NotAuthorized("Completed"))
    );
    assert_eq!(
        apply(payment(Status::Completed, Stage::OneStage), Event::Void)
            .unwrap_err()
            .to_string(),
        "Transaction is not authorized: its status is Completed"
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
