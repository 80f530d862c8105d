//! Billing on the injected clock (spec §10): charges at their dates as token MIT
//! payments carrying `SubscriptionId`, the failure ladder, hard declines, two-stage charges, a
//! charge that dies between its bank intent and the bank, and subscriptions made by a payment.

use oblako_core::card::CardExpiry;
use oblako_core::ids::SiteId;
use oblako_server::subscriptions::billing::{LEASE_MS, drain, tick};
use oblako_store::notifications::{self, ListFilter};
use oblako_store::subscriptions::charges;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::payments::{cryptogram_expiring, model};
use crate::subscriptions::{DAY_MS, HOUR_MS, bill_at, create, iso, token_for};

async fn enable(app: &TestApp) {
    app.notify(&["Recurrent", "Pay", "Fail"], "http://127.0.0.1:9/hook")
        .await;
}

pub(crate) async fn bodies(app: &TestApp, kind: &str, containing: &str) -> Vec<String> {
    let mut all = notifications::list(
        &app.state.db,
        SiteId(app.site.site_id),
        &ListFilter::default(),
    )
    .await
    .unwrap();
    all.reverse();
    all.into_iter()
        .filter(|n| n.kind == kind && n.body.contains(containing))
        .map(|n| n.body)
        .collect()
}

pub(crate) async fn sub(app: &TestApp, id: &str) -> Value {
    model(
        &app.post("/subscriptions/get", &json!({ "Id": id }).to_string())
            .await,
    )
}

async fn subscribe(app: &TestApp, number: &str, extra: Value) -> (String, i64) {
    let token = token_for(app, number, "user_1").await;
    let reply = create(app, &token, extra).await;
    let m = model(&reply);
    let next = m["NextTransactionDate"].as_str().unwrap();
    let ms: i64 = next[6..next.len() - 2].parse().unwrap();
    (m["Id"].as_str().unwrap().to_owned(), ms)
}

async fn bank_auths(app: &TestApp) -> i64 {
    app.bank_auths().await
}

#[tokio::test]
async fn charges_fall_on_their_dates_once_each_with_the_subscription_id() {
    let app = TestApp::new().await;
    enable(&app).await;
    let (id, start) = subscribe(
        &app,
        "4000000000003055",
        json!({"Interval": "Week", "Period": 2}),
    )
    .await;
    let auths = bank_auths(&app).await;
    bill_at(&app, start - 1).await;
    assert_eq!(bank_auths(&app).await, auths, "not due yet");
    bill_at(&app, start).await;
    bill_at(&app, start + HOUR_MS).await;
    assert_eq!(bank_auths(&app).await, auths + 1, "one charge for the slot");
    let m = sub(&app, &id).await;
    assert_eq!(m["SuccessfulTransactionsNumber"], 1);
    assert_eq!(m["LastTransactionDate"], format!("/Date({start})/"));
    assert_eq!(
        m["NextTransactionDate"],
        format!("/Date({})/", start + 14 * DAY_MS)
    );
    let pay = bodies(&app, "Pay", &format!("SubscriptionId={id}")).await;
    assert_eq!(pay.len(), 1);
    assert!(pay[0].contains("Amount=399.00") && pay[0].contains("Status=Completed"));
    assert!(
        bodies(&app, "Recurrent", &id).await.is_empty(),
        "Active stays Active"
    );
    bill_at(&app, start + 14 * DAY_MS).await;
    assert_eq!(sub(&app, &id).await["SuccessfulTransactionsNumber"], 2);
    let jobs = charges::of_site(&app.state.db, SiteId(app.site.site_id))
        .await
        .unwrap();
    assert_eq!(
        jobs.iter()
            .map(|j| (j.period_index, j.attempt, j.state.as_str()))
            .collect::<Vec<_>>(),
        [(0, 0, "done"), (1, 0, "done")]
    );
}

