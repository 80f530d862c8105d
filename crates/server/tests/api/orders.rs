//! Orders (payment links): `orders/create` and `orders/cancel` on the wire, the payer's page
//! `/d/{Id}`, and paying it by card through `/d/{Id}/pay` (one- and two-stage, declines,
//! 3-D Secure through `/d/{Id}/3ds`), at most once even when attempts race.

use axum::http::StatusCode;
use oblako_core::ids::{Mode, SiteId};
use oblako_core::order::OrderStatus;
use oblako_core::payment::Status;
use oblako_store::transactions::{self, StatusFilter};
use serde_json::Value;

use crate::helpers::{Reply, TestApp, form, hidden_field, pass_acs, request};
use crate::payments::cryptogram;

pub async fn create(app: &TestApp, extra: Value) -> Value {
    let mut body = serde_json::json!({
        "Amount": 10.5, "Currency": "RUB", "Description": "Оплата заказа в example.com",
        "Email": "client@test.local", "InvoiceId": "order-7", "AccountId": "payer_7",
        "JsonData": {"note": "n"},
    });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let reply = app.post("/orders/create", &body.to_string()).await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert_eq!(json["Success"], true, "{json}");
    json["Model"].clone()
}

pub async fn pay(app: &TestApp, id: &str, card: &str) -> Reply {
    let packet = cryptogram(app, &app.site.test.public_id, card).await;
    app.call(request("POST", &format!("/d/{id}/pay")).form(&form(&[
        ("CardCryptogramPacket", &packet),
        ("Name", "CARD HOLDER"),
    ])))
    .await
}

async fn page(app: &TestApp, id: &str) -> (StatusCode, String) {
    let reply = app.call(request("GET", &format!("/d/{id}")).empty()).await;
    (reply.status, String::from_utf8(reply.body).unwrap())
}

