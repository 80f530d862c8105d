//! The set-wise forms of the billing round (one statement for many rows), each against the
//! single-row function it stands for: the same rows written, the same compare-and-set, the
//! same first answer of the bank for a repeated reference.

use oblako_core::ids::Mode;
use oblako_core::payment::Status;
use oblako_store::acquirer;
use oblako_store::transactions::{self, NewTransaction, Transition};

use crate::{fresh, site};

fn payment(site: oblako_core::ids::SiteId, amount: i64) -> NewTransaction<'static> {
    NewTransaction {
        amount,
        created_at: 7_000,
        ..crate::new_payment(site, oblako_core::payment::Status::Processing)
    }
}

#[tokio::test]
async fn many_payments_go_in_in_order_and_settle_by_compare_and_set() {
    let t = fresh().await;
    let db = &t.db;
    let a = site(db, "setwise").await;
    let news: Vec<_> = (1..=40).map(|i| payment(a, i * 100)).collect();
    let mut tx = db.begin_write().await.unwrap();
    let rows = transactions::insert_many_returning(&mut tx, &news)
        .await
        .unwrap();
    let intents: Vec<(String, i64, i64)> = rows
        .iter()
        .map(|r| (transactions::auth_reference(r.id), r.id, r.amount))
        .collect();
    let borrowed: Vec<acquirer::Intent<'_>> = intents
        .iter()
        .map(|(reference, id, amount)| (reference.as_str(), *id, "auth", *amount))
        .collect();
    acquirer::record_intents(&mut tx, &borrowed, 7_000)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(rows.len(), 40);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(
            row.amount,
            (i as i64 + 1) * 100,
            "answered in the order given"
        );
        assert_eq!((row.created_at, row.updated_at), (7_000, 7_000));
        let read = transactions::get(db, a, Mode::Test, row.id).await.unwrap();
        assert_eq!(read.as_ref(), Some(row), "answered as stored");
    }
    let open = acquirer::open_before(db, 8_000, 100).await.unwrap();
    assert_eq!(open.len(), 40, "every intent committed with its payment");

    // One of them is settled by another finisher first: the set-wise compare-and-set leaves
    // it out, as the single one would.
    let mut tx = db.begin_write().await.unwrap();
    let first = transactions::transition_returning(
        &mut tx,
        rows[0].id,
        Status::Processing,
        &crate::approved_change(8_000),
    )
    .await
    .unwrap();
    assert!(first.is_some());
    tx.commit().await.unwrap();
    let all: Vec<Transition<'_>> = rows
        .iter()
        .map(|r| Transition {
            id: r.id,
            from: Status::Processing,
            change: crate::approved_change(9_000),
        })
        .collect();
    let mut tx = db.begin_write().await.unwrap();
    let changed = transactions::transition_many_returning(&mut tx, &all)
        .await
        .unwrap();
    let answers: Vec<(&str, i64)> = intents
        .iter()
        .skip(1)
        .map(|(reference, ..)| (reference.as_str(), 0))
        .collect();
    let settled = acquirer::settle_many(&mut tx, &answers, 9_000)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(changed.len(), 39, "the payment settled first is left out");
    assert!(changed.iter().all(|r| r.id != rows[0].id));
    assert!(changed.iter().all(|r| r.status == Status::Completed
        && r.auth_code.as_deref() == Some("A1B2C3")
        && r.updated_at == 9_000));
    assert_eq!(settled, 39);
    let open = acquirer::open_before(db, 10_000, 100).await.unwrap();
    assert_eq!(open.len(), 1, "only the intent not settled here is open");
    assert_eq!(open[0].transaction_id, rows[0].id);
}

#[tokio::test]
async fn the_banks_ledger_answers_a_repeated_reference_with_its_first_outcome() {
    let t = fresh().await;
    let db = &t.db;
    let first = acquirer::bank_record(db, "auth:1", "auth", 100, &(5051, None), 1)
        .await
        .unwrap();
    assert_eq!(first, (5051, None));
    let ops: Vec<acquirer::BankOperation<'_>> = vec![
        ("auth:1", "auth", 100, (0, Some("A1B2C3".to_owned()))),
        ("auth:2", "auth", 200, (0, Some("A1B2C3".to_owned()))),
        ("auth:3", "auth", 300, (5051, None)),
    ];
    let stored = acquirer::bank_record_many(db, &ops, 2).await.unwrap();
    assert_eq!(stored.len(), 3);
    assert_eq!(stored["auth:1"], (5051, None), "the first answer stands");
    assert_eq!(stored["auth:2"], (0, Some("A1B2C3".to_owned())));
    assert_eq!(stored["auth:3"], (5051, None));
    let again = acquirer::bank_record_many(db, &ops, 3).await.unwrap();
    assert_eq!(again, stored, "a repeated batch changes nothing");
    let totals = acquirer::bank_totals(db).await.unwrap();
    assert_eq!(
        totals,
        vec![("auth".to_owned(), 3, 200)],
        "one debit per reference"
    );
}
