//! The cabinet's order search: only the account's sites, the key (link id, InvoiceId or e-mail)
//! or the number, site and status filters, newest first a page at a time below an
//! `internal_id`, on both backends.

use oblako_store::orders::search::{self, Search};

use super::orders::{create, order};
use super::{fresh, site, site_of_other_account};

#[tokio::test]
async fn the_order_search_stays_in_the_account_and_pages_by_key() {
    let t = fresh().await;
    let db = &t.db;
    let mine = site(db, "mine").await;
    let theirs = site_of_other_account(db).await;
    let account = oblako_store::sites::site(db, mine)
        .await
        .unwrap()
        .unwrap()
        .account_id;
    let mut made = Vec::new();
    for n in 0..3 {
        let id = format!("MINE{n:012}");
        let mut new = order(mine, &id);
        let invoice = format!("inv-{n}");
        new.invoice_id = Some(&invoice);
        made.push(create(db, &new).await);
    }
    let foreign = create(db, &order(theirs, "THEIRS0000000000")).await;

    let all = Search::default();
    let first = search::search(db, account, &all, i64::MAX, 2)
        .await
        .unwrap();
    let ids = |rows: &[oblako_store::orders::OrderRow]| {
        rows.iter().map(|r| r.public_id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&first), ["MINE000000000002", "MINE000000000001"]);
    let rest = search::search(db, account, &all, first[1].internal_id, 2)
        .await
        .unwrap();
    assert_eq!(ids(&rest), ["MINE000000000000"]);

    let key = |text: &str| Search {
        key: Some(text.to_owned()),
        number: text.parse().ok(),
        ..Search::default()
    };
    for text in ["MINE000000000001", "inv-1", "2"] {
        let found = search::search(db, account, &key(text), i64::MAX, 10)
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "{text}");
        assert_eq!(found[0].number.to_string() == text, text == "2", "{text}");
    }
    let by_mail = key("payer@example.com");
    let found = search::search(db, account, &by_mail, i64::MAX, 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 3);
    let foreign_key = key(&foreign.public_id);
    assert!(
        search::search(db, account, &foreign_key, i64::MAX, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        search::of_account(db, account, &foreign.public_id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        search::of_account(db, account, &made[0].public_id)
            .await
            .unwrap()
            .is_some()
    );
    let their_site = Search {
        site: Some(theirs.0),
        ..Search::default()
    };
    assert!(
        search::search(db, account, &their_site, i64::MAX, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let paid = Search {
        status: Some("Paid".into()),
        ..Search::default()
    };
    assert!(
        search::search(db, account, &paid, i64::MAX, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
