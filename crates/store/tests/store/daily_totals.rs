//! The per-day totals against a GROUP BY over `transactions` after every kind of write that
//! creates a transaction or changes its status or amounts (single, grouped, set-wise, seeded),
//! the migration's backfill, and the cabinet's totals from them against the direct scan.

use oblako_core::ids::{AccountId, Mode, SiteId};
use oblako_core::money::Currency;
use oblako_core::payment::{Kind, Status};
use oblako_store::daily_totals::{self, DAY_MS};
use oblako_store::test_db::TestDb;
use oblako_store::transactions::search::{self, Search};
use oblako_store::transactions::{self, Change, NewTransaction, Transition};
use oblako_store::{Db, seed, sites};
use tokio::task::JoinSet;

use crate::{fresh, keys, new_payment};

const ALL_DAYS: (i64, i64) = (-1_000_000, 1_000_000_000);

async fn assert_exact(db: &Db, site: SiteId, step: &str) {
    let kept = daily_totals::buckets(db, site.0, ALL_DAYS.0, ALL_DAYS.1)
        .await
        .unwrap();
    let scanned = daily_totals::buckets_from_transactions(db, site.0, ALL_DAYS.0, ALL_DAYS.1)
        .await
        .unwrap();
    assert!(!kept.is_empty(), "{step}: buckets exist");
    assert_eq!(kept, scanned, "after {step}");
}

fn change(status: Status, captured: i64, refunded: i64, at: i64) -> Change<'static> {
    Change {
        status,
        captured,
        refunded,
        reason_code: if status == Status::Declined { 5051 } else { 0 },
        auth_code: None,
        auth_at: Some(at),
        confirm_at: None,
        token: None,
        expires_at: None,
        updated_at: at,
    }
}

async fn account_site(db: &Db, tag: &str) -> (AccountId, SiteId) {
    let account = sites::create_account(db, tag, 1_000).await.unwrap();
    let site = sites::create_site(db, account, tag, 2_000, keys(tag))
        .await
        .unwrap();
    (account, site)
}

/// One write transaction around one compare-and-set; answers whether it applied.
async fn moved(db: &Db, id: i64, from: Status, to: &Change<'_>) -> bool {
    let mut tx = db.begin_write().await.unwrap();
    let done = transactions::transition(&mut tx, id, from, to)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    done
}

