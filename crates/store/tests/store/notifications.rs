//! Notification settings, the retry schedule and the outbox: enqueued with the change or not
//! at all, leases and exactly-once claims across two claimers, order per transaction,
//! exhaustion and resend, the attempts log, and tenant isolation.

use std::collections::HashSet;

use oblako_core::ids::{Mode, SiteId};
use oblako_store::notifications::settings::{self, Settings};
use oblako_store::notifications::{
    self as notes, KINDS, ListFilter, NewNotification, Outcome, RetrySchedule, State,
};
use oblako_store::transactions::{self, NewTransaction};
use oblako_store::{Backend, Db, DbOptions, Tx};

use super::{fresh, site};

pub async fn insert_payment(tx: &mut Tx, site: SiteId) -> i64 {
    let new = NewTransaction {
        amount: 100,
        ..crate::new_payment(site, oblako_core::payment::Status::Completed)
    };
    transactions::insert(tx, &new).await.unwrap()
}

async fn payment(db: &Db, site: SiteId) -> i64 {
    let mut tx = db.begin_write().await.unwrap();
    let id = insert_payment(&mut tx, site).await;
    tx.commit().await.unwrap();
    id
}

pub fn note(site: SiteId, transaction_id: Option<i64>, kind: &str, at: i64) -> NewNotification<'_> {
    NewNotification {
        site,
        mode: Mode::Test,
        transaction_id,
        kind,
        body: "TransactionId=1&Amount=10.00",
        url: "https://merchant.example/hook",
        method: "POST",
        encoding: "UTF8",
        created_at: at,
    }
}

pub async fn enqueue(db: &Db, new: &NewNotification<'_>) -> i64 {
    let mut tx = db.begin_write().await.unwrap();
    let id = notes::enqueue(&mut tx, new).await.unwrap();
    tx.commit().await.unwrap();
    id
}

pub async fn claim(db: &Db, now: i64, worker: &str) -> Vec<i64> {
    let claimed = notes::claim_due(db, now, 1_000, worker, 100, 100)
        .await
        .unwrap();
    claimed.iter().map(|n| n.id).collect()
}

pub fn failed(retry_at: Option<i64>) -> Outcome<'static> {
    Outcome::Failed {
        http_status: Some(500),
        latency_ms: 30,
        response: "oops",
        remote_ip: None,
        error: "HTTP 500",
        retry_at,
    }
}

const DELIVERED: Outcome<'static> = Outcome::Delivered {
    http_status: 200,
    latency_ms: 12,
    response: "{\"code\":0}",
    remote_ip: None,
};

pub async fn state(db: &Db, site: SiteId, id: i64) -> State {
    notes::get(db, site, Mode::Test, id)
        .await
        .unwrap()
        .unwrap()
        .state
}

