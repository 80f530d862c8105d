//! Every store function against a real database: SQLite by default, PostgreSQL when
//! `OBLAKO_TEST_PG_URL` is set (`.ci/run` runs this binary both ways).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use oblako_core::ids::{Mode, SiteId};
use oblako_core::money::Currency;
use oblako_core::payment::{Kind, Stage, Status};
use oblako_store::idempotency::{self, Claim, KeyRef};
use oblako_store::test_db::TestDb;
use oblako_store::{Backend, Db, StoreError, Tx, cards, cryptogram_keys, sites};

#[path = "store/clocks.rs"]
mod clocks;
#[path = "store/daily_totals.rs"]
mod daily_totals;
#[path = "store/group.rs"]
mod group;
#[path = "store/notification_modes.rs"]
mod notification_modes;
#[path = "store/notifications.rs"]
mod notifications;
#[path = "store/order_search.rs"]
mod order_search;
#[path = "store/orders.rs"]
mod orders;
#[path = "store/pool.rs"]
mod pool;
#[path = "store/receipts.rs"]
mod receipts;
#[path = "store/returning.rs"]
mod returning;
#[path = "store/set_wise.rs"]
mod set_wise;
#[path = "store/stored_types.rs"]
mod stored_types;
#[path = "store/subscription_search.rs"]
mod subscription_search;
#[path = "store/subscriptions.rs"]
mod subscriptions;
#[path = "store/writer.rs"]
mod writer;

async fn fresh() -> TestDb {
    TestDb::new()
        .await
        .expect("test database (is OBLAKO_TEST_PG_URL reachable?)")
}

fn keys(tag: &str) -> [(Mode, String, Vec<u8>, Vec<u8>); 2] {
    [
        (
            Mode::Test,
            format!("test_api_{tag}"),
            vec![1; 32],
            vec![2; 60],
        ),
        (Mode::Live, format!("pk_{tag}"), vec![3; 32], vec![4; 60]),
    ]
}

/// A 10.50 RUB test payment of `site` in `status`, made by card 4242…4242, for the tests to vary.
fn new_payment(
    site: SiteId,
    status: Status,
) -> oblako_store::transactions::NewTransaction<'static> {
    oblako_store::transactions::NewTransaction {
        site,
        mode: Mode::Test,
        kind: Kind::Payment,
        original_id: None,
        status,
        stage: Stage::OneStage,
        amount: 1050,
        currency: Currency::RUB,
        invoice_id: None,
        account_id: None,
        email: None,
        description: None,
        json_data: None,
        culture: "ru-RU",
        ip_address: "127.0.0.1",
        name: None,
        card_id: None,
        card_first_six: "424242",
        card_last_four: "4242",
        card_exp: "12/30",
        card_brand: "Visa",
        token: None,
        subscription_id: None,
        created_at: 1,
        expires_at: None,
    }
}

/// The change of a payment approved and captured at `at` (the grouped and set-wise tests).
fn approved_change(at: i64) -> oblako_store::transactions::Change<'static> {
    oblako_store::transactions::Change {
        status: Status::Completed,
        captured: 0,
        refunded: 0,
        reason_code: 0,
        auth_code: Some("A1B2C3"),
        auth_at: Some(at),
        confirm_at: Some(at),
        token: None,
        expires_at: None,
        updated_at: at,
    }
}

async fn site(db: &Db, tag: &str) -> SiteId {
    let account = sites::create_account(db, "Acme", 1_000).await.unwrap();
    sites::create_site(db, account, tag, 2_000, keys(tag))
        .await
        .unwrap()
}

#[test]
fn both_backends_carry_the_same_migration_versions() {
    let sqlite = Db::migration_versions(Backend::Sqlite);
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, Db::migration_versions(Backend::Postgres));
}

#[tokio::test]
async fn migrations_are_idempotent_and_the_database_answers() {
    let t = fresh().await;
    t.db.migrate().await.unwrap();
    t.db.ping().await.unwrap();
    assert!(t.db.durability_warnings().await.unwrap().is_empty());
}

