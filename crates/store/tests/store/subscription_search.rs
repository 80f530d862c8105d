//! The cabinet's subscription search: only the account's sites, the key (id, AccountId or
//! e-mail), site and status filters, pages by `(created_at, id)` across equal creation times, and
//! the summary's monthly amounts (each subscription rounded half up, then summed), on both
//! backends.

use oblako_core::ids::{AccountId, SiteId};
use oblako_core::money::Currency;
use oblako_core::subscription::{Interval, Status};
use oblako_store::Db;
use oblako_store::subscriptions::search::{self, Cursor, Search, Summary};

use super::subscriptions::{insert, row};
use super::{fresh, site, site_of_other_account};

async fn add(db: &Db, id: &str, site: SiteId, plan: (i64, Currency, Interval, i64), at: i64) {
    let (amount, currency, unit, period) = plan;
    let mut r = row(id, site, "payer", Some(10_000));
    r.amount = amount;
    r.currency = currency;
    r.unit = unit;
    r.period = period;
    r.created_at = at;
    r.email = Some(format!("{id}@example.com"));
    insert(db, &r).await;
}

#[tokio::test]
async fn the_search_stays_in_the_account_and_pages_by_key() {
    let t = fresh().await;
    let db = &t.db;
    let mine = site(db, "mine").await;
    let theirs = site_of_other_account(db).await;
    let account = oblako_store::sites::site(db, mine)
        .await
        .unwrap()
        .unwrap()
        .account_id;
    let plan = (10_000, Currency::RUB, Interval::Month, 1);
    for n in 0..5 {
        // Three share a creation time: the id breaks the tie.
        add(db, &format!("sc_m{n}"), mine, plan, 1_000 + (n / 3) * 10).await;
    }
    add(db, "sc_t0", theirs, plan, 1_000).await;

    let first = ids(db, account, None).await;
    assert_eq!(first, ["sc_m4", "sc_m3"]);
    let cursor = |id: &str, at| Cursor {
        created_at: at,
        id: id.to_owned(),
    };
    let second = ids(db, account, Some(&cursor("sc_m3", 1_010))).await;
    assert_eq!(second, ["sc_m2", "sc_m1"]);
    let third = ids(db, account, Some(&cursor("sc_m1", 1_000))).await;
    assert_eq!(third, ["sc_m0"]);

    let by = |key: &str| Search {
        key: Some(key.to_owned()),
        ..Search::default()
    };
    for key in ["sc_m2", "sc_m2@example.com"] {
        let found = search::search(db, account, &by(key), None, 10)
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "{key}");
    }
    assert_eq!(
        search::search(db, account, &by("payer"), None, 10)
            .await
            .unwrap()
            .len(),
        5
    );
    assert!(
        search::search(db, account, &by("sc_t0"), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        search::of_account(db, account, "sc_t0")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        search::of_account(db, account, "sc_m0")
            .await
            .unwrap()
            .is_some()
    );
    let their_site = Search {
        site: Some(theirs.0),
        ..Search::default()
    };
    assert!(
        search::search(db, account, &their_site, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let cancelled = Search {
        status: Some("Cancelled".into()),
        ..Search::default()
    };
    assert!(
        search::search(db, account, &cancelled, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

fn usd() -> Currency {
    Currency::from_code("USD").unwrap()
}

/// The ids of a page of two from the newest, or after `after`.
async fn ids(db: &Db, account: AccountId, after: Option<&Cursor>) -> Vec<String> {
    let all = Search::default();
    let rows = search::search(db, account, &all, after, 2).await.unwrap();
    rows.into_iter().map(|r| r.id).collect()
}

#[tokio::test]
async fn the_summary_rounds_each_subscription_half_up_then_sums() {
    let t = fresh().await;
    let db = &t.db;
    let s = site(db, "sums").await;
    let account = oblako_store::sites::site(db, s)
        .await
        .unwrap()
        .unwrap()
        .account_id;
    let plans = [
        // 10.00 a day: 304.375 → 304.38
        ("sc_a", (1_000, Currency::RUB, Interval::Day, 1), 30_438),
        // 0.01 every 2 days: 0.152… → 0.15
        ("sc_b", (1, Currency::RUB, Interval::Day, 2), 15),
        // 50.00 every 2 weeks: 108.70
        ("sc_c", (5_000, Currency::RUB, Interval::Week, 2), 10_870),
        // 1.01 every 2 months: 0.505 → 0.51
        ("sc_d", (101, Currency::RUB, Interval::Month, 2), 51),
        // 0.01 a week: 0.04348 → 0.04; then 4 × 10¹⁵ a week, still exact.
        ("sc_e", (1, usd(), Interval::Week, 1), 4),
        (
            "sc_f",
            (4_000_000_000_000_000, usd(), Interval::Week, 1),
            17_392_000_000_000_000,
        ),
    ];
    for (id, plan, _) in plans {
        add(db, id, s, plan, 1_000).await;
    }
    let mut gone = row("sc_g", s, "payer", None);
    gone.status = Status::Cancelled;
    insert(db, &gone).await;
    let summary = search::summary(db, account, &Search::default())
        .await
        .unwrap();
    let rub: i64 = plans[..4].iter().map(|p| p.2).sum();
    let usd: i64 = plans[4..].iter().map(|p| p.2).sum();
    let line = |status: &str, currency: &str, count, monthly| Summary {
        status: status.into(),
        currency: currency.into(),
        count,
        monthly,
    };
    assert_eq!(
        summary,
        [
            line("Active", "RUB", 4, rub),
            line("Active", "USD", 2, usd),
            line("Cancelled", "RUB", 1, 39_900),
        ]
    );
}