#[tokio::test]
async fn settings_default_to_disabled_round_trip_and_stay_with_their_site() {
    let t = fresh().await;
    let db = &t.db;
    let (a, b) = (site(db, "na").await, site(db, "nb").await);
    assert_eq!(
        settings::get(db, a, Mode::Test, "Pay").await.unwrap(),
        Settings::disabled("Pay")
    );
    let defaults = settings::list(db, a, Mode::Test).await.unwrap();
    assert_eq!(
        defaults.iter().map(|s| s.kind.as_str()).collect::<Vec<_>>(),
        KINDS
    );
    assert!(
        defaults
            .iter()
            .all(|s| !s.enabled && s.method == "GET" && s.url.is_empty())
    );

    let mut pay = Settings {
        enabled: true,
        url: "https://shop.example/pay".into(),
        method: "POST".into(),
        encoding: "Windows1251".into(),
        ..Settings::disabled("Pay")
    };
    settings::upsert(db, a, Mode::Test, &pay, 10).await.unwrap();
    assert_eq!(settings::get(db, a, Mode::Test, "Pay").await.unwrap(), pay);
    pay.enabled = false;
    pay.encoding = "UTF8".into();
    settings::upsert(db, a, Mode::Test, &pay, 20).await.unwrap();
    assert_eq!(
        settings::get(db, a, Mode::Test, "Pay").await.unwrap(),
        pay,
        "replaced"
    );
    let listed = settings::list(db, a, Mode::Test).await.unwrap();
    assert_eq!(listed.len(), 8);
    assert_eq!(listed[1], pay);
    assert_eq!(listed[0], Settings::disabled("Check"));
    assert_eq!(
        settings::get(db, b, Mode::Test, "Pay").await.unwrap(),
        Settings::disabled("Pay"),
        "another site's settings are its own"
    );

    for bad in [
        Settings {
            method: "PUT".into(),
            ..pay.clone()
        },
        Settings {
            encoding: "KOI8-R".into(),
            ..pay.clone()
        },
        Settings {
            format: "QIWI".into(),
            ..pay.clone()
        },
        Settings::disabled("Bogus"),
    ] {
        assert!(
            settings::upsert(db, a, Mode::Test, &bad, 30).await.is_err(),
            "{bad:?}"
        );
    }
    assert!(
        settings::upsert(db, SiteId(404), Mode::Test, &pay, 30)
            .await
            .is_err(),
        "no such site"
    );
    assert_eq!(settings::get(db, a, Mode::Test, "Pay").await.unwrap(), pay);
}