#[tokio::test]
async fn sqlite_runs_in_wal_with_full_sync() {
    let t = fresh().await;
    let Db::Sqlite(sqlite) = &t.db else {
        println!("skipped: SQLite pragmas do not apply to the PostgreSQL run");
        return;
    };
    let pool = &sqlite.pool;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    // The writer is the connection whose commits must reach the disk.
    let mut tx = t.db.begin_write().await.unwrap();
    let Tx::Sqlite(c) = &mut tx else {
        unreachable!()
    };
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut **c)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(sync, 2, "synchronous=FULL");
    // Readers are read-only: a write that bypasses the writer fails instead of racing it.
    let err = sqlx::query("CREATE TABLE bypass (x INTEGER)")
        .execute(pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("readonly"), "{err}");
}

#[tokio::test]
async fn sites_are_created_listed_found_by_key_and_go_live() {
    let t = fresh().await;
    let db = &t.db;
    let id = site(db, "shop").await;
    let found = sites::site(db, id).await.unwrap().unwrap();
    assert_eq!(found.name, "shop");
    assert!(!found.production);
    assert!(found.save_tokens);
    assert_eq!(found.created_at, 2_000);
    assert_eq!(sites::list_sites(db).await.unwrap(), vec![found.clone()]);

    let (key, owner) = sites::key_by_public_id(db, "pk_shop")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((key.mode, owner.id), (Mode::Live, id));
    assert_eq!(key.secret_hash, vec![3; 32]);
    assert!(
        sites::key_by_public_id(db, "pk_nobody")
            .await
            .unwrap()
            .is_none()
    );
    let both = sites::keys_of(db, id).await.unwrap();
    assert_eq!(
        both.iter().map(|k| k.mode).collect::<Vec<_>>(),
        vec![Mode::Test, Mode::Live]
    );

    assert!(sites::go_live(db, id, 3_000).await.unwrap());
    assert!(
        !sites::go_live(db, id, 4_000).await.unwrap(),
        "already live"
    );
    assert!(!sites::go_live(db, SiteId(999), 4_000).await.unwrap());
    let live = sites::site(db, id).await.unwrap().unwrap();
    assert!(live.production);
    assert_eq!(live.went_live_at, Some(3_000));
    assert!(sites::site(db, SiteId(999)).await.unwrap().is_none());
}

#[tokio::test]
async fn public_ids_are_unique_and_a_failed_site_leaves_nothing() {
    let t = fresh().await;
    let db = &t.db;
    site(db, "one").await;
    let account = sites::create_account(db, "Other", 1).await.unwrap();
    let err = sites::create_site(db, account, "dup", 5, keys("one"))
        .await
        .unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
    assert_eq!(
        sites::list_sites(db).await.unwrap().len(),
        1,
        "the transaction rolled back"
    );
}

