//! Group commit of the common payment path (`store::group`, PostgreSQL): concurrent callers
//! share one statement per batch and each gets its own row back; a lost compare-and-set answers
//! `None`; a failed batch fails every member and persists none of them. The same calls run on
//! SQLite (one writer transaction each) and must answer the same.

use oblako_core::ids::SiteId;
use oblako_core::payment::Status;
use oblako_store::transactions::{self, TransactionRow};
use oblako_store::{Db, acquirer};
use tokio::task::JoinSet;

use crate::{fresh, new_payment, site};

const N: i64 = 20;

/// Inserts payment `i` (amount `100 + i`, invoice `inv-i`) with its intent, as a task of its own.
fn spawn_insert(
    set: &mut JoinSet<(i64, Result<TransactionRow, String>)>,
    db: &Db,
    s: SiteId,
    i: i64,
) {
    let db = db.clone();
    set.spawn(async move {
        let invoice = format!("inv-{i}");
        let t = transactions::NewTransaction {
            amount: 100 + i,
            invoice_id: Some(&invoice),
            created_at: 1_000 + i,
            ..new_payment(s, oblako_core::payment::Status::Processing)
        };
        let row = transactions::insert_with_intent(&db, &t).await;
        (i, row.map_err(|e| e.to_string()))
    });
}

async fn open_references(db: &Db) -> Vec<String> {
    let open = acquirer::open_before(db, i64::MAX, 1_000).await.unwrap();
    open.into_iter().map(|o| o.reference).collect()
}

#[tokio::test]
async fn concurrent_payments_share_batches_and_each_caller_gets_its_own_row() {
    let t = fresh().await;
    let db = &t.db;
    let s = site(db, "grp").await;
    let mut set = JoinSet::new();
    for i in 0..N {
        spawn_insert(&mut set, db, s, i);
    }
    let mut rows = Vec::new();
    while let Some(done) = set.join_next().await {
        let (i, row) = done.unwrap();
        let row = row.unwrap();
        assert_eq!(row.amount, 100 + i, "caller {i} got its own row");
        assert_eq!(row.invoice_id, Some(format!("inv-{i}")));
        assert_eq!(
            Some(&row),
            transactions::by_id(db, row.id).await.unwrap().as_ref()
        );
        rows.push(row);
    }
    if let Some(groups) = db.groups() {
        let [(_, pay), ..] = groups.stats();
        assert_eq!(pay.members, N as u64);
        assert!(pay.batches < N as u64, "{pay:?}: callers shared batches");
    }
    // Every payment's intent is committed with it, under its own reference and amount.
    let open = acquirer::open_before(db, i64::MAX, 1_000).await.unwrap();
    assert_eq!(open.len(), N as usize);
    for row in &rows {
        let intent = open.iter().find(|o| o.transaction_id == row.id).unwrap();
        assert_eq!(intent.reference, transactions::auth_reference(row.id));
        assert_eq!(
            (intent.amount, intent.operation.as_str()),
            (row.amount, "auth")
        );
    }

    // Settle them all concurrently, plus a second settle of the first payment (it must lose)
    // and one of a payment that is no longer in the `from` status.
    let mut settles = JoinSet::new();
    for (k, row) in rows.iter().enumerate() {
        for copy in 0..(if k == 0 { 2 } else { 1 }) {
            let db = db.clone();
            let (id, reference) = (row.id, transactions::auth_reference(row.id));
            settles.spawn(async move {
                let at = 5_000 + id + copy;
                let changed = transactions::settle_with_intent(
                    &db,
                    id,
                    Status::Processing,
                    &crate::approved_change(at),
                    &reference,
                    0,
                )
                .await
                .unwrap();
                (id, at, changed)
            });
        }
    }
    let mut won = Vec::new();
    while let Some(done) = settles.join_next().await {
        let (id, at, changed) = done.unwrap();
        if let Some(changed) = changed {
            assert_eq!((changed.id, changed.updated_at), (id, at), "its own row");
            assert_eq!(changed.status, Status::Completed);
            won.push(id);
        }
    }
    won.sort_unstable();
    let mut ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    assert_eq!(
        won, ids,
        "each payment settled exactly once; the repeat lost"
    );
    assert!(open_references(db).await.is_empty(), "every intent is done");
    let late = transactions::settle_with_intent(
        db,
        rows[1].id,
        Status::Processing,
        &crate::approved_change(9_000),
        "auth:none",
        0,
    )
    .await
    .unwrap();
    assert_eq!(late, None, "a payment no longer Processing is left alone");
}

