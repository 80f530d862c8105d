//! `notifications/list`, `get`, `resend` and `test` on a real loopback receiver: the log follows
//! the outbox, attempts show their HTTP status, an exhausted notification is resent through the
//! API, another site's ids are not found, and a test notification arrives signed and reports
//! what the receiver said (its body only when a public address said it; these receivers are on
//! loopback).

use oblako_core::ids::SiteId;
use oblako_protocol::notification::verify_hmac;
use oblako_server::notify::deliver::drain;
use oblako_server::sites::CreatedSite;
use oblako_store::notifications::{self, RetrySchedule};
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, request};
use crate::hooksink::{Answer, Sink};
use crate::payments::{card, model};

/// What the API says instead of a loopback receiver's answer (only public addresses' are shown).
const LOOPBACK_NOTE: &str = concat!(
    "(not shown: 127.0.0.1 is a loopback address, ",
    "and the API shows only what public addresses answer)"
);

async fn subscribe(app: &TestApp, sink: &Sink) -> SiteId {
    app.notify(&["Pay", "Fail"], &sink.url).await
}

async fn charge(app: &TestApp) -> i64 {
    let reply = card(
        app,
        "/payments/cards/charge",
        "4000000000003055",
        json!({"Amount": 7}),
    )
    .await;
    model(&reply)["TransactionId"].as_i64().unwrap()
}

async fn deliver(app: &TestApp) -> usize {
    drain(&app.state, "test-worker").await.unwrap()
}

/// `POST path` with `site`'s test keys.
pub(crate) async fn post_as(app: &TestApp, site: &CreatedSite, path: &str, body: Value) -> Reply {
    app.call(
        request("POST", path)
            .auth(&site.test.public_id, &site.test.api_secret)
            .json(&body.to_string()),
    )
    .await
}

async fn api(app: &TestApp, path: &str, body: Value) -> Value {
    app.post(path, &body.to_string()).await.json()
}

fn is_utc_date(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.ends_with('Z') && s.parse::<jiff::Timestamp>().is_ok())
}