#[tokio::test]
async fn secrets_rotate_per_mode() {
    let t = fresh().await;
    let db = &t.db;
    let id = site(db, "rot").await;
    assert!(
        sites::rotate_secret(db, id, Mode::Test, &[9; 32], &[8; 60], 7)
            .await
            .unwrap()
    );
    let (test_key, _) = sites::key_by_public_id(db, "test_api_rot")
        .await
        .unwrap()
        .unwrap();
    let (live_key, _) = sites::key_by_public_id(db, "pk_rot")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(test_key.secret_hash, vec![9; 32]);
    assert_eq!(test_key.secret_enc, vec![8; 60]);
    assert_eq!(
        live_key.secret_hash,
        vec![3; 32],
        "the live key is untouched"
    );
    assert!(
        !sites::rotate_secret(db, SiteId(404), Mode::Test, &[0], &[0], 7)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn cryptogram_keys_get_increasing_versions() {
    let t = fresh().await;
    let db = &t.db;
    assert!(cryptogram_keys::latest(db).await.unwrap().is_none());
    assert_eq!(
        cryptogram_keys::insert_next(db, "pem1", b"k1", 10)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        cryptogram_keys::insert_next(db, "pem2", b"k2", 20)
            .await
            .unwrap(),
        2
    );
    let latest = cryptogram_keys::latest(db).await.unwrap().unwrap();
    assert_eq!((latest.version, latest.public_pem.as_str()), (2, "pem2"));
    let all = cryptogram_keys::all(db).await.unwrap();
    assert_eq!(
        all.iter().map(|k| k.version).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(all[0].private_enc, b"k1");
}

#[tokio::test]
async fn idempotency_claims_complete_replay_expire_and_release() {
    let t = fresh().await;
    let db = &t.db;
    let id = site(db, "idem").await;
    let key = KeyRef {
        site: id,
        mode: Mode::Test,
        key: "req-1",
    };
    let other_mode = KeyRef {
        mode: Mode::Live,
        ..key
    };
    let claim = |k, hash: &'static [u8], now: i64| {
        idempotency::claim(db, k, hash, now, now + 100, now - 50)
    };

    assert_eq!(
        claim(key, b"h1", 1_000).await.unwrap(),
        Claim::Claimed { resume: None }
    );
    assert_eq!(
        claim(key, b"h1", 1_001).await.unwrap(),
        Claim::Running {
            request_hash: b"h1".to_vec()
        }
    );
    assert_eq!(
        claim(other_mode, b"h1", 1_001).await.unwrap(),
        Claim::Claimed { resume: None },
        "scoped by mode"
    );

    idempotency::complete(db, key, 200, b"{\"Success\":true}")
        .await
        .unwrap();
    assert_eq!(
        claim(key, b"h1", 1_050).await.unwrap(),
        Claim::Done {
            request_hash: b"h1".to_vec(),
            status: 200,
            body: b"{\"Success\":true}".to_vec()
        }
    );
    assert_eq!(
        claim(key, b"h2", 1_100).await.unwrap(),
        Claim::Claimed { resume: None },
        "expired at 1_100"
    );

    idempotency::release(db, key).await.unwrap();
    assert_eq!(
        claim(key, b"h3", 1_101).await.unwrap(),
        Claim::Claimed { resume: None },
        "released"
    );
    // Still running but started before the abandonment cut-off: the same request takes it over,
    // another request does not.
    assert!(matches!(
        claim(key, b"h4", 1_160).await.unwrap(),
        Claim::Running { .. }
    ));
    assert_eq!(
        claim(key, b"h3", 1_160).await.unwrap(),
        Claim::Claimed { resume: None }
    );

    assert!(idempotency::purge_expired(db, 10_000).await.unwrap() >= 2);
    assert_eq!(
        claim(key, b"h5", 10_001).await.unwrap(),
        Claim::Claimed { resume: None }
    );
}

#[tokio::test]
async fn a_claim_with_a_recovery_point_survives_release_and_resumes() {
    let t = fresh().await;
    let db = &t.db;
    let id = site(db, "rec").await;
    let key = KeyRef {
        site: id,
        mode: Mode::Test,
        key: "pay-1",
    };
    let claim = |hash: &'static [u8], now: i64| {
        idempotency::claim(db, key, hash, now, now + 10_000, now - 500)
    };
    assert_eq!(
        claim(b"h", 1_000).await.unwrap(),
        Claim::Claimed { resume: None }
    );
    let mut tx = db.begin_write().await.unwrap();
    idempotency::attach(&mut tx, key, 77).await.unwrap();
    tx.commit().await.unwrap();
    // The request failed after committing transaction 77: the claim stays, abandoned at once.
    idempotency::release(db, key).await.unwrap();
    assert!(
        matches!(claim(b"other", 1_001).await.unwrap(), Claim::Running { .. }),
        "not another request's"
    );
    assert_eq!(
        claim(b"h", 1_001).await.unwrap(),
        Claim::Claimed { resume: Some(77) }
    );
    idempotency::complete(db, key, 200, b"{}").await.unwrap();
    // After the retention the key starts afresh, without the old recovery point.
    assert_eq!(
        claim(b"h", 20_000).await.unwrap(),
        Claim::Claimed { resume: None }
    );
}

#[tokio::test]
async fn concurrent_claims_have_exactly_one_winner() {
    let t = fresh().await;
    let id = site(&t.db, "race").await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move {
            let key = KeyRef {
                site: id,
                mode: Mode::Test,
                key: "same",
            };
            idempotency::claim(&db, key, b"h", 5, 500, 0).await
        }));
    }
    let mut winners = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(Claim::Claimed { resume: None }) => winners += 1,
            Ok(_) => {}
            Err(StoreError::Database(e)) if e.to_string().contains("locked") => {
                panic!("SQLite lock error under contention: {e}")
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(winners, 1);
}

