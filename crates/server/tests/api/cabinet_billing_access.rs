//! Who may do what on the subscriptions and orders pages (every role × every new page and
//! form: only the allowed cells succeed), and two accounts: another account's subscription,
//! order or site answers exactly like one that does not exist, on every new page and form.

use axum::http::StatusCode;
use oblako_core::staff::{Action, Role};
use serde_json::json;

use crate::cabinet::{signed_in, text};
use crate::cabinet_orders::order_form;
use crate::cabinet_subscriptions::{api_get, subscription};
use crate::helpers::TestApp;
use crate::subscriptions::token_for;

/// An order of the test site made through the API; its link id.
async fn api_order(app: &TestApp) -> String {
    let m = crate::orders::create(app, json!({"InvoiceId": "ACCESS-1"})).await;
    m["Id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_role_can_do_exactly_its_cells_on_subscriptions_and_orders() {
    let app = TestApp::new().await;
    let token = token_for(&app, "4000000000003055", "user_1").await;
    let site = app.site.site_id.to_string();
    for role in Role::ALL {
        // A fresh subscription and order per role, so an earlier role's success changes nothing.
        let sub = subscription(&app, &token, json!({})).await;
        let order = api_order(&app).await;
        let mut b = signed_in(
            &app,
            &format!("{}@billing.example", role.as_str()),
            role.as_str(),
            None,
        )
        .await;
        let pages = [
            "/cabinet/subscriptions".to_owned(),
            format!("/cabinet/subscriptions/{sub}"),
            "/cabinet/orders".to_owned(),
            format!("/cabinet/orders/{order}"),
        ];
        for path in pages {
            let status = b.get(&path).await.status;
            assert_eq!(status, StatusCode::OK, "{role:?} GET {path}");
        }
        let from = "/cabinet/subscriptions";
        let seen = format!("{role:?}");
        let form = order_form(&site, &seen, &[]);
        let posts: [(String, Vec<(&str, &str)>, Action); 5] = [
            (
                format!("/cabinet/subscriptions/{sub}/change"),
                vec![
                    ("amount", "777"),
                    ("interval", "Month"),
                    ("period", "1"),
                    ("seen", seen.as_str()),
                ],
                Action::ManageSubscriptions,
            ),
            (
                format!("/cabinet/subscriptions/{sub}/cancel"),
                vec![("seen", seen.as_str())],
                Action::ManageSubscriptions,
            ),
            ("/cabinet/orders".to_owned(), form, Action::ManageOrders),
            (
                format!("/cabinet/orders/{order}/resend"),
                vec![("seen", seen.as_str())],
                Action::ManageOrders,
            ),
            (
                format!("/cabinet/orders/{order}/cancel"),
                vec![("seen", seen.as_str())],
                Action::ManageOrders,
            ),
        ];
        for (path, pairs, action) in posts {
            let reply = b.post(from, &path, &pairs).await;
            let allowed = role.allows(action);
            let expected = if allowed {
                StatusCode::SEE_OTHER
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(
                reply.status,
                expected,
                "{role:?} POST {path}: {}",
                text(&reply)
            );
        }
        let after = api_get(&app, &sub).await;
        let moved = role.allows(Action::ManageSubscriptions);
        assert_eq!(after["Status"] == "Cancelled", moved, "{role:?}: {after}");
        assert_eq!(
            after["Amount"].as_f64() == Some(777.0),
            moved,
            "{role:?}: {after}"
        );
        let row = oblako_store::orders::by_link(&app.state.db, &order)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            row.status.as_str() == "Cancelled",
            role.allows(Action::ManageOrders),
            "{role:?}"
        );
        // The forms are offered only to roles that may use them.
        let page = text(
            &b.get(&format!(
                "/cabinet/subscriptions/{}",
                subscription(&app, &token, json!({})).await
            ))
            .await,
        );
        assert_eq!(page.contains("action-change"), moved, "{role:?}");
        let list = text(&b.get("/cabinet/orders").await);
        assert_eq!(
            list.contains("create-order"),
            role.allows(Action::ManageOrders),
            "{role:?}"
        );
    }
    let expected = [Role::Owner, Role::Admin, Role::Support];
    for role in Role::ALL {
        for action in [Action::ManageSubscriptions, Action::ManageOrders] {
            assert_eq!(
                role.allows(action),
                expected.contains(&role),
                "{role:?} {action:?}"
            );
        }
    }
}

#[tokio::test]
async fn another_accounts_subscriptions_and_orders_answer_like_missing_ones() {
    let app = TestApp::new().await;
    let token = token_for(&app, "4000000000003055", "user_1").await;
    // The test site belongs to the first account; "mine" is a user of another one.
    let theirs_sub = subscription(&app, &token, json!({})).await;
    let theirs_order = api_order(&app).await;
    let their_site = app.site.site_id.to_string();
    let mut mine = signed_in(&app, "mine@elsewhere.example", "owner", Some("Elsewhere")).await;
    let missing_sub = "sc_0000000000000000000000000000";
    let missing_order = "AAAAAAAAAAAAAAAA";
    for (missing, foreign) in [
        (
            format!("/cabinet/subscriptions/{missing_sub}"),
            format!("/cabinet/subscriptions/{theirs_sub}"),
        ),
        (
            format!("/cabinet/orders/{missing_order}"),
            format!("/cabinet/orders/{theirs_order}"),
        ),
    ] {
        let (a, b) = (mine.get(&missing).await, mine.get(&foreign).await);
        assert_eq!(a.status, StatusCode::NOT_FOUND);
        assert_eq!((a.status, text(&a)), (b.status, text(&b)), "{foreign}");
    }
    let from = "/cabinet/orders";
    let change = |seen| {
        vec![
            ("amount", "1"),
            ("interval", "Day"),
            ("period", "1"),
            ("seen", seen),
        ]
    };
    for (missing, foreign, pairs) in [
        (
            format!("/cabinet/subscriptions/{missing_sub}/change"),
            format!("/cabinet/subscriptions/{theirs_sub}/change"),
            change("x"),
        ),
        (
            format!("/cabinet/subscriptions/{missing_sub}/cancel"),
            format!("/cabinet/subscriptions/{theirs_sub}/cancel"),
            vec![("seen", "x")],
        ),
        (
            format!("/cabinet/orders/{missing_order}/resend"),
            format!("/cabinet/orders/{theirs_order}/resend"),
            vec![("seen", "x")],
        ),
        (
            format!("/cabinet/orders/{missing_order}/cancel"),
            format!("/cabinet/orders/{theirs_order}/cancel"),
            vec![("seen", "x")],
        ),
    ] {
        let a = mine.post(from, &missing, &pairs).await;
        let b = mine.post(from, &foreign, &pairs).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!((a.status, text(&a)), (b.status, text(&b)), "{foreign}");
    }
    let (a, b) = (
        mine.post(from, "/cabinet/orders", &order_form("999999", "y", &[]))
            .await,
        mine.post(from, "/cabinet/orders", &order_form(&their_site, "y", &[]))
            .await,
    );
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!((a.status, text(&a)), (b.status, text(&b)));
    // Their list is not mine, by search or by their site's filter.
    for (path, empty) in [
        (
            format!("/cabinet/subscriptions?q={theirs_sub}"),
            "no-subscriptions",
        ),
        (
            format!("/cabinet/subscriptions?site={their_site}"),
            "no-subscriptions",
        ),
        (format!("/cabinet/orders?q={theirs_order}"), "no-orders"),
        (format!("/cabinet/orders?site={their_site}"), "no-orders"),
    ] {
        let html = text(&mine.get(&path).await);
        assert!(html.contains(empty), "{path}: {html}");
        assert!(!html.contains(&format!("/{theirs_sub}\"")), "{path}");
        assert!(!html.contains(&format!("/{theirs_order}\"")), "{path}");
    }
    // Nothing of theirs moved.
    let m = api_get(&app, &theirs_sub).await;
    assert_eq!(
        (m["Status"].as_str(), m["Amount"].as_f64()),
        (Some("Active"), Some(399.0))
    );
    let row = oblako_store::orders::by_link(&app.state.db, &theirs_order)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status.as_str(), "Created");
    assert_eq!(
        oblako_store::messages::about(&app.state.db, &format!("order:{theirs_order}"))
            .await
            .unwrap()
            .len(),
        0,
        "no resend of their order"
    );
}
