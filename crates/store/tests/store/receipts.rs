//! Receipts (one per transaction and type, leased claims with exactly-once records, scoped
//! lookups) and fiscal registers (one per site, mode and INN; counters under a lock).

use oblako_core::ids::{Mode, SiteId};
use oblako_core::receipt::Counters;
use oblako_store::receipts::registers::{self, NewRegister};
use oblako_store::receipts::{self, Fiscalised, NewReceipt};
use oblako_store::transactions;

use super::{fresh, site};

fn receipt<'a>(site: SiteId, id: &'a str, transaction: Option<i64>) -> NewReceipt<'a> {
    NewReceipt {
        id,
        site,
        mode: Mode::Test,
        inn: None,
        receipt_type: "Income",
        transaction_id: transaction,
        invoice_id: Some("inv-1"),
        account_id: None,
        amount: 1050,
        content: "{\"Items\":[]}",
        email: None,
        state: "Queued",
        error: None,
        created_at: 1_000,
    }
}

#[tokio::test]
async fn a_transaction_gets_one_receipt_of_a_type_and_claims_record_once() {
    let t = fresh().await;
    let db = &t.db;
    let s = site(db, "receipts").await;
    let mut tx = db.begin_write().await.unwrap();
    let payment = transactions::insert(
        &mut tx,
        &crate::new_payment(s, oblako_core::payment::Status::Completed),
    )
    .await
    .unwrap();
    assert!(
        receipts::enqueue(&mut tx, &receipt(s, "r-1", Some(payment)))
            .await
            .unwrap()
    );
    assert!(
        !receipts::enqueue(&mut tx, &receipt(s, "r-2", Some(payment)))
            .await
            .unwrap(),
        "a second Income receipt of one payment is ignored"
    );
    let refund = NewReceipt {
        receipt_type: "IncomeReturn",
        ..receipt(s, "r-3", Some(payment))
    };
    assert!(receipts::enqueue(&mut tx, &refund).await.unwrap());
    assert!(
        receipts::enqueue(&mut tx, &receipt(s, "r-4", None))
            .await
            .unwrap()
    );
    assert!(
        receipts::enqueue(&mut tx, &receipt(s, "r-5", None))
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();

    let first = receipts::claim_due(db, 2_000, 10_000, "a", 10)
        .await
        .unwrap();
    assert_eq!(
        first.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["r-1", "r-3", "r-4", "r-5"]
    );
    assert!(
        receipts::claim_due(db, 2_000, 10_000, "b", 10)
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );
    // The lease runs out: another worker takes them, and the first can no longer record.
    let second = receipts::claim_due(db, 13_000, 10_000, "b", 1)
        .await
        .unwrap();
    assert_eq!(second[0].id, "r-1");
    let mut tx = db.begin_write().await.unwrap();
    let (site_id, mode) = (s, Mode::Test);
    let new = NewRegister {
        site: s,
        mode: Mode::Test,
        inn: "7700000009",
        taxation_systems: "0",
        reg_number: "0000000001012345",
        device_number: "0000000001",
        fiscal_number: "9999078900000001",
        ofd: "FirstOfd",
        calculation_place: "Интернет",
        created_at: 1_000,
    };
    registers::ensure_in(&mut tx, &new).await.unwrap();
    registers::ensure_in(&mut tx, &new).await.unwrap();
    let mut register = registers::for_update(&mut tx, site_id, mode, None)
        .await
        .unwrap()
        .unwrap();
    let done = Fiscalised::Processed {
        inn: "7700000009",
        register_id: register.id,
        document_number: 2,
        session_number: 1,
        session_check_number: 1,
        fiscal_sign: "123",
        qr_string: "t=…",
    };
    assert!(
        !receipts::record(&mut tx, "r-1", "a", 14_000, &done)
            .await
            .unwrap(),
        "lease lost"
    );
    assert!(
        receipts::record(&mut tx, "r-1", "b", 14_000, &done)
            .await
            .unwrap()
    );
    let mut counters = register.counters();
    counters.issue(14_000);
    registers::save_counters(&mut tx, register.id, &counters)
        .await
        .unwrap();
    let error = Fiscalised::Error {
        reason: "no register",
    };
    assert!(
        receipts::record(&mut tx, "r-3", "a", 14_000, &error)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();

    let mut tx = db.begin_write().await.unwrap();
    register = registers::for_update(&mut tx, site_id, mode, Some("7700000009"))
        .await
        .unwrap()
        .unwrap();
    drop(tx);
    assert_eq!(
        register.counters(),
        Counters {
            last_document: 2,
            shift_number: 1,
            shift_opened_at: Some(14_000),
            shift_receipts: 1
        }
    );
    assert_eq!(registers::list(db, s, Mode::Test).await.unwrap().len(), 1);
    assert!(registers::list(db, s, Mode::Live).await.unwrap().is_empty());

    let got = receipts::get(db, s, Mode::Test, "r-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            got.state.as_str(),
            got.document_number,
            got.fiscal_sign.as_deref()
        ),
        ("Processed", Some(2), Some("123"))
    );
    assert!(
        receipts::get(db, s, Mode::Live, "r-1")
            .await
            .unwrap()
            .is_none(),
        "scoped by mode"
    );
    let other = site(db, "receipts-other").await;
    assert!(
        receipts::get(db, other, Mode::Test, "r-1")
            .await
            .unwrap()
            .is_none(),
        "scoped by site"
    );
    assert_eq!(
        receipts::get(db, s, Mode::Test, "r-3")
            .await
            .unwrap()
            .unwrap()
            .error
            .as_deref(),
        Some("no register")
    );
    assert_eq!(
        receipts::for_transaction(db, payment).await.unwrap().len(),
        2
    );
    assert_eq!(
        receipts::list(db, s, Mode::Test, 2)
            .await
            .unwrap()
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ["r-5", "r-4"]
    );
}
