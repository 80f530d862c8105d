//! Orders (numbers per site, scoped lookups, cancel, the pay-once claim) and the messages outbox
//! (claims under a lease, exactly-once across two claimers, outcomes).

use oblako_core::ids::{Mode, SiteId};
use oblako_core::order::OrderStatus;
use oblako_core::payment::Status;
use oblako_store::messages::{self, NewMessage, Outcome};
use oblako_store::orders::{self, Cancelled, NewOrder, OrderRow};
use oblako_store::transactions;
use oblako_store::{Db, DbOptions};

use super::{fresh, site};

pub(crate) fn order(site: SiteId, public_id: &str) -> NewOrder<'_> {
    NewOrder {
        public_id,
        site,
        mode: Mode::Test,
        amount: 1050,
        currency: "RUB",
        description: "Оплата",
        email: Some("payer@example.com"),
        phone: None,
        require_confirmation: false,
        invoice_id: Some("inv-1"),
        account_id: None,
        offer_uri: None,
        culture: "ru-RU",
        subscription_behavior: Some("CreateMonthly"),
        success_redirect_url: None,
        fail_redirect_url: None,
        json_data: None,
        send_email: true,
        send_sms: false,
        send_viber: false,
        send_whatsapp: false,
        created_at: 1_000,
    }
}

pub(crate) async fn create(db: &Db, new: &NewOrder<'_>) -> OrderRow {
    let mut tx = db.begin_write().await.unwrap();
    let row = orders::insert(&mut tx, new).await.unwrap();
    tx.commit().await.unwrap();
    row
}

/// A payment in `status`, claiming order `internal_id` in its own commit if asked.
async fn attempt(db: &Db, site: SiteId, status: Status, claim: Option<i64>) -> (i64, bool) {
    let new = crate::new_payment(site, status);
    let mut tx = db.begin_write().await.unwrap();
    let id = transactions::insert(&mut tx, &new).await.unwrap();
    let claimed = match claim {
        Some(order) => orders::attach_transaction(&mut tx, order, id, 2_000)
            .await
            .unwrap(),
        None => true,
    };
    if claimed {
        tx.commit().await.unwrap();
    }
    (id, claimed)
}

#[tokio::test]
async fn orders_count_per_site_and_are_found_only_in_their_site_and_mode() {
    let t = fresh().await;
    let db = &t.db;
    let (a, b) = (site(db, "a").await, site(db, "b").await);
    let first = create(db, &order(a, "AAAAAAAAAAAAAAA1")).await;
    let second = create(db, &order(a, "AAAAAAAAAAAAAAA2")).await;
    let other = create(db, &order(b, "BBBBBBBBBBBBBBB1")).await;
    assert_eq!((first.number, second.number, other.number), (1, 2, 1));
    assert_eq!(first.status, OrderStatus::Created);
    assert_eq!(first.amount, 1050);
    assert_eq!(first.description, "Оплата");
    assert_eq!(
        first.subscription_behavior.as_deref(),
        Some("CreateMonthly")
    );
    assert!(first.send_email && first.transaction_id.is_none());
    assert_ne!(first.internal_id, second.internal_id);

    let got = orders::get(db, a, Mode::Test, "AAAAAAAAAAAAAAA1")
        .await
        .unwrap();
    assert_eq!(got.as_ref(), Some(&first));
    assert!(
        orders::get(db, b, Mode::Test, "AAAAAAAAAAAAAAA1")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        orders::get(db, a, Mode::Live, "AAAAAAAAAAAAAAA1")
            .await
            .unwrap()
            .is_none()
    );
    let linked = orders::by_link(db, "BBBBBBBBBBBBBBB1").await.unwrap();
    assert_eq!(linked, Some(other));
    assert!(orders::by_link(db, "nothing").await.unwrap().is_none());
}

