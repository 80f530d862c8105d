//! Automatic receipts: a payment carrying `CustomerReceipt` gets one `Income` receipt, announced
//! by a signed Receipt notification and e-mailed; a partial refund an `IncomeReturn` for its
//! amount; a two-stage payment its receipt only at confirmation, for the confirmed amount; a
//! subscription's charge one each; and bad receipt data ends in `Error` without stopping the
//! payment.

use oblako_server::mail;
use oblako_server::notify::deliver::drain as deliver;
use oblako_store::messages;
use oblako_store::receipts::{self, ReceiptRow};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::hooksink::Sink;
use crate::notifications::assert_signed;
use crate::payments::{card, model};
use crate::receipts_api::{fiscalise, get, receipt};
use crate::subscriptions::{HOUR_MS, bill_at, create, token_for};

fn with_receipt(amount: f64, receipt_data: Value) -> Value {
    json!({"Amount": amount, "Email": "payer@example.com",
        "JsonData": {"cloudPayments": {"customerReceipt": receipt_data}, "myProp": 1}})
}

async fn of(app: &TestApp, transaction: i64) -> Vec<ReceiptRow> {
    receipts::for_transaction(&app.state.db, transaction)
        .await
        .unwrap()
}

async fn pay(app: &TestApp, path: &str, body: Value) -> i64 {
    let reply = card(app, path, "4111111111111111", body).await;
    model(&reply)["TransactionId"].as_i64().unwrap()
}

#[tokio::test]
async fn a_paid_receipt_is_fiscalised_announced_signed_and_mailed_and_a_refund_gets_its_own() {
    let sink = Sink::start().await;
    let app = TestApp::new().await;
    app.notify(&["Receipt"], &sink.url).await;
    let data = json!({"Items": [
        {"label": "Пластырь", "price": 500, "quantity": 1, "amount": 500, "vat": 20},
        {"label": "Доставка", "price": 500, "quantity": 1, "amount": 500, "vat": 20}],
        "taxationSystem": 0, "amounts": {"electronic": 1000}});
    let id = pay(&app, "/payments/cards/charge", with_receipt(1000.0, data)).await;
    let queued = of(&app, id).await;
    assert_eq!(queued.len(), 1, "queued with the payment");
    assert_eq!(
        (
            queued[0].receipt_type.as_str(),
            queued[0].amount,
            queued[0].state.as_str()
        ),
        ("Income", 100_000, "Queued")
    );
    assert_eq!(fiscalise(&app).await, 1);

    // The Receipt notification, signed like the others.
    assert_eq!(deliver(&app.state, "w").await.unwrap(), 1);
    let hooks = sink.deliveries();
    assert_eq!(hooks.len(), 1);
    let hook = &hooks[0];
    assert_signed(&app, hook, &hook.body);
    let receipt_id = queued[0].id.clone();
    assert_eq!(hook.param("Id").as_deref(), Some(receipt_id.as_str()));
    assert_eq!(hook.param("Type").as_deref(), Some("Income"));
    assert_eq!(hook.param("Amount").as_deref(), Some("1000.00"));
    assert_eq!(hook.param("TransactionId"), Some(id.to_string()));
    assert_eq!(hook.param("InvoiceId").as_deref(), Some("inv-1"));
    assert_eq!(hook.param("Inn").as_deref(), Some("7700000009"));
    assert_eq!(
        hook.param("Url"),
        Some(format!("{}/r/{receipt_id}", app.config.public_url()))
    );
    let data = get(&app, &receipt_id).await["Model"]["AdditionalData"].clone();
    for (param, field) in [
        ("DocumentNumber", "DocumentNumber"),
        ("SessionNumber", "SessionNumber"),
        ("Number", "SessionCheckNumber"),
        ("FiscalSign", "FiscalSign"),
        ("RegNumber", "RegNumber"),
    ] {
        assert_eq!(
            hook.param(param),
            Some(data[field].to_string().trim_matches('"').to_owned()),
            "{param}"
        );
    }
    assert!(hook.param("Receipt").unwrap().contains("Пластырь"));

    // The e-mail, as an .eml file.
    mail::drain(&app.state, "w").await.unwrap();
    let sent = messages::about(&app.state.db, &format!("receipt:{receipt_id}"))
        .await
        .unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].recipient.as_str(), sent[0].state.as_str()),
        ("payer@example.com", "sent")
    );
    let path = sent[0]
        .sent_via
        .as_deref()
        .unwrap()
        .strip_prefix("file:")
        .unwrap()
        .to_owned();
    assert!(
        std::fs::read_to_string(path)
            .unwrap()
            .contains("Subject: =?utf-8?")
    );
    assert!(sent[0].text.contains("Кассовый чек. Приход") && sent[0].text.contains("ФП: "));
    assert!(
        sent[0].html.contains(data["FiscalSign"].as_str().unwrap())
            && sent[0].html.contains("<table cellpadding")
    );

    // A partial refund: an IncomeReturn for the refunded amount, fitted to it.
    let refund = app
        .post(
            "/payments/refund",
            &json!({"TransactionId": id, "Amount": 250}).to_string(),
        )
        .await;
    let refund_id = model(&refund)["TransactionId"].as_i64().unwrap();
    let returned = of(&app, refund_id).await;
    assert_eq!(returned.len(), 1);
    assert_eq!(
        (returned[0].receipt_type.as_str(), returned[0].amount),
        ("IncomeReturn", 25_000)
    );
    fiscalise(&app).await;
    let got = get(&app, &returned[0].id).await["Model"].clone();
    assert_eq!(got["AdditionalData"]["Type"], "IncomeReturn");
    assert_eq!(got["AdditionalData"]["Amount"], json!(250));
    assert_eq!(got["Amounts"]["Electronic"], json!(250));
    assert_eq!(
        of(&app, id).await.len(),
        1,
        "the payment still has one receipt"
    );
}