#[tokio::test]
async fn cards_are_saved_once_per_fingerprint_and_scoped_to_site_and_mode() {
    let t = fresh().await;
    let db = &t.db;
    let a = site(db, "a").await;
    let b = site(db, "b").await;
    let card = |exp_year| cards::NewCard {
        site: a,
        mode: Mode::Test,
        fingerprint: b"fp",
        first_six: "424242",
        last_four: "4242",
        exp_month: 12,
        exp_year,
        brand: "Visa",
        pan_enc: b"sealed",
    };
    let id = cards::save(db, &card(2030), 1).await.unwrap();
    assert_eq!(
        cards::save(db, &card(2031), 2).await.unwrap(),
        id,
        "same card, refreshed"
    );
    let stored = cards::get(db, a, Mode::Test, id).await.unwrap().unwrap();
    assert_eq!((stored.exp_year, stored.brand.as_str()), (2031, "Visa"));
    // A stale expiry typed later does not replace the newer one.
    assert_eq!(cards::save(db, &card(2029), 3).await.unwrap(), id);
    let stored = cards::get(db, a, Mode::Test, id).await.unwrap().unwrap();
    assert_eq!((stored.exp_year, stored.exp_month), (2031, 12));
    assert!(
        cards::get(db, b, Mode::Test, id).await.unwrap().is_none(),
        "foreign site"
    );
    assert!(
        cards::get(db, a, Mode::Live, id).await.unwrap().is_none(),
        "other mode"
    );
}

#[tokio::test]
async fn seeded_history_mixes_statuses_refunds_and_settled_operations() {
    let t = fresh().await;
    let site = site(&t.db, "seed").await;
    let now = 40_000_000_000_000;
    let written = oblako_store::seed::payments(&t.db, site, Mode::Live, 45_000, now)
        .await
        .unwrap();
    let count = |kind: &str, status: &str| {
        written
            .iter()
            .find(|w| w.kind == kind && w.status == status)
            .map_or(0, |w| w.count)
    };
    assert_eq!(count("payment", "Completed"), 39_600);
    assert_eq!(count("payment", "Declined"), 4_500);
    assert_eq!(count("payment", "Cancelled"), 900);
    assert_eq!(count("refund", "Completed"), 1_800);
    let rows: i64 = written.iter().map(|w| w.count).sum();
    assert_eq!(rows, 46_800);
    let shape: (i64, i64, i64, i64, i64, i64, i64, i64) = oblako_store::on_db!(&t.db, pool => sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM transactions WHERE site_id = $1 AND mode = 'live'), \
                (SELECT COUNT(DISTINCT invoice_id) FROM transactions WHERE kind = 'payment'), \
                (SELECT COUNT(DISTINCT currency) FROM transactions), \
                (SELECT COUNT(DISTINCT card_first_six) FROM transactions), \
                (SELECT COUNT(*) FROM transactions r JOIN transactions p ON p.id = r.original_id \
                   WHERE r.kind = 'refund' AND p.refunded = r.amount AND p.status = 'Completed'), \
                (SELECT COUNT(*) FROM acquirer_operations WHERE state = 'done'), \
                (SELECT COUNT(*) FROM bank_ledger WHERE reason_code <> 0), \
                (SELECT MAX(created_at) - MIN(created_at) FROM transactions WHERE kind = 'payment')")
        .bind(site.0).fetch_one(pool).await)
    .unwrap();
    let year_ms = 365 * 24 * 3_600_000;
    assert_eq!(
        (
            shape.0, shape.1, shape.2, shape.3, shape.4, shape.5, shape.6
        ),
        (46_800, 45_000, 3, 4, 1_800, 46_800, 4_500)
    );
    assert!(
        shape.7 > year_ms * 99 / 100 && shape.7 < year_ms,
        "{}",
        shape.7
    );
    let latest: i64 = oblako_store::on_db!(&t.db, pool => sqlx::query_scalar(
        "SELECT MAX(created_at) FROM transactions").fetch_one(pool).await)
    .unwrap();
    assert!(latest < now, "the history ends before now");
}

