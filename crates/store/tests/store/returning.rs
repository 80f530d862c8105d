//! The one-read forms of the payment path: an insert and a compare-and-set that answer the row,
//! and a token read together with its card, each scoped like the two reads it replaces.

use oblako_core::ids::Mode;
use oblako_core::payment::Status;
use oblako_store::transactions::{self, Change, NewTransaction};
use oblako_store::{cards, tokens};

use crate::{fresh, site};

fn payment(site: oblako_core::ids::SiteId, card_id: i64) -> NewTransaction<'static> {
    NewTransaction {
        amount: 1_000,
        invoice_id: Some("inv-1"),
        account_id: Some("acc-1"),
        card_id: Some(card_id),
        created_at: 5_000,
        ..crate::new_payment(site, oblako_core::payment::Status::Processing)
    }
}

fn card(site: oblako_core::ids::SiteId) -> cards::NewCard<'static> {
    cards::NewCard {
        site,
        mode: Mode::Test,
        fingerprint: b"fp",
        first_six: "424242",
        last_four: "4242",
        exp_month: 12,
        exp_year: 2030,
        brand: "Visa",
        pan_enc: b"sealed",
    }
}

#[tokio::test]
async fn insert_and_transition_answer_the_stored_row_and_a_lost_race_answers_none() {
    let t = fresh().await;
    let db = &t.db;
    let a = site(db, "ret").await;
    let card_id = cards::save(db, &card(a), 1).await.unwrap();
    let mut tx = db.begin_write().await.unwrap();
    let inserted = transactions::insert_returning(&mut tx, &payment(a, card_id))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let read = transactions::get(db, a, Mode::Test, inserted.id)
        .await
        .unwrap();
    assert_eq!(
        Some(&inserted),
        read.as_ref(),
        "the insert answers the row as stored"
    );
    assert_eq!((inserted.captured, inserted.updated_at), (0, 5_000));

    let change = Change {
        status: Status::Completed,
        captured: 1_000,
        refunded: 0,
        reason_code: 0,
        auth_code: Some("A1B2C3"),
        auth_at: Some(6_000),
        confirm_at: Some(6_000),
        token: Some("tk_x"),
        expires_at: None,
        updated_at: 6_000,
    };
    let mut tx = db.begin_write().await.unwrap();
    let changed =
        transactions::transition_returning(&mut tx, inserted.id, Status::Processing, &change)
            .await
            .unwrap()
            .expect("the compare-and-set wins from Processing");
    tx.commit().await.unwrap();
    let read = transactions::get(db, a, Mode::Test, inserted.id)
        .await
        .unwrap();
    assert_eq!(
        Some(&changed),
        read.as_ref(),
        "the update answers the row as stored"
    );
    assert_eq!(changed.status, Status::Completed);
    assert_eq!(changed.token.as_deref(), Some("tk_x"));

    let mut tx = db.begin_write().await.unwrap();
    let again =
        transactions::transition_returning(&mut tx, inserted.id, Status::Processing, &change)
            .await
            .unwrap();
    drop(tx);
    assert_eq!(again, None, "a second finisher loses the compare-and-set");
}

#[tokio::test]
async fn a_token_is_read_with_its_card_only_within_its_site_and_mode() {
    let t = fresh().await;
    let db = &t.db;
    let a = site(db, "tka").await;
    let b = site(db, "tkb").await;
    let card_id = cards::save(db, &card(a), 1).await.unwrap();
    let mut tx = db.begin_write().await.unwrap();
    tokens::insert(&mut tx, "tk_a", a, Mode::Test, "acc-1", card_id, 2)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let (account, stored) = cards::for_token(db, a, Mode::Test, "tk_a")
        .await
        .unwrap()
        .expect("own token");
    assert_eq!(account, "acc-1");
    assert_eq!(
        stored,
        cards::get(db, a, Mode::Test, card_id)
            .await
            .unwrap()
            .unwrap()
    );
    assert!(
        cards::for_token(db, b, Mode::Test, "tk_a")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        cards::for_token(db, a, Mode::Live, "tk_a")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        cards::for_token(db, a, Mode::Test, "tk_zz")
            .await
            .unwrap()
            .is_none()
    );
}
