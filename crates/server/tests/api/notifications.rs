//! Notifications end to end on a real loopback receiver: the outbox row is written
//! with the payment, delivered signed, retried on the site's schedule,
//! in per-payment order while the receiver fails, and exhausted, then resent.

use oblako_core::ids::{Mode, SiteId};
use oblako_protocol::notification::{percent_decode, verify_hmac, verify_webhook_signature};
use oblako_server::notify::deliver::drain;
use oblako_store::notifications::{self, ListFilter, RetrySchedule, State};
use serde_json::json;

use crate::helpers::TestApp;
use crate::hooksink::{Answer, Delivery, Sink};
use crate::payments::{card, model};

const KINDS: [&str; 5] = ["Pay", "Fail", "Confirm", "Refund", "Cancel"];

pub async fn subscribe(app: &TestApp, sink: &Sink, method: &str) -> SiteId {
    let site = app.notify(&KINDS, &sink.url).await;
    if method != "POST" {
        for kind in KINDS {
            let mut settings = notifications::settings::get(&app.state.db, site, Mode::Test, kind)
                .await
                .unwrap();
            settings.method = method.to_owned();
            notifications::settings::upsert(
                &app.state.db,
                site,
                Mode::Test,
                &settings,
                app.state.now_ms(),
            )
            .await
            .unwrap();
        }
    }
    site
}

pub async fn charge(app: &TestApp, number: &str, amount: f64) -> i64 {
    let reply = card(
        app,
        "/payments/cards/charge",
        number,
        json!({"Amount": amount}),
    )
    .await;
    model(&reply)["TransactionId"].as_i64().unwrap()
}

pub async fn deliver(app: &TestApp) -> usize {
    drain(&app.state, "test-worker").await.unwrap()
}

pub fn assert_signed(app: &TestApp, delivery: &Delivery, message: &str) {
    let secret = app.site.test.api_secret.as_bytes();
    let header = |name: &str| {
        delivery
            .header(name)
            .unwrap_or_else(|| panic!("{name} missing"))
            .to_owned()
    };
    assert!(
        verify_hmac(secret, message.as_bytes(), &header("Content-HMAC")),
        "Content-HMAC over the bytes sent"
    );
    assert!(
        verify_hmac(secret, &percent_decode(message), &header("X-Content-HMAC")),
        "X-Content-HMAC over the decoded string"
    );
    let now = jiff::Timestamp::from_millisecond(app.state.now_ms()).unwrap();
    verify_webhook_signature(
        secret,
        &header("X-Webhook-Id"),
        &header("X-Webhook-Timestamp"),
        message.as_bytes(),
        &header("X-Webhook-Signature"),
        now,
        jiff::SignedDuration::from_mins(5),
    )
    .unwrap();
}

#[tokio::test]
async fn pay_and_fail_arrive_signed_with_the_sites_secret() {
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    subscribe(&app, &sink, "POST").await;
    let paid = charge(&app, "4000000000003055", 12.5).await;
    let declined = charge(&app, "4000056655665556", 3.0).await;
    assert_eq!(deliver(&app).await, 2);
    let seen = sink.deliveries();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let pay = seen
        .iter()
        .find(|d| d.param("TransactionId") == Some(paid.to_string()))
        .unwrap();
    assert_eq!(pay.method, "POST");
    // Title case on the wire, as a plain map of the headers needs to find `Content-Hmac`.
    let names: Vec<&str> = pay.headers.iter().map(|(n, _)| n.as_str()).collect();
    for name in [
        "Content-Hmac",
        "X-Content-Hmac",
        "X-Webhook-Id",
        "Content-Type",
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    assert!(
        pay.header("Content-Type")
            .unwrap()
            .starts_with("application/x-www-form-urlencoded"),
    );
    assert_eq!(pay.param("Amount").as_deref(), Some("12.50"));
    assert_eq!(pay.param("Status").as_deref(), Some("Completed"));
    assert_eq!(pay.param("TestMode").as_deref(), Some("1"));
    assert_eq!(pay.param("InvoiceId").as_deref(), Some("inv-1"));
    // As the model's TotalFee; aiocloudpayments' PayNotification requires it.
    assert_eq!(pay.param("TotalFee").as_deref(), Some("0.00"));
    assert_signed(&app, pay, &pay.body);
    let fail = seen
        .iter()
        .find(|d| d.param("TransactionId") == Some(declined.to_string()))
        .unwrap();
    assert_eq!(fail.param("ReasonCode").as_deref(), Some("5051"));
    assert_eq!(fail.param("Status").as_deref(), Some("Declined"));
    assert_eq!(fail.param("TotalFee"), None);
    assert_signed(&app, fail, &fail.body);
    // Delivered once: nothing left to send.
    assert_eq!(deliver(&app).await, 0);
    assert_eq!(sink.deliveries().len(), 2);
}

#[tokio::test]
async fn get_notifications_carry_the_body_as_the_query() {
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    subscribe(&app, &sink, "GET").await;
    let paid = charge(&app, "4000000000003055", 1.0).await;
    deliver(&app).await;
    let seen = sink.deliveries();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "GET");
    assert!(seen[0].body.is_empty());
    let query = seen[0].target.split_once('?').unwrap().1.to_owned();
    assert!(
        query.starts_with(&format!("TransactionId={paid}&")),
        "{query}"
    );
    assert_signed(&app, &seen[0], &query);
}