#[tokio::test]
async fn a_lost_compare_and_set_leaves_the_intent_open() {
    let t = fresh().await;
    let db = &t.db;
    let s = site(db, "grp").await;
    let row = transactions::insert_with_intent(
        db,
        &new_payment(s, oblako_core::payment::Status::Processing),
    )
    .await
    .unwrap();
    let reference = transactions::auth_reference(row.id);
    let (seven, eight) = (crate::approved_change(7), crate::approved_change(8));
    let (a, b) = tokio::join!(
        transactions::settle_with_intent(db, row.id, Status::Authorized, &seven, &reference, 0),
        transactions::settle_with_intent(db, row.id, Status::Processing, &eight, &reference, 5051),
    );
    assert_eq!(a.unwrap(), None, "not in `from`: no change");
    let b = b.unwrap().expect("in `from`: changed");
    assert_eq!((b.status.as_str(), b.updated_at), ("Completed", 8));
    assert!(open_references(db).await.is_empty());

    let other = transactions::insert_with_intent(
        db,
        &new_payment(s, oblako_core::payment::Status::Processing),
    )
    .await
    .unwrap();
    let other_ref = transactions::auth_reference(other.id);
    let lost = transactions::settle_with_intent(
        db,
        other.id,
        Status::Authorized,
        &crate::approved_change(9),
        &other_ref,
        0,
    )
    .await
    .unwrap();
    assert_eq!(lost, None);
    assert_eq!(
        open_references(db).await,
        vec![other_ref],
        "the loser's intent is untouched"
    );
}

#[tokio::test]
async fn a_failing_batch_fails_every_member_and_persists_none() {
    let t = fresh().await;
    let db = &t.db;
    let s = site(db, "grp").await;
    let mut set = JoinSet::new();
    for i in 0..N {
        // Payment 7 names a site that does not exist: its row breaks the batch's statement.
        let site = if i == 7 { SiteId(999_999) } else { s };
        spawn_insert(&mut set, db, site, i);
    }
    let mut failed = 0;
    while let Some(done) = set.join_next().await {
        let (i, row) = done.unwrap();
        match row {
            Ok(row) => {
                assert_ne!(i, 7);
                assert!(transactions::by_id(db, row.id).await.unwrap().is_some());
            }
            Err(_) => failed += 1,
        }
    }
    // On PostgreSQL all were queued before the first batch ran (a current-thread runtime runs
    // the batch task after the callers), so all twenty were in the failing batch. SQLite does
    // not group these writes: there only the broken one fails.
    let grouped = db.groups().is_some();
    let (failing, kept) = if grouped { (N, 0) } else { (1, N - 1) };
    assert_eq!(failed, failing);
    let count: i64 = oblako_store::on_db!(db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM transactions").fetch_one(pool).await
    })
    .unwrap();
    assert_eq!(count, kept, "no payment of a failed batch persisted");
    assert_eq!(
        open_references(db).await.len() as i64,
        kept,
        "no intent of a failed batch persisted"
    );
    // The group goes on.
    transactions::insert_with_intent(
        db,
        &new_payment(s, oblako_core::payment::Status::Processing),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn bank_records_are_grouped_and_a_repeated_reference_gets_the_first_outcome() {
    let t = fresh().await;
    let db = &t.db;
    let mut set = JoinSet::new();
    for i in 0..N {
        let db = db.clone();
        set.spawn(async move {
            // References r0..r9 each twice: the second call of each gets the first's outcome.
            let reference = format!("r{}", i % 10);
            let outcome = (i, (i < 10).then(|| format!("A{i}")));
            let stored = acquirer::bank_record(&db, &reference, "auth", 10 * i, &outcome, i)
                .await
                .unwrap();
            (i, stored)
        });
    }
    while let Some(done) = set.join_next().await {
        let (i, stored) = done.unwrap();
        let first = i % 10;
        assert_eq!(stored, (first, Some(format!("A{first}"))), "call {i}");
    }
    let totals = acquirer::bank_totals(db).await.unwrap();
    assert_eq!(totals[0].1, 10, "one ledger row per reference");
}
