//! Edges of paying with another card on the payer's page: the billing job of a
//! subscription whose card no longer exists (a 5033 decline, Fail, Rejected without retries), a
//! card check whose void was lost (released, never auto-confirmed), twelve racing posts on two
//! nodes (the due slot charged once), and the per-IP attempt limit shared with the order page.

use axum::http::StatusCode;
use oblako_core::ids::{Mode, SiteId};
use oblako_core::payment::Status;
use oblako_server::subscriptions::billing::{drain, tick};
use oblako_store::subscriptions::{self, charges};
use oblako_store::transactions::TransactionRow;

use crate::helpers::{TestApp, form, request};
use crate::payments::cryptogram;
use crate::subscription_billing::{bodies, sub};
use crate::subscription_card::{enable, link, of_subscription, past_due, stored_token, subscribe};
use crate::subscriptions::{DAY_MS, bill_at};

#[tokio::test]
async fn a_charge_whose_card_is_gone_is_declined_with_5033_and_rejected() {
    let app = TestApp::new().await;
    enable(&app).await;
    let (id, start, _) = subscribe(&app, "4000000000003055").await;
    let mut row = subscriptions::by_id(&app.state.db, &id)
        .await
        .unwrap()
        .unwrap();
    row.token = "tk_0000000000000000000000000000".into();
    let mut tx = app.state.db.begin_write().await.unwrap();
    subscriptions::save(&mut tx, &row).await.unwrap();
    tx.commit().await.unwrap();

    let auths = app.bank_auths().await;
    app.clock
        .set(jiff::Timestamp::from_millisecond(start).unwrap());
    tick(&app.state).await.unwrap();
    let round = drain(&app.state, "w").await.unwrap();
    assert_eq!(
        (round.declined, round.errors),
        (1, 0),
        "an outcome, not an error"
    );
    assert_eq!(app.bank_auths().await, auths, "the bank is not asked");
    let m = sub(&app, &id).await;
    assert_eq!(
        (m["Status"].as_str(), m["FailedTransactionsNumber"].as_i64()),
        (Some("Rejected"), Some(1))
    );
    let rows = of_subscription(&app, &id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].status.as_str(), rows[0].reason_code),
        ("Declined", 5033)
    );
    let fail = bodies(&app, "Fail", &format!("SubscriptionId={id}")).await;
    assert_eq!(fail.len(), 1);
    assert!(fail[0].contains("ReasonCode=5033"), "{}", fail[0]);
    assert!(bodies(&app, "Recurrent", &id).await[0].contains("Status=Rejected"));

    bill_at(&app, start + 3 * DAY_MS).await;
    let jobs = charges::of_site(&app.state.db, SiteId(app.site.site_id))
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1, "no retries");
    assert_eq!(jobs[0].state, "done");
}

#[tokio::test]
async fn a_card_check_whose_void_was_lost_is_never_auto_confirmed() {
    use oblako_server::payments::pay::{Payee, PaymentRequest, Source, pay};
    use oblako_server::subscriptions::card_change::{ForSubscription, Purpose};
    use oblako_server::sweeper::sweep_once;
    use oblako_store::sites::{self, Settings};

    let app = TestApp::new().await;
    let site = SiteId(app.site.site_id);
    let settings = Settings {
        terminal_url: "https://shop.example".into(),
        save_tokens: true,
        auto_confirm_days: Some(1),
        fee_rate_bp: 0,
    };
    assert!(
        sites::update_settings(&app.state.db, site, &settings)
            .await
            .unwrap()
    );
    let (id, _, old_token) = subscribe(&app, "4000000000003055").await;
    // The page's payment without the page's void (as if the node died right after approval).
    let stored = sites::site(&app.state.db, site).await.unwrap().unwrap();
    let payee = Payee {
        site: &stored,
        mode: Mode::Test,
        public_id: &app.site.test.public_id,
    };
    let request = PaymentRequest {
        stage: oblako_core::payment::Stage::TwoStage,
        source: Source::Card {
            pan: oblako_core::card::Pan::parse("5205000000003055").unwrap(),
            expiry: oblako_core::card::CardExpiry::new(30, 12).unwrap(),
        },
        fields: oblako_protocol::payment_request::PaymentFields {
            amount: oblako_core::money::Money::new(1100, oblako_core::money::Currency::RUB),
            invoice_id: None,
            account_id: Some("user_1".into()),
            email: None,
            description: None,
            json_data: None,
            culture: "en-US".into(),
            name: None,
        },
        ip_address: "127.0.0.1".into(),
        order: None,
        subscription: Some(ForSubscription {
            id: id.clone(),
            purpose: Purpose::Verify,
        }),
    };
    pay(&app.state, payee, request, Default::default())
        .await
        .unwrap();
    assert_ne!(
        stored_token(&app, &id).await,
        old_token,
        "approved: the card changed"
    );
    let rows = of_subscription(&app, &id).await;
    assert_eq!(rows[0].status, Status::Authorized);

    app.clock.advance_millis(DAY_MS + 1);
    let swept = sweep_once(&app.state).await.unwrap();
    assert_eq!((swept.auto_confirmed, swept.expired), (0, 1));
    let rows = of_subscription(&app, &id).await;
    assert_eq!(
        rows[0].status,
        Status::Cancelled,
        "the card check's hold is released, not captured"
    );
}

