//! Card and token payments, confirm, void, refund, get and find on the emulated bank.

use axum::http::StatusCode;
use oblako_core::card::{CardExpiry, Cvv, Pan};
use oblako_core::ids::{Mode, SiteId};
use oblako_protocol::cryptogram::seal_format_a;
use oblako_server::payments::manage::{Action, manage};
use oblako_server::payments::pay::Payee;
use serde_json::Value;

use crate::helpers::{Reply, TestApp, request};

pub async fn cryptogram(app: &TestApp, public_id: &str, number: &str) -> String {
    cryptogram_expiring(app, public_id, number, CardExpiry::new(30, 12).unwrap()).await
}

/// A cryptogram of a card with the given expiry, past or not.
pub async fn cryptogram_expiring(
    app: &TestApp,
    public_id: &str,
    number: &str,
    expiry: CardExpiry,
) -> String {
    let (pem, version) = app.state.keyring.current_public().await.unwrap();
    let pan = Pan::parse(number).unwrap();
    seal_format_a(
        &pem,
        version,
        &pan,
        expiry,
        Some(&Cvv::parse("123").unwrap()),
        public_id,
    )
    .unwrap()
}

pub async fn card(app: &TestApp, path: &str, number: &str, extra: Value) -> Reply {
    let packet = cryptogram(app, &app.site.test.public_id, number).await;
    let mut body = serde_json::json!({
        "Amount": 10.5, "Currency": "RUB", "IpAddress": "127.0.0.1", "Name": "CARD HOLDER",
        "CardCryptogramPacket": packet, "InvoiceId": "inv-1", "AccountId": "user_1",
    });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    app.post(path, &body.to_string()).await
}

pub fn model(reply: &Reply) -> Value {
    reply.json()["Model"].clone()
}

