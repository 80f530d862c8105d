//! A billing node killed mid-run loses nothing and charges nothing twice (in
//! process): node A's drain is aborted at a different moment each period, which drops every
//! charge it has in flight between two awaits (a transaction open, a bank call made but not
//! recorded, an outcome not yet applied), as a `kill -9` would. Node B then takes over A's jobs
//! once their leases run out. PostgreSQL only for now (see the test's first lines).

use std::collections::HashSet;
use std::time::Duration;

use oblako_core::ids::SiteId;
use oblako_server::subscriptions::billing::{LEASE_MS, drain, tick};
use oblako_store::subscriptions::charges;
use serde_json::json;

use crate::helpers::TestApp;
use crate::payments::model;
use crate::subscriptions::{DAY_MS, HOUR_MS, create, iso, token_for};

const SUBSCRIPTIONS: usize = 60;

async fn bank_auths(app: &TestApp) -> i64 {
    app.bank_auths().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_billing_loses_nothing_and_charges_nothing_twice() {
    let app = TestApp::new().await;
    let token = token_for(&app, "4000000000003055", "user_1").await;
    let start = app.state.now_ms() + HOUR_MS;
    let mut ids = Vec::new();
    for _ in 0..SUBSCRIPTIONS {
        let reply = create(
            &app,
            &token,
            json!({"Interval": "Day", "Period": 1, "StartDate": iso(start)}),
        )
        .await;
        ids.push(model(&reply)["Id"].as_str().unwrap().to_owned());
    }
    let before = bank_auths(&app).await;
    let mut killed_mid_run = 0;
    let mut taken_over = 0;
    for (period, kill_after_ms) in [1u64, 4, 15, 40].into_iter().enumerate() {
        let period = period as i64;
        app.clock
            .set(jiff::Timestamp::from_millisecond(start + period * DAY_MS).unwrap());
        tick(&app.state).await.unwrap();
        let state = app.state.clone();
        let node_a = tokio::spawn(async move { drain(&state, "node-a").await });
        tokio::time::sleep(Duration::from_millis(kill_after_ms)).await;
        node_a.abort();
        if matches!(node_a.await, Err(e) if e.is_cancelled()) {
            killed_mid_run += 1;
        }
        drain(&app.state, "node-b").await.unwrap();
        let expected = SUBSCRIPTIONS as i64 * (period + 1);
        // Node B takes over once A's leases ran out, and again every few seconds as its loop
        // does: a statement A sent before it died may still hold its rows for a moment (the
        // database finishes it), and B's claim skips locked rows rather than waiting.
        for attempt in 0.. {
            app.clock.advance_millis(LEASE_MS + 1);
            tick(&app.state).await.unwrap();
            let round = drain(&app.state, "node-b").await.unwrap();
            assert_eq!(round.errors, 0, "{round:?}");
            taken_over += round.claimed();
            let jobs = charges::of_site(&app.state.db, SiteId(app.site.site_id))
                .await
                .unwrap();
            if jobs.iter().all(|j| j.state == "done") {
                break;
            }
            assert!(attempt < 20, "period {period}: jobs left undone: {jobs:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            bank_auths(&app).await - before,
            expected,
            "period {period}: every charge reached the bank exactly once"
        );
        let jobs = charges::of_site(&app.state.db, SiteId(app.site.site_id))
            .await
            .unwrap();
        assert_eq!(jobs.len() as i64, expected);
        assert!(jobs.iter().all(|j| j.state == "done"));
        let slots: HashSet<_> = jobs
            .iter()
            .map(|j| (j.subscription_id.clone(), j.period_index))
            .collect();
        assert_eq!(slots.len() as i64, expected, "no slot twice");
    }
    for id in &ids {
        let m = model(
            &app.post("/subscriptions/get", &json!({ "Id": id }).to_string())
                .await,
        );
        assert_eq!(m["SuccessfulTransactionsNumber"], 4, "{id}");
        assert_eq!(m["Status"], "Active");
    }
    println!(
        "billing kill: node A killed mid-run in {killed_mid_run} of 4 periods; \
         node B took over {taken_over} of its leased jobs"
    );
    assert!(taken_over > 0, "the kills must leave leased jobs behind");
}