#[tokio::test]
async fn an_order_is_claimed_by_one_live_attempt_and_paid_once() {
    let t = fresh().await;
    let db = &t.db;
    let s = site(db, "s").await;
    let row = create(db, &order(s, "CCCCCCCCCCCCCCC1")).await;
    // A declined attempt frees the order for the next one.
    let (declined, claimed) = attempt(db, s, Status::Processing, Some(row.internal_id)).await;
    assert!(claimed);
    let (_, claimed) = attempt(db, s, Status::Processing, Some(row.internal_id)).await;
    assert!(!claimed, "a second attempt while the first is under way");
    assert_eq!(
        orders::cancel(db, s, Mode::Test, &row.public_id, 3_000)
            .await
            .unwrap(),
        Cancelled::Refused,
        "no cancelling while a payment is under way"
    );
    let mut tx = db.begin_write().await.unwrap();
    let change = transactions::Change {
        status: Status::Declined,
        captured: 0,
        refunded: 0,
        reason_code: 5051,
        auth_code: None,
        auth_at: None,
        confirm_at: None,
        token: None,
        expires_at: None,
        updated_at: 3_000,
    };
    assert!(
        transactions::transition(&mut tx, declined, Status::Processing, &change)
            .await
            .unwrap()
    );
    assert!(
        !orders::settle_paid(&mut tx, declined + 1000, 3_000)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();

    let (paying, claimed) = attempt(db, s, Status::Processing, Some(row.internal_id)).await;
    assert!(claimed, "after a decline the order takes another attempt");
    let mut tx = db.begin_write().await.unwrap();
    assert!(orders::settle_paid(&mut tx, paying, 4_000).await.unwrap());
    tx.commit().await.unwrap();
    let paid = orders::by_link(db, &row.public_id).await.unwrap().unwrap();
    assert_eq!(
        (paid.status.as_str(), paid.transaction_id, paid.paid_at),
        ("Paid", Some(paying), Some(4_000))
    );
    let mut tx = db.begin_write().await.unwrap();
    assert!(
        !orders::settle_paid(&mut tx, paying, 5_000).await.unwrap(),
        "paid once"
    );
    drop(tx);
    let (_, claimed) = attempt(db, s, Status::Processing, Some(row.internal_id)).await;
    assert!(!claimed, "a paid order takes no attempt");
    assert_eq!(
        orders::cancel(db, s, Mode::Test, &row.public_id, 6_000)
            .await
            .unwrap(),
        Cancelled::Refused
    );
}

#[tokio::test]
async fn cancel_works_once_and_only_for_the_owner() {
    let t = fresh().await;
    let db = &t.db;
    let (s, other) = (site(db, "s").await, site(db, "o").await);
    let row = create(db, &order(s, "DDDDDDDDDDDDDDD1")).await;
    let cancel = |site, id: &'static str| orders::cancel(db, site, Mode::Test, id, 7_000);
    assert_eq!(
        cancel(other, "DDDDDDDDDDDDDDD1").await.unwrap(),
        Cancelled::NotFound
    );
    assert_eq!(
        cancel(s, "DDDDDDDDDDDDDDD9").await.unwrap(),
        Cancelled::NotFound
    );
    assert_eq!(
        cancel(s, "DDDDDDDDDDDDDDD1").await.unwrap(),
        Cancelled::Done
    );
    assert_eq!(
        cancel(s, "DDDDDDDDDDDDDDD1").await.unwrap(),
        Cancelled::Refused
    );
    let cancelled = orders::by_link(db, &row.public_id).await.unwrap().unwrap();
    assert_eq!(
        (cancelled.status.as_str(), cancelled.cancelled_at),
        ("Cancelled", Some(7_000))
    );
    let (_, claimed) = attempt(db, s, Status::Processing, Some(row.internal_id)).await;
    assert!(!claimed, "a cancelled order takes no attempt");
}

fn message<'a>(site: SiteId, channel: &'a str, reference: &'a str, at: i64) -> NewMessage<'a> {
    NewMessage {
        site: Some(site),
        channel,
        recipient: "payer@example.com",
        subject: "Счёт",
        html: "<p>x</p>",
        text: "x",
        reference,
        created_at: at,
    }
}

async fn enqueue(db: &Db, new: &NewMessage<'_>) -> i64 {
    let mut tx = db.begin_write().await.unwrap();
    let id = messages::enqueue(&mut tx, new).await.unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn messages_are_claimed_under_a_lease_and_recorded_by_their_holder() {
    let t = fresh().await;
    let db = &t.db;
    let s = site(db, "m").await;
    let a = enqueue(db, &message(s, "email", "order:x", 1_000)).await;
    let b = enqueue(db, &message(s, "sms", "order:x", 2_000)).await;
    let ids = |rows: Vec<messages::Message>| rows.into_iter().map(|m| m.id).collect::<Vec<_>>();
    assert_eq!(
        ids(messages::claim_due(db, 1_500, 60_000, "w1", 10)
            .await
            .unwrap()),
        vec![a]
    );
    assert!(
        messages::claim_due(db, 1_600, 60_000, "w2", 10)
            .await
            .unwrap()
            .is_empty(),
        "a is leased to w1 and b is not due yet"
    );
    let retry = Outcome::Failed {
        error: "SMTP: 451 busy",
        retry_at: Some(90_000),
    };
    assert!(
        !messages::record(db, a, "w2", 2_000, &retry).await.unwrap(),
        "not w2's lease"
    );
    assert!(messages::record(db, a, "w1", 2_000, &retry).await.unwrap());
    let row = messages::get(db, a).await.unwrap().unwrap();
    assert_eq!(
        (
            row.state.as_str(),
            row.attempts,
            row.next_attempt_at,
            row.last_error.as_deref()
        ),
        ("pending", 1, 90_000, Some("SMTP: 451 busy"))
    );
    assert!(row.locked_by.is_none());
    let claimed = messages::claim_due(db, 2_500, 60_000, "w2", 10)
        .await
        .unwrap();
    assert_eq!(ids(claimed), vec![b]);
    // a waits for its retry at 90_000, b for w2's lease to end at 62_500.
    assert!(
        messages::claim_due(db, 61_000, 60_000, "w3", 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = messages::claim_due(db, 95_000, 60_000, "w3", 10)
        .await
        .unwrap();
    assert_eq!(ids(again), vec![a, b]);
    assert!(
        messages::record(db, a, "w3", 95_000, &Outcome::Sent { via: "smtp" })
            .await
            .unwrap()
    );
    let nowhere = Outcome::SentNowhere {
        reason: "no SMS gateway is configured",
    };
    assert!(
        messages::record(db, b, "w3", 95_000, &nowhere)
            .await
            .unwrap()
    );
    let about = messages::about(db, "order:x").await.unwrap();
    assert_eq!(
        about
            .iter()
            .map(|m| (
                m.state.as_str(),
                m.sent_via.as_deref(),
                m.last_error.as_deref()
            ))
            .collect::<Vec<_>>(),
        vec![
            ("sent", Some("smtp"), None),
            ("sent_nowhere", None, Some("no SMS gateway is configured"))
        ]
    );
    assert_eq!(about[0].sent_at, Some(95_000));
    assert!(
        messages::claim_due(db, 10_000_000, 60_000, "w4", 10)
            .await
            .unwrap()
            .is_empty()
    );
    let other = site(db, "m2").await;
    enqueue(db, &message(other, "email", "order:o", 1)).await;
    let listed = messages::list_for_site(db, s, 10).await.unwrap();
    assert_eq!(ids(listed), vec![b, a], "newest first, only the site's");
    assert_eq!(messages::list_for_site(db, s, 1).await.unwrap().len(), 1);
    let give_up = enqueue(db, &message(s, "email", "order:y", 1)).await;
    messages::claim_due(db, 2, 1, "w5", 10).await.unwrap();
    let failed = Outcome::Failed {
        error: "bad",
        retry_at: None,
    };
    assert!(
        messages::record(db, give_up, "w5", 3, &failed)
            .await
            .unwrap()
    );
    assert_eq!(
        messages::get(db, give_up).await.unwrap().unwrap().state,
        "failed"
    );
}

#[tokio::test]
async fn two_claimers_take_every_message_exactly_once() {
    let t = fresh().await;
    let db = &t.db;
    let s = site(db, "c").await;
    for i in 0..60 {
        enqueue(db, &message(s, "email", "order:z", i)).await;
    }
    let other = Db::connect(&t.url, &DbOptions::default()).await.unwrap();
    let (one, two) = tokio::join!(
        async {
            let mut got = Vec::new();
            for _ in 0..10 {
                got.extend(
                    messages::claim_due(db, 100, 60_000, "one", 7)
                        .await
                        .unwrap(),
                );
            }
            got
        },
        async {
            let mut got = Vec::new();
            for _ in 0..10 {
                got.extend(
                    messages::claim_due(&other, 100, 60_000, "two", 7)
                        .await
                        .unwrap(),
                );
            }
            got
        }
    );
    let mut ids: Vec<i64> = one.iter().chain(two.iter()).map(|m| m.id).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!((before, ids.len()), (60, 60));
}