pub async fn payments(app: &TestApp) -> Vec<transactions::TransactionRow> {
    transactions::list_created(
        &app.state.db,
        SiteId(app.site.site_id),
        Mode::Test,
        0,
        i64::MAX,
        StatusFilter::default(),
        1000,
        0,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn create_returns_the_whole_model_with_the_link() {
    let app = TestApp::new().await;
    let m = create(&app, serde_json::json!({"RequireConfirmation": true})).await;
    let id = m["Id"].as_str().unwrap();
    assert!(
        id.len() == 16 && id.chars().all(|c| c.is_ascii_alphanumeric()),
        "{id}"
    );
    assert_eq!(m["Url"], format!("{}/d/{id}", app.config.public_url()));
    assert_eq!(m["Number"], 1);
    assert_eq!(m["Amount"].to_string(), "10.5");
    assert_eq!(
        (m["Currency"].as_str(), m["CurrencyCode"].as_i64()),
        (Some("RUB"), Some(0))
    );
    assert_eq!(m["Email"], "client@test.local");
    assert!(m["Phone"].is_null());
    assert_eq!(m["Description"], "Оплата заказа в example.com");
    assert_eq!(m["RequireConfirmation"], true);
    assert_eq!(m["CultureName"], "ru-RU");
    let at = crate::helpers::start_time().as_millisecond();
    assert_eq!(m["CreatedDate"], format!("/Date({at})/"));
    assert_eq!(m["CreatedDateIso"], "2026-09-21T14:13:20");
    assert!(m["PaymentDate"].is_null() && m["PaymentDateIso"].is_null());
    assert_eq!(
        (m["StatusCode"].as_i64(), m["Status"].as_str()),
        (Some(0), Some("Created"))
    );
    assert!(m["InternalId"].as_i64().unwrap() > 0);
    let keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 18, "{keys:?}");
    let second = create(&app, serde_json::json!({})).await;
    assert_eq!(second["Number"], 2);
    assert_ne!(second["Id"], m["Id"]);
}

#[tokio::test]
async fn bad_requests_get_the_envelope_with_a_message() {
    let app = TestApp::new().await;
    for (body, message) in [
        (r#"{"Description":"d"}"#, "Amount is required"),
        (r#"{"Amount":1}"#, "Description is required"),
        (
            r#"{"Amount":1,"Description":"d","SendEmail":true}"#,
            "Email is required",
        ),
        (
            r#"{"Amount":1,"Description":"d","OfferUri":"ftp://x"}"#,
            "Invalid OfferUri value",
        ),
    ] {
        let reply = app.post("/orders/create", body).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(
            String::from_utf8(reply.body).unwrap(),
            format!(r#"{{"Success":false,"Message":"{message}"}}"#)
        );
    }
    let reply = app.post("/orders/cancel", "{}").await;
    assert_eq!(reply.json()["Message"], "Id is required");
}

#[tokio::test]
async fn cancel_answers_as_the_spec_and_only_for_the_owner() {
    let app = TestApp::new().await;
    let id = create(&app, serde_json::json!({})).await["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = app.another_site("Other").await;
    let foreign = app
        .call(
            request("POST", "/orders/cancel")
                .auth(&other.test.public_id, &other.test.api_secret)
                .json(&format!(r#"{{"Id":"{id}"}}"#)),
        )
        .await;
    assert_eq!(foreign.json()["Message"], "Not found");
    let reply = app
        .post("/orders/cancel", &format!(r#"{{"Id":"{id}"}}"#))
        .await;
    assert_eq!(
        String::from_utf8(reply.body).unwrap(),
        r#"{"Success":true,"Message":null}"#
    );
    let again = app
        .post("/Orders/Cancel", &format!(r#"{{"id":"{id}"}}"#))
        .await;
    assert_eq!(again.json()["Success"], false);
    let (status, html) = page(&app, &id).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Отменён") && !html.contains("<form"),
        "{html}"
    );
    let refused = pay(&app, &id, "4000000000003055").await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        payments(&app).await.is_empty(),
        "a cancelled order is never charged"
    );
}

#[tokio::test]
async fn the_page_shows_the_order_and_a_card_form_under_a_csp() {
    let app = TestApp::new().await;
    let m = create(
        &app,
        serde_json::json!({"OfferUri": "https://shop.example/offer", "CultureName": "en-US"}),
    )
    .await;
    let id = m["Id"].as_str().unwrap();
    let reply = app.call(request("GET", &format!("/d/{id}")).empty()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.content_type().starts_with("text/html"));
    let csp = reply.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self' 'nonce-"),
        "{csp}"
    );
    let html = String::from_utf8(reply.body).unwrap();
    for needle in [
        "Оплата заказа в example.com",
        "RUB\u{a0}10.50",
        "https://shop.example/offer",
        "Awaiting payment",
        "<script src=\"/checkout.js?v=",
        &format!("action=\"/d/{id}/pay\""),
        &format!("data-public-id=\"{}\"", app.site.test.public_id),
        "data-cp=\"cardNumber\"",
        "Test shop",
    ] {
        assert!(html.contains(needle), "{needle} missing from {html}");
    }
    // Card fields carry no name, so the browser never posts them (spec §7.1).
    assert!(!html.contains("name=\"cardNumber\"") && !html.contains("data-cp=\"cvv\" name"));

    // An unknown order is told in the browser's language (pages_localized covers the rest).
    let (status, html) = page(&app, "NoSuchOrder00000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Заказ не найден"), "{html}");
    let (status, _) = page(&app, "../../etc/passwd").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_card_pays_the_order_once_and_the_page_says_paid() {
    let app = TestApp::new().await;
    let m = create(&app, serde_json::json!({})).await;
    let id = m["Id"].as_str().unwrap();
    let reply = pay(&app, id, "4000000000003055").await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = String::from_utf8(reply.body).unwrap();
    assert!(html.contains("Оплата прошла успешно"), "{html}");

    let charged = payments(&app).await;
    assert_eq!(charged.len(), 1);
    let t = &charged[0];
    assert_eq!(
        (t.status.as_str(), t.stage.as_str(), t.amount),
        ("Completed", "one", 1050)
    );
    assert_eq!(t.invoice_id.as_deref(), Some("order-7"));
    assert_eq!(t.account_id.as_deref(), Some("payer_7"));
    assert_eq!(t.email.as_deref(), Some("client@test.local"));
    assert_eq!(t.json_data.as_deref(), Some(r#"{"note":"n"}"#));
    assert_eq!(
        t.description.as_deref(),
        Some("Оплата заказа в example.com")
    );
    assert_eq!(t.name.as_deref(), Some("CARD HOLDER"));
    let order = oblako_store::orders::by_link(&app.state.db, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (order.status.as_str(), order.transaction_id),
        ("Paid", Some(t.id))
    );
    assert_eq!(
        order.paid_at,
        Some(crate::helpers::start_time().as_millisecond())
    );

    let (_, html) = page(&app, id).await;
    assert!(
        html.contains("Заказ уже оплачен") && !html.contains("<form"),
        "{html}"
    );
    let second = pay(&app, id, "4000000000003055").await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert_eq!(payments(&app).await.len(), 1, "never charged twice");
    let cancel = app
        .post("/orders/cancel", &format!(r#"{{"Id":"{id}"}}"#))
        .await;
    assert_eq!(
        cancel.json()["Success"],
        false,
        "a paid order cannot be cancelled"
    );
}

#[tokio::test]
async fn redirects_follow_the_outcome_and_a_decline_leaves_the_order_payable() {
    let app = TestApp::new().await;
    let m = create(
        &app,
        serde_json::json!({"SuccessRedirectUrl": "https://shop.example/ok?o=7",
            "FailRedirectUrl": "https://shop.example/fail", "RequireConfirmation": true}),
    )
    .await;
    let id = m["Id"].as_str().unwrap();
    // Browsers apply form-action to the redirect after the post: the merchant's origin is allowed.
    let shown = app.call(request("GET", &format!("/d/{id}")).empty()).await;
    let csp = shown.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("form-action 'self' https://shop.example https://shop.example;"),
        "{csp}"
    );
    let declined = pay(&app, id, "4000056655665556").await;
    assert_eq!(declined.status, StatusCode::SEE_OTHER);
    assert_eq!(declined.headers["location"], "https://shop.example/fail");
    let (_, html) = page(&app, id).await;
    assert!(html.contains("<form"), "still payable after a decline");

    let paid = pay(&app, id, "5205000000003055").await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER);
    assert_eq!(paid.headers["location"], "https://shop.example/ok?o=7");
    let rows = payments(&app).await;
    let statuses: Vec<(&str, &str)> = rows
        .iter()
        .map(|t| (t.status.as_str(), t.stage.as_str()))
        .collect();
    assert_eq!(statuses, [("Declined", "two"), ("Authorized", "two")]);
    let order = oblako_store::orders::by_link(&app.state.db, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (order.status.as_str(), order.transaction_id),
        ("Paid", Some(rows[1].id))
    );
}

#[tokio::test]
async fn three_d_secure_goes_through_the_acs_page_and_back_to_the_order() {
    let app = TestApp::new().await;
    let m = create(&app, serde_json::json!({"CultureName": "en"})).await;
    let id = m["Id"].as_str().unwrap();
    let reply = pay(&app, id, "4242424242424242").await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = String::from_utf8(reply.body).unwrap();
    let field = |name: &str| hidden_field(&html, name);
    let acs = format!("{}/acs", app.config.public_url());
    assert!(html.contains(&format!("action=\"{acs}\"")), "{html}");
    let term_url = format!("{}/d/{id}/3ds", app.config.public_url());
    assert_eq!(field("TermUrl"), term_url);
    let (pa_req, md) = (field("PaReq"), field("MD"));
    // A second attempt now would end this one (a_new_payment_ends_an_attempt_left_at_the_acs_page).

    let pa_res = pass_acs(&app, &pa_req, &md, &term_url).await;
    let back = app
        .call(
            request("POST", &format!("/d/{id}/3ds"))
                .form(&form(&[("MD", &md), ("PaRes", &pa_res)])),
        )
        .await;
    assert_eq!(back.status, StatusCode::OK);
    let html = String::from_utf8(back.body).unwrap();
    assert!(html.contains("Payment successful"), "{html}");
    let order = oblako_store::orders::by_link(&app.state.db, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.status, OrderStatus::Paid);
    assert_eq!(
        order.transaction_id.map(|t| t.to_string()),
        Some(md.clone())
    );
    let again = app
        .call(
            request("POST", &format!("/d/{id}/3ds"))
                .form(&form(&[("MD", &md), ("PaRes", &pa_res)])),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "a PaRes is used once");
    assert_eq!(payments(&app).await.len(), 1);
}

#[tokio::test]
async fn sixteen_racing_payments_charge_once() {
    let app = TestApp::new().await;
    let id = create(&app, serde_json::json!({})).await["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut packets = Vec::new();
    for _ in 0..16 {
        packets.push(cryptogram(&app, &app.site.test.public_id, "4000000000003055").await);
    }
    let node = app.another_node().await;
    let replies = futures_join(&app, &node, &id, packets).await;
    let paid = replies.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = replies
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((paid, refused), (1, 15), "{replies:?}");
    let rows = payments(&app).await;
    assert_eq!(rows.len(), 1, "one transaction, one charge");
    assert_eq!(rows[0].status, Status::Completed);
    let order = oblako_store::orders::by_link(&app.state.db, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (order.status.as_str(), order.transaction_id),
        ("Paid", Some(rows[0].id))
    );
}

/// Sends each packet as its own payment at once, half through a second node.
async fn futures_join(
    app: &TestApp,
    node: &axum::Router,
    id: &str,
    packets: Vec<String>,
) -> Vec<StatusCode> {
    use tower::ServiceExt;
    let mut tasks = tokio::task::JoinSet::new();
    for (i, packet) in packets.into_iter().enumerate() {
        let router = if i % 2 == 0 {
            app.router.clone()
        } else {
            node.clone()
        };
        let req = request("POST", &format!("/d/{id}/pay"))
            .peer_ip(&format!("10.0.0.{i}"))
            .form(&form(&[("CardCryptogramPacket", &packet)]));
        tasks.spawn(async move { router.oneshot(req).await.unwrap().status() });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.unwrap());
    }
    statuses
}

#[tokio::test]
async fn payment_attempts_are_limited_per_ip() {
    let app = TestApp::new().await;
    let id = create(&app, serde_json::json!({})).await["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let attempt = |ip: &'static str| {
        app.call(
            request("POST", &format!("/d/{id}/pay"))
                .peer_ip(ip)
                .form("CardCryptogramPacket=garbage"),
        )
    };
    for _ in 0..20 {
        assert_eq!(attempt("10.1.1.1").await.status, StatusCode::CONFLICT);
    }
    assert_eq!(
        attempt("10.1.1.1").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(attempt("10.1.1.2").await.status, StatusCode::CONFLICT);
    app.clock.advance_millis(61_000);
    assert_eq!(attempt("10.1.1.1").await.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_attempt_limit_follows_the_configuration() {
    let app = TestApp::with_config(|c| c.order_pay_per_minute = 2).await;
    let id = create(&app, serde_json::json!({})).await["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let attempt = || {
        app.call(
            request("POST", &format!("/d/{id}/pay"))
                .peer_ip("10.1.1.3")
                .form("CardCryptogramPacket=garbage"),
        )
    };
    for expected in [
        StatusCode::CONFLICT,
        StatusCode::CONFLICT,
        StatusCode::TOO_MANY_REQUESTS,
    ] {
        assert_eq!(attempt().await.status, expected);
    }
}

#[tokio::test]
async fn create_runs_once_per_request_id() {
    let app = TestApp::new().await;
    let send = |amount: &'static str| {
        app.call(
            request("POST", "/orders/create")
                .auth(&app.site.test.public_id, &app.site.test.api_secret)
                .header("X-Request-ID", "order-once-1")
                .json(&format!(r#"{{"Amount":{amount},"Description":"d"}}"#)),
        )
    };
    let first = send("5").await;
    let again = send("5").await;
    assert_eq!(first.body, again.body, "replayed byte for byte");
    assert_eq!(first.json()["Model"]["Number"], 1);
    let other = send("6").await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    let next = create(&app, serde_json::json!({})).await;
    assert_eq!(next["Number"], 2, "the replay made no second order");
}

async fn order_row(app: &TestApp, id: &str) -> oblako_store::orders::OrderRow {
    oblako_store::orders::by_link(&app.state.db, id)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_voided_authorization_makes_the_order_payable_again() {
    let app = TestApp::new().await;
    let m = create(&app, serde_json::json!({"RequireConfirmation": true})).await;
    let id = m["Id"].as_str().unwrap();
    assert_eq!(
        pay(&app, id, "4000000000003055").await.status,
        StatusCode::OK
    );
    let first = order_row(&app, id).await;
    assert_eq!(first.status, OrderStatus::Paid);
    let auth = first.transaction_id.unwrap();

    let void = app
        .post("/payments/void", &format!(r#"{{"TransactionId":{auth}}}"#))
        .await;
    assert_eq!(void.json()["Success"], true, "{}", void.json());
    let voided = order_row(&app, id).await;
    assert_eq!(
        (
            voided.status.as_str(),
            voided.paid_at,
            voided.transaction_id
        ),
        ("Created", None, Some(auth))
    );
    let (_, html) = page(&app, id).await;
    assert!(
        html.contains("<form") && html.contains("Ожидает оплаты"),
        "{html}"
    );

    // Payable again: a second authorization pays it, and that one stays.
    assert_eq!(
        pay(&app, id, "5205000000003055").await.status,
        StatusCode::OK
    );
    let again = order_row(&app, id).await;
    assert_eq!(again.status, OrderStatus::Paid);
    assert_ne!(again.transaction_id, Some(auth));
    let statuses: Vec<Status> = payments(&app).await.into_iter().map(|t| t.status).collect();
    assert_eq!(statuses, [Status::Cancelled, Status::Authorized]);
    // Confirming the new authorization keeps the order paid; a refund does too (money moved).
    let second = again.transaction_id.unwrap();
    let confirm = app
        .post(
            "/payments/confirm",
            &format!(r#"{{"TransactionId":{second},"Amount":10.5}}"#),
        )
        .await;
    assert_eq!(confirm.json()["Success"], true, "{}", confirm.json());
    let refund = app
        .post(
            "/payments/refund",
            &format!(r#"{{"TransactionId":{second},"Amount":10.5}}"#),
        )
        .await;
    assert_eq!(refund.json()["Success"], true, "{}", refund.json());
    assert_eq!(order_row(&app, id).await.status, OrderStatus::Paid);
}

#[tokio::test]
async fn an_expired_hold_makes_the_order_payable_again() {
    const DAY: i64 = 24 * 60 * 60_000;
    let app = TestApp::new().await;
    let m = create(&app, serde_json::json!({"RequireConfirmation": true})).await;
    let id = m["Id"].as_str().unwrap();
    assert_eq!(
        pay(&app, id, "4000000000003055").await.status,
        StatusCode::OK
    );
    // A one-stage order paid at the same time is untouched by the sweep.
    let other = create(&app, serde_json::json!({"InvoiceId": "order-8"})).await;
    let other = other["Id"].as_str().unwrap();
    assert_eq!(
        pay(&app, other, "4000000000003055").await.status,
        StatusCode::OK
    );

    app.clock.advance_millis(7 * DAY - 60_000);
    oblako_server::sweeper::sweep_once(&app.state)
        .await
        .unwrap();
    assert_eq!(
        order_row(&app, id).await.status,
        OrderStatus::Paid,
        "hold still valid"
    );
    app.clock.advance_millis(2 * 60_000);
    let sweep = oblako_server::sweeper::sweep_once(&app.state)
        .await
        .unwrap();
    assert_eq!(sweep.expired, 1);
    let expired = order_row(&app, id).await;
    assert_eq!(
        (expired.status.as_str(), expired.paid_at),
        ("Created", None)
    );
    assert_eq!(order_row(&app, other).await.status, OrderStatus::Paid);
    let (_, html) = page(&app, id).await;
    assert!(html.contains("<form"), "payable again: {html}");
    assert_eq!(
        pay(&app, id, "5205000000003055").await.status,
        StatusCode::OK
    );
    assert_eq!(order_row(&app, id).await.status, OrderStatus::Paid);
}

#[tokio::test]
async fn a_new_payment_ends_an_attempt_left_at_the_acs_page() {
    let app = TestApp::new().await;
    let m = create(&app, serde_json::json!({})).await;
    let id = m["Id"].as_str().unwrap();
    let challenge = pay(&app, id, "4242424242424242").await;
    assert_eq!(challenge.status, StatusCode::OK);
    let waiting = order_row(&app, id).await.transaction_id.unwrap();
    let md = waiting.to_string();

    // The payer went back without answering and pays with another card: it goes through.
    assert_eq!(
        pay(&app, id, "4000000000003055").await.status,
        StatusCode::OK
    );
    let paid = order_row(&app, id).await;
    assert_eq!(paid.status, OrderStatus::Paid);
    assert_ne!(paid.transaction_id, Some(waiting));
    let statuses: Vec<Status> = payments(&app).await.into_iter().map(|t| t.status).collect();
    assert_eq!(statuses, [Status::Cancelled, Status::Completed]);

    // The late answer of the abandoned challenge is refused and charges nothing.
    let late = app
        .call(
            request("POST", &format!("/d/{id}/3ds"))
                .form(&form(&[("MD", &md), ("PaRes", "whatever")])),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    let post3ds = app
        .post(
            "/payments/cards/post3ds",
            &format!(r#"{{"TransactionId":{waiting},"PaRes":"whatever"}}"#),
        )
        .await;
    assert_eq!(post3ds.json()["Success"], false, "{}", post3ds.json());
    let statuses: Vec<Status> = payments(&app).await.into_iter().map(|t| t.status).collect();
    assert_eq!(statuses, [Status::Cancelled, Status::Completed]);
}

#[tokio::test]
async fn racing_payments_after_a_left_challenge_charge_once() {
    let app = TestApp::new().await;
    let id = create(&app, serde_json::json!({})).await["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        pay(&app, &id, "4242424242424242").await.status,
        StatusCode::OK
    );
    let mut packets = Vec::new();
    for _ in 0..8 {
        packets.push(cryptogram(&app, &app.site.test.public_id, "4000000000003055").await);
    }
    let node = app.another_node().await;
    let replies = futures_join(&app, &node, &id, packets).await;
    let paid = replies.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = replies
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((paid, refused), (1, 7), "{replies:?}");
    let statuses: Vec<Status> = payments(&app).await.into_iter().map(|t| t.status).collect();
    assert_eq!(statuses, [Status::Cancelled, Status::Completed]);
    assert_eq!(order_row(&app, &id).await.status, OrderStatus::Paid);
}