#[tokio::test]
async fn three_failures_in_a_row_go_past_due_then_rejected() {
    let app = TestApp::new().await;
    enable(&app).await;
    // This card pays by cryptogram and is declined (insufficient funds) on token payments.
    let (id, start) = subscribe(&app, "4111111111111111", json!({})).await;
    bill_at(&app, start).await;
    let m = sub(&app, &id).await;
    assert_eq!(
        (m["Status"].as_str(), m["StatusCode"].as_i64()),
        (Some("PastDue"), Some(1))
    );
    assert_eq!(m["FailedTransactionsNumber"], 1);
    assert_eq!(
        m["NextTransactionDate"],
        format!("/Date({})/", start + DAY_MS)
    );
    let fail = bodies(&app, "Fail", &format!("SubscriptionId={id}")).await;
    assert_eq!(fail.len(), 1);
    assert!(fail[0].contains("ReasonCode=5051"));
    bill_at(&app, start + DAY_MS - 1).await;
    assert_eq!(
        sub(&app, &id).await["FailedTransactionsNumber"],
        1,
        "retried after a day"
    );
    bill_at(&app, start + DAY_MS).await;
    assert_eq!(sub(&app, &id).await["FailedTransactionsNumber"], 2);
    bill_at(&app, start + 2 * DAY_MS).await;
    let m = sub(&app, &id).await;
    assert_eq!(
        (m["Status"].as_str(), m["FailedTransactionsNumber"].as_i64()),
        (Some("Rejected"), Some(3))
    );
    assert!(m["NextTransactionDate"].is_null());
    bill_at(&app, start + 40 * DAY_MS).await;
    assert_eq!(
        bodies(&app, "Fail", &format!("SubscriptionId={id}"))
            .await
            .len(),
        3
    );
    let statuses: Vec<bool> = bodies(&app, "Recurrent", &id)
        .await
        .iter()
        .map(|b| b.contains("Status=PastDue"))
        .collect();
    assert_eq!(statuses, [true, false], "PastDue once, then Rejected");
    assert!(bodies(&app, "Recurrent", &id).await[1].contains("Status=Rejected"));
}

#[tokio::test]
async fn an_expired_card_is_rejected_at_once_without_retries() {
    let app = TestApp::new().await;
    // The clock starts on 2026-09-21; this card is good through September 2026.
    let packet = cryptogram_expiring(
        &app,
        &app.site.test.public_id,
        "4000000000003055",
        CardExpiry::new(26, 9).unwrap(),
    )
    .await;
    let paid = app
        .post(
            "/payments/cards/charge",
            &json!({"Amount": 1, "CardCryptogramPacket": packet, "AccountId": "user_1", "IpAddress": "127.0.0.1"})
                .to_string(),
        )
        .await;
    let token = model(&paid)["Token"].as_str().unwrap().to_owned();
    let start = app.state.now_ms() + 20 * DAY_MS;
    let id = model(&create(&app, &token, json!({"StartDate": iso(start)})).await)["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    bill_at(&app, start).await;
    let m = sub(&app, &id).await;
    assert_eq!(
        (m["Status"].as_str(), m["FailedTransactionsNumber"].as_i64()),
        (Some("Rejected"), Some(1))
    );
    bill_at(&app, start + 3 * DAY_MS).await;
    let jobs = charges::of_site(&app.state.db, SiteId(app.site.site_id))
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1, "no retry after a hard decline");
}

#[tokio::test]
async fn require_confirmation_makes_each_charge_an_authorization() {
    let app = TestApp::new().await;
    let (id, start) = subscribe(
        &app,
        "4000000000003055",
        json!({"RequireConfirmation": true, "Interval": "Day"}),
    )
    .await;
    bill_at(&app, start).await;
    let jobs = charges::of_site(&app.state.db, SiteId(app.site.site_id))
        .await
        .unwrap();
    let tx = jobs[0].transaction_id.unwrap();
    let payment = model(
        &app.post("/payments/get", &json!({ "TransactionId": tx }).to_string())
            .await,
    );
    assert_eq!(payment["Status"], "Authorized");
    assert_eq!(payment["SubscriptionId"], id.as_str());
    assert_eq!(payment["AccountId"], "user_1");
    assert_eq!(sub(&app, &id).await["SuccessfulTransactionsNumber"], 1);
}

