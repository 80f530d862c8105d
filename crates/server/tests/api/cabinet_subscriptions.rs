//! The cabinet's subscriptions pages: the list with its filters, search and summary (count and
//! monthly amount per status and currency on a hand-computed set), a subscription's page, and
//! its Cancel and Change forms going through the API's flows (the API's `subscriptions/get`
//! agrees), once per form, with the flows' refusals in the user's language.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::cabinet::{location, signed_in, text};
use crate::helpers::{TestApp, hidden_field};
use crate::payments::model;
use crate::subscriptions::{create, token_for};

/// A subscription of `user_1` made through the API with `extra` over the defaults (399 RUB a
/// month); its id.
pub(crate) async fn subscription(app: &TestApp, token: &str, extra: Value) -> String {
    let reply = create(app, token, extra).await;
    let m = model(&reply);
    m["Id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", crate::cabinet::text(&reply)))
        .to_owned()
}

pub(crate) async fn api_get(app: &TestApp, id: &str) -> Value {
    model(
        &app.post("/subscriptions/get", &json!({ "Id": id }).to_string())
            .await,
    )
}

async fn audit_actions(app: &TestApp, action: &str) -> usize {
    let account = oblako_server::sites::default_account(&app.state.db, app.state.now_ms())
        .await
        .unwrap();
    oblako_store::audit::entries(&app.state.db, account, None, 0, i64::MAX, i64::MAX, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .count()
}

#[tokio::test]
async fn change_and_cancel_from_the_page_go_through_the_api_flows_once_per_form() {
    let app = TestApp::new().await;
    let token = token_for(&app, "4000000000003055", "user_1").await;
    let id = subscription(&app, &token, json!({})).await;
    let mut admin = signed_in(&app, "admin@subs.example", "admin", None).await;
    let list = text(&admin.get("/cabinet/subscriptions").await);
    assert!(list.contains(&id), "{list}");
    let path = format!("/cabinet/subscriptions/{id}");
    let html = text(&admin.get(&path).await);
    assert!(html.contains("399.00 RUB"), "{html}");
    let seen = hidden_field(&html, "seen");

    let change = [
        ("amount", "500"),
        ("interval", "Month"),
        ("period", "1"),
        ("max_periods", ""),
        ("seen", seen.as_str()),
    ];
    let changed = admin.post(&path, &format!("{path}/change"), &change).await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", text(&changed));
    assert_eq!(location(&changed), path);
    let m = api_get(&app, &id).await;
    assert_eq!(
        (m["Amount"].as_f64(), m["Interval"].as_str()),
        (Some(500.0), Some("Month"))
    );
    // The same form again (a double click) changes nothing more and leaves one audit entry.
    let again = admin.post(&path, &format!("{path}/change"), &change).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(audit_actions(&app, "subscription change").await, 1);

    // The schedule and MaxPeriods through the same flow.
    let seen = hidden_field(&text(&admin.get(&path).await), "seen");
    let weekly = [
        ("amount", "500.00"),
        ("interval", "Week"),
        ("period", "2"),
        ("max_periods", "6"),
        ("seen", seen.as_str()),
    ];
    let changed = admin.post(&path, &format!("{path}/change"), &weekly).await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", text(&changed));
    let m = api_get(&app, &id).await;
    assert_eq!(
        (
            m["Interval"].as_str(),
            m["Period"].as_i64(),
            m["MaxPeriods"].as_i64()
        ),
        (Some("Week"), Some(2), Some(6))
    );

    // The flow's refusal, in the user's language (Russian until they choose).
    let seen = hidden_field(&text(&admin.get(&path).await), "seen");
    let bad = [
        ("amount", "500.00"),
        ("interval", "Week"),
        ("period", "0"),
        ("max_periods", "6"),
        ("seen", seen.as_str()),
    ];
    let refused = admin.post(&path, &format!("{path}/change"), &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text(&refused).contains("Период должен быть больше нуля"),
        "{}",
        text(&refused)
    );
    let too_long = [
        ("period", "60"),
        ("amount", "500.00"),
        ("interval", "Week"),
        ("seen", "x"),
    ];
    let refused = admin
        .post(&path, &format!("{path}/change"), &too_long)
        .await;
    assert!(
        text(&refused).contains("не больше года"),
        "{}",
        text(&refused)
    );
    let lang = admin.post(&path, "/cabinet/lang", &[("lang", "en")]).await;
    assert_eq!(lang.status, StatusCode::SEE_OTHER);
    let refused = admin.post(&path, &format!("{path}/change"), &bad).await;
    assert!(
        text(&refused).contains("Period must be greater than 0"),
        "{}",
        text(&refused)
    );
    let refused = admin
        .post(
            &path,
            &format!("{path}/change"),
            &[("amount", "abc"), ("seen", "y")],
        )
        .await;
    assert!(
        text(&refused).contains("Invalid Amount value"),
        "{}",
        text(&refused)
    );
    assert_eq!(api_get(&app, &id).await["Period"].as_i64(), Some(2));

    // Cancel: the API sees it Cancelled; the page no longer offers it.
    let seen = hidden_field(&text(&admin.get(&path).await), "seen");
    let cancelled = admin
        .post(&path, &format!("{path}/cancel"), &[("seen", seen.as_str())])
        .await;
    assert_eq!(
        cancelled.status,
        StatusCode::SEE_OTHER,
        "{}",
        text(&cancelled)
    );
    assert_eq!(
        api_get(&app, &id).await["Status"].as_str(),
        Some("Cancelled")
    );
    let page = text(&admin.get(&path).await);
    assert!(!page.contains("action-cancel"), "{page}");
    assert_eq!(audit_actions(&app, "subscription cancel").await, 1);
}

#[tokio::test]
async fn the_summary_counts_and_brings_amounts_to_a_month_as_documented() {
    let app = TestApp::new().await;
    let token = token_for(&app, "4000000000003055", "user_1").await;
    // (amount, currency, interval, period) and the monthly amount by hand:
    let set = [
        ("100", "RUB", "Month", 1),  // 100.00
        ("10", "RUB", "Day", 1),     // 10 × 30.4375 = 304.375 → 304.38
        ("50", "RUB", "Week", 2),    // 50 × 4.348 ÷ 2 = 108.70
        ("399", "RUB", "Month", 3),  // 133.00
        ("1.01", "RUB", "Month", 2), // 0.505 → 0.51 (half up)
        ("5", "USD", "Week", 1),     // 21.74
    ];
    for (amount, currency, interval, period) in set {
        subscription(
            &app,
            &token,
            json!({"Amount": amount, "Currency": currency, "Interval": interval, "Period": period}),
        )
        .await;
    }
    let cancelled = subscription(
        &app,
        &token,
        json!({"Amount": 200, "Email": "gone@example.com"}),
    )
    .await;
    let reply = app
        .post(
            "/subscriptions/cancel",
            &json!({ "Id": cancelled }).to_string(),
        )
        .await;
    assert_eq!(reply.json()["Success"], true);

    let viewer = signed_in(&app, "viewer@subs.example", "viewer", None).await;
    let html = text(&viewer.get("/cabinet/subscriptions").await);
    let summary = &html[html.find("id=\"summary\"").unwrap()..];
    // Active RUB: 5 subscriptions, 100.00 + 304.38 + 108.70 + 133.00 + 0.51.
    assert!(summary.contains("<td>5</td><td>646.59</td>"), "{summary}");
    assert!(
        summary.contains("<td>USD</td><td>1</td><td>21.74</td>"),
        "{summary}"
    );
    assert!(
        summary.contains("<td>RUB</td><td>1</td><td>200.00</td>"),
        "{summary}"
    );
    assert!(
        html.contains("30.4375") || html.contains("30,4375"),
        "the rule under the table"
    );

    // Filters and search narrow the list and its summary.
    let only = text(&viewer.get("/cabinet/subscriptions?status=Cancelled").await);
    assert!(only.contains(&cancelled), "{only}");
    assert!(!only.contains("646.59"), "{only}");
    for q in [cancelled.as_str(), "gone@example.com"] {
        let found = text(&viewer.get(&format!("/cabinet/subscriptions?q={q}")).await);
        let rows = &found[found.find("id=\"subscriptions\"").unwrap()..];
        assert_eq!(
            rows.matches("<a href=\"/cabinet/subscriptions/sc_").count(),
            1,
            "{q}"
        );
    }
    let by_payer = text(&viewer.get("/cabinet/subscriptions?q=user_1").await);
    assert!(by_payer.contains("<td>5</td><td>646.59</td>"), "{by_payer}");
    let none = text(&viewer.get("/cabinet/subscriptions?q=nobody").await);
    assert!(
        none.contains("no-subscriptions") && none.contains("no-summary"),
        "{none}"
    );
    let site = app.site.site_id;
    let by_site = text(
        &viewer
            .get(&format!("/cabinet/subscriptions?site={site}"))
            .await,
    );
    assert!(by_site.contains("646.59"), "{by_site}");
    let elsewhere = text(&viewer.get("/cabinet/subscriptions?site=999999").await);
    assert!(elsewhere.contains("no-subscriptions"), "{elsewhere}");
}

#[tokio::test]
async fn the_list_pages_by_key_and_the_page_shows_charges_and_notices() {
    let app = TestApp::new().await;
    let token = token_for(&app, "4000000000003055", "user_1").await;
    let mut ids = Vec::new();
    for _ in 0..52 {
        ids.push(subscription(&app, &token, json!({})).await);
    }
    let viewer = signed_in(&app, "pages@subs.example", "viewer", None).await;
    let first = text(&viewer.get("/cabinet/subscriptions").await);
    let next = first
        .split("id=\"next-page\"")
        .next()
        .and_then(|head| head.rsplit("href=\"").next())
        .map(|tail| {
            tail.trim_end_matches('"')
                .trim_end()
                .trim_end_matches('"')
                .to_owned()
        })
        .unwrap();
    let next = next.replace("&#38;", "&").replace("&amp;", "&");
    let second = text(&viewer.get(&next).await);
    let shown = |html: &str| {
        ids.iter()
            .filter(|id| html.contains(&format!("/cabinet/subscriptions/{id}\"")))
            .cloned()
            .collect::<Vec<_>>()
    };
    let (a, b) = (shown(&first), shown(&second));
    assert_eq!((a.len(), b.len()), (50, 2), "{next}");
    assert!(a.iter().all(|id| !b.contains(id)));

    // A charge, then a cancellation: the page shows the charge's transaction and the notice.
    let id = &ids[0];
    let due = app.state.now_ms() + crate::subscriptions::HOUR_MS;
    crate::subscriptions::bill_at(&app, due + 1000).await;
    let reply = app
        .post("/subscriptions/cancel", &json!({ "Id": id }).to_string())
        .await;
    assert_eq!(reply.json()["Success"], true);
    // The clock moved past the session's idle limit: a new one.
    let viewer = signed_in(&app, "later@subs.example", "viewer", None).await;
    let page = text(&viewer.get(&format!("/cabinet/subscriptions/{id}")).await);
    let charges = &page[page.find("id=\"charges\"").expect(&page)..];
    assert!(
        charges.contains("href=\"/cabinet/transactions/"),
        "{charges}"
    );
    let notices = &page[page.find("id=\"notices\"").expect(&page)..];
    assert!(notices.contains("payer@example.com"), "{notices}");
    assert!(!page.contains("id=\"change\""), "a viewer gets no forms");
}