async fn insert(db: &Db, t: &NewTransaction<'_>) -> i64 {
    let mut tx = db.begin_write().await.unwrap();
    let id = transactions::insert(&mut tx, t).await.unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn every_write_keeps_the_buckets_equal_to_a_group_by() {
    let t = fresh().await;
    let db = &t.db;
    let (_, site) = account_site(db, "daily").await;
    let day = |d: i64, h: i64| d * DAY_MS + h * 3_600_000;

    // Approve, decline, confirm part of a hold, void one, on several days and currencies.
    let at = |created_at, amount, currency: &str| NewTransaction {
        created_at,
        amount,
        currency: Currency::from_code(currency).unwrap(),
        ..new_payment(site, Status::Processing)
    };
    let approved = insert(db, &at(day(100, 1), 1_000, "RUB")).await;
    assert!(
        moved(
            db,
            approved,
            Status::Processing,
            &change(Status::Completed, 1_000, 0, day(100, 1))
        )
        .await
    );
    let declined = insert(db, &at(day(100, 23), 2_000, "USD")).await;
    assert!(
        moved(
            db,
            declined,
            Status::Processing,
            &change(Status::Declined, 0, 0, day(101, 0))
        )
        .await
    );
    let held = insert(db, &at(day(101, 2), 3_000, "RUB")).await;
    assert!(
        moved(
            db,
            held,
            Status::Processing,
            &change(Status::Authorized, 0, 0, day(101, 2))
        )
        .await
    );
    assert!(
        moved(
            db,
            held,
            Status::Authorized,
            &change(Status::Completed, 1_200, 0, day(102, 0))
        )
        .await
    );
    let voided = insert(db, &at(day(101, 3), 4_000, "EUR")).await;
    assert!(
        moved(
            db,
            voided,
            Status::Processing,
            &change(Status::Authorized, 0, 0, day(101, 3))
        )
        .await
    );
    assert!(
        moved(
            db,
            voided,
            Status::Authorized,
            &change(Status::Cancelled, 0, 0, day(101, 4))
        )
        .await
    );
    // A lost compare-and-set changes nothing.
    assert!(
        !moved(
            db,
            voided,
            Status::Authorized,
            &change(Status::Completed, 4_000, 0, day(101, 5))
        )
        .await
    );
    assert_exact(db, site, "single writes").await;

    // A partial refund: the refund's row and the payment's refunded amount, in one commit.
    let mut tx = db.begin_write().await.unwrap();
    transactions::insert(
        &mut tx,
        &NewTransaction {
            kind: Kind::Refund,
            original_id: Some(approved),
            status: Status::Completed,
            amount: 400,
            created_at: day(103, 5),
            ..new_payment(site, Status::Completed)
        },
    )
    .await
    .unwrap();
    let refunded = change(Status::Completed, 1_000, 400, day(103, 5));
    assert!(
        transactions::transition_returning(&mut tx, approved, Status::Completed, &refunded)
            .await
            .unwrap()
            .is_some()
    );
    tx.commit().await.unwrap();
    assert_exact(db, site, "a refund").await;

    // The common payment path (grouped into one statement on PostgreSQL), several at once.
    let mut set = JoinSet::new();
    for i in 0..12 {
        let (db, pay) = (db.clone(), at(day(104, i), 100 + i, "RUB"));
        set.spawn(async move { transactions::insert_with_intent(&db, &pay).await.unwrap() });
    }
    let rows = set.join_all().await;
    let mut set = JoinSet::new();
    for r in rows {
        let db = db.clone();
        set.spawn(async move {
            let to = if r.id % 3 == 0 {
                Status::Declined
            } else {
                Status::Completed
            };
            let captured = if to == Status::Completed { r.amount } else { 0 };
            let to = change(to, captured, 0, day(104, 20));
            let reference = transactions::auth_reference(r.id);
            transactions::settle_with_intent(
                &db,
                r.id,
                Status::Processing,
                &to,
                &reference,
                to.reason_code,
            )
            .await
            .unwrap()
            .is_some()
        });
    }
    assert!(set.join_all().await.into_iter().all(|settled| settled));
    assert_exact(db, site, "grouped payments").await;

    // The billing round's set-wise writes.
    let news: Vec<_> = (0..20)
        .map(|i| at(day(105, i % 24), 50 * (i + 1), "USD"))
        .collect();
    let mut tx = db.begin_write().await.unwrap();
    let rows = transactions::insert_many_returning(&mut tx, &news)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let all: Vec<Transition<'_>> = rows
        .iter()
        .map(|r| Transition {
            id: r.id,
            from: Status::Processing,
            change: change(Status::Completed, r.amount, 0, day(105, 23)),
        })
        .collect();
    let mut tx = db.begin_write().await.unwrap();
    transactions::transition_many_returning(&mut tx, &all)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_exact(db, site, "set-wise writes").await;

    // The seeder's batches, in live mode, over the year before day 400.
    seed::payments(db, site, Mode::Live, 2_000, day(400, 0))
        .await
        .unwrap();
    assert_exact(db, site, "a seeded batch").await;
}

#[tokio::test]
async fn the_migration_backfills_the_rows_it_finds() {
    let t = TestDb::at_migration(14).await.unwrap();
    let db = &t.db;
    let (_, site) = account_site(db, "backfill").await;
    seed::payments(db, site, Mode::Test, 500, 50 * DAY_MS)
        .await
        .unwrap();
    db.migrate().await.unwrap();
    assert_exact(db, site, "the backfill").await;
}

#[tokio::test]
async fn totals_from_the_buckets_equal_the_scan_of_the_same_filter() {
    let t = fresh().await;
    let db = &t.db;
    let (account, site) = account_site(db, "totals").await;
    let (_, other) = account_site(db, "foreign").await;
    let now = 400 * DAY_MS;
    seed::payments(db, site, Mode::Live, 3_000, now)
        .await
        .unwrap();
    seed::payments(db, site, Mode::Test, 500, now)
        .await
        .unwrap();
    seed::payments(db, other, Mode::Live, 500, now)
        .await
        .unwrap();
    let h = 3_600_000;
    let periods = [
        (None, None),
        (Some(200 * DAY_MS), Some(230 * DAY_MS)),
        (Some(200 * DAY_MS + 5 * h), Some(230 * DAY_MS + 7 * h)),
        (Some(250 * DAY_MS + 5 * h), None),
        (None, Some(150 * DAY_MS + 13 * h)),
        (Some(300 * DAY_MS + h), Some(300 * DAY_MS + 20 * h)),
        (Some(300 * DAY_MS + 20 * h), Some(301 * DAY_MS + h)),
    ];
    let filters = [
        Search::default(),
        Search {
            site: Some(site.0),
            mode: Some("live".into()),
            ..Search::default()
        },
        Search {
            status: Some("Declined".into()),
            currency: Some("USD".into()),
            ..Search::default()
        },
        Search {
            kind: Some("refund".into()),
            ..Search::default()
        },
        Search {
            site: Some(other.0),
            ..Search::default()
        },
    ];
    let mut answered = 0;
    for filter in &filters {
        for (from_ms, to_ms) in periods {
            let s = Search {
                from_ms,
                to_ms,
                ..filter.clone()
            };
            assert!(daily_totals::answers(&s));
            let kept = search::totals(db, account, &s).await.unwrap();
            let scanned = search::scan_totals(db, account, &s).await.unwrap();
            assert_eq!(kept, scanned, "{s:?}");
            answered += kept.iter().map(|t| t.approved_count).sum::<i64>();
        }
    }
    assert!(answered > 3_000, "the filters matched payments: {answered}");
    let keyed = Search {
        min_amount: Some(100),
        ..Search::default()
    };
    assert!(!daily_totals::answers(&keyed), "an amount range is scanned");
}
