//! What a signed-in cabinet page costs the database, counted with `Db::visits` on both
//! backends: its own queries, plus one visit to read the session and, at most once every 30
//! seconds of a session's use, one to refresh its idle clock.

use axum::http::StatusCode;

use crate::cabinet::{Browser, location, set_address, signed_in, text};
use crate::helpers::TestApp;

/// The visits one GET of `path` makes, after checking it answers `status`.
async fn visits(app: &TestApp, browser: &Browser<'_>, path: &str, status: StatusCode) -> u64 {
    let before = app.state.db.visits();
    let reply = browser.get(path).await;
    assert_eq!(reply.status, status, "{path}: {}", text(&reply));
    app.state.db.visits() - before
}

/// Each page of `pages` (path, its own queries) costs at most its own queries and the session's
/// read.
async fn assert_costs(app: &TestApp, browser: &Browser<'_>, pages: &[(&str, u64)]) {
    let mut costs = Vec::new();
    for &(path, own) in pages {
        costs.push((
            path,
            visits(app, browser, path, StatusCode::OK).await,
            own + 1,
        ));
    }
    let wrong: Vec<_> = costs.iter().filter(|(_, got, want)| got > want).collect();
    assert!(wrong.is_empty(), "(page, visits, expected): {wrong:?}");
}

#[tokio::test]
async fn a_signed_in_page_costs_its_own_queries_and_at_most_two_more() {
    use crate::hooksink::Sink;
    use crate::payments::{card, model};
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    let site = app.site.site_id;
    let mut owner = signed_in(&app, "costs@shop.example", "owner", None).await;
    let settings = format!("/cabinet/sites/{site}/notifications");
    set_address(&mut owner, site, "Pay", &sink.url).await;
    let paid = card(
        &app,
        "/payments/cards/charge",
        "4000000000003055",
        serde_json::json!({"Amount": 10, "InvoiceId": "COST-1"}),
    )
    .await;
    let id = model(&paid)["TransactionId"].as_i64().unwrap();
    let deliver = || oblako_server::notify::deliver::drain(&app.state, "costs-test");
    deliver().await.unwrap();
    // Three notifications of one transaction, each with its attempt: the page must not read
    // their attempts one notification at a time.
    let page = format!("/cabinet/transactions/{id}");
    for _ in 0..2 {
        let nid = oblako_store::notifications::list(
            &app.state.db,
            oblako_core::ids::SiteId(site),
            &Default::default(),
        )
        .await
        .unwrap()[0]
            .id;
        let resend = format!("/cabinet/transactions/{id}/notifications/{nid}/resend");
        let resent = owner.post(&page, &resend, &[]).await;
        assert_eq!(resent.status, StatusCode::SEE_OTHER, "{}", text(&resent));
        deliver().await.unwrap();
    }
    assert_eq!(sink.deliveries().len(), 3);

    // The session alone: `/cabinet/` reads it and redirects.
    let home = visits(&app, &owner, "/cabinet/", StatusCode::SEE_OTHER).await;
    assert_eq!(home, 1, "reading the session");
    // Once its idle clock is 30 s old, the next request refreshes it: one more.
    app.clock.advance_millis(31 * 1000);
    let touched = visits(&app, &owner, "/cabinet/", StatusCode::SEE_OTHER).await;
    assert_eq!(touched, 2, "reading and refreshing the session");

    // Each page: the session read, then at most its own queries (named beside each; a cached
    // read costs none).
    let pages: [(&str, u64); 8] = [
        // the account's sites
        ("/cabinet/sites", 1),
        // the site, its keys
        (&format!("/cabinet/sites/{site}"), 2),
        // the site, its settings in test mode and in live mode, its retry schedule
        (&settings, 4),
        // the page of rows, the totals, the account's sites for the filter
        ("/cabinet/transactions", 3),
        // the row, its refunds, its notifications, all their attempts
        (&page, 4),
        // the audit trail, the refused API requests
        ("/cabinet/log", 2),
        // the account's receipts
        ("/cabinet/receipts", 1),
        // the account's users, whether the account requires two-factor sign-in
        ("/cabinet/users", 2),
    ];
    assert_costs(&app, &owner, &pages).await;
    assert_eq!(
        location(&owner.get("/cabinet/").await),
        "/cabinet/transactions"
    );
}

#[tokio::test]
async fn the_subscriptions_and_orders_pages_cost_their_own_queries_and_the_sessions() {
    let app = TestApp::new().await;
    let token = crate::subscriptions::token_for(&app, "4000000000003055", "user_1").await;
    let sub = crate::cabinet_subscriptions::subscription(&app, &token, serde_json::json!({})).await;
    let order = crate::orders::create(&app, serde_json::json!({})).await["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let owner = signed_in(&app, "costs@billing.example", "owner", None).await;
    visits(&app, &owner, "/cabinet/", StatusCode::SEE_OTHER).await;
    let pages: [(&str, u64); 4] = [
        // the page of rows, the summary, the account's sites for the filter
        ("/cabinet/subscriptions", 3),
        // the subscription, its charges, its notices
        (&format!("/cabinet/subscriptions/{sub}"), 3),
        // the page of rows, the account's sites for the filter and the form
        ("/cabinet/orders", 2),
        // the order, its messages
        (&format!("/cabinet/orders/{order}"), 2),
    ];
    assert_costs(&app, &owner, &pages).await;
}