#[tokio::test]
async fn nothing_is_queued_for_kinds_the_site_did_not_enable() {
    let app = TestApp::new().await;
    charge(&app, "4000000000003055", 1.0).await;
    let site = SiteId(app.site.site_id);
    let queued = notifications::list(&app.state.db, site, &ListFilter::default())
        .await
        .unwrap();
    assert!(queued.is_empty(), "{queued:?}");
}

#[tokio::test]
async fn a_payments_notifications_keep_their_order_while_the_receiver_fails() {
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    subscribe(&app, &sink, "POST").await;
    sink.answer(Answer::Status(500));
    let paid = charge(&app, "4000000000003055", 30.0).await;
    for amount in [10, 5] {
        let reply = app
            .post(
                "/payments/refund",
                &json!({"TransactionId": paid, "Amount": amount}).to_string(),
            )
            .await;
        assert_eq!(reply.json()["Success"], true, "{}", reply.json());
    }
    // Only the Pay is tried: the refunds wait behind it.
    assert_eq!(deliver(&app).await, 1);
    assert_eq!(sink.deliveries().len(), 1);
    assert_eq!(deliver(&app).await, 0, "the retry is not due yet");
    sink.answer(Answer::Code(13));
    app.clock.advance_millis(61_000);
    assert_eq!(
        deliver(&app).await,
        1,
        "a code other than 0 is a failure too"
    );
    sink.answer(Answer::Ok);
    app.clock.advance_millis(121_000);
    assert_eq!(deliver(&app).await, 3);
    let seen = sink.deliveries();
    let kinds: Vec<(Option<String>, Option<String>)> = seen
        .iter()
        .map(|d| (d.param("PaymentTransactionId"), d.param("Amount")))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (None, Some("30.00".into())),
            (None, Some("30.00".into())),
            (None, Some("30.00".into())),
            (Some(paid.to_string()), Some("10.00".into())),
            (Some(paid.to_string()), Some("5.00".into())),
        ],
        "Pay three times, then the refunds in order"
    );
    let bodies: Vec<&str> = seen[..3].iter().map(|d| d.body.as_str()).collect();
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "every attempt sends the same bytes"
    );
}

#[tokio::test]
async fn an_exhausted_notification_is_marked_and_can_be_resent() {
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    let site = subscribe(&app, &sink, "POST").await;
    let schedule = RetrySchedule::new(vec![60], 2).unwrap();
    notifications::settings::set_retry_schedule(&app.state.db, site, &schedule)
        .await
        .unwrap();
    sink.answer(Answer::Drop);
    charge(&app, "4000000000003055", 2.0).await;
    assert_eq!(deliver(&app).await, 1);
    app.clock.advance_millis(61_000);
    assert_eq!(deliver(&app).await, 1);
    app.clock.advance_millis(3_600_000);
    assert_eq!(deliver(&app).await, 0, "two attempts in all");
    let all = notifications::list(&app.state.db, site, &ListFilter::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].state, State::Failed);
    let attempts = notifications::attempts(&app.state.db, site, Mode::Test, all[0].id)
        .await
        .unwrap();
    assert_eq!(attempts.len(), 2);
    assert!(attempts.iter().all(|a| !a.delivered && a.error.is_some()));

    sink.answer(Answer::Ok);
    assert!(
        notifications::resend(
            &app.state.db,
            site,
            Mode::Test,
            all[0].id,
            app.state.now_ms()
        )
        .await
        .unwrap()
    );
    assert_eq!(deliver(&app).await, 1);
    let after = notifications::get(&app.state.db, site, Mode::Test, all[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.state, State::Delivered);
    assert_eq!(sink.deliveries().len(), 3);
}