#[tokio::test]
async fn the_retry_schedule_is_cloudpayments_until_set_per_site() {
    let t = fresh().await;
    let db = &t.db;
    let (a, b) = (site(db, "ra").await, site(db, "rb").await);
    let cp = settings::retry_schedule(db, a).await.unwrap().unwrap();
    assert_eq!(cp, RetrySchedule::cloudpayments());
    let now = 1_000_000;
    for (attempts, wait_s) in [
        (1, 60),
        (2, 120),
        (3, 300),
        (4, 600),
        (5, 1_800),
        (6, 1_800),
    ] {
        assert_eq!(
            cp.next_attempt_at(attempts, now),
            Some(now + wait_s * 1_000)
        );
    }
    assert_eq!(cp.next_attempt_at(99, now), Some(now + 1_800_000));
    assert_eq!(cp.next_attempt_at(100, now), None, "exhausted");

    assert!(
        settings::set_retry_schedule(db, a, &RetrySchedule::svix())
            .await
            .unwrap()
    );
    assert_eq!(
        settings::retry_schedule(db, a).await.unwrap(),
        Some(RetrySchedule::svix())
    );
    assert_eq!(
        settings::retry_schedule(db, b).await.unwrap(),
        Some(cp),
        "untouched"
    );
    assert!(
        !settings::set_retry_schedule(db, SiteId(404), &RetrySchedule::svix())
            .await
            .unwrap()
    );
    assert_eq!(
        settings::retry_schedule(db, SiteId(404)).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn a_notification_exists_exactly_when_its_transaction_commits() {
    let t = fresh().await;
    let db = &t.db;
    let s = site(db, "w1").await;
    let mut tx = db.begin_write().await.unwrap();
    let dropped = insert_payment(&mut tx, s).await;
    notes::enqueue(&mut tx, &note(s, Some(dropped), "Pay", 5))
        .await
        .unwrap();
    drop(tx);
    assert!(
        notes::list(db, s, &ListFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(claim(db, 10, "w").await.is_empty());

    let mut tx = db.begin_write().await.unwrap();
    let kept = insert_payment(&mut tx, s).await;
    let id = notes::enqueue(&mut tx, &note(s, Some(kept), "Pay", 5))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let n = notes::get(db, s, Mode::Test, id).await.unwrap().unwrap();
    assert_eq!((n.state, n.attempts, n.sequence), (State::Pending, 0, 1));
    assert_eq!((n.transaction_id, n.kind.as_str()), (Some(kept), "Pay"));
    assert_eq!((n.created_at, n.next_attempt_at), (5, 5), "due at once");
    assert_eq!(
        (n.locked_until, n.locked_by, n.delivered_at),
        (None, None, None)
    );
}

#[tokio::test]
async fn sequences_count_up_per_transaction() {
    let t = fresh().await;
    let db = &t.db;
    let s = site(db, "seq").await;
    let (p, q) = (payment(db, s).await, payment(db, s).await);
    let mut sequences = Vec::new();
    for (tx, kind) in [
        (Some(p), "Pay"),
        (Some(q), "Pay"),
        (Some(p), "Refund"),
        (None, "Pay"),
    ] {
        let id = enqueue(db, &note(s, tx, kind, 1)).await;
        sequences.push(
            notes::get(db, s, Mode::Test, id)
                .await
                .unwrap()
                .unwrap()
                .sequence,
        );
    }
    let mut tx = db.begin_write().await.unwrap();
    let third = notes::enqueue(&mut tx, &note(s, Some(p), "Refund", 2))
        .await
        .unwrap();
    let fourth = notes::enqueue(&mut tx, &note(s, Some(p), "Refund", 2))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for id in [third, fourth] {
        sequences.push(
            notes::get(db, s, Mode::Test, id)
                .await
                .unwrap()
                .unwrap()
                .sequence,
        );
    }
    let test_note = enqueue(db, &note(s, None, "Pay", 3)).await;
    sequences.push(
        notes::get(db, s, Mode::Test, test_note)
            .await
            .unwrap()
            .unwrap()
            .sequence,
    );
    assert_eq!(sequences, vec![1, 1, 2, 1, 3, 4, 1]);
}

#[tokio::test]
async fn a_claim_waits_for_the_due_time_and_a_lease_for_its_end() {
    let t = fresh().await;
    let db = &t.db;
    let s = site(db, "lease").await;
    let p = payment(db, s).await;
    let id = enqueue(db, &note(s, Some(p), "Pay", 1_000)).await;
    assert!(claim(db, 999, "a").await.is_empty(), "not due yet");

    let claimed = notes::claim_due(db, 1_000, 500, "a", 10, 100)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let c = &claimed[0];
    assert_eq!(
        (c.id, c.site, c.mode, c.transaction_id),
        (id, s, Mode::Test, Some(p))
    );
    assert_eq!(
        (c.kind.as_str(), c.sequence, c.attempts, c.locked_until),
        ("Pay", 1, 0, Some(1_500))
    );
    assert_eq!(
        (c.state, c.locked_by.as_deref()),
        (State::Pending, Some("a"))
    );
    assert_eq!((c.method.as_str(), c.encoding.as_str()), ("POST", "UTF8"));
    assert_eq!(c.body, "TransactionId=1&Amount=10.00");
    assert_eq!(c.url, "https://merchant.example/hook");

    assert!(claim(db, 1_200, "b").await.is_empty(), "leased to a");
    assert!(
        claim(db, 1_500, "b").await.is_empty(),
        "the lease ends after 1 500"
    );
    assert_eq!(claim(db, 1_501, "b").await, vec![id], "a's lease ran out");
    let n = notes::get(db, s, Mode::Test, id).await.unwrap().unwrap();
    assert_eq!(
        (n.locked_by.as_deref(), n.locked_until),
        (Some("b"), Some(2_501))
    );

    assert!(
        !notes::record_attempt(db, id, "a", 1_000, &DELIVERED)
            .await
            .unwrap(),
        "a lost its lease: its result must not land"
    );
    let n = notes::get(db, s, Mode::Test, id).await.unwrap().unwrap();
    assert_eq!(
        (n.state, n.attempts, n.locked_by.as_deref()),
        (State::Pending, 0, Some("b"))
    );
    assert!(
        notes::attempts(db, s, Mode::Test, id)
            .await
            .unwrap()
            .is_empty()
    );

    assert!(
        notes::record_attempt(db, id, "b", 1_501, &failed(Some(5_000)))
            .await
            .unwrap()
    );
    let n = notes::get(db, s, Mode::Test, id).await.unwrap().unwrap();
    assert_eq!(
        (n.state, n.attempts, n.next_attempt_at),
        (State::Pending, 1, 5_000)
    );
    assert_eq!(
        (n.locked_until, n.locked_by),
        (None, None),
        "the lease ends with the attempt"
    );
    assert!(
        !notes::record_attempt(db, id, "b", 1_501, &DELIVERED)
            .await
            .unwrap(),
        "once"
    );
    assert!(claim(db, 4_999, "a").await.is_empty());
    let again = notes::claim_due(db, 5_000, 500, "a", 10, 100)
        .await
        .unwrap();
    assert_eq!((again[0].id, again[0].attempts), (id, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_claimers_claim_every_row_exactly_once() {
    let t = fresh().await;
    let s = site(&t.db, "race").await;
    let mut tx = t.db.begin_write().await.unwrap();
    for i in 0..500 {
        notes::enqueue(&mut tx, &note(s, None, "Pay", i))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    let mut tasks = Vec::new();
    for worker in ["node-1", "node-2"] {
        // On PostgreSQL each claimer is a node of its own: its own pool on the same database.
        let db = match t.db.backend() {
            Backend::Sqlite => t.db.clone(),
            Backend::Postgres => Db::connect(&t.url, &DbOptions::default()).await.unwrap(),
        };
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = notes::claim_due(&db, 1_000, 60_000, worker, 7, 1_000)
                    .await
                    .unwrap();
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.into_iter().map(|n| (n.id, worker)));
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let ids: HashSet<i64> = all.iter().map(|(id, _)| *id).collect();
    assert_eq!((all.len(), ids.len()), (500, 500), "each row claimed once");
    let node_1 = all.iter().filter(|(_, w)| *w == "node-1").count();
    println!("node-1 claimed {node_1}, node-2 {}", 500 - node_1);
    let listed = notes::list(
        &t.db,
        s,
        &ListFilter {
            limit: 1_000,
            ..ListFilter::default()
        },
    )
    .await
    .unwrap();
    for n in listed {
        let holder = all.iter().find(|(id, _)| *id == n.id).map(|(_, w)| *w);
        assert_eq!(
            n.locked_by.as_deref(),
            holder,
            "the lease names its claimer"
        );
        assert_eq!(n.locked_until, Some(61_000));
    }
}

#[tokio::test]
async fn a_transactions_notifications_go_out_one_at_a_time_in_order() {
    let t = fresh().await;
    let db = &t.db;
    let s = site(db, "w3").await;
    let (p, q) = (payment(db, s).await, payment(db, s).await);
    let n1 = enqueue(db, &note(s, Some(p), "Pay", 10)).await;
    let n2 = enqueue(db, &note(s, Some(p), "Refund", 10)).await;
    let n3 = enqueue(db, &note(s, Some(p), "Refund", 10)).await;
    let other = enqueue(db, &note(s, Some(q), "Pay", 20)).await;
    let test_note = enqueue(db, &note(s, None, "Pay", 20)).await;

    assert_eq!(claim(db, 100, "w").await, vec![n1, other, test_note]);
    assert!(
        claim(db, 200, "w").await.is_empty(),
        "2 waits while 1 is leased"
    );
    assert!(
        notes::record_attempt(db, n1, "w", 100, &failed(Some(300)))
            .await
            .unwrap()
    );
    assert!(
        claim(db, 250, "w").await.is_empty(),
        "2 waits while 1 waits to be retried"
    );
    assert_eq!(claim(db, 300, "w").await, vec![n1]);
    assert!(
        notes::record_attempt(db, n1, "w", 300, &DELIVERED)
            .await
            .unwrap()
    );
    assert_eq!(claim(db, 300, "w").await, vec![n2], "1 delivered: 2 is due");
    assert!(
        notes::record_attempt(db, n2, "w", 300, &failed(None))
            .await
            .unwrap()
    );
    assert_eq!(state(db, s, n2).await, State::Failed);
    assert_eq!(claim(db, 300, "w").await, vec![n3], "2 exhausted: 3 is due");

    // A resent earlier notification holds the later ones back again.
    let n4 = enqueue(db, &note(s, Some(p), "Refund", 300)).await;
    assert!(
        notes::record_attempt(db, n3, "w", 300, &DELIVERED)
            .await
            .unwrap()
    );
    assert!(notes::resend(db, s, Mode::Test, n2, 400).await.unwrap());
    assert_eq!(claim(db, 400, "w").await, vec![n2]);
    assert!(
        notes::cancel(db, s, Mode::Test, n2).await.unwrap(),
        "cancelled under a lease"
    );
    assert!(
        !notes::record_attempt(db, n2, "w", 400, &DELIVERED)
            .await
            .unwrap()
    );
    assert_eq!(state(db, s, n2).await, State::Cancelled);
    assert_eq!(
        claim(db, 400, "w").await,
        vec![n4],
        "a cancelled one holds nothing back"
    );
}

#[tokio::test]
async fn an_exhausted_notification_fails_and_a_resend_delivers_it() {
    let t = fresh().await;
    let db = &t.db;
    let (s, other) = (site(db, "ex").await, site(db, "ex2").await);
    let id = enqueue(db, &note(s, None, "Pay", 1)).await;
    assert!(
        !notes::resend(db, s, Mode::Test, id, 5).await.unwrap(),
        "pending: nothing to resend"
    );
    assert_eq!(claim(db, 10, "w").await, vec![id]);
    assert!(
        notes::record_attempt(db, id, "w", 10, &failed(None))
            .await
            .unwrap()
    );
    let n = notes::get(db, s, Mode::Test, id).await.unwrap().unwrap();
    assert_eq!((n.state, n.attempts), (State::Failed, 1));
    assert_eq!(n.last_error.as_deref(), Some("HTTP 500"));
    assert!(
        claim(db, 1_000_000, "w").await.is_empty(),
        "failed is final"
    );
    assert!(
        !notes::cancel(db, s, Mode::Test, id).await.unwrap(),
        "only pending ones cancel"
    );

    assert!(
        !notes::resend(db, other, Mode::Test, id, 50).await.unwrap(),
        "another site's"
    );
    assert!(notes::resend(db, s, Mode::Test, id, 50).await.unwrap());
    let n = notes::get(db, s, Mode::Test, id).await.unwrap().unwrap();
    assert_eq!(
        (n.state, n.next_attempt_at, n.attempts),
        (State::Pending, 50, 1)
    );
    assert!(claim(db, 49, "w").await.is_empty());
    assert_eq!(claim(db, 50, "w").await, vec![id]);
    assert!(
        notes::record_attempt(db, id, "w", 50, &DELIVERED)
            .await
            .unwrap()
    );
    let n = notes::get(db, s, Mode::Test, id).await.unwrap().unwrap();
    assert_eq!(
        (n.state, n.attempts, n.delivered_at),
        (State::Delivered, 2, Some(62))
    );
    assert_eq!(n.last_error, None);
    assert!(claim(db, 1_000_000, "w").await.is_empty());
    assert!(
        notes::resend(db, s, Mode::Test, id, 70).await.unwrap(),
        "a delivered one can go again"
    );
    assert_eq!(claim(db, 70, "w").await, vec![id]);
}

#[tokio::test]
async fn the_attempts_log_keeps_each_try_capped() {
    let t = fresh().await;
    let db = &t.db;
    let s = site(db, "log").await;
    let id = enqueue(db, &note(s, None, "Pay", 1)).await;
    let long: String = std::iter::repeat_n('я', 2_000).collect::<String>() + "\0";
    let huge_error = format!("bad\0{}", "e".repeat(5_000));
    claim(db, 1, "w").await;
    let no_answer = Outcome::Failed {
        http_status: None,
        latency_ms: 30_000,
        response: "",
        remote_ip: None,
        error: "timed out",
        retry_at: Some(2),
    };
    assert!(
        notes::record_attempt(db, id, "w", 1, &no_answer)
            .await
            .unwrap()
    );
    claim(db, 2, "w").await;
    let hostile = Outcome::Failed {
        http_status: Some(302),
        latency_ms: 7,
        response: &format!("\0{long}"),
        remote_ip: Some("::ffff:10.1.2.3".parse().unwrap()),
        error: &huge_error,
        retry_at: Some(3),
    };
    assert!(
        notes::record_attempt(db, id, "w", 2, &hostile)
            .await
            .unwrap()
    );
    claim(db, 3, "w").await;
    assert!(
        notes::record_attempt(db, id, "w", 3, &DELIVERED)
            .await
            .unwrap()
    );

    let log = notes::attempts(db, s, Mode::Test, id).await.unwrap();
    assert_eq!(
        log.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(
        log.iter().map(|a| a.started_at).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(
        log.iter()
            .all(|a| a.notification_id == id && a.url == "https://merchant.example/hook")
    );
    let (first, second, third) = (&log[0], &log[1], &log[2]);
    assert_eq!(
        (first.delivered, first.http_status, first.latency_ms),
        (false, None, 30_000)
    );
    assert_eq!(
        (first.response_snippet.as_str(), first.error.as_deref()),
        ("", Some("timed out"))
    );
    assert_eq!(second.http_status, Some(302));
    assert_eq!(
        (first.remote_ip, second.remote_ip),
        (None, Some("::ffff:10.1.2.3".parse().unwrap())),
        "the address that answered is kept"
    );
    assert_eq!(
        second.response_snippet.chars().count(),
        notes::SNIPPET_CHARS
    );
    assert!(
        second.response_snippet.starts_with("\u{fffd}яя"),
        "NUL replaced"
    );
    let error = second.error.as_deref().unwrap();
    assert!(error.starts_with("bad\u{fffd}e") && error.chars().count() == notes::SNIPPET_CHARS);
    assert_eq!(
        (third.delivered, third.http_status, third.latency_ms),
        (true, Some(200), 12)
    );
    assert_eq!(
        (third.response_snippet.as_str(), third.error.as_deref()),
        ("{\"code\":0}", None)
    );
    let n = notes::get(db, s, Mode::Test, id).await.unwrap().unwrap();
    assert_eq!(
        (n.attempts, n.delivered_at, n.last_error),
        (3, Some(15), None)
    );
}

#[tokio::test]
async fn a_foreign_sites_notification_is_not_found_anywhere() {
    let t = fresh().await;
    let db = &t.db;
    let (mine, theirs) = (site(db, "mine").await, site(db, "theirs").await);
    let id = enqueue(db, &note(mine, None, "Pay", 1)).await;
    claim(db, 1, "w").await;
    assert!(
        notes::record_attempt(db, id, "w", 1, &failed(None))
            .await
            .unwrap()
    );
    assert!(
        notes::get(db, theirs, Mode::Test, id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        notes::list(db, theirs, &ListFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        notes::attempts(db, theirs, Mode::Test, id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!notes::resend(db, theirs, Mode::Test, id, 5).await.unwrap());
    assert_eq!(state(db, mine, id).await, State::Failed, "untouched");
    let pending = enqueue(db, &note(mine, None, "Pay", 2)).await;
    assert!(
        !notes::cancel(db, theirs, Mode::Test, pending)
            .await
            .unwrap()
    );
    assert_eq!(state(db, mine, pending).await, State::Pending);
    assert_eq!(
        notes::attempts(db, mine, Mode::Test, id)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_sites_list_filters_and_pages_newest_first() {
    let t = fresh().await;
    let db = &t.db;
    let s = site(db, "list").await;
    let p = payment(db, s).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut new = note(s, (i < 2).then_some(p), "Pay", i);
        if i == 4 {
            new.mode = Mode::Live;
        }
        ids.push(enqueue(db, &new).await);
    }
    assert_eq!(claim(db, 0, "w").await, vec![ids[0]]);
    assert!(
        notes::record_attempt(db, ids[0], "w", 0, &DELIVERED)
            .await
            .unwrap()
    );
    let list = |filter: ListFilter| async move {
        let rows = notes::list(db, s, &filter).await.unwrap();
        rows.into_iter().map(|n| n.id).collect::<Vec<_>>()
    };
    let all = ListFilter::default();
    assert_eq!(
        list(all).await,
        ids.iter().rev().copied().collect::<Vec<_>>()
    );
    let page = ListFilter { limit: 2, ..all };
    assert_eq!(list(page).await, vec![ids[4], ids[3]]);
    let next = ListFilter {
        before_id: Some(ids[3]),
        ..page
    };
    assert_eq!(list(next).await, vec![ids[2], ids[1]]);
    let delivered = ListFilter {
        state: Some(State::Delivered),
        ..all
    };
    assert_eq!(list(delivered).await, vec![ids[0]]);
    let of_payment = ListFilter {
        transaction_id: Some(p),
        ..all
    };
    assert_eq!(list(of_payment).await, vec![ids[1], ids[0]]);
    let live = ListFilter {
        mode: Some(Mode::Live),
        ..all
    };
    assert_eq!(list(live).await, vec![ids[4]]);
}

#[tokio::test]
async fn a_url_gets_at_most_its_share_of_running_attempts() {
    let t = fresh().await;
    let db = &t.db;
    let s = site(db, "share").await;
    let (slow, fast) = ("https://slow.example/hook", "https://fast.example/hook");
    let mut slow_ids = vec![];
    for at in 0..5 {
        let mut n = note(s, None, "Pay", 100 + at);
        n.url = slow;
        slow_ids.push(enqueue(db, &n).await);
    }
    let mut fast_ids = vec![];
    for at in 0..3 {
        let mut n = note(s, None, "Pay", 200 + at);
        n.url = fast;
        fast_ids.push(enqueue(db, &n).await);
    }
    let ids = |claimed: Vec<notes::Notification>| claimed.iter().map(|n| n.id).collect::<Vec<_>>();
    let first = ids(notes::claim_due(db, 1_000, 60_000, "a", 100, 2)
        .await
        .unwrap());
    assert_eq!(
        first,
        vec![slow_ids[0], slow_ids[1], fast_ids[0], fast_ids[1]],
        "two of each URL, earliest first, though the slow URL's backlog is older"
    );
    let more = ids(notes::claim_due(db, 1_001, 60_000, "b", 100, 2)
        .await
        .unwrap());
    assert!(
        more.is_empty(),
        "the running ones count, whoever leased them: {more:?}"
    );
    assert!(
        notes::record_attempt(db, slow_ids[0], "a", 1_000, &DELIVERED)
            .await
            .unwrap()
    );
    let next = ids(notes::claim_due(db, 1_002, 60_000, "b", 100, 2)
        .await
        .unwrap());
    assert_eq!(
        next,
        vec![slow_ids[2]],
        "one slot of the slow URL came free"
    );
    let later = ids(notes::claim_due(db, 70_000, 60_000, "c", 100, 2)
        .await
        .unwrap());
    assert_eq!(
        later.len(),
        4,
        "expired leases no longer count, and their rows are claimable again: {later:?}"
    );
}
