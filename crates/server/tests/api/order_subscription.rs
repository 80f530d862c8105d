//! Orders with `SubscriptionBehavior` (spec §3.22): once paid, the order makes a subscription on
//! the paying card's token (weekly or monthly, the order's amount and description, first charge
//! one interval on), in the commit that marks it Paid; the payment carries its `SubscriptionId`;
//! a declined payment, an order without the behavior, or one without `AccountId` makes none.

use oblako_core::ids::SiteId;
use oblako_core::payment::Status;
use oblako_store::notifications::{self, ListFilter};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::orders::{create, pay, payments};

async fn find(app: &TestApp, account: &str) -> Vec<Value> {
    let reply = app
        .post(
            "/subscriptions/find",
            &json!({ "accountId": account }).to_string(),
        )
        .await;
    reply.json()["Model"].as_array().unwrap().clone()
}

fn ms(date: &Value) -> i64 {
    let text = date.as_str().unwrap();
    text[6..text.len() - 2].parse().unwrap()
}

async fn enable_pay(app: &TestApp) {
    app.notify(&["Pay"], "http://127.0.0.1:9/hook").await;
}

async fn pay_bodies(app: &TestApp) -> Vec<String> {
    let site = SiteId(app.site.site_id);
    notifications::list(&app.state.db, site, &ListFilter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.kind == "Pay")
        .map(|n| n.body)
        .collect()
}

#[tokio::test]
async fn a_paid_monthly_order_makes_its_subscription_once() {
    let app = TestApp::new().await;
    enable_pay(&app).await;
    let order = create(
        &app,
        json!({"SubscriptionBehavior": "CreateMonthly", "CultureName": "en-US"}),
    )
    .await;
    let id = order["Id"].as_str().unwrap();
    assert!(find(&app, "payer_7").await.is_empty());
    let paid_at = app.state.now_ms();
    pay(&app, id, "4000000000003055").await;
    let subs = find(&app, "payer_7").await;
    assert_eq!(subs.len(), 1, "{subs:?}");
    let s = &subs[0];
    assert_eq!(
        (
            s["Status"].as_str(),
            s["Interval"].as_str(),
            s["Period"].as_i64(),
            s["Amount"].as_f64(),
            s["Currency"].as_str(),
            s["Description"].as_str(),
            s["Email"].as_str(),
            s["CultureName"].as_str(),
        ),
        (
            Some("Active"),
            Some("Month"),
            Some(1),
            Some(10.5),
            Some("RUB"),
            Some("Оплата заказа в example.com"),
            Some("client@test.local"),
            Some("en-US"),
        )
    );
    let month_on = jiff::Timestamp::from_millisecond(paid_at)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .checked_add(jiff::Span::new().months(1))
        .unwrap()
        .timestamp()
        .as_millisecond();
    assert_eq!(ms(&s["NextTransactionDate"]), month_on);
    let payment = payments(&app)
        .await
        .into_iter()
        .find(|p| p.status == Status::Completed)
        .unwrap();
    assert_eq!(payment.subscription_id.as_deref(), s["Id"].as_str());
    assert!(payment.token.is_some());
    let stored = oblako_store::subscriptions::by_id(&app.state.db, s["Id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(Some(stored.token), payment.token, "charges the paying card");
    assert_eq!(stored.source_transaction_id, Some(payment.id));
    let pays = pay_bodies(&app).await;
    assert_eq!(pays.len(), 1);
    let named = format!("SubscriptionId={}", s["Id"].as_str().unwrap());
    assert!(pays[0].contains(&named), "{}", pays[0]);
    // The order is paid: paying again changes nothing.
    pay(&app, id, "4000000000003055").await;
    assert_eq!(find(&app, "payer_7").await.len(), 1);
}

#[tokio::test]
async fn weekly_declined_and_plain_orders() {
    let app = TestApp::new().await;
    let weekly = create(
        &app,
        json!({"SubscriptionBehavior": "CreateWeekly", "AccountId": "weekly"}),
    )
    .await;
    // Declined first, then paid.
    pay(&app, weekly["Id"].as_str().unwrap(), "4000056655665556").await;
    assert!(
        find(&app, "weekly").await.is_empty(),
        "no subscription on a decline"
    );
    pay(&app, weekly["Id"].as_str().unwrap(), "4000000000003055").await;
    let subs = find(&app, "weekly").await;
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0]["Interval"], "Week");

    let plain = create(&app, json!({"AccountId": "plain"})).await;
    pay(&app, plain["Id"].as_str().unwrap(), "4000000000003055").await;
    assert!(find(&app, "plain").await.is_empty());

    let anonymous = create(
        &app,
        json!({"SubscriptionBehavior": "CreateMonthly", "AccountId": null}),
    )
    .await;
    pay(&app, anonymous["Id"].as_str().unwrap(), "4000000000003055").await;
    let anonymous: Vec<_> = payments(&app)
        .await
        .into_iter()
        .filter(|p| p.account_id.is_none() && p.status == Status::Completed)
        .collect();
    assert_eq!(anonymous.len(), 1);
    assert_eq!(anonymous[0].subscription_id, None, "no AccountId, no token");
}
