//! Subscriptions and their billing jobs: tenant isolation on every lookup, the unique
//! `(subscription, slot, attempt)` that makes a repeated tick enqueue nothing, leases claimed
//! once, and a job's lock only for the worker holding its lease.

use oblako_core::ids::{Mode, SiteId};
use oblako_core::money::Currency;
use oblako_core::subscription::{Interval, Status as SubscriptionStatus};
use oblako_store::Db;
use oblako_store::subscriptions::{self, SubscriptionRow, charges};

use super::{fresh, site};

pub(crate) fn row(id: &str, site: SiteId, account: &str, next_at: Option<i64>) -> SubscriptionRow {
    SubscriptionRow {
        id: id.to_owned(),
        site_id: site,
        mode: Mode::Test,
        account_id: account.to_owned(),
        token: "tk_x".to_owned(),
        description: Some("plan".to_owned()),
        email: None,
        amount: 39_900,
        currency: Currency::RUB,
        require_confirmation: false,
        start_at: 10_000,
        unit: Interval::Month,
        period: 1,
        max_periods: Some(12),
        culture: "ru-RU".to_owned(),
        receipt: None,
        status: SubscriptionStatus::Active,
        successful: 0,
        failed: 0,
        last_at: None,
        next_at,
        anchor_at: 10_000,
        anchor_index: 0,
        period_index: 0,
        source_transaction_id: None,
        created_at: 5_000,
        updated_at: 5_000,
    }
}

pub(crate) async fn insert(db: &Db, s: &SubscriptionRow) {
    let mut tx = db.begin_write().await.unwrap();
    assert!(subscriptions::insert(&mut tx, s).await.unwrap());
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn subscriptions_are_stored_found_and_saved_within_their_site() {
    let t = fresh().await;
    let db = &t.db;
    let (a, b) = (site(db, "a").await, site(db, "b").await);
    let first = row("sc_1", a, "user_1", Some(10_000));
    insert(db, &first).await;
    insert(db, &row("sc_2", a, "user_2", Some(10_000))).await;
    insert(db, &row("sc_3", b, "user_1", Some(10_000))).await;

    assert_eq!(
        subscriptions::get(db, a, Mode::Test, "sc_1").await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        subscriptions::get(db, b, Mode::Test, "sc_1").await.unwrap(),
        None
    );
    assert_eq!(
        subscriptions::get(db, a, Mode::Live, "sc_1").await.unwrap(),
        None
    );
    let mine = subscriptions::find_by_account(db, a, Mode::Test, "user_1", 10)
        .await
        .unwrap();
    assert_eq!(
        mine.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["sc_1"]
    );
    assert_eq!(
        subscriptions::list(db, a, Mode::Test, 10, 0)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        subscriptions::list(db, a, Mode::Test, 10, 1)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        subscriptions::by_id(db, "sc_3")
            .await
            .unwrap()
            .unwrap()
            .site_id,
        b
    );

    let mut tx = db.begin_write().await.unwrap();
    let mut locked = subscriptions::get_for_update(&mut tx, a, Mode::Test, "sc_1")
        .await
        .unwrap()
        .unwrap();
    assert!(
        subscriptions::get_for_update(&mut tx, b, Mode::Test, "sc_2")
            .await
            .unwrap()
            .is_none()
    );
    locked.status = SubscriptionStatus::Cancelled;
    locked.next_at = None;
    locked.amount = 50_000;
    subscriptions::save(&mut tx, &locked).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        subscriptions::get(db, a, Mode::Test, "sc_1").await.unwrap(),
        Some(locked.clone())
    );
    // Saving under another site changes nothing and says so.
    let mut tx = db.begin_write().await.unwrap();
    let foreign = SubscriptionRow {
        site_id: b,
        ..locked
    };
    assert!(subscriptions::save(&mut tx, &foreign).await.is_err());
}

#[tokio::test]
async fn a_payment_sets_up_at_most_one_subscription() {
    let t = fresh().await;
    let db = &t.db;
    let a = site(db, "a").await;
    let mut tx = db.begin_write().await.unwrap();
    let payment = super::notifications::insert_payment(&mut tx, a).await;
    let made = SubscriptionRow {
        source_transaction_id: Some(payment),
        ..row("sc_1", a, "user_1", None)
    };
    assert!(subscriptions::insert(&mut tx, &made).await.unwrap());
    let again = SubscriptionRow {
        id: "sc_2".to_owned(),
        ..made
    };
    assert!(!subscriptions::insert(&mut tx, &again).await.unwrap());
    subscriptions::link_transaction(&mut tx, payment, "sc_1")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let stored = oblako_store::transactions::get(db, a, Mode::Test, payment)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.subscription_id.as_deref(), Some("sc_1"));
}

#[tokio::test]
async fn due_subscriptions_become_one_job_each_claimed_once() {
    let t = fresh().await;
    let db = &t.db;
    let a = site(db, "a").await;
    insert(db, &row("sc_due", a, "u", Some(10_000))).await;
    insert(db, &row("sc_later", a, "u", Some(99_000))).await;
    let cancelled = SubscriptionRow {
        status: SubscriptionStatus::Cancelled,
        ..row("sc_off", a, "u", Some(10_000))
    };
    insert(db, &cancelled).await;

    assert_eq!(charges::enqueue_due(db, 20_000).await.unwrap(), 1);
    assert_eq!(
        charges::enqueue_due(db, 20_000).await.unwrap(),
        0,
        "a tick again adds nothing"
    );
    let jobs = charges::claim_due(db, 20_000, 1_000, "w1", 10)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    let job = &jobs[0];
    assert_eq!(
        (job.subscription_id.as_str(), job.period_index, job.attempt),
        ("sc_due", 0, 0)
    );
    assert!(
        charges::claim_due(db, 20_500, 1_000, "w2", 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Only the lease holder locks it; once the lease ran out another worker takes it over.
    let mut tx = db.begin_write().await.unwrap();
    assert!(
        charges::lock(&mut tx, job.id, "w2")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        charges::lock(&mut tx, job.id, "w1")
            .await
            .unwrap()
            .is_some()
    );
    // Committed, not dropped: a dropped transaction's rollback (and its row lock) on PostgreSQL
    // may outlive the next statement on another connection, which SKIP LOCKED would then skip.
    tx.commit().await.unwrap();
    let taken = charges::claim_due(db, 21_001, 1_000, "w2", 10)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    let mut tx = db.begin_write().await.unwrap();
    assert!(
        charges::lock(&mut tx, job.id, "w1")
            .await
            .unwrap()
            .is_none()
    );
    let payment = super::notifications::insert_payment(&mut tx, a).await;
    charges::attach(&mut tx, job.id, payment).await.unwrap();
    charges::finish(&mut tx, job.id, "done", 21_100)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        charges::claim_due(db, 99_999, 1_000, "w3", 10)
            .await
            .unwrap()
            .is_empty()
    );

    let all = charges::of_site(db, a).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        (all[0].state.as_str(), all[0].transaction_id),
        ("done", Some(payment))
    );
    let other = site(db, "b").await;
    assert!(charges::of_site(db, other).await.unwrap().is_empty());
}
