//! Test clocks (`POST /sandbox/clock`): a sandbox site's time moves forward and everything
//! time-driven for that site follows it, while other sites and the wall clock stand still.

use jiff::ToSpan;
use jiff::tz::TimeZone;
use oblako_core::ids::SiteId;
use oblako_server::sites::CreatedSite;
use oblako_server::subscriptions::billing::{drain, tick};
use oblako_server::sweeper::sweep_once;
use oblako_store::subscriptions::charges;
use serde_json::{Value, json};

use crate::helpers::{TestApp, request};
use crate::notification_log::post_as;
use crate::payments::{cryptogram, model};
use crate::subscription_billing::{bodies, sub};
use crate::subscriptions::{DAY_MS, HOUR_MS, create, iso, token_for};

/// `POST /sandbox/clock` with `site`'s test keys.
async fn clock(app: &TestApp, site: &CreatedSite, body: Value) -> Value {
    post_as(app, site, "/sandbox/clock", body).await.json()
}

/// The `Now` a clock reply carries, in Unix ms.
fn now_of(reply: &Value) -> i64 {
    assert_eq!(reply["Success"], true, "{reply}");
    let text = reply["Model"]["Now"].as_str().unwrap();
    let civil: jiff::civil::DateTime = text.parse().unwrap();
    civil
        .to_zoned(TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_millisecond()
}

/// The wall clock's ms cut to whole seconds, as `Now` shows it.
fn seconds(ms: i64) -> i64 {
    ms - ms.rem_euclid(1000)
}

/// An authorization of 7 RUB on `site` by card `number`; its id.
async fn authorize(app: &TestApp, site: &CreatedSite, number: &str) -> i64 {
    let packet = cryptogram(app, &site.test.public_id, number).await;
    let body = json!({"Amount": 7, "IpAddress": "1.2.3.4", "CardCryptogramPacket": packet});
    let reply = post_as(app, site, "/payments/cards/auth", body).await;
    model(&reply)["TransactionId"].as_i64().unwrap()
}

async fn payment(app: &TestApp, site: &CreatedSite, id: i64) -> Value {
    let reply = post_as(app, site, "/payments/get", json!({ "TransactionId": id })).await;
    model(&reply)
}

/// Ticks and drains until a tick enqueues nothing, as the billing loop does.
async fn catch_up(app: &TestApp) -> u64 {
    let mut ticks = 0;
    while tick(&app.state).await.unwrap() > 0 {
        drain(&app.state, "test-billing").await.unwrap();
        ticks += 1;
        assert!(ticks < 20, "billing does not settle");
    }
    ticks
}

#[tokio::test]
async fn a_monthly_subscription_advanced_three_months_is_charged_three_times_in_order() {
    let app = TestApp::new().await;
    app.notify(&["Recurrent", "Pay", "Fail"], "http://127.0.0.1:9/hook")
        .await;
    let token = token_for(&app, "4000000000003055", "user_1").await;
    let reply = create(&app, &token, json!({})).await;
    let id = model(&reply)["Id"].as_str().unwrap().to_owned();
    let wall = app.state.now_ms();
    let auths = app.bank_auths().await;
    // Three calendar months: the slots at +1 h, +1 month +1 h and +2 months +1 h fall due, the
    // fourth (+3 months +1 h) does not.
    let three_months = jiff::Timestamp::from_millisecond(wall)
        .unwrap()
        .to_zoned(TimeZone::UTC)
        .checked_add(3.months())
        .unwrap()
        .timestamp()
        .as_millisecond()
        - wall;
    let moved = clock(&app, &app.site, json!({ "Advance": three_months / 1000 })).await;
    assert_eq!(now_of(&moved), seconds(wall + three_months));
    assert_eq!(app.state.now_ms(), wall, "the wall clock stands still");
    assert_eq!(catch_up(&app).await, 3, "one slot enqueued per tick");
    assert_eq!(catch_up(&app).await, 0, "nothing left");
    assert_eq!(app.bank_auths().await, auths + 3);
    let jobs = charges::of_site(&app.state.db, SiteId(app.site.site_id))
        .await
        .unwrap();
    assert_eq!(
        jobs.iter()
            .map(|j| (j.period_index, j.attempt, j.state.as_str()))
            .collect::<Vec<_>>(),
        [(0, 0, "done"), (1, 0, "done"), (2, 0, "done")]
    );
    let charged: Vec<i64> = jobs.iter().map(|j| j.transaction_id.unwrap()).collect();
    assert!(charged.is_sorted(), "charged in slot order: {charged:?}");
    let m = sub(&app, &id).await;
    assert_eq!(m["SuccessfulTransactionsNumber"], 3);
    let pay = bodies(&app, "Pay", &format!("SubscriptionId={id}")).await;
    assert_eq!(pay.len(), 3, "one Pay per charge");
    for (body, transaction) in pay.iter().zip(&charged) {
        assert!(
            body.contains(&format!("TransactionId={transaction}&")),
            "{body}"
        );
    }
    // The charges are dated on the site's clock: the last one after two months.
    let last = payment(&app, &app.site, charged[2]).await;
    let created = last["CreatedDate"].as_str().unwrap();
    let created_ms: i64 = created[6..created.len() - 2].parse().unwrap();
    assert!(created_ms > wall + 59 * DAY_MS, "{created}");
}

#[tokio::test]
async fn an_authorization_advanced_eight_days_is_cancelled_and_other_sites_stand_still() {
    let app = TestApp::new().await;
    app.notify(&["Cancel"], "http://127.0.0.1:9/hook").await;
    let other = app.another_site("Other shop").await;
    let held = authorize(&app, &app.site, "4000000000003055").await;
    let theirs = authorize(&app, &other, "4000000000003055").await;
    assert_eq!(payment(&app, &app.site, held).await["Status"], "Authorized");
    let wall = app.state.now_ms();
    let moved = clock(&app, &app.site, json!({ "Advance": 8 * 86_400 })).await;
    assert_eq!(now_of(&moved), seconds(wall + 8 * DAY_MS));
    let swept = sweep_once(&app.state).await.unwrap();
    assert_eq!(swept.expired, 1, "{swept:?}");
    assert_eq!(payment(&app, &app.site, held).await["Status"], "Cancelled");
    let cancel = bodies(&app, "Cancel", &format!("TransactionId={held}&")).await;
    assert_eq!(cancel.len(), 1, "the Cancel notification is queued");
    // The other site's clock and payment did not move.
    assert_eq!(payment(&app, &other, theirs).await["Status"], "Authorized");
    assert_eq!(now_of(&clock(&app, &other, json!({})).await), seconds(wall));
    // Reading does not move; a new payment is dated on the site's clock.
    assert_eq!(
        now_of(&clock(&app, &app.site, json!({})).await),
        seconds(wall + 8 * DAY_MS)
    );
    let fresh = authorize(&app, &app.site, "4000000000003055").await;
    let created = payment(&app, &app.site, fresh).await["CreatedDate"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(created, format!("/Date({})/", wall + 8 * DAY_MS));
}

#[tokio::test]
async fn live_keys_production_sites_and_going_back_are_refused() {
    let app = TestApp::new().await;
    let wall = app.state.now_ms();
    let back = clock(&app, &app.site, json!({ "To": iso(wall - HOUR_MS) })).await;
    assert_eq!(back["Success"], false, "{back}");
    let ahead = clock(&app, &app.site, json!({ "To": iso(wall + HOUR_MS) })).await;
    assert_eq!(now_of(&ahead), seconds(wall + HOUR_MS));
    let negative = clock(&app, &app.site, json!({ "Advance": -1 })).await;
    assert_eq!(negative["Success"], false, "{negative}");
    let live = app.another_site("Live shop").await;
    oblako_store::sites::go_live(&app.state.db, SiteId(live.site_id), wall)
        .await
        .unwrap();
    let with_live_keys = app
        .call(
            request("POST", "/sandbox/clock")
                .auth(&live.live.public_id, &live.live.api_secret)
                .json(r#"{"Advance": 60}"#),
        )
        .await
        .json();
    assert_eq!(with_live_keys["Success"], false, "{with_live_keys}");
    let with_test_keys = clock(&app, &live, json!({ "Advance": 60 })).await;
    assert_eq!(with_test_keys["Success"], false, "{with_test_keys}");
    assert_eq!(
        oblako_store::clocks::offset(&app.state.db, SiteId(live.site_id))
            .await
            .unwrap(),
        0,
        "nothing changed"
    );
    // Going live stops a clock that had moved.
    oblako_store::sites::go_live(&app.state.db, SiteId(app.site.site_id), wall)
        .await
        .unwrap();
    assert_eq!(
        oblako_store::clocks::offset(&app.state.db, SiteId(app.site.site_id))
            .await
            .unwrap(),
        0
    );
}
