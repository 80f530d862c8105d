//! Scheduled transitions and the reconciler, driven by the manual clock.

use oblako_core::ids::{Mode, SiteId};
use oblako_core::money::Currency;
use oblako_core::payment::Status;
use oblako_core::payment::{Kind, Stage};
use oblako_server::sweeper::{Sweep, sweep_once};
use oblako_store::acquirer;
use oblako_store::sites::{self, Settings};
use oblako_store::transactions::{self, NewTransaction};
use serde_json::Value;

use crate::helpers::TestApp;
use crate::payments::cryptogram;

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;

async fn pay(app: &TestApp, path: &str, number: &str) -> i64 {
    let packet = cryptogram(app, &app.site.test.public_id, number).await;
    let body =
        serde_json::json!({"Amount": 7, "IpAddress": "1.2.3.4", "CardCryptogramPacket": packet});
    app.post(path, &body.to_string()).await.json()["Model"]["TransactionId"]
        .as_i64()
        .unwrap()
}

async fn status(app: &TestApp, id: i64) -> Value {
    app.post("/payments/get", &format!(r#"{{"TransactionId":{id}}}"#))
        .await
        .json()["Model"]["Status"]
        .clone()
}

#[tokio::test]
async fn abandoned_3ds_is_cancelled_after_twenty_minutes() {
    let app = TestApp::new().await;
    let id = pay(&app, "/payments/cards/charge", "4242424242424242").await;
    app.clock.advance_millis(19 * MINUTE);
    assert_eq!(sweep_once(&app.state).await.unwrap(), Sweep::default());
    assert_eq!(status(&app, id).await, "AwaitingAuthentication");
    app.clock.advance_millis(2 * MINUTE);
    assert_eq!(sweep_once(&app.state).await.unwrap().abandoned, 1);
    assert_eq!(status(&app, id).await, "Cancelled");
}

#[tokio::test]
async fn holds_expire_after_seven_days_and_two_nodes_do_it_once() {
    let app = TestApp::new().await;
    let ids = [
        pay(&app, "/payments/cards/auth", "4000000000003055").await,
        pay(&app, "/payments/cards/auth", "5205000000003055").await,
    ];
    app.clock.advance_millis(7 * DAY - MINUTE);
    assert_eq!(sweep_once(&app.state).await.unwrap().expired, 0);
    app.clock.advance_millis(2 * MINUTE);
    let (a, b) = tokio::join!(sweep_once(&app.state), sweep_once(&app.state));
    assert_eq!(
        a.unwrap().expired + b.unwrap().expired,
        2,
        "each hold released once"
    );
    for id in ids {
        assert_eq!(status(&app, id).await, "Cancelled");
    }
    let totals = acquirer::bank_totals(&app.state.db).await.unwrap();
    assert_eq!(totals.iter().find(|t| t.0 == "void").map(|t| t.1), Some(2));
}

#[tokio::test]
async fn a_site_can_confirm_authorizations_automatically() {
    let app = TestApp::new().await;
    let site = SiteId(app.site.site_id);
    let settings = Settings {
        terminal_url: "https://shop.example".into(),
        save_tokens: true,
        auto_confirm_days: Some(2),
        fee_rate_bp: 0,
    };
    assert!(
        sites::update_settings(&app.state.db, site, &settings)
            .await
            .unwrap()
    );
    let id = pay(&app, "/payments/cards/auth", "4000000000003055").await;
    app.clock.advance_millis(2 * DAY + 1);
    assert_eq!(sweep_once(&app.state).await.unwrap().auto_confirmed, 1);
    let model = app
        .post("/payments/get", &format!(r#"{{"TransactionId":{id}}}"#))
        .await
        .json()["Model"]
        .clone();
    assert_eq!(
        (model["Status"].as_str(), model["TerminalUrl"].as_str()),
        (Some("Completed"), Some("https://shop.example"))
    );
}

/// Writes what `pay` commits before calling the bank, as if the node died right after.
pub async fn orphan_intent(app: &TestApp, number: &str) -> i64 {
    orphan_intent_expiring(app, number, (30, 1)).await
}

/// The same for a card that expires at the end of month `(yy, mm)`.
async fn orphan_intent_expiring(app: &TestApp, number: &str, (yy, mm): (i16, i8)) -> i64 {
    let pan = oblako_core::card::Pan::parse(number).unwrap();
    let expiry = oblako_core::card::CardExpiry::new(yy, mm).unwrap();
    let site = SiteId(app.site.site_id);
    let card_id = oblako_server::vault::save_card(
        &app.state.db,
        &app.state.secrets,
        site,
        Mode::Test,
        &pan,
        expiry,
        1,
    )
    .await
    .unwrap();
    let now = app.state.now_ms();
    let new = NewTransaction {
        site,
        mode: Mode::Test,
        kind: Kind::Payment,
        original_id: None,
        status: Status::Processing,
        stage: Stage::OneStage,
        amount: 900,
        currency: Currency::RUB,
        invoice_id: None,
        account_id: None,
        email: None,
        description: None,
        json_data: None,
        culture: "ru-RU",
        ip_address: "",
        name: None,
        card_id: Some(card_id),
        card_first_six: pan.first_six(),
        card_last_four: pan.last_four(),
        card_exp: &expiry.mm_yy(),
        card_brand: "Visa",
        token: None,
        subscription_id: None,
        created_at: now,
        expires_at: None,
    };
    let mut tx = app.state.db.begin_write().await.unwrap();
    let id = transactions::insert(&mut tx, &new).await.unwrap();
    acquirer::record_intent(&mut tx, &format!("auth:{id}"), id, "auth", 900, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn the_reconciler_settles_intents_whose_outcome_was_lost_without_charging_twice() {
    let app = TestApp::new().await;
    // Died before calling the bank.
    let never_asked = orphan_intent(&app, "4000000000003055").await;
    // Died after the bank debited, before recording the answer.
    let debited = orphan_intent(&app, "4000000000003055").await;
    let pan = oblako_core::card::Pan::parse("4000000000003055").unwrap();
    let reference = format!("auth:{debited}");
    oblako_server::bank::authorize(
        &app.state.db,
        &reference,
        &pan,
        oblako_core::card::CardExpiry::new(30, 1).unwrap(),
        oblako_core::test_bank::Channel::Card,
        900,
        1,
    )
    .await
    .unwrap();
    // A declining card, also lost.
    let declined = orphan_intent(&app, "4000056655665556").await;
    // The same number, expired in January 2020: the gateway declines it without asking the bank.
    // The vault's copy of the card now says 01/20 too; each payment keeps its own expiry.
    let expired = orphan_intent_expiring(&app, "4000000000003055", (20, 1)).await;

    assert_eq!(
        sweep_once(&app.state).await.unwrap().reconciled,
        0,
        "too early"
    );
    app.clock.advance_millis(2 * MINUTE);
    assert_eq!(sweep_once(&app.state).await.unwrap().reconciled, 4);
    assert_eq!(status(&app, never_asked).await, "Completed");
    assert_eq!(status(&app, debited).await, "Completed");
    assert_eq!(status(&app, declined).await, "Declined");
    assert_eq!(status(&app, expired).await, "Declined");
    let reason = app
        .post(
            "/payments/get",
            &format!(r#"{{"TransactionId":{expired}}}"#),
        )
        .await
        .json()["Model"]["ReasonCode"]
        .clone();
    assert_eq!(reason, 5054);
    let auths = acquirer::bank_totals(&app.state.db).await.unwrap();
    assert_eq!(
        auths.iter().find(|t| t.0 == "auth").map(|t| (t.1, t.2)),
        Some((3, 1800)),
        "one bank call per reference, none for the expired card"
    );
    assert_eq!(
        sweep_once(&app.state).await.unwrap(),
        Sweep::default(),
        "nothing left open"
    );
}