#[tokio::test]
async fn the_cabinet_search_applies_only_the_set_fields_within_the_account() {
    use oblako_store::transactions::search::{self, Search};
    let t = fresh().await;
    let site = site(&t.db, "search").await;
    let other = site_of_other_account(&t.db).await;
    oblako_store::seed::payments(&t.db, site, Mode::Test, 3_000, 40_000_000_000_000)
        .await
        .unwrap();
    oblako_store::seed::payments(&t.db, other, Mode::Test, 100, 40_000_000_000_000)
        .await
        .unwrap();
    let account = sites::site(&t.db, site).await.unwrap().unwrap().account_id;
    let find = |s: Search| {
        let db = t.db.clone();
        async move {
            search::search(&db, account, &s, i64::MAX, 5_000)
                .await
                .unwrap()
        }
    };
    let by_invoice = find(Search {
        invoice_id: Some("INV-77".into()),
        ..Search::default()
    })
    .await;
    assert_eq!(by_invoice.len(), 1, "INV-77 of this account only");
    assert_eq!(by_invoice[0].site_id, site);
    let declined_usd = find(Search {
        status: Some("Declined".into()),
        currency: Some("USD".into()),
        mode: Some("test".into()),
        ..Search::default()
    })
    .await;
    // g % 10 = 7 and g % 17 = 1 for g in 1..=3000: g = 137 + 170 k.
    assert_eq!(declined_usd.len(), 17);
    assert!(
        declined_usd
            .iter()
            .all(|r| r.status == Status::Declined && r.currency.code() == "USD")
    );
    assert!(
        declined_usd.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
    let last_four = &by_invoice[0].card_last_four;
    let same_card = find(Search {
        last_four: Some(last_four.clone()),
        min_amount: Some(100),
        ..Search::default()
    })
    .await;
    assert!(!same_card.is_empty() && same_card.iter().all(|r| &r.card_last_four == last_four));
    let page = search::search(
        &t.db,
        account,
        &Search {
            status: Some("Declined".into()),
            ..Search::default()
        },
        declined_usd[0].id,
        10,
    )
    .await
    .unwrap();
    assert!(page.len() == 10 && page.iter().all(|r| r.id < declined_usd[0].id));
    let refunded = find(Search {
        kind: Some("payment".into()),
        ..Search::default()
    })
    .await
    .into_iter()
    .find(|r| r.refunded > 0)
    .unwrap();
    let refunds = find(Search {
        original: Some(refunded.id),
        kind: Some("refund".into()),
        ..Search::default()
    })
    .await;
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].amount, refunded.refunded);
    let totals = search::totals(
        &t.db,
        account,
        &Search {
            currency: Some("USD".into()),
            ..Search::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(totals.len(), 1);
    assert_eq!(totals[0].declined_count, 17);
    let everything = find(Search::default()).await;
    assert_eq!(
        everything.len(),
        3_120,
        "3,000 payments and 120 refunds, none of the other"
    );
}

async fn site_of_other_account(db: &Db) -> SiteId {
    let account = sites::create_account(db, "Other", 1_000).await.unwrap();
    sites::create_site(db, account, "other", 2_000, keys("other"))
        .await
        .unwrap()
}
