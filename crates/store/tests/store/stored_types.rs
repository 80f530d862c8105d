//! Rows come back as core types: what was written reads back as the same status, stage, kind,
//! mode, currency and site, and a spelling no core type knows is the read's error, not a value.

use oblako_core::ids::Mode;
use oblako_core::money::Currency;
use oblako_core::payment::{Kind, Stage, Status};
use oblako_store::{on_tx, transactions};

use crate::{fresh, new_payment, site};

#[tokio::test]
async fn a_payment_reads_back_as_core_types_and_a_stranger_spelling_is_an_error() {
    let t = fresh().await;
    let db = &t.db;
    let s = site(db, "typed").await;
    let new = oblako_store::transactions::NewTransaction {
        stage: Stage::TwoStage,
        currency: Currency::from_code("KZT").unwrap(),
        ..new_payment(s, Status::Authorized)
    };
    let mut tx = db.begin_write().await.unwrap();
    let id = transactions::insert(&mut tx, &new).await.unwrap();
    tx.commit().await.unwrap();

    let row = transactions::get(db, s, Mode::Test, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            row.site_id,
            row.mode,
            row.kind,
            row.status,
            row.stage,
            row.currency.code()
        ),
        (
            s,
            Mode::Test,
            Kind::Payment,
            Status::Authorized,
            Stage::TwoStage,
            "KZT"
        )
    );

    // Something other than Oblako wrote a status no core type spells.
    let mut tx = db.begin_write().await.unwrap();
    on_tx!(&mut tx, c => sqlx::query("UPDATE transactions SET status = 'Paid' WHERE id = $1")
        .bind(id).execute(&mut **c).await.map(|_| ()))
    .unwrap();
    tx.commit().await.unwrap();
    let err = transactions::get(db, s, Mode::Test, id).await.unwrap_err();
    assert!(
        format!("{err:#}").contains("unknown payment status \"Paid\""),
        "the error names the stranger: {err:#}"
    );
}