#[tokio::test]
async fn a_card_charge_completes_and_issues_a_token() {
    let app = TestApp::new().await;
    let reply = card(
        &app,
        "/payments/cards/charge",
        "4111111111111111",
        serde_json::json!({}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert_eq!(
        (json["Success"].as_bool(), json["Message"].is_null()),
        (Some(true), true),
        "{json}"
    );
    let m = model(&reply);
    assert_eq!(m["Status"], "Completed");
    assert_eq!(m["StatusCode"], 3);
    assert_eq!(m["ReasonCode"], 0);
    assert_eq!(m["Reason"], "Approved");
    assert_eq!(m["CardHolderMessage"], "Оплата успешно проведена");
    assert_eq!(m["Amount"].to_string(), "10.5");
    assert_eq!(
        (m["CardFirstSix"].as_str(), m["CardLastFour"].as_str()),
        (Some("411111"), Some("1111"))
    );
    assert_eq!(
        (m["CardType"].as_str(), m["CardExpDate"].as_str()),
        (Some("Visa"), Some("12/30"))
    );
    assert_eq!(
        (m["TestMode"].as_bool(), m["GatewayName"].as_str()),
        (Some(true), Some("Test"))
    );
    assert_eq!(m["AuthCode"], "A1B2C3");
    assert_eq!(m["InvoiceId"], "inv-1");
    assert!(m["Token"].as_str().unwrap().starts_with("tk_"));
    assert!(m["ConfirmDate"].as_str().unwrap().starts_with("/Date("));
    assert!(m["PayoutDate"].is_null());
    assert_eq!(m["PublicId"], app.site.test.public_id.as_str());

    let id = m["TransactionId"].as_i64().unwrap();
    let got = app
        .post("/payments/get", &format!(r#"{{"TransactionId":{id}}}"#))
        .await;
    assert_eq!(model(&got), m, "get returns the same model");
    let found = app.post("/payments/find", r#"{"InvoiceId":"inv-1"}"#).await;
    assert_eq!(model(&found)["TransactionId"], id);
}

#[tokio::test]
async fn a_decline_has_no_message_and_the_full_model_in_the_payers_language() {
    let app = TestApp::new().await;
    let reply = card(
        &app,
        "/payments/cards/charge",
        "4000056655665556",
        serde_json::json!({"CultureName": "en-US"}),
    )
    .await;
    let json = reply.json();
    assert_eq!(
        (json["Success"].as_bool(), json["Message"].is_null()),
        (Some(false), true),
        "{json}"
    );
    let m = model(&reply);
    assert_eq!(
        (m["Status"].as_str(), m["StatusCode"].as_i64()),
        (Some("Declined"), Some(5))
    );
    assert_eq!(
        (m["ReasonCode"].as_i64(), m["Reason"].as_str()),
        (Some(5051), Some("InsufficientFunds"))
    );
    assert_eq!(m["CardHolderMessage"], "Insufficient funds on card");
    assert!(m["AuthDate"].is_null() && m["AuthCode"].is_null() && m["Token"].is_null());
    let ru = card(
        &app,
        "/payments/cards/charge",
        "5404000000000043",
        serde_json::json!({}),
    )
    .await;
    assert_eq!(
        model(&ru)["CardHolderMessage"],
        "Недостаточно средств на карте"
    );
}

#[tokio::test]
async fn bad_cryptograms_and_parameters_are_refused_with_a_message() {
    let app = TestApp::new().await;
    let other = app.another_site("Other").await;
    let foreign = cryptogram(&app, &other.test.public_id, "4111111111111111").await;
    let cases = [
        (
            serde_json::json!({"Amount": 10, "IpAddress": "1.1.1.1", "CardCryptogramPacket": foreign}),
            "Invalid CardCryptogramPacket",
        ),
        (
            serde_json::json!({"Amount": 10, "IpAddress": "1.1.1.1", "CardCryptogramPacket": "garbage"}),
            "Invalid CardCryptogramPacket",
        ),
        (
            serde_json::json!({"Amount": 10, "IpAddress": "1.1.1.1"}),
            "CardCryptogramPacket is required",
        ),
        (
            serde_json::json!({"Amount": -1, "CardCryptogramPacket": "x"}),
            "Amount must be greater than zero",
        ),
        (
            serde_json::json!({"Amount": 1.001, "CardCryptogramPacket": "x"}),
            "Amount has more than 2 decimal places for RUB",
        ),
        (
            serde_json::json!({"Amount": 1, "Currency": "XXX", "CardCryptogramPacket": "x"}),
            "Unknown currency XXX",
        ),
    ];
    for (body, message) in cases {
        let reply = app.post("/payments/cards/charge", &body.to_string()).await;
        assert_eq!(reply.status, StatusCode::OK, "{body}");
        assert_eq!(reply.json()["Success"], false, "{body}");
        assert_eq!(reply.json()["Message"], message, "{body}");
        assert!(reply.json().get("Model").is_none());
    }
}

#[tokio::test]
async fn auth_then_partial_confirm_then_refunds_up_to_the_captured_amount() {
    let app = TestApp::new().await;
    let auth = card(
        &app,
        "/payments/cards/auth",
        "4000000000003055",
        serde_json::json!({"Amount": 10}),
    )
    .await;
    let m = model(&auth);
    assert_eq!(
        (m["Status"].as_str(), m["StatusCode"].as_i64()),
        (Some("Authorized"), Some(2))
    );
    assert!(m["ConfirmDate"].is_null());
    let id = m["TransactionId"].as_i64().unwrap();

    let over = app
        .post(
            "/payments/confirm",
            &format!(r#"{{"TransactionId":{id},"Amount":10.01}}"#),
        )
        .await;
    assert_eq!(
        over.json()["Message"],
        "Amount exceeds the authorized amount"
    );
    let confirm = app
        .post(
            "/payments/confirm",
            &format!(r#"{{"TransactionId":{id},"Amount":6}}"#),
        )
        .await;
    assert_eq!(confirm.body, br#"{"Success":true,"Message":null}"#.to_vec());
    let again = app
        .post(
            "/payments/confirm",
            &format!(r#"{{"TransactionId":{id},"Amount":6}}"#),
        )
        .await;
    assert_eq!(
        again.json()["Message"],
        "Transaction is not authorized: its status is Completed"
    );
    let void = app
        .post("/payments/void", &format!(r#"{{"TransactionId":{id}}}"#))
        .await;
    assert_eq!(void.json()["Success"], false);

    let first = app
        .post(
            "/payments/refund",
            &format!(r#"{{"TransactionId":{id},"Amount":4}}"#),
        )
        .await;
    let refund_id = first.json()["Model"]["TransactionId"].as_i64().unwrap();
    assert!(refund_id > id);
    let second = app
        .post(
            "/payments/refund",
            &format!(r#"{{"TransactionId":{id},"Amount":2}}"#),
        )
        .await;
    assert_eq!(second.json()["Success"], true);
    let third = app
        .post(
            "/payments/refund",
            &format!(r#"{{"TransactionId":{id},"Amount":0.01}}"#),
        )
        .await;
    assert_eq!(
        third.json()["Message"],
        "Amount exceeds the amount available for refund"
    );

    let got = model(
        &app.post("/payments/get", &format!(r#"{{"TransactionId":{id}}}"#))
            .await,
    );
    assert_eq!(
        (got["Status"].as_str(), got["Refunded"].as_bool()),
        (Some("Completed"), Some(true))
    );
    let refund = model(
        &app.post(
            "/payments/get",
            &format!(r#"{{"TransactionId":{refund_id}}}"#),
        )
        .await,
    );
    assert_eq!(
        (
            refund["Type"].as_i64(),
            refund["OriginalTransactionId"].as_i64()
        ),
        (Some(1), Some(id))
    );
    let v2 = model(
        &app.post("/v2/payments/find", r#"{"InvoiceId":"inv-1"}"#)
            .await,
    );
    assert_eq!(v2["Type"], 1, "v2 finds the newest operation, a refund");
    let v1 = model(&app.post("/payments/find", r#"{"InvoiceId":"inv-1"}"#).await);
    assert_eq!(v1["TransactionId"], id);
}

#[tokio::test]
async fn an_authorization_can_be_voided_once() {
    let app = TestApp::new().await;
    let id = model(
        &card(
            &app,
            "/payments/cards/auth",
            "5205000000003055",
            serde_json::json!({}),
        )
        .await,
    )["TransactionId"]
        .as_i64()
        .unwrap();
    let void = app
        .post("/payments/void", &format!(r#"{{"TransactionId":{id}}}"#))
        .await;
    assert_eq!(void.json()["Success"], true);
    let cancel = app
        .post("/payments/cancel", &format!(r#"{{"TransactionId":{id}}}"#))
        .await;
    assert_eq!(
        cancel.json()["Message"],
        "Transaction is not authorized: its status is Cancelled"
    );
    let got = model(
        &app.post("/payments/get", &format!(r#"{{"TransactionId":{id}}}"#))
            .await,
    );
    assert_eq!(
        (got["Status"].as_str(), got["StatusCode"].as_i64()),
        (Some("Cancelled"), Some(4))
    );
    let refund = app
        .post(
            "/payments/refund",
            &format!(r#"{{"TransactionId":{id},"Amount":1}}"#),
        )
        .await;
    assert_eq!(
        refund.json()["Message"],
        "Only completed payments can be refunded: the status is Cancelled"
    );
}

async fn void(app: &TestApp, id: i64) -> Reply {
    app.post("/payments/void", &format!(r#"{{"TransactionId":{id}}}"#))
        .await
}

async fn status_of(app: &TestApp, id: i64) -> Value {
    model(
        &app.post("/payments/get", &format!(r#"{{"TransactionId":{id}}}"#))
            .await,
    )["Status"]
        .clone()
}

async fn bank_count(app: &TestApp, operation: &str) -> i64 {
    let totals = oblako_store::acquirer::bank_totals(&app.state.db)
        .await
        .unwrap();
    totals
        .iter()
        .find(|(op, _, _)| op == operation)
        .map_or(0, |t| t.1)
}

#[tokio::test]
async fn a_small_authorization_voids_only_after_24_hours() {
    let app = TestApp::new().await;
    let auth = card(
        &app,
        "/payments/cards/auth",
        "4000000000003055",
        serde_json::json!({"Amount": 10}),
    )
    .await;
    let id = model(&auth)["TransactionId"].as_i64().unwrap();
    let refused = r#"{"Success":false,"Message":"Должно пройти больше 24 часов для отмены транзакции на 10 рублей либо меньше."}"#;
    assert_eq!(
        String::from_utf8(void(&app, id).await.body).unwrap(),
        refused
    );
    assert_eq!(status_of(&app, id).await, "Authorized");
    // Exactly 24 hours is not "more than 24 hours".
    app.clock.advance_millis(24 * 3600 * 1000);
    assert_eq!(
        String::from_utf8(void(&app, id).await.body).unwrap(),
        refused
    );
    assert_eq!(status_of(&app, id).await, "Authorized");
    assert_eq!(
        bank_count(&app, "void").await,
        0,
        "nothing reached the bank"
    );

    app.clock.advance_millis(1000);
    assert_eq!(
        void(&app, id).await.body,
        br#"{"Success":true,"Message":null}"#.to_vec()
    );
    assert_eq!(status_of(&app, id).await, "Cancelled");
    assert_eq!(bank_count(&app, "void").await, 1);
}

#[tokio::test]
async fn authorizations_above_10_rub_or_in_other_currencies_void_at_once() {
    let app = TestApp::new().await;
    for extra in [
        serde_json::json!({"Amount": 10.01}),
        serde_json::json!({"Amount": 5, "Currency": "USD"}),
    ] {
        let auth = card(
            &app,
            "/payments/cards/auth",
            "4000000000003055",
            extra.clone(),
        )
        .await;
        let id = model(&auth)["TransactionId"].as_i64().unwrap();
        assert_eq!(
            void(&app, id).await.body,
            br#"{"Success":true,"Message":null}"#.to_vec(),
            "{extra}"
        );
        assert_eq!(status_of(&app, id).await, "Cancelled", "{extra}");
    }
}

async fn charge_expiring(app: &TestApp, number: &str, (yy, mm): (i16, i8)) -> Reply {
    let expiry = CardExpiry::new(yy, mm).unwrap();
    let packet = cryptogram_expiring(app, &app.site.test.public_id, number, expiry).await;
    let body = serde_json::json!({"Amount": 12, "IpAddress": "1.1.1.1",
        "CardCryptogramPacket": packet});
    app.post("/payments/cards/charge", &body.to_string()).await
}

#[tokio::test]
async fn an_expired_card_in_a_cryptogram_is_a_declined_transaction() {
    let app = TestApp::new().await;
    // The clock stands in September 2026: a card that expired in August is declined with 5054.
    let reply = charge_expiring(&app, "4000000000003055", (26, 8)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert_eq!(
        (json["Success"].as_bool(), json["Message"].is_null()),
        (Some(false), true),
        "{json}"
    );
    let m = model(&reply);
    assert_eq!(
        (m["Status"].as_str(), m["StatusCode"].as_i64()),
        (Some("Declined"), Some(5))
    );
    assert_eq!(
        (m["ReasonCode"].as_i64(), m["Reason"].as_str()),
        (Some(5054), Some("ExpiredCard"))
    );
    assert_eq!(
        m["CardHolderMessage"],
        "Проверьте правильность введенных данных карты или воспользуйтесь другой картой"
    );
    assert_eq!(m["CardExpDate"], "08/26");
    assert!(m["AuthCode"].is_null() && m["AuthDate"].is_null());
    let id = m["TransactionId"].as_i64().unwrap();
    assert_eq!(
        status_of(&app, id).await,
        "Declined",
        "the transaction exists"
    );
    assert_eq!(
        bank_count(&app, "auth").await,
        0,
        "the bank was never asked"
    );

    // A 3-D Secure card is authenticated first, then declined the same way.
    let secure = charge_expiring(&app, "4242424242424242", (26, 8)).await;
    let id = model(&secure)["TransactionId"].as_i64().unwrap();
    assert!(model(&secure)["AcsUrl"].is_string(), "{}", secure.json());
    // The same number with a valid expiry meanwhile: the vault's copy of the card changes, the
    // waiting payment keeps its own expiry.
    let renewed = charge_expiring(&app, "4242424242424242", (30, 12)).await;
    assert!(model(&renewed)["AcsUrl"].is_string(), "{}", renewed.json());
    let pa_res = oblako_server::payments::three_ds::issue_pa_res(
        &app.state.secrets,
        id,
        true,
        app.state.now_ms() + 60_000,
    );
    let finished = app
        .post(
            "/payments/cards/post3ds",
            &format!(r#"{{"TransactionId":{id},"PaRes":"{pa_res}"}}"#),
        )
        .await;
    assert_eq!(
        (
            finished.json()["Success"].as_bool(),
            model(&finished)["ReasonCode"].as_i64()
        ),
        (Some(false), Some(5054)),
        "{}",
        finished.json()
    );
    assert_eq!(
        bank_count(&app, "auth").await,
        0,
        "the bank was never asked"
    );

    // A card is good through the last day of its month.
    let current = charge_expiring(&app, "4000000000003055", (26, 9)).await;
    assert_eq!(model(&current)["Status"], "Completed", "{}", current.json());
    assert_eq!(bank_count(&app, "auth").await, 1);
}

#[tokio::test]
async fn tokens_pay_on_their_own_site_only_with_the_token_outcomes() {
    let app = TestApp::new().await;
    let good = model(
        &card(
            &app,
            "/payments/cards/charge",
            "4000000000003055",
            serde_json::json!({}),
        )
        .await,
    );
    let token = good["Token"].as_str().unwrap().to_owned();
    let body = |token: &str, account: &str| {
        serde_json::json!({"Amount": 3, "AccountId": account, "Token": token, "TrInitiatorCode": 0, "PaymentScheduled": 1})
            .to_string()
    };
    let paid = app
        .post("/payments/tokens/charge", &body(&token, "user_1"))
        .await;
    assert_eq!(paid.json()["Success"], true);
    assert_eq!(model(&paid)["Token"], token.as_str());
    let held = app
        .post("/payments/tokens/auth", &body(&token, "user_1"))
        .await;
    assert_eq!(model(&held)["Status"], "Authorized");
    let same_card = model(
        &card(
            &app,
            "/payments/cards/charge",
            "4000000000003055",
            serde_json::json!({}),
        )
        .await,
    );
    assert_eq!(
        same_card["Token"],
        token.as_str(),
        "one token per account and card"
    );

    let funds = model(
        &card(
            &app,
            "/payments/cards/charge",
            "4111111111111111",
            serde_json::json!({}),
        )
        .await,
    );
    let declined = app
        .post(
            "/payments/tokens/charge",
            &body(funds["Token"].as_str().unwrap(), "user_1"),
        )
        .await;
    assert_eq!(
        (
            declined.json()["Success"].as_bool(),
            model(&declined)["ReasonCode"].as_i64()
        ),
        (Some(false), Some(5051))
    );

    assert_eq!(
        app.post("/payments/tokens/charge", &body(&token, "someone_else"))
            .await
            .json()["Message"],
        "Token not found"
    );
    let other = app.another_site("Other").await;
    let foreign = app
        .call(
            request("POST", "/payments/tokens/charge")
                .auth(&other.test.public_id, &other.test.api_secret)
                .json(&body(&token, "user_1")),
        )
        .await;
    assert_eq!(foreign.json()["Message"], "Token not found");
    assert_eq!(
        app.post("/payments/tokens/charge", r#"{"Amount":1,"AccountId":"a"}"#)
            .await
            .json()["Message"],
        "Token is required"
    );
}

#[tokio::test]
async fn another_sites_transaction_answers_exactly_like_a_missing_one() {
    let app = TestApp::new().await;
    let id = model(
        &card(
            &app,
            "/payments/cards/charge",
            "4111111111111111",
            serde_json::json!({}),
        )
        .await,
    )["TransactionId"]
        .as_i64()
        .unwrap();
    let other = app.another_site("Other").await;
    let (oid, osecret) = (&other.test.public_id, &other.test.api_secret);
    for (path, body) in [
        ("/payments/get", format!(r#"{{"TransactionId":{id}}}"#)),
        (
            "/payments/refund",
            format!(r#"{{"TransactionId":{id},"Amount":1}}"#),
        ),
        ("/payments/void", format!(r#"{{"TransactionId":{id}}}"#)),
        (
            "/payments/confirm",
            format!(r#"{{"TransactionId":{id},"Amount":1}}"#),
        ),
        ("/payments/find", r#"{"InvoiceId":"inv-1"}"#.to_owned()),
    ] {
        let foreign = app
            .call(request("POST", path).auth(oid, osecret).json(&body))
            .await;
        let missing = app
            .post(
                path,
                &body
                    .replace(&id.to_string(), "999999")
                    .replace("inv-1", "nope"),
            )
            .await;
        assert_eq!(
            foreign.body,
            br#"{"Success":false,"Message":"Not found"}"#.to_vec(),
            "{path}"
        );
        assert_eq!(foreign.body, missing.body, "{path}");
    }
    let got = model(
        &app.post("/payments/get", &format!(r#"{{"TransactionId":{id}}}"#))
            .await,
    );
    assert_eq!(
        got["Refunded"], false,
        "nothing changed on the foreign attempt"
    );
}

#[tokio::test]
async fn live_payments_are_refused_until_an_acquirer_exists() {
    let app = TestApp::new().await;
    let site = SiteId(app.site.site_id);
    oblako_store::sites::go_live(&app.state.db, site, 1)
        .await
        .unwrap();
    let packet = cryptogram(&app, &app.site.live.public_id, "4111111111111111").await;
    let body =
        serde_json::json!({"Amount": 1, "IpAddress": "1.1.1.1", "CardCryptogramPacket": packet})
            .to_string();
    let reply = app
        .call(
            request("POST", "/payments/cards/charge")
                .auth(&app.site.live.public_id, &app.site.live.api_secret)
                .json(&body),
        )
        .await;
    assert_eq!(
        reply.json()["Message"],
        "Live payments are not available: no acquirer is configured for this gateway"
    );
}

#[tokio::test]
async fn concurrent_partial_refunds_never_exceed_the_captured_amount() {
    let app = TestApp::new().await;
    let site = oblako_store::sites::site(&app.state.db, SiteId(app.site.site_id))
        .await
        .unwrap()
        .unwrap();
    // 100 payments, 16 concurrent partial refunds of an eighth each.
    for _ in 0..100 {
        let id = model(
            &card(
                &app,
                "/payments/cards/charge",
                "4000000000003055",
                serde_json::json!({"Amount": 80}),
            )
            .await,
        )["TransactionId"]
            .as_i64()
            .unwrap();
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (state, site, public_id) = (
                app.state.clone(),
                site.clone(),
                app.site.test.public_id.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let payee = Payee {
                    site: &site,
                    mode: Mode::Test,
                    public_id: &public_id,
                };
                manage(&state, payee, id, Action::Refund(1000), Default::default()).await
            }));
        }
        let mut ok = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(done) if done.refund_id.is_some() => ok += 1,
                Ok(done) => panic!("a refund without its transaction: {done:?}"),
                Err(e) => assert_eq!(
                    e.to_string(),
                    "Amount exceeds the amount available for refund"
                ),
            }
        }
        assert_eq!(ok, 8, "exactly captured/amount refunds succeed");
        let got = model(
            &app.post("/payments/get", &format!(r#"{{"TransactionId":{id}}}"#))
                .await,
        );
        assert_eq!(got["Refunded"], true);
    }
    let totals = oblako_store::acquirer::bank_totals(&app.state.db)
        .await
        .unwrap();
    let refunds = totals.iter().find(|(op, _, _)| op == "refund").unwrap();
    assert_eq!(
        (refunds.1, refunds.2),
        (800, 800_000),
        "the bank saw exactly the accepted refunds"
    );
}

#[tokio::test]
async fn confirm_and_void_racing_resolve_an_authorization_exactly_once() {
    let app = TestApp::new().await;
    let site = oblako_store::sites::site(&app.state.db, SiteId(app.site.site_id))
        .await
        .unwrap()
        .unwrap();
    // 500 authorizations, each raced by confirm, void and a duplicate confirm.
    for _ in 0..500 {
        let id = model(
            &card(
                &app,
                "/payments/cards/auth",
                "4000000000003055",
                // Above 10 RUB, so the void may win at once (spec §3.6).
                serde_json::json!({"Amount": 20}),
            )
            .await,
        )["TransactionId"]
            .as_i64()
            .unwrap();
        let mut tasks = Vec::new();
        for action in [Action::Confirm(2000), Action::Void, Action::Confirm(2000)] {
            let (state, site, public_id) = (
                app.state.clone(),
                site.clone(),
                app.site.test.public_id.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let payee = Payee {
                    site: &site,
                    mode: Mode::Test,
                    public_id: &public_id,
                };
                manage(&state, payee, id, action, Default::default())
                    .await
                    .is_ok()
            }));
        }
        let mut wins = 0;
        for task in tasks {
            wins += usize::from(task.await.unwrap());
        }
        assert_eq!(wins, 1);
    }
    let totals = oblako_store::acquirer::bank_totals(&app.state.db)
        .await
        .unwrap();
    let resolved: i64 = totals
        .iter()
        .filter(|(op, _, _)| op == "capture" || op == "void")
        .map(|t| t.1)
        .sum();
    assert_eq!(resolved, 500, "one bank operation per authorization");
}
