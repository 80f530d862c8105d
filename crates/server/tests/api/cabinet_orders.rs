//! The cabinet's orders pages: an order created from the form (through `orders/create`'s
//! checks and flow, once per form), paid through its link and then Paid in the list; the list's
//! search and filters; Resend (the link's message queued again) and Cancel (`orders/cancel`'s
//! rule), with refusals in the user's language.

use axum::http::StatusCode;
use oblako_store::messages;

use crate::cabinet::{location, signed_in, text};
use crate::helpers::{TestApp, hidden_field};

/// The create form's fields for the test site, with `extra` over them.
pub(crate) fn order_form<'a>(
    site: &'a str,
    seen: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut pairs = vec![
        ("site", site),
        ("amount", "250,50"),
        ("currency", "RUB"),
        ("description", "Invoice from the cabinet"),
        ("email", "payer@shop.example"),
        ("phone", ""),
        ("account", ""),
        ("invoice", "INV-77"),
        ("recurring", ""),
        ("two_stage", ""),
        ("seen", seen),
    ];
    for (name, value) in extra {
        pairs.retain(|(n, _)| n != name);
        pairs.push((name, value));
    }
    pairs
}

#[tokio::test]
async fn an_order_made_from_the_form_is_paid_through_its_link_and_listed_paid() {
    let app = TestApp::new().await;
    let mut support = signed_in(&app, "support@orders.example", "support", None).await;
    let list = text(&support.get("/cabinet/orders").await);
    assert!(list.contains("no-orders"), "{list}");
    let seen = hidden_field(&list[list.find("new-order").unwrap()..], "seen");
    let site = app.site.site_id.to_string();
    let form = order_form(&site, &seen, &[]);
    let made = support
        .post("/cabinet/orders", "/cabinet/orders", &form)
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", text(&made));
    let page_path = location(&made).to_owned();
    let id = page_path
        .strip_prefix("/cabinet/orders/")
        .unwrap()
        .to_owned();
    // A double click makes no second order and goes to the same page.
    let again = support
        .post("/cabinet/orders", "/cabinet/orders", &form)
        .await;
    assert_eq!(location(&again), page_path);
    let account = oblako_server::sites::default_account(&app.state.db, app.state.now_ms())
        .await
        .unwrap();
    let all = oblako_store::orders::search::search(
        &app.state.db,
        account,
        &Default::default(),
        i64::MAX,
        10,
    )
    .await
    .unwrap();
    assert_eq!(all.len(), 1);
    let row = &all[0];
    assert_eq!(
        (
            row.amount,
            row.currency.code(),
            row.status.as_str(),
            row.mode.as_str()
        ),
        (25050, "RUB", "Created", "test")
    );
    assert_eq!(row.invoice_id.as_deref(), Some("INV-77"));
    assert!(row.send_email);
    let mailed = messages::about(&app.state.db, &format!("order:{id}"))
        .await
        .unwrap();
    assert_eq!(
        mailed.len(),
        1,
        "the link went by e-mail as orders/create sends it"
    );

    let page = text(&support.get(&page_path).await);
    let link = format!("/d/{id}");
    assert!(
        page.contains(&link),
        "the payment link on the order's page: {page}"
    );
    let paid = crate::orders::pay(&app, &id, "4000000000003055").await;
    assert_eq!(paid.status, StatusCode::OK);
    let listed = text(&support.get("/cabinet/orders?status=Paid").await);
    assert!(listed.contains(&id), "{listed}");
    assert!(listed.contains("Оплачен"), "{listed}");
    let open = text(&support.get("/cabinet/orders?status=Created").await);
    assert!(!open.contains(&id), "{open}");
    let page = text(&support.get(&page_path).await);
    assert!(page.contains("href=\"/cabinet/transactions/"), "{page}");
    assert!(
        !page.contains("action-cancel"),
        "a paid order offers no Cancel: {page}"
    );
    // Cancel of a paid order: orders/cancel's refusal, in Russian.
    let refused = support
        .post(
            &page_path,
            &format!("{page_path}/cancel"),
            &[("seen", "late")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text(&refused).contains("Счёт нельзя отменить"),
        "{}",
        text(&refused)
    );
}

#[tokio::test]
async fn the_form_keeps_the_apis_rules_and_makes_recurring_and_two_stage_orders() {
    let app = TestApp::new().await;
    let mut admin = signed_in(&app, "admin@orders.example", "admin", None).await;
    let site = app.site.site_id.to_string();
    let bad = order_form(&site, "s1", &[("amount", "0")]);
    let refused = admin.post("/cabinet/orders", "/cabinet/orders", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text(&refused).contains("Сумма должна быть больше нуля"),
        "{}",
        text(&refused)
    );
    let bad = order_form(&site, "s2", &[("description", "")]);
    let refused = admin.post("/cabinet/orders", "/cabinet/orders", &bad).await;
    assert!(
        text(&refused).contains("Заполните поле «Назначение»"),
        "{}",
        text(&refused)
    );
    let bad = order_form(&site, "s3", &[("email", "not-an-address")]);
    let refused = admin.post("/cabinet/orders", "/cabinet/orders", &bad).await;
    assert!(
        text(&refused).contains("Неверное значение"),
        "{}",
        text(&refused)
    );

    let monthly = order_form(
        &site,
        "s4",
        &[
            ("recurring", "CreateMonthly"),
            ("two_stage", "1"),
            ("email", ""),
            ("phone", "+7 900 000-00-00"),
        ],
    );
    let made = admin
        .post("/cabinet/orders", "/cabinet/orders", &monthly)
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", text(&made));
    let id = location(&made)
        .trim_start_matches("/cabinet/orders/")
        .to_owned();
    let row = oblako_store::orders::by_link(&app.state.db, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.subscription_behavior.as_deref(), Some("CreateMonthly"));
    assert!(row.require_confirmation && row.send_sms && !row.send_email);
    assert_eq!(row.account_id.as_deref(), Some("+7 900 000-00-00"));

    // Search by number, InvoiceId and e-mail; another state or site finds nothing.
    let one = order_form(
        &site,
        "s5",
        &[("invoice", "FIND-ME"), ("email", "find@shop.example")],
    );
    let made = admin.post("/cabinet/orders", "/cabinet/orders", &one).await;
    let found_id = location(&made)
        .trim_start_matches("/cabinet/orders/")
        .to_owned();
    let number = oblako_store::orders::by_link(&app.state.db, &found_id)
        .await
        .unwrap()
        .unwrap()
        .number
        .to_string();
    for q in [
        number.as_str(),
        "FIND-ME",
        "find@shop.example",
        found_id.as_str(),
    ] {
        let html = text(&admin.get(&format!("/cabinet/orders?q={q}")).await);
        let rows = &html[html.find("id=\"orders\"").expect(&html)..];
        assert_eq!(
            rows.matches("<a href=\"/cabinet/orders/").count(),
            1,
            "{q}: {rows}"
        );
        assert!(rows.contains(&found_id), "{q}");
    }
    let none = text(&admin.get("/cabinet/orders?q=FIND-ME&status=Paid").await);
    assert!(none.contains("no-orders"), "{none}");
    let none = text(&admin.get("/cabinet/orders?site=999999").await);
    assert!(none.contains("no-orders"), "{none}");
}

#[tokio::test]
async fn resend_queues_the_link_again_and_cancel_follows_orders_cancel() {
    let app = TestApp::new().await;
    let mut owner = signed_in(&app, "owner@orders.example", "owner", None).await;
    let site = app.site.site_id.to_string();
    let made = owner
        .post(
            "/cabinet/orders",
            "/cabinet/orders",
            &order_form(&site, "r1", &[]),
        )
        .await;
    let path = location(&made).to_owned();
    let id = path.trim_start_matches("/cabinet/orders/").to_owned();
    let reference = format!("order:{id}");
    let seen = hidden_field(&text(&owner.get(&path).await), "seen");
    let resent = owner
        .post(&path, &format!("{path}/resend"), &[("seen", seen.as_str())])
        .await;
    assert_eq!(resent.status, StatusCode::SEE_OTHER, "{}", text(&resent));
    // The same form twice is one resend; a new page's form is another.
    owner
        .post(&path, &format!("{path}/resend"), &[("seen", seen.as_str())])
        .await;
    let sent = messages::about(&app.state.db, &reference).await.unwrap();
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|m| m.recipient == "payer@shop.example"));
    let seen = hidden_field(&text(&owner.get(&path).await), "seen");
    owner
        .post(&path, &format!("{path}/resend"), &[("seen", seen.as_str())])
        .await;
    assert_eq!(
        messages::about(&app.state.db, &reference)
            .await
            .unwrap()
            .len(),
        3
    );

    let seen = hidden_field(&text(&owner.get(&path).await), "seen");
    let cancelled = owner
        .post(&path, &format!("{path}/cancel"), &[("seen", seen.as_str())])
        .await;
    assert_eq!(
        cancelled.status,
        StatusCode::SEE_OTHER,
        "{}",
        text(&cancelled)
    );
    let row = oblako_store::orders::by_link(&app.state.db, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status.as_str(), "Cancelled");
    let refused = owner
        .post(&path, &format!("{path}/resend"), &[("seen", "again")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text(&refused).contains("только по неоплаченному счёту"),
        "{}",
        text(&refused)
    );
}
