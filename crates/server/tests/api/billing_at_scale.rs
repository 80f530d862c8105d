//! Billing at scale: 200 subscriptions billed through 6 periods on the injected
//! clock, by three billing nodes at once on PostgreSQL (one on SQLite) → exactly 1,200 charge
//! attempts, none duplicated, none missed.

use std::collections::HashSet;
use std::sync::Arc;

use oblako_core::ids::SiteId;
use oblako_server::app;
use oblako_server::state::AppState;
use oblako_server::subscriptions::billing::{drain, tick};
use oblako_store::Backend;
use oblako_store::subscriptions::charges;
use serde_json::json;

use crate::helpers::TestApp;
use crate::payments::model;
use crate::subscriptions::{DAY_MS, HOUR_MS, create, iso, token_for};

const SUBSCRIPTIONS: usize = 200;
const PERIODS: i64 = 6;

/// A billing node: its own state and pools on the test's database, master key and clock.
async fn node(app: &TestApp) -> AppState {
    let db = oblako_store::Db::connect(&app.db.url, &oblako_store::DbOptions::default())
        .await
        .unwrap();
    app::build_state(app.config.clone(), db, Arc::new(app.clock.clone()))
        .await
        .unwrap()
}

async fn bank_auths(app: &TestApp) -> i64 {
    app.bank_auths().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn money_5_every_period_of_every_subscription_is_charged_exactly_once() {
    let app = TestApp::new().await;
    let nodes = match app.state.db.backend() {
        Backend::Postgres => vec![node(&app).await, node(&app).await, node(&app).await],
        Backend::Sqlite => vec![app.state.clone()],
    };
    let token = token_for(&app, "4000000000003055", "user_1").await;
    let start = app.state.now_ms() + HOUR_MS;
    let mut ids = HashSet::new();
    for n in 0..SUBSCRIPTIONS {
        let reply = create(
            &app,
            &token,
            json!({"Interval": "Day", "Period": 1, "StartDate": iso(start + n as i64 * 1000)}),
        )
        .await;
        ids.insert(model(&reply)["Id"].as_str().unwrap().to_owned());
    }
    let auths_before = bank_auths(&app).await;
    for period in 0..PERIODS {
        app.clock
            .set(jiff::Timestamp::from_millisecond(start + period * DAY_MS + HOUR_MS).unwrap());
        // Every node ticks (the enqueue is idempotent), then all drain at once.
        for state in &nodes {
            tick(state).await.unwrap();
        }
        let mut runs = tokio::task::JoinSet::new();
        for (i, state) in nodes.iter().enumerate() {
            let state = state.clone();
            runs.spawn(async move { drain(&state, &format!("node-{i}")).await.unwrap() });
        }
        let (mut approved, mut set_wise) = (0, 0);
        while let Some(round) = runs.join_next().await {
            let round = round.unwrap();
            assert_eq!(round.errors, 0, "{round:?}");
            approved += round.approved;
            set_wise += round.set_wise;
        }
        assert_eq!(approved as usize, SUBSCRIPTIONS, "period {period}");
        // Plain charges (no Check, cards on file) run set-wise, a batch per round.
        assert!(set_wise > 0, "period {period}: no set-wise round");
    }
    let jobs = charges::of_site(&app.state.db, SiteId(app.site.site_id))
        .await
        .unwrap();
    let expected = SUBSCRIPTIONS * PERIODS as usize;
    assert_eq!(jobs.len(), expected, "exactly one attempt per slot");
    let slots: HashSet<(String, i64)> = jobs
        .iter()
        .map(|j| (j.subscription_id.clone(), j.period_index))
        .collect();
    assert_eq!(slots.len(), expected, "no duplicate (subscription, period)");
    let missed: Vec<_> = ids
        .iter()
        .flat_map(|id| (0..PERIODS).map(move |p| (id.clone(), p)))
        .filter(|slot| !slots.contains(slot))
        .collect();
    assert!(missed.is_empty(), "missed: {missed:?}");
    assert!(jobs.iter().all(|j| j.state == "done" && j.attempt == 0));
    let transactions: HashSet<i64> = jobs.iter().filter_map(|j| j.transaction_id).collect();
    assert_eq!(transactions.len(), expected, "one payment per attempt");
    assert_eq!(
        bank_auths(&app).await - auths_before,
        expected as i64,
        "the bank saw each charge once"
    );
    println!(
        "MONEY-5: {} nodes, {expected} attempts, 0 duplicated, 0 missed",
        nodes.len()
    );
}
