//! Recurring payments set up from the widget (spec §6.5): a `/widget/charge` whose `JsonData`
//! (the widget's `data`) carries `CloudPayments.recurrent`, in the casings the spec and the
//! widget's intent API produce, creates the subscription on the payment's token through
//! `subscriptions::from_payment`, and the payment carries its `SubscriptionId`.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, request};
use crate::payments::cryptogram;
use crate::subscriptions::{DAY_MS, iso};

async fn widget_pay(app: &TestApp, number: &str, account: &str, data: Value) -> Value {
    let packet = cryptogram(app, &app.site.test.public_id, number).await;
    let body = json!({
        "PublicId": app.site.test.public_id, "CardCryptogramPacket": packet, "Scheme": "charge",
        "Amount": 100, "Currency": "RUB", "Description": "Yoga club",
        "AccountId": account, "Email": "payer@example.com", "JsonData": data,
    });
    let reply = app
        .call(
            request("POST", "/widget/charge")
                .peer_ip("10.0.0.7")
                .json(&body.to_string()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    reply.json()
}

async fn find(app: &TestApp, account: &str) -> Vec<Value> {
    let reply = app
        .post(
            "/subscriptions/find",
            &json!({ "AccountId": account }).to_string(),
        )
        .await;
    reply.json()["Model"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn payment(app: &TestApp, id: &Value) -> Value {
    app.post("/payments/get", &json!({ "TransactionId": id }).to_string())
        .await
        .json()["Model"]
        .clone()
}

#[tokio::test]
async fn a_widget_payment_with_a_recurrent_instruction_creates_its_subscription() {
    let app = TestApp::new().await;
    let start = app.state.now_ms() + 3 * DAY_MS;
    let cases = [
        // The legacy widget's `data`, as the spec's example writes it.
        (
            "legacy",
            json!({"myProp": "v", "CloudPayments": {"recurrent": {
                "interval": "Week", "period": 2, "amount": 50, "startDate": iso(start),
                "maxPeriods": 4}}}),
            ("Week", 2, 50.0, Some(4), Some(start)),
        ),
        // JsonData's own casing with PascalCase members and string numbers.
        (
            "pascal",
            json!({"cloudPayments": {"Recurrent": {"Interval": "Month", "Period": "1",
                "Amount": "12.50", "StartDate": iso(start), "MaxPeriods": "3"}}}),
            ("Month", 1, 12.5, Some(3), Some(start)),
        ),
        // What widget.js makes of the intent API's `recurrent` (no amount, no start date).
        (
            "intent",
            json!({"CloudPayments": {"recurrent": {"period": 1, "interval": "Day",
                "receipt": {"Items": [{"label": "Yoga", "price": 100, "quantity": 1}]}}}}),
            ("Day", 1, 100.0, None, None),
        ),
    ];
    for (account, data, (interval, period, amount, max, start_at)) in cases {
        let now = app.state.now_ms();
        let reply = widget_pay(&app, "4000000000003055", account, data).await;
        assert_eq!(reply["Success"], true, "{account}: {reply}");
        let subs = find(&app, account).await;
        assert_eq!(subs.len(), 1, "{account}: {subs:?}");
        let s = &subs[0];
        assert_eq!(s["Status"], "Active", "{account}");
        assert_eq!(s["Interval"], interval, "{account}");
        assert_eq!(s["Period"], period, "{account}");
        assert_eq!(s["Amount"].as_f64(), Some(amount), "{account}");
        assert_eq!(s["MaxPeriods"].as_i64(), max, "{account}");
        assert_eq!(s["Description"], "Yoga club");
        assert_eq!(s["Email"], "payer@example.com");
        let next = s["NextTransactionDate"].as_str().unwrap();
        let next: i64 = next[6..next.len() - 2].parse().unwrap();
        assert_eq!(next, start_at.unwrap_or(now + DAY_MS), "{account}");
        let model = payment(&app, &reply["Model"]["TransactionId"]).await;
        assert_eq!(model["SubscriptionId"], s["Id"], "{account}: {model}");
        let stored = oblako_store::subscriptions::by_id(&app.state.db, s["Id"].as_str().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            stored.receipt.is_some_and(|r| r.contains("Yoga")),
            account == "intent",
            "{account}: the intent's receipt is kept"
        );
    }
}

#[tokio::test]
async fn no_subscription_without_an_account_or_on_a_decline() {
    let app = TestApp::new().await;
    let data = json!({"CloudPayments": {"recurrent": {"interval": "Month", "period": 1}}});
    let declined = widget_pay(&app, "4000056655665556", "declined", data.clone()).await;
    assert_eq!(declined["Success"], false);
    assert!(find(&app, "declined").await.is_empty());
    let paid = widget_pay(&app, "4000000000003055", "declined", json!({"other": 1})).await;
    assert_eq!(paid["Success"], true);
    assert!(find(&app, "declined").await.is_empty(), "no instruction");
    let packet = cryptogram(&app, &app.site.test.public_id, "4000000000003055").await;
    let body = json!({
        "PublicId": app.site.test.public_id, "CardCryptogramPacket": packet, "Scheme": "charge",
        "Amount": 100, "Currency": "RUB", "JsonData": data,
    });
    let reply = app
        .call(
            request("POST", "/widget/charge")
                .peer_ip("10.0.0.8")
                .json(&body.to_string()),
        )
        .await
        .json();
    assert_eq!(reply["Success"], true);
    let model = payment(&app, &reply["Model"]["TransactionId"]).await;
    assert!(model["SubscriptionId"].is_null(), "no AccountId: {model}");
}