async fn enable_check(app: &TestApp, sink: &Sink) {
    app.notify(&["Check"], &sink.url).await;
}

async fn auth_count(app: &TestApp) -> i64 {
    let totals = oblako_store::acquirer::bank_totals(&app.state.db)
        .await
        .unwrap();
    totals.iter().find(|t| t.0 == "auth").map_or(0, |t| t.1)
}

#[tokio::test]
async fn check_answers_decide_the_payment_before_the_bank_is_asked() {
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    subscribe(&app, &sink, "POST").await;
    enable_check(&app, &sink).await;
    let cases = [
        (Answer::Code(10), 3001),
        (Answer::Code(11), 3002),
        (Answer::Code(12), 3003),
        (Answer::Code(13), 3008),
        (Answer::Code(20), 3004),
        (Answer::Code(77), 3005),
        (Answer::Status(503), 3006),
        (Answer::Status(404), 3007),
        (Answer::Drop, 3007),
    ];
    for (answer, reason) in cases {
        sink.answer(answer);
        let reply = card(
            &app,
            "/payments/cards/charge",
            "4000000000003055",
            json!({"Amount": 5}),
        )
        .await;
        let body = reply.json();
        assert_eq!(body["Success"], false, "{answer:?}: {body}");
        assert_eq!(body["Model"]["ReasonCode"], reason, "{answer:?}: {body}");
        assert_eq!(body["Model"]["Status"], "Declined");
    }
    assert_eq!(
        auth_count(&app).await,
        0,
        "a declined Check never reaches the bank"
    );
    let checks: Vec<Delivery> = sink
        .deliveries()
        .into_iter()
        .filter(|d| d.param("Status").as_deref() == Some("Completed"))
        .collect();
    assert_eq!(
        checks.len(),
        cases.len(),
        "one Check per payment, never retried"
    );
    for check in &checks {
        assert_signed(&app, check, &check.body);
    }
    // Each decline is announced as Fail with the Check's reason.
    sink.answer(Answer::Ok);
    let before = sink.deliveries().len();
    assert_eq!(deliver(&app).await, cases.len());
    let fails: Vec<String> = sink.deliveries()[before..]
        .iter()
        .map(|d| d.param("ReasonCode").unwrap())
        .collect();
    let mut expected: Vec<String> = cases.iter().map(|c| c.1.to_string()).collect();
    let mut got = fails.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn check_code_0_lets_the_payment_through() {
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    subscribe(&app, &sink, "POST").await;
    enable_check(&app, &sink).await;
    let reply = card(
        &app,
        "/payments/cards/auth",
        "4000000000003055",
        json!({"Amount": 15}),
    )
    .await;
    assert_eq!(reply.json()["Success"], true, "{}", reply.json());
    assert_eq!(auth_count(&app).await, 1);
    let check = &sink.deliveries()[0];
    assert_eq!(
        check.param("Status").as_deref(),
        Some("Authorized"),
        "a two-stage payment's Check says what it becomes"
    );
    deliver(&app).await;
    let pay = &sink.deliveries()[1];
    assert_eq!(pay.param("Status").as_deref(), Some("Authorized"));
}

#[tokio::test]
async fn enabling_through_the_api_takes_effect_on_the_next_payment() {
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    charge(&app, "4000000000003055", 1.0).await;
    let reply = app
        .post(
            "/site/notifications/pay/update",
            &json!({"IsEnabled": true, "Address": sink.url, "HttpMethod": "POST"}).to_string(),
        )
        .await;
    assert_eq!(reply.json()["Success"], true, "{}", reply.json());
    let paid = charge(&app, "4000000000003055", 2.0).await;
    assert_eq!(deliver(&app).await, 1, "only the payment after the change");
    assert_eq!(
        sink.deliveries()[0].param("TransactionId"),
        Some(paid.to_string())
    );
}