#[tokio::test]
async fn a_charge_that_dies_after_its_intent_is_finished_once_by_the_next_worker() {
    let app = TestApp::new().await;
    let (id, start) = subscribe(&app, "4000000000003055", json!({})).await;
    let auths = bank_auths(&app).await;
    app.state.faults.fail_after_intent(1);
    app.clock
        .set(jiff::Timestamp::from_millisecond(start).unwrap());
    tick(&app.state).await.unwrap();
    let round = drain(&app.state, "node-a").await.unwrap();
    assert_eq!(round.errors, 1);
    assert_eq!(bank_auths(&app).await, auths, "the bank was never called");
    // The job stays leased to the dead worker until its lease runs out.
    assert_eq!(drain(&app.state, "node-b").await.unwrap().claimed(), 0);
    tick(&app.state).await.unwrap();
    app.clock.advance_millis(LEASE_MS + 1);
    tick(&app.state).await.unwrap();
    let round = drain(&app.state, "node-b").await.unwrap();
    assert_eq!((round.approved, round.errors), (1, 0));
    assert_eq!(bank_auths(&app).await, auths + 1, "charged exactly once");
    let jobs = charges::of_site(&app.state.db, SiteId(app.site.site_id))
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(sub(&app, &id).await["SuccessfulTransactionsNumber"], 1);
}

