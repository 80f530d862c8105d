//! Delivery under stress, on a real loopback receiver: an outage then recovery delivers everything on the schedule, per-payment
//! order holds while the receiver flaps, a slow or hanging receiver holds only its share of the
//! node's attempts, and the SSRF guard judges the addresses actually dialled.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use oblako_core::ids::{Mode, SiteId};
use oblako_server::notify::deliver::{self, drain};
use oblako_server::stop::Stop;
use oblako_store::notifications::{self, ListFilter, NewNotification, RetrySchedule, State};
use serde_json::json;

use crate::helpers::TestApp;
use crate::hooksink::{Answer, Sink};
use crate::notifications::{assert_signed, charge, deliver, subscribe};

/// A token of the site's `user_1` from a card that token payments approve.
async fn token(app: &TestApp) -> String {
    let reply = crate::payments::card(
        app,
        "/payments/cards/charge",
        "4000000000003055",
        json!({"AccountId": "user_1"}),
    )
    .await;
    crate::payments::model(&reply)["Token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn token_charge(app: &TestApp, token: &str, amount: i64) -> i64 {
    let body = json!({"Amount": amount, "Token": token, "AccountId": "user_1"});
    let reply = app.post("/payments/tokens/charge", &body.to_string()).await;
    let json = reply.json();
    assert_eq!(json["Success"], true, "{json}");
    json["Model"]["TransactionId"].as_i64().unwrap()
}

async fn all(app: &TestApp, site: SiteId) -> Vec<notifications::Notification> {
    let filter = ListFilter {
        limit: 10_000,
        ..ListFilter::default()
    };
    notifications::list(&app.state.db, site, &filter)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_outage_then_recovery_delivers_everything_on_the_schedule() {
    // 1,000 payments while the receiver is down, the schedule scaled to
    // seconds, the clock moved by hand so every attempt time can be checked exactly.
    let app = TestApp::with_config(|c| c.notification_endpoint_parallel = 8).await;
    let sink = Sink::start().await;
    let site = subscribe(&app, &sink, "POST").await;
    let schedule = RetrySchedule::new(vec![1, 2, 5], 100).unwrap();
    notifications::settings::set_retry_schedule(&app.state.db, site, &schedule)
        .await
        .unwrap();
    sink.answer(Answer::Status(503));
    let token = token(&app).await;
    let mut paid = vec![];
    for i in 0..999 {
        paid.push(token_charge(&app, &token, 10 + i % 7).await);
    }
    let t0 = app.state.now_ms();
    assert_eq!(deliver(&app).await, 1_000, "every Pay tried once");
    app.clock.advance_millis(999);
    assert_eq!(deliver(&app).await, 0, "nothing is due before its time");
    app.clock.advance_millis(1);
    assert_eq!(deliver(&app).await, 1_000, "the second attempts, 1 s later");
    sink.answer(Answer::Ok);
    app.clock.advance_millis(2_000);
    assert_eq!(deliver(&app).await, 1_000, "the third attempts succeed");
    assert_eq!(deliver(&app).await, 0);

    let rows = all(&app, site).await;
    assert_eq!(rows.len(), 1_000);
    assert!(
        rows.iter()
            .all(|n| n.state == State::Delivered && n.attempts == 3)
    );
    for n in rows.iter().step_by(37) {
        let log = notifications::attempts(&app.state.db, site, n.mode, n.id)
            .await
            .unwrap();
        let started: Vec<i64> = log.iter().map(|a| a.started_at - t0).collect();
        assert_eq!(started, vec![0, 1_000, 3_000], "on the schedule exactly");
        assert_eq!(
            log.iter().map(|a| a.delivered).collect::<Vec<_>>(),
            vec![false, false, true]
        );
    }
    let seen = sink.deliveries();
    assert_eq!(seen.len(), 3_000);
    let acknowledged: Vec<String> = seen
        .iter()
        .filter(|d| d.acknowledged)
        .map(|d| d.param("TransactionId").unwrap())
        .collect();
    let mut unique = acknowledged.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 1_000, "each payment's Pay acknowledged once");
    assert_eq!(acknowledged.len(), 1_000);
    for id in &paid {
        assert!(unique.contains(&id.to_string()), "{id} delivered");
    }
    assert!(
        sink.most_held() <= 8,
        "at most the configured 8 at once to one receiver, saw {}",
        sink.most_held()
    );
    for d in seen.iter().step_by(101) {
        assert_signed(&app, d, &d.body);
    }
}

#[tokio::test]
async fn each_payments_notifications_arrive_in_order_while_the_receiver_flaps() {
    // Two-stage payments with Pay, Confirm and two Refunds each; the receiver fails
    // about every third request. Per payment, nothing is sent before the previous one was
    // acknowledged, and what was acknowledged is exactly 1, 2, 3, 4.
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    let site = subscribe(&app, &sink, "POST").await;
    let schedule = RetrySchedule::new(vec![1], 100).unwrap();
    notifications::settings::set_retry_schedule(&app.state.db, site, &schedule)
        .await
        .unwrap();
    sink.answer(Answer::Flaky(35));
    let mut payments = vec![];
    for _ in 0..40 {
        let reply = crate::payments::card(
            &app,
            "/payments/cards/auth",
            "4000000000003055",
            json!({"Amount": 100}),
        )
        .await;
        let id = crate::payments::model(&reply)["TransactionId"]
            .as_i64()
            .unwrap();
        for (path, body) in [
            (
                "/payments/confirm",
                json!({"TransactionId": id, "Amount": 100}),
            ),
            (
                "/payments/refund",
                json!({"TransactionId": id, "Amount": 30}),
            ),
            (
                "/payments/refund",
                json!({"TransactionId": id, "Amount": 20}),
            ),
        ] {
            let reply = app.post(path, &body.to_string()).await;
            assert_eq!(reply.json()["Success"], true, "{path}: {}", reply.json());
        }
        payments.push(id);
        // Deliver as we go, so later notifications are queued while earlier ones are failing.
        deliver(&app).await;
    }
    for _ in 0..60 {
        app.clock.advance_millis(1_000);
        deliver(&app).await;
    }
    let rows = all(&app, site).await;
    assert_eq!(rows.len(), 160);
    assert!(
        rows.iter().all(|n| n.state == State::Delivered),
        "all delivered in the end"
    );

    // Every request, in arrival order, grouped by payment (refunds name it in PaymentTransactionId).
    let mut by_payment: BTreeMap<String, Vec<(i64, bool)>> = BTreeMap::new();
    for d in sink.deliveries() {
        let payment = d
            .param("PaymentTransactionId")
            .filter(|p| !p.is_empty())
            .or_else(|| d.param("TransactionId"))
            .unwrap();
        let sequence: i64 = d.header("X-Webhook-Sequence").unwrap().parse().unwrap();
        by_payment
            .entry(payment)
            .or_default()
            .push((sequence, d.acknowledged));
    }
    assert_eq!(by_payment.len(), 40);
    let mut failures = 0;
    for (payment, requests) in by_payment {
        let mut expected = 1;
        for (sequence, acknowledged) in &requests {
            assert_eq!(
                *sequence, expected,
                "payment {payment}: {requests:?} — sent out of order"
            );
            if *acknowledged {
                expected += 1;
            } else {
                failures += 1;
            }
        }
        assert_eq!(expected, 5, "payment {payment}: all four acknowledged");
    }
    assert!(
        failures > 20,
        "the receiver really flapped ({failures} failures)"
    );
}

#[tokio::test]
async fn a_slow_receiver_holds_only_its_share_and_never_delays_the_others() {
    // One receiver answers after 1.5 s; another site's fast receiver must not wait.
    let app = TestApp::with_config(|c| c.notification_endpoint_parallel = 4).await;
    let slow = Sink::start().await;
    let fast = Sink::start().await;
    subscribe(&app, &slow, "POST").await;
    slow.answer(Answer::Slow(1_500));
    for _ in 0..30 {
        charge(&app, "4000000000003055", 10.0).await;
    }
    let worker = tokio::spawn(deliver::run(
        app.state.gateway.clone(),
        "w-slow".into(),
        Stop::new(),
    ));
    // The slow receiver is now holding its share.
    let deadline = Instant::now() + Duration::from_secs(5);
    while slow.deliveries().len() < 4 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Declines announce Fail, which goes to the fast receiver.
    app.notify(&["Fail"], &fast.url).await;
    let started = Instant::now();
    for _ in 0..10 {
        charge(&app, "4000056655665556", 10.0).await;
        app.state.delivery.ring();
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while fast.deliveries().len() < 10 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let waited = started.elapsed();
    assert_eq!(
        fast.deliveries().len(),
        10,
        "the fast receiver got everything"
    );
    assert!(
        waited < Duration::from_millis(1_200),
        "the fast receiver waited {waited:?} behind the slow one"
    );
    assert_eq!(
        slow.most_held(),
        4,
        "the slow receiver held exactly its share"
    );
    worker.abort();
}

#[tokio::test]
async fn a_receiver_that_never_answers_times_out_and_is_retried() {
    // No answer within the (scaled) timeout is a failed attempt, logged with why.
    let app = TestApp::with_config(|c| c.notification_timeout_ms = 300).await;
    let sink = Sink::start().await;
    let site = subscribe(&app, &sink, "POST").await;
    sink.answer(Answer::Hang);
    charge(&app, "4000000000003055", 10.0).await;
    let started = Instant::now();
    assert_eq!(deliver(&app).await, 1);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "gave up on time"
    );
    let n = &all(&app, site).await[0];
    assert_eq!((n.state, n.attempts), (State::Pending, 1));
    let log = notifications::attempts(&app.state.db, site, n.mode, n.id)
        .await
        .unwrap();
    let error = log[0].error.clone().unwrap_or_default();
    assert!(error.contains("no complete answer within 300ms"), "{error}");
    sink.answer(Answer::Ok);
    app.clock.advance_millis(60_000);
    assert_eq!(deliver(&app).await, 1);
    assert_eq!(all(&app, site).await[0].state, State::Delivered);
}

/// Queues one notification to `url` in `mode` straight into the outbox, as a row saved before a
/// DNS change or a configuration change would be.
async fn queue(app: &TestApp, mode: Mode, url: &str) -> i64 {
    let mut tx = app.state.db.begin_write().await.unwrap();
    let id = notifications::enqueue(
        &mut tx,
        &NewNotification {
            site: SiteId(app.site.site_id),
            mode,
            transaction_id: None,
            kind: "Pay",
            body: "TransactionId=1",
            url,
            method: "POST",
            encoding: "UTF8",
            created_at: app.state.now_ms(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn first_error(app: &TestApp, id: i64) -> String {
    for mode in [Mode::Test, Mode::Live] {
        let log = notifications::attempts(&app.state.db, SiteId(app.site.site_id), mode, id)
            .await
            .unwrap();
        if let Some(first) = log.first() {
            return first.error.clone().unwrap_or_default();
        }
    }
    panic!("notification {id} has no attempt")
}

fn is_refusal(error: &str) -> bool {
    !(error.is_empty()
        || error.starts_with("could not connect")
        || error.starts_with("no complete answer")
        || error.starts_with("request failed")
        || error.starts_with("answered HTTP"))
}

#[tokio::test]
async fn the_guard_judges_the_addresses_actually_dialled() {
    // Live-mode notifications to loopback, private, link-local,
    // metadata and unspecified addresses, spelled every way, are refused without a connection;
    // test mode reaches loopback but never the metadata service.
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    let port = sink
        .url
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches("/hooks");
    let forbidden = [
        format!("http://127.0.0.1:{port}/hooks"),
        format!("http://localhost:{port}/hooks"),
        format!("http://127.1:{port}/hooks"),
        format!("http://2130706433:{port}/hooks"),
        format!("http://0x7f000001:{port}/hooks"),
        format!("http://[::ffff:127.0.0.1]:{port}/hooks"),
        format!("http://[::1]:{port}/hooks"),
        format!("http://0.0.0.0:{port}/hooks"),
        "http://10.0.0.1/hooks".to_owned(),
        "http://192.168.1.1/hooks".to_owned(),
        "http://100.64.0.1/hooks".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[fd00:ec2::254]/latest/meta-data/".to_owned(),
        "http://[fe80::1]/hooks".to_owned(),
    ];
    let mut ids = vec![];
    for url in &forbidden {
        ids.push((url, queue(&app, Mode::Live, url).await));
    }
    assert_eq!(drain(&app.state, "w").await.unwrap(), forbidden.len());
    for (url, id) in ids {
        let error = first_error(&app, id).await;
        assert!(is_refusal(&error), "live {url}: {error}");
    }
    assert!(sink.deliveries().is_empty(), "nothing reached the receiver");

    let allowed = queue(&app, Mode::Test, &sink.url).await;
    let by_name = queue(&app, Mode::Test, &format!("http://localhost:{port}/hooks")).await;
    let metadata = queue(&app, Mode::Test, "http://169.254.169.254/latest/meta-data/").await;
    drain(&app.state, "w").await.unwrap();
    assert_eq!(sink.deliveries().len(), 2, "test mode reaches loopback");
    for id in [allowed, by_name] {
        let log = notifications::attempts(&app.state.db, SiteId(app.site.site_id), Mode::Test, id)
            .await
            .unwrap();
        assert!(log[0].delivered, "{:?}", log[0]);
    }
    let error = first_error(&app, metadata).await;
    assert!(is_refusal(&error), "metadata in test mode: {error}");
}

#[tokio::test]
async fn allow_subnets_reopens_exactly_its_range_at_delivery() {
    let app = TestApp::with_config(|c| c.allow_subnets = vec!["127.0.0.0/8".into()]).await;
    let sink = Sink::start().await;
    let port = sink
        .url
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches("/hooks");
    let open = queue(&app, Mode::Live, &sink.url).await;
    let closed = queue(&app, Mode::Live, "http://10.0.0.1/hooks").await;
    let v6 = queue(&app, Mode::Live, &format!("http://[::1]:{port}/hooks")).await;
    drain(&app.state, "w").await.unwrap();
    assert_eq!(sink.deliveries().len(), 1);
    let log = notifications::attempts(&app.state.db, SiteId(app.site.site_id), Mode::Live, open)
        .await
        .unwrap();
    assert!(log[0].delivered);
    for id in [closed, v6] {
        let error = first_error(&app, id).await;
        assert!(is_refusal(&error), "{error}");
    }
}

#[tokio::test]
async fn hold_expiry_announces_cancel_and_auto_confirm_announces_confirm() {
    // Issue 4 item 7: the sweeper's scheduled transitions go through the same outbox.
    const DAY: i64 = 24 * 60 * 60 * 1000;
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    let site = subscribe(&app, &sink, "POST").await;
    let held = auth(&app).await;
    app.clock.advance_millis(7 * DAY + 1);
    let swept = oblako_server::sweeper::sweep_once(&app.state)
        .await
        .unwrap();
    assert_eq!(swept.expired, 1);

    let settings = oblako_store::sites::Settings {
        terminal_url: "https://shop.example".into(),
        save_tokens: true,
        auto_confirm_days: Some(1),
        fee_rate_bp: 0,
    };
    assert!(
        oblako_store::sites::update_settings(&app.state.db, site, &settings)
            .await
            .unwrap()
    );
    let confirmed = auth(&app).await;
    app.clock.advance_millis(DAY + 1);
    let swept = oblako_server::sweeper::sweep_once(&app.state)
        .await
        .unwrap();
    assert_eq!(swept.auto_confirmed, 1);

    assert_eq!(deliver(&app).await, 4, "Pay and Cancel, Pay and Confirm");
    let mut sent: Vec<(Option<i64>, i64, String, &str)> = all(&app, site)
        .await
        .into_iter()
        .map(|n| (n.transaction_id, n.sequence, n.kind, n.state.as_str()))
        .collect();
    sent.sort();
    assert_eq!(
        sent,
        vec![
            (Some(held), 1, "Pay".into(), "delivered"),
            (Some(held), 2, "Cancel".into(), "delivered"),
            (Some(confirmed), 1, "Pay".into(), "delivered"),
            (Some(confirmed), 2, "Confirm".into(), "delivered"),
        ]
    );
    assert_eq!(sink.deliveries().len(), 4);
}

async fn auth(app: &TestApp) -> i64 {
    let reply = crate::payments::card(
        app,
        "/payments/cards/auth",
        "4000000000003055",
        json!({"Amount": 100}),
    )
    .await;
    crate::payments::model(&reply)["TransactionId"]
        .as_i64()
        .unwrap()
}
