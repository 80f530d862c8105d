//! Test and live mode kept apart in notifications (RELIABILITY S3, SEC-1, SEC-13): a site's live
//! keys never see, read or resend its test-mode notifications nor the other way round, and a
//! foreign-mode id answers byte for byte like a missing one; the operator sees both, labelled.

use oblako_core::ids::{Mode, SiteId};
use oblako_server::notify::deliver::drain;
use oblako_store::notifications::{self, NewNotification};
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, request};
use crate::hooksink::Sink;
use crate::payments::{card, model};

async fn live_site() -> TestApp {
    let app = TestApp::new().await;
    oblako_store::sites::go_live(&app.state.db, SiteId(app.site.site_id), app.state.now_ms())
        .await
        .unwrap();
    app
}

async fn as_mode(app: &TestApp, mode: Mode, path: &str, body: Value) -> Reply {
    let keys = match mode {
        Mode::Test => &app.site.test,
        Mode::Live => &app.site.live,
    };
    app.call(
        request("POST", path)
            .auth(&keys.public_id, &keys.api_secret)
            .json(&body.to_string()),
    )
    .await
}

pub async fn test_mode_payment(app: &TestApp) -> i64 {
    let reply = card(
        app,
        "/payments/cards/charge",
        "4000000000003055",
        json!({"Amount": 7}),
    )
    .await;
    model(&reply)["TransactionId"].as_i64().unwrap()
}

/// A live-mode notification straight into the outbox (live payments need an acquirer).
async fn live_notification(app: &TestApp, url: &str) -> i64 {
    let mut tx = app.state.db.begin_write().await.unwrap();
    let id = notifications::enqueue(
        &mut tx,
        &NewNotification {
            site: SiteId(app.site.site_id),
            mode: Mode::Live,
            transaction_id: None,
            kind: "Pay",
            body: "TransactionId=1&Token=tk_live_secret&AccountId=live_user",
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

/// What `path` answers `mode`'s keys for `id`: status and body bytes.
async fn answer_for(app: &TestApp, mode: Mode, path: &str, id: i64) -> (u16, String) {
    let reply = as_mode(app, mode, path, json!({"Id": id})).await;
    (
        reply.status.as_u16(),
        String::from_utf8_lossy(&reply.body).into_owned(),
    )
}

#[tokio::test]
async fn a_foreign_modes_notification_answers_like_a_missing_one() {
    let app = live_site().await;
    let sink = Sink::start().await;
    app.notify(&["Pay"], &sink.url).await;
    let paid = test_mode_payment(&app).await;
    assert_eq!(drain(&app.state, "w").await.unwrap(), 1);
    let listed = as_mode(&app, Mode::Test, "/notifications/list", json!({})).await;
    let test_id = listed.json()["Model"][0]["Id"].as_i64().unwrap();
    // A documentation address: the guard refuses it at once, so nothing leaves the machine.
    let live_id = live_notification(&app, "https://192.0.2.1/pay").await;
    let missing = 999_999;

    for (mode, foreign) in [(Mode::Live, test_id), (Mode::Test, live_id)] {
        let listed = as_mode(&app, mode, "/notifications/list", json!({})).await;
        let ids: Vec<i64> = listed.json()["Model"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|n| n["Id"].as_i64())
            .collect();
        assert!(
            !ids.contains(&foreign),
            "{mode:?} keys list {foreign}: {ids:?}"
        );
        for path in ["/notifications/get", "/notifications/resend"] {
            assert_eq!(
                answer_for(&app, mode, path, foreign).await,
                answer_for(&app, mode, path, missing).await,
                "{mode:?} keys, {path} of the other mode's {foreign}"
            );
        }
    }
    let by_payment = as_mode(
        &app,
        Mode::Live,
        "/notifications/list",
        json!({"TransactionId": paid}),
    )
    .await;
    assert_eq!(by_payment.json()["Model"], json!([]));

    // Nothing changed hands: the test-mode one was not sent again (the live one, pending all
    // along, was: once).
    assert_eq!(drain(&app.state, "w").await.unwrap(), 1);
    assert_eq!(sink.deliveries().len(), 1);
    let own = as_mode(
        &app,
        Mode::Test,
        "/notifications/get",
        json!({"Id": test_id}),
    )
    .await;
    assert_eq!(
        (
            &own.json()["Model"]["State"],
            &own.json()["Model"]["Attempts"]
        ),
        (&json!("delivered"), &json!(1))
    );
}

#[tokio::test]
async fn the_operator_sees_both_modes_labelled() {
    let app = live_site().await;
    let sink = Sink::start().await;
    app.notify(&["Pay"], &sink.url).await;
    test_mode_payment(&app).await;
    live_notification(&app, "https://192.0.2.1/pay").await;
    let log = |extra: &'static [&'static str]| {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_oblako"))
            .args(["site", "notification-log", "--json"])
            .args(["--site", &app.site.site_id.to_string()])
            .args(extra)
            .env("OBLAKO_DATA_DIR", &app.config.data_dir)
            .env("OBLAKO_DATABASE_URL", &app.config.database_url)
            .output()
    };
    let modes = |out: std::process::Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| r["Mode"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(modes(log(&[]).await.unwrap()), ["live", "test"]);
    assert_eq!(modes(log(&["--mode", "live"]).await.unwrap()), ["live"]);
    assert_eq!(modes(log(&["--mode", "test"]).await.unwrap()), ["test"]);
}
