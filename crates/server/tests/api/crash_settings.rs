//! The knobs the crash script (crash/crash1.py) turns, driven by the manual clock: a dead
//! worker's notification claim passes on after `notification_lease_secs`, the reconciler settles
//! an open bank call after `reconcile_after_secs`, and `oblako site notification-retries` sets
//! and shows a site's retry schedule.

use axum::http::StatusCode;
use oblako_core::ids::SiteId;
use oblako_server::cli::notification_retries::{RetriesArgs, apply};
use oblako_server::notify::deliver::drain;
use oblako_server::sweeper::sweep_once;
use oblako_store::notifications::{self, RetrySchedule};
use serde_json::json;

use crate::helpers::{TestApp, request};
use crate::hooksink::Sink;
use crate::payments::{card, cryptogram, model};

async fn subscribe_pay(app: &TestApp, sink: &Sink) {
    app.notify(&["Pay"], &sink.url).await;
}

#[tokio::test]
async fn a_dead_workers_claim_passes_on_after_the_configured_lease() {
    let app = TestApp::with_config(|c| c.notification_lease_secs = 5).await;
    let sink = Sink::start().await;
    subscribe_pay(&app, &sink).await;
    let reply = card(
        &app,
        "/payments/cards/charge",
        "4000000000003055",
        json!({"Amount": 4}),
    )
    .await;
    let paid = model(&reply)["TransactionId"].as_i64().unwrap();
    // A worker claims the Pay with the configured lease and dies before sending it.
    let lease = app.state.config.notification_lease_ms();
    assert_eq!(lease, 5_000);
    let claimed =
        notifications::claim_due(&app.state.db, app.state.now_ms(), lease, "dead", 10, 16)
            .await
            .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        drain(&app.state, "survivor").await.unwrap(),
        0,
        "still leased"
    );
    app.clock.advance_millis(4_900);
    assert_eq!(
        drain(&app.state, "survivor").await.unwrap(),
        0,
        "still leased"
    );
    app.clock.advance_millis(200);
    assert_eq!(
        drain(&app.state, "survivor").await.unwrap(),
        1,
        "taken over"
    );
    let seen = sink.deliveries();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].param("TransactionId"), Some(paid.to_string()));
}

#[tokio::test]
async fn the_reconciler_settles_an_open_bank_call_after_the_configured_delay() {
    let app = TestApp::with_config(|c| c.reconcile_after_secs = 5).await;
    let packet = cryptogram(&app, &app.site.test.public_id, "4000000000003055").await;
    let body = json!({"Amount": 3, "IpAddress": "1.1.1.1", "CardCryptogramPacket": packet,
                      "InvoiceId": "open"});
    app.state.faults.fail_after_intent(1);
    let reply = app
        .call(
            request("POST", "/payments/cards/charge")
                .auth(&app.site.test.public_id, &app.site.test.api_secret)
                .json(&body.to_string()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    app.clock.advance_millis(4_900);
    assert_eq!(sweep_once(&app.state).await.unwrap().reconciled, 0);
    app.clock.advance_millis(200);
    assert_eq!(sweep_once(&app.state).await.unwrap().reconciled, 1);
    let found = app
        .post("/payments/find", r#"{"InvoiceId":"open"}"#)
        .await
        .json();
    assert_eq!(found["Model"]["Status"], "Completed");
}

fn retries(
    site: i64,
    intervals: Option<&str>,
    max: Option<i64>,
    preset: Option<&str>,
) -> RetriesArgs {
    RetriesArgs {
        site,
        intervals: intervals.map(str::to_owned),
        max_attempts: max,
        preset: preset.map(str::to_owned),
        json: false,
    }
}

#[tokio::test]
async fn notification_retries_sets_and_shows_a_sites_schedule() {
    let app = TestApp::new().await;
    let (db, site) = (&app.state.db, app.site.site_id);
    let shown = apply(db, &retries(site, None, None, None)).await.unwrap();
    assert_eq!(shown, RetrySchedule::cloudpayments(), "until set");
    let set = apply(db, &retries(site, Some("1, 2"), Some(7), None))
        .await
        .unwrap();
    assert_eq!(set, RetrySchedule::new(vec![1, 2], 7).unwrap());
    assert_eq!(
        notifications::settings::retry_schedule(db, SiteId(site))
            .await
            .unwrap(),
        Some(set.clone())
    );
    let defaulted = apply(db, &retries(site, Some("3"), None, None))
        .await
        .unwrap();
    assert_eq!(defaulted.max_attempts(), 100);
    let svix = apply(db, &retries(site, None, None, Some("svix")))
        .await
        .unwrap();
    assert_eq!(svix, RetrySchedule::svix());
    for (intervals, max) in [("1,x", 5), ("", 5), ("-1", 5), ("1", 0), ("1", 1_001)] {
        let err = apply(db, &retries(site, Some(intervals), Some(max), None))
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("--intervals"),
            "{intervals} × {max}: {err}"
        );
    }
    assert_eq!(
        notifications::settings::retry_schedule(db, SiteId(site))
            .await
            .unwrap(),
        Some(RetrySchedule::svix()),
        "a refused schedule changes nothing"
    );
    let err = apply(db, &retries(404, Some("1"), None, None))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no site 404"), "{err}");
}