#[tokio::test]
async fn a_payment_with_a_recurrent_instruction_creates_its_subscription() {
    let app = TestApp::new().await;
    enable(&app).await;
    let packet =
        crate::payments::cryptogram(&app, &app.site.test.public_id, "4000000000003055").await;
    let data = json!({"CloudPayments": {"recurrent": {"interval": "Month", "period": 1,
        "amount": 500, "maxPeriods": 12}}, "myProp": "x"});
    let paid = app
        .post(
            "/payments/cards/charge",
            &json!({"Amount": 10, "CardCryptogramPacket": packet, "AccountId": "user_7",
                "Email": "p@example.com", "Description": "Club", "JsonData": data, "IpAddress": "127.0.0.1"})
                .to_string(),
        )
        .await;
    let payment = model(&paid);
    let found = app
        .post("/subscriptions/find", r#"{"AccountId":"user_7"}"#)
        .await
        .json();
    let subs = found["Model"].as_array().unwrap();
    assert_eq!(subs.len(), 1, "{found}");
    let s = &subs[0];
    assert_eq!(
        (s["Amount"].as_i64(), s["MaxPeriods"].as_i64()),
        (Some(500), Some(12))
    );
    assert_eq!(
        (s["Interval"].as_str(), s["Status"].as_str()),
        (Some("Month"), Some("Active"))
    );
    assert_eq!(s["Description"], "Club");
    assert_eq!(
        payment["SubscriptionId"], s["Id"],
        "the payment names its subscription"
    );
    let pay = bodies(
        &app,
        "Pay",
        &format!("SubscriptionId={}", s["Id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        pay.len(),
        1,
        "the Pay notification carries the SubscriptionId"
    );
    // StartDate defaults to one interval after the payment: 2026-09-21 → 2026-10-21.
    let paid_at = app.state.now_ms();
    let expected = jiff::Timestamp::from_millisecond(paid_at)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .checked_add(jiff::Span::new().months(1))
        .unwrap()
        .timestamp()
        .as_millisecond();
    assert_eq!(s["StartDate"], format!("/Date({expected})/"));

    // A declined payment or one without AccountId makes none.
    let declined_packet =
        crate::payments::cryptogram(&app, &app.site.test.public_id, "4000056655665556").await;
    app.post(
        "/payments/cards/charge",
        &json!({"Amount": 10, "CardCryptogramPacket": declined_packet, "AccountId": "user_8",
            "JsonData": data, "IpAddress": "127.0.0.1"})
        .to_string(),
    )
    .await;
    let none = app
        .post("/subscriptions/find", r#"{"AccountId":"user_8"}"#)
        .await
        .json();
    assert_eq!(none["Model"], json!([]));
}

#[tokio::test]
async fn payers_are_reminded_of_each_scheduled_charge_once() {
    use oblako_server::subscriptions::billing::{REMIND_BEFORE_MS, remind};
    use oblako_server::subscriptions::notices::NoticeKind;
    let app = TestApp::new().await;
    let start = app.state.now_ms() + 3 * DAY_MS;
    let (id, _) = subscribe(&app, "4000000000003055", json!({"StartDate": iso(start)})).await;
    assert!(remind(&app.state).await.unwrap().is_empty(), "too early");
    app.clock
        .set(jiff::Timestamp::from_millisecond(start - REMIND_BEFORE_MS + HOUR_MS).unwrap());
    let sent = remind(&app.state).await.unwrap();
    assert_eq!(sent.len(), 1);
    let n = &sent[0];
    assert_eq!(
        (
            n.kind,
            n.subscription_id.as_str(),
            n.email.as_str(),
            n.amount,
            n.next_at
        ),
        (
            NoticeKind::UpcomingCharge,
            id.as_str(),
            "payer@example.com",
            39_900,
            Some(start)
        )
    );
    assert!(
        remind(&app.state).await.unwrap().is_empty(),
        "once per charge"
    );
    bill_at(&app, start).await;
    let next = sub(&app, &id).await["NextTransactionDate"]
        .as_str()
        .unwrap()
        .to_owned();
    let next: i64 = next[6..next.len() - 2].parse().unwrap();
    app.clock
        .set(jiff::Timestamp::from_millisecond(next - HOUR_MS).unwrap());
    assert_eq!(
        remind(&app.state).await.unwrap().len(),
        1,
        "the next charge is reminded too"
    );
}

#[tokio::test]
async fn a_recurrent_start_date_is_kept_when_future_and_defaulted_when_past() {
    let app = TestApp::new().await;
    let pay = |account: &'static str, start: &'static str| {
        let app = &app;
        async move {
            let packet =
                crate::payments::cryptogram(app, &app.site.test.public_id, "4000000000003055")
                    .await;
            let data =
                json!({"cloudPayments": {"Recurrent": {"Interval": "Week", "startDate": start}}});
            app.post(
                "/payments/cards/charge",
                &json!({"Amount": 7, "CardCryptogramPacket": packet, "AccountId": account,
                    "JsonData": data, "IpAddress": "127.0.0.1"})
                .to_string(),
            )
            .await;
            let found = app
                .post(
                    "/subscriptions/find",
                    &json!({ "AccountId": account }).to_string(),
                )
                .await
                .json();
            found["Model"][0].clone()
        }
    };
    let future = pay("user_f", "2027-01-15T00:00:00Z").await;
    let at = "2027-01-15T00:00:00Z"
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_millisecond();
    assert_eq!(future["StartDate"], format!("/Date({at})/"));
    assert_eq!(
        (future["Amount"].as_i64(), future["Period"].as_i64()),
        (Some(7), Some(1))
    );
    let past = pay("user_p", "2020-01-01T00:00:00").await;
    let week_on = app.state.now_ms() + 7 * DAY_MS;
    assert_eq!(
        past["StartDate"],
        format!("/Date({week_on})/"),
        "one interval after the payment"
    );
    // The setup payment itself is not charged again at once.
    bill_at(&app, app.state.now_ms() + HOUR_MS).await;
    assert_eq!(
        charges::of_site(&app.state.db, SiteId(app.site.site_id))
            .await
            .unwrap()
            .len(),
        0
    );
}

#[tokio::test]
async fn a_charge_finished_after_a_cancellation_counts_but_does_not_revive() {
    let app = TestApp::new().await;
    enable(&app).await;
    let (id, start) = subscribe(&app, "4000000000003055", json!({})).await;
    app.state.faults.fail_after_intent(1);
    bill_at(&app, start).await;
    app.post("/subscriptions/cancel", &json!({ "Id": id }).to_string())
        .await;
    app.clock.advance_millis(LEASE_MS + 1);
    let round = drain(&app.state, "node-b").await.unwrap();
    assert_eq!(
        round.approved, 1,
        "the payment whose intent was committed is finished"
    );
    let m = sub(&app, &id).await;
    assert_eq!(
        (
            m["Status"].as_str(),
            m["SuccessfulTransactionsNumber"].as_i64()
        ),
        (Some("Cancelled"), Some(1))
    );
    assert!(m["NextTransactionDate"].is_null());
    let recurrent = bodies(&app, "Recurrent", &id).await;
    assert_eq!(
        recurrent.len(),
        1,
        "only the cancellation changed the status"
    );
}