#[tokio::test]
async fn the_list_follows_a_notification_from_pending_to_delivered() {
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    subscribe(&app, &sink).await;
    let paid = charge(&app).await;
    let listed = api(&app, "/notifications/list", json!({})).await;
    assert_eq!(listed["Success"], true, "{listed}");
    let rows = listed["Model"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{listed}");
    let row = &rows[0];
    assert_eq!(
        (&row["Type"], &row["State"], &row["TransactionId"]),
        (&json!("Pay"), &json!("pending"), &json!(paid))
    );
    assert_eq!((&row["Sequence"], &row["Attempts"]), (&json!(1), &json!(0)));
    assert_eq!(
        (&row["Url"], &row["Method"]),
        (&json!(sink.url), &json!("POST"))
    );
    assert!(is_utc_date(&row["CreatedAt"]) && is_utc_date(&row["NextAttemptAt"]));
    assert!(row["DeliveredAt"].is_null() && row["LastError"].is_null());

    assert_eq!(deliver(&app).await, 1);
    let delivered = api(&app, "/notifications/list", json!({"State": "delivered"})).await;
    let row = &delivered["Model"][0];
    assert_eq!(
        (&row["State"], &row["Attempts"]),
        (&json!("delivered"), &json!(1))
    );
    assert!(is_utc_date(&row["DeliveredAt"]) && row["NextAttemptAt"].is_null());
    let pending = api(&app, "/notifications/list", json!({"State": "pending"})).await;
    assert_eq!(pending["Model"], json!([]));
    let other = api(
        &app,
        "/notifications/list",
        json!({"TransactionId": paid + 1}),
    )
    .await;
    assert_eq!(other["Model"], json!([]));

    // Paging: newest first, BeforeId continues.
    charge(&app).await;
    let first = api(&app, "/notifications/list", json!({"PageSize": 1})).await;
    let newest = first["Model"][0]["Id"].as_i64().unwrap();
    let next = api(
        &app,
        "/notifications/list",
        json!({"PageSize": 1, "BeforeId": newest}),
    )
    .await;
    assert_eq!(next["Model"][0]["Id"], row["Id"]);
    for bad in [
        json!({"PageSize": 0}),
        json!({"PageSize": 101}),
        json!({"State": "lost"}),
    ] {
        let refused = api(&app, "/notifications/list", bad.clone()).await;
        assert_eq!(refused["Success"], false, "{bad}: {refused}");
    }
}

#[tokio::test]
async fn get_shows_the_body_and_the_attempt_log() {
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    subscribe(&app, &sink).await;
    sink.answer(Answer::Status(503));
    charge(&app).await;
    deliver(&app).await;
    sink.answer(Answer::Ok);
    app.clock.advance_millis(61_000);
    deliver(&app).await;
    let id = api(&app, "/notifications/list", json!({})).await["Model"][0]["Id"].clone();
    let got = api(&app, "/notifications/get", json!({"Id": id})).await;
    assert_eq!(got["Success"], true, "{got}");
    let m = &got["Model"];
    assert_eq!(m["State"], "delivered");
    assert!(m["Body"].as_str().unwrap().starts_with("TransactionId="));
    let log = m["AttemptLog"].as_array().unwrap();
    assert_eq!(log.len(), 2, "{m}");
    assert_eq!(
        (
            &log[0]["Attempt"],
            &log[0]["Delivered"],
            &log[0]["HttpStatus"]
        ),
        (&json!(1), &json!(false), &json!(503))
    );
    assert!(log[0]["Error"].as_str().unwrap().contains("503"));
    assert_eq!(
        (
            &log[1]["Delivered"],
            &log[1]["HttpStatus"],
            &log[1]["Response"]
        ),
        (&json!(true), &json!(200), &json!(LOOPBACK_NOTE))
    );
    assert!(log[1]["Error"].is_null() && log[1]["LatencyMs"].as_i64().unwrap() >= 0);
    assert!(is_utc_date(&log[1]["StartedAt"]));
    let missing = api(&app, "/notifications/get", json!({"Id": 999_999})).await;
    assert_eq!(
        (&missing["Success"], &missing["Message"]),
        (&json!(false), &json!("Notification not found"))
    );
}

#[tokio::test]
async fn an_exhausted_notification_shows_failed_and_is_resent_through_the_api() {
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    let site = subscribe(&app, &sink).await;
    let schedule = RetrySchedule::new(vec![60], 2).unwrap();
    notifications::settings::set_retry_schedule(&app.state.db, site, &schedule)
        .await
        .unwrap();
    sink.answer(Answer::Drop);
    charge(&app).await;
    deliver(&app).await;
    app.clock.advance_millis(61_000);
    deliver(&app).await;
    let failed = api(&app, "/notifications/list", json!({"State": "failed"})).await;
    let row = &failed["Model"][0];
    assert_eq!(
        (&row["State"], &row["Attempts"]),
        (&json!("failed"), &json!(2))
    );
    assert!(row["LastError"].is_string());
    let id = row["Id"].clone();

    sink.answer(Answer::Ok);
    let resent = api(&app, "/notifications/resend", json!({"Id": id})).await;
    assert_eq!(
        resent,
        json!({"Success": true, "Message": null, "Model": null})
    );
    let again = api(&app, "/notifications/resend", json!({"Id": id})).await;
    assert_eq!(again["Success"], false, "a pending one cannot be resent");
    assert!(again["Message"].as_str().unwrap().contains("pending"));
    assert_eq!(deliver(&app).await, 1);
    let got = api(&app, "/notifications/get", json!({"Id": id})).await;
    assert_eq!(got["Model"]["State"], "delivered");
    assert_eq!(got["Model"]["AttemptLog"].as_array().unwrap().len(), 3);
    assert_eq!(sink.deliveries().len(), 3);
}

#[tokio::test]
async fn another_sites_notifications_are_not_found() {
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    subscribe(&app, &sink).await;
    let paid = charge(&app).await;
    deliver(&app).await;
    let id = api(&app, "/notifications/list", json!({})).await["Model"][0]["Id"].clone();
    let stranger = app.another_site("Other shop").await;
    let listed = post_as(&app, &stranger, "/notifications/list", json!({})).await;
    assert_eq!(listed.json()["Model"], json!([]));
    let by_payment = post_as(
        &app,
        &stranger,
        "/notifications/list",
        json!({"TransactionId": paid}),
    )
    .await;
    assert_eq!(by_payment.json()["Model"], json!([]));
    for path in ["/notifications/get", "/notifications/resend"] {
        let reply = post_as(&app, &stranger, path, json!({"Id": id}))
            .await
            .json();
        assert_eq!(
            (&reply["Success"], &reply["Message"]),
            (&json!(false), &json!("Notification not found")),
            "{path}"
        );
    }
    let still = api(&app, "/notifications/get", json!({"Id": id})).await;
    assert_eq!(
        still["Model"]["State"], "delivered",
        "untouched by the stranger"
    );
}

#[tokio::test]
async fn a_test_notification_arrives_signed_and_reports_the_answer() {
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    let refused = api(&app, "/notifications/test", json!({"Type": "pay"})).await;
    assert_eq!(refused["Success"], false, "no address yet: {refused}");
    assert!(refused["Message"].as_str().unwrap().contains("No address"));
    subscribe(&app, &sink).await;

    let sent = api(&app, "/notifications/test", json!({"Type": "pay"})).await;
    assert_eq!(sent["Success"], true, "{sent}");
    let m = &sent["Model"];
    assert_eq!(
        (&m["Url"], &m["HttpStatus"], &m["Delivered"], &m["Error"]),
        (&json!(sink.url), &json!(200), &json!(true), &Value::Null)
    );
    assert_eq!(m["Response"], LOOPBACK_NOTE);
    assert!(m["LatencyMs"].as_i64().unwrap() >= 0);
    let seen = sink.deliveries();
    assert_eq!(seen.len(), 1);
    let hook = &seen[0];
    let secret = app.site.test.api_secret.as_bytes();
    assert!(verify_hmac(
        secret,
        hook.body.as_bytes(),
        hook.header("Content-HMAC").unwrap()
    ));
    assert!(hook.header("X-Webhook-Id").unwrap().starts_with("test_"));
    assert_eq!(hook.param("TransactionId").as_deref(), Some("0"));
    assert_eq!(hook.param("Amount").as_deref(), Some("1.00"));
    assert_eq!(hook.param("Currency").as_deref(), Some("RUB"));
    assert_eq!(hook.param("TestMode").as_deref(), Some("1"));
    assert_eq!(hook.param("CardLastFour").as_deref(), Some("4242"));
    // What a real Pay carries and typed parsers (aiocloudpayments) require.
    for (name, value) in [
        ("CardExpDate", "12/30"),
        ("OperationType", "Payment"),
        ("GatewayName", "Test"),
        ("TotalFee", "0.00"),
    ] {
        assert_eq!(hook.param(name).as_deref(), Some(value), "{name}");
    }

    sink.answer(Answer::Status(500));
    let failed = api(&app, "/notifications/test", json!({"Type": "FAIL"})).await;
    let m = &failed["Model"];
    assert_eq!(
        (&m["Delivered"], &m["HttpStatus"]),
        (&json!(false), &json!(500))
    );
    assert_eq!(
        sink.deliveries()[1].param("Status").as_deref(),
        Some("Declined")
    );
    let stored = api(&app, "/notifications/list", json!({})).await;
    assert_eq!(
        stored["Model"],
        json!([]),
        "test notifications are not stored"
    );
    let bad = api(&app, "/notifications/test", json!({"Type": "Receipt"})).await;
    assert_eq!(bad["Success"], false);
}

#[tokio::test]
async fn the_test_command_sends_a_sample_and_fails_when_it_is_not_acknowledged() {
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    subscribe(&app, &sink).await;
    // tokio's Command, so the sink on this test's runtime keeps answering meanwhile.
    let run = |kind: &str| {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_oblako"))
            .args(["site", "notification-test", "--json", "--kind", kind])
            .args(["--site", &app.site.site_id.to_string()])
            .env("OBLAKO_DATA_DIR", &app.config.data_dir)
            .env("OBLAKO_DATABASE_URL", &app.config.database_url)
            .output()
    };
    let ok = run("Pay").await.unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let model: Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(
        (&model["Delivered"], &model["HttpStatus"]),
        (&json!(true), &json!(200))
    );
    let hook = &sink.deliveries()[0];
    assert!(verify_hmac(
        app.site.test.api_secret.as_bytes(),
        hook.body.as_bytes(),
        hook.header("Content-HMAC").unwrap()
    ));
    sink.answer(Answer::Code(13));
    let refused = run("Fail").await.unwrap();
    assert!(
        !refused.status.success(),
        "a code other than 0 is a failure"
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("did not acknowledge"));
    assert_eq!(sink.deliveries().len(), 2);
    assert!(!run("Receipt").await.unwrap().status.success());
}