#[tokio::test]
async fn twelve_racing_posts_on_two_nodes_charge_the_due_slot_once() {
    use tower::ServiceExt;
    let app = TestApp::new().await;
    let (id, start, _) = past_due(&app).await;
    let link = link(&app, &id);
    let node = app.another_node().await;
    let auths = app.bank_auths().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..12 {
        let packet = cryptogram(&app, &app.site.test.public_id, "4000000000003055").await;
        let router = if i % 2 == 0 {
            app.router.clone()
        } else {
            node.clone()
        };
        let req = request("POST", &format!("/my/{link}/card"))
            .peer_ip(&format!("10.0.1.{i}"))
            .form(&form(&[
                ("CardCryptogramPacket", &packet),
                ("token", &link),
            ]));
        tasks.spawn(async move {
            let reply = router.oneshot(req).await.unwrap();
            let body = axum::body::to_bytes(reply.into_body(), usize::MAX)
                .await
                .unwrap();
            String::from_utf8(body.to_vec()).unwrap()
        });
    }
    let mut paid = 0;
    while let Some(body) = tasks.join_next().await {
        let body = body.unwrap();
        if body.contains("Payment successful") {
            paid += 1;
        } else {
            assert!(
                body.contains("in progress")
                    || body.contains("reload the page")
                    || body.contains("Card changed"),
                "{body}"
            );
        }
    }
    assert_eq!(paid, 1, "one post pays the due slot");
    let charges: Vec<TransactionRow> = of_subscription(&app, &id)
        .await
        .into_iter()
        .filter(|t| t.amount == 39900 && t.status == Status::Completed)
        .collect();
    assert_eq!(charges.len(), 1, "one charge for the slot");
    let m = sub(&app, &id).await;
    assert_eq!(m["SuccessfulTransactionsNumber"], 1);
    assert_eq!(
        m["NextTransactionDate"],
        format!("/Date({})/", start + 7 * DAY_MS)
    );
    // Posts that came after the charge found the subscription Active and changed the card with
    // a voided check, charging nothing more.
    assert_eq!(
        app.bank_auths().await - auths,
        of_subscription(&app, &id)
            .await
            .iter()
            .filter(|t| t.amount == 1100)
            .count() as i64
            + 1
    );
}

#[tokio::test]
async fn attempts_share_the_order_pages_per_ip_limit() {
    let app = TestApp::new().await;
    let (id, _, _) = past_due(&app).await;
    let link = link(&app, &id);
    let packet = cryptogram(&app, &app.site.test.public_id, "4000056655665556").await;
    let mut last = StatusCode::OK;
    for _ in 0..=oblako_server::pages::order_pay::ATTEMPTS_PER_IP {
        last = app
            .call(
                request("POST", &format!("/my/{link}/card"))
                    .peer_ip("10.9.9.9")
                    .form(&form(&[
                        ("CardCryptogramPacket", &packet),
                        ("token", &link),
                    ])),
            )
            .await
            .status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}
