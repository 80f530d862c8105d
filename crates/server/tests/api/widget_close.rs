//! The payment form's attempts: a charge's `AttemptKey` runs it once, and `/widget/close` tells
//! what became of an attempt when the payer closes the form, cancelling what has not happened
//! yet (no charge, or a 3-D Secure wait) and never calling a charged payment cancelled. Also the
//! 3-D Secure return page's `frame-ancestors`, which must let the shop's page frame it.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, form, pass_acs, request};
use crate::payments::cryptogram;

const KEY: &str = "0123456789abcdef0123456789abcdef";

fn charge_body(packet: &str, key: &str, invoice: &str, public_id: &str) -> String {
    json!({
        "PublicId": public_id, "CardCryptogramPacket": packet, "Scheme": "charge",
        "Amount": 150.5, "Currency": "RUB", "InvoiceId": invoice, "AttemptKey": key,
    })
    .to_string()
}

async fn post_charge(app: &TestApp, body: &str) -> Reply {
    app.call(request("POST", "/widget/charge").json(body)).await
}

async fn charge(app: &TestApp, number: &str, key: &str, invoice: &str) -> Value {
    let packet = cryptogram(app, &app.site.test.public_id, number).await;
    let reply = post_charge(
        app,
        &charge_body(&packet, key, invoice, &app.site.test.public_id),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    reply.json()
}

async fn close(app: &TestApp, public_id: &str, key: &str) -> Value {
    let body = json!({ "PublicId": public_id, "AttemptKey": key }).to_string();
    // The widget's script sends text/plain from the shop's origin (no preflight).
    let reply = app
        .call(
            request("POST", "/widget/close")
                .header("content-type", "text/plain")
                .body(body),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.headers.get("access-control-allow-origin").unwrap(),
        "*"
    );
    reply.json()
}

async fn find(app: &TestApp, invoice: &str) -> Value {
    app.post(
        "/payments/find",
        &json!({ "InvoiceId": invoice }).to_string(),
    )
    .await
    .json()
}

/// The bank page's answer posted to the form's `TermUrl`, as the payer's browser would.
async fn pass_3ds(app: &TestApp, model: &Value) -> Value {
    let path = format!("/widget/3ds?PublicId={}", app.site.test.public_id);
    let md = model["TransactionId"].to_string();
    let term_url = format!("http://127.0.0.1:8080{path}");
    let pa_res = pass_acs(app, model["PaReq"].as_str().unwrap(), &md, &term_url).await;
    let page = app
        .call(request("POST", &path).form(&form(&[("MD", &md), ("PaRes", &pa_res)])))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let policy = page
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    // It lives inside the widget's frame, inside the shop's page: the shop must be allowed.
    assert!(
        policy.ends_with(&format!(
            "frame-ancestors {}",
            app.config.widget_frame_ancestors
        )),
        "{policy}"
    );
    assert!(!policy.contains("frame-ancestors 'self'"), "{policy}");
    get(app, &model["TransactionId"]).await
}

async fn get(app: &TestApp, id: &Value) -> Value {
    app.post("/payments/get", &json!({ "TransactionId": id }).to_string())
        .await
        .json()["Model"]
        .clone()
}

#[tokio::test]
async fn an_attempt_key_charges_once_and_replays_its_outcome() {
    let app = TestApp::new().await;
    let packet = cryptogram(&app, &app.site.test.public_id, "4111111111111111").await;
    let body = charge_body(&packet, KEY, "once", &app.site.test.public_id);
    let first = post_charge(&app, &body).await.json();
    assert_eq!(first["Success"], true, "{first}");
    // The form posts the same body again when the first answer is lost.
    let again = post_charge(&app, &body).await;
    assert_eq!(again.body, post_charge(&app, &body).await.body);
    assert_eq!(
        again.json()["Model"]["TransactionId"],
        first["Model"]["TransactionId"]
    );
    assert_eq!(app.bank_auths().await, 1);
    let bad = charge(&app, "4111111111111111", "short", "bad").await;
    assert_eq!(bad["Success"], false);
    assert!(
        bad["Message"].as_str().unwrap().contains("AttemptKey"),
        "{bad}"
    );
}

#[tokio::test]
async fn closing_before_any_charge_cancels_and_a_late_charge_pays_nothing() {
    let app = TestApp::new().await;
    let closed = close(&app, &app.site.test.public_id, KEY).await;
    assert_eq!(closed["Outcome"], "cancelled", "{closed}");
    assert_eq!(closed["Model"], Value::Null);
    // The charge was still on its way when the payer closed: it must not pay.
    let packet = cryptogram(&app, &app.site.test.public_id, "4111111111111111").await;
    let late = post_charge(
        &app,
        &charge_body(&packet, KEY, "late", &app.site.test.public_id),
    )
    .await;
    assert_eq!(late.json()["Success"], false);
    assert_eq!(find(&app, "late").await["Success"], false);
    assert_eq!(app.bank_auths().await, 0);
    assert_eq!(
        close(&app, &app.site.test.public_id, KEY).await["Outcome"],
        "cancelled"
    );
}

#[tokio::test]
async fn closing_while_three_ds_waits_cancels_the_payment() {
    let app = TestApp::new().await;
    let waiting = charge(&app, "4242424242424242", KEY, "waits").await;
    assert!(waiting["Model"]["AcsUrl"].is_string(), "{waiting}");
    let closed = close(&app, &app.site.test.public_id, KEY).await;
    assert_eq!(closed["Outcome"], "cancelled", "{closed}");
    assert_eq!(closed["Model"]["Status"], "Cancelled");
    assert_eq!(find(&app, "waits").await["Model"]["Status"], "Cancelled");
    // The bank page answered too late: nothing is charged.
    let model = pass_3ds(&app, &waiting["Model"]).await;
    assert_eq!(model["Status"], "Cancelled");
    assert_eq!(app.bank_auths().await, 0);
}

#[tokio::test]
async fn closing_after_an_unreported_three_ds_payment_tells_it_was_paid() {
    let app = TestApp::new().await;
    let waiting = charge(&app, "4242424242424242", KEY, "unreported").await;
    let model = pass_3ds(&app, &waiting["Model"]).await;
    assert_eq!(model["Status"], "Completed");
    let closed = close(&app, &app.site.test.public_id, KEY).await;
    assert_eq!(closed["Outcome"], "paid", "{closed}");
    assert_eq!(closed["Success"], true);
    assert_eq!(closed["Model"]["TransactionId"], model["TransactionId"]);
    assert_eq!(closed["Model"]["Status"], "Completed");
    assert_eq!(closed["Model"]["Amount"], 150.5);
    // Asking again gives the same answer.
    assert_eq!(
        close(&app, &app.site.test.public_id, KEY).await["Outcome"],
        "paid"
    );
}

#[tokio::test]
async fn closing_after_a_decline_tells_the_decline() {
    let app = TestApp::new().await;
    let declined = charge(&app, "4000056655665556", KEY, "declined").await;
    assert_eq!(declined["Success"], false);
    let closed = close(&app, &app.site.test.public_id, KEY).await;
    assert_eq!(closed["Outcome"], "declined", "{closed}");
    assert_eq!(closed["Model"]["ReasonCode"], 5051);
    assert!(closed["Model"]["CardHolderMessage"].is_string());
}

#[tokio::test]
async fn another_sites_public_id_never_reaches_an_attempt() {
    let app = TestApp::new().await;
    let paid = charge(&app, "4111111111111111", KEY, "mine").await;
    assert_eq!(paid["Success"], true);
    let other = oblako_server::sites::create_site(
        &app.state.db,
        &app.state.secrets,
        oblako_server::sites::default_account(&app.state.db, app.state.now_ms())
            .await
            .unwrap(),
        "Other shop",
        app.state.now_ms(),
    )
    .await
    .unwrap();
    let foreign = close(&app, &other.test.public_id, KEY).await;
    assert_eq!(foreign["Outcome"], "cancelled", "{foreign}");
    assert_eq!(foreign["Model"], Value::Null);
    assert_eq!(
        close(&app, &app.site.test.public_id, KEY).await["Outcome"],
        "paid"
    );
    let unknown = close(&app, "pk_unknown", KEY).await;
    assert_eq!(unknown["Success"], false);
    assert!(unknown.get("Outcome").is_none(), "{unknown}");
}