#[tokio::test]
async fn a_two_stage_payment_gets_its_receipt_at_confirmation_for_the_confirmed_amount() {
    let app = TestApp::new().await;
    let id = pay(
        &app,
        "/payments/cards/auth",
        with_receipt(100.0, receipt(100.0)),
    )
    .await;
    assert!(
        of(&app, id).await.is_empty(),
        "no receipt for an authorization"
    );
    let confirmed = app
        .post(
            "/payments/confirm",
            &json!({"TransactionId": id, "Amount": 60}).to_string(),
        )
        .await;
    assert_eq!(confirmed.json()["Success"], true);
    let rows = of(&app, id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].receipt_type.as_str(), rows[0].amount),
        ("Income", 6_000)
    );
    fiscalise(&app).await;
    let got = get(&app, &rows[0].id).await["Model"].clone();
    assert_eq!(got["Items"][0]["Amount"], json!(60));
    assert_eq!(got["AdditionalData"]["Amount"], json!(60));
}

#[tokio::test]
async fn payments_without_receipt_data_get_none_and_bad_data_ends_in_error() {
    let app = TestApp::new().await;
    let plain = pay(
        &app,
        "/payments/cards/charge",
        json!({"JsonData": {"note": "x"}}),
    )
    .await;
    assert!(of(&app, plain).await.is_empty());
    let bad = json!({"Items": [{"label": "x", "price": -1, "quantity": 1, "amount": 1}]});
    let reply = card(
        &app,
        "/payments/cards/charge",
        "4111111111111111",
        with_receipt(1.0, bad),
    )
    .await;
    assert_eq!(
        model(&reply)["Status"],
        "Completed",
        "the payment is not stopped"
    );
    let rows = of(&app, model(&reply)["TransactionId"].as_i64().unwrap()).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, "Error");
    assert!(rows[0].error.as_deref().unwrap().contains("Items[0].price"));
    // A declined payment gets no receipt.
    let declined = pay(&app, "/payments/cards/charge", json!({})).await;
    let declined_card = card(
        &app,
        "/payments/cards/charge",
        "4000056655665556",
        with_receipt(1.0, receipt(1.0)),
    )
    .await;
    assert_eq!(declined_card.json()["Success"], false);
    let declined_id = model(&declined_card)["TransactionId"].as_i64().unwrap();
    assert!(of(&app, declined_id).await.is_empty());
    assert!(of(&app, declined).await.is_empty());
}

#[tokio::test]
async fn every_charge_of_a_subscription_with_a_receipt_gets_one() {
    let app = TestApp::new().await;
    let token = token_for(&app, "4000000000003055", "user_1").await;
    let start = app.state.now_ms() + HOUR_MS;
    let reply = create(
        &app,
        &token,
        json!({"CustomerReceipt": receipt(399.0), "Interval": "Day", "Period": 1}),
    )
    .await;
    assert_eq!(reply.json()["Success"], true, "{}", reply.json());
    bill_at(&app, start).await;
    bill_at(&app, start + 24 * HOUR_MS).await;
    fiscalise(&app).await;
    let all = receipts::list(
        &app.state.db,
        oblako_core::ids::SiteId(app.site.site_id),
        oblako_core::ids::Mode::Test,
        10,
    )
    .await
    .unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(
        all.iter()
            .all(|r| r.receipt_type == "Income" && r.amount == 39_900 && r.state == "Processed")
    );
    assert_ne!(all[0].transaction_id, all[1].transaction_id);
}
