//! Paying with another card on the payer's page (spec §10): a PastDue subscription's
//! due charge paid with a new card moves the schedule on (Active, failures reset, the next slot,
//! a Recurrent notification) and later charges use the new card; a pending retry of the slot
//! and a billing round while the page's payment waits at the ACS charge nothing; an Active
//! subscription's card changes through a voided verification; a decline shows the cardholder
//! message for another try; bad links and closed subscriptions take no card. Also the billing
//! job of a subscription whose card no longer exists and the races are in
//! `subscription_card_edges`.

use axum::http::StatusCode;
use oblako_core::ids::{Mode, SiteId};
use oblako_server::app;
use oblako_server::mail::manage_link;
use oblako_server::subscriptions::billing::{LEASE_MS, drain, tick};
use oblako_store::subscriptions;
use oblako_store::{tokens, transactions::TransactionRow};
use serde_json::json;

use crate::helpers::{Reply, TestApp, form, hidden_field, pass_acs, request};
use crate::orders::payments;
use crate::payments::{cryptogram, model};
use crate::subscription_billing::{bodies, sub};
use crate::subscriptions::{DAY_MS, HOUR_MS, bill_at, create, iso, token_for};

pub(crate) async fn enable(app: &TestApp) {
    app.notify(
        &["Recurrent", "Pay", "Fail", "Cancel"],
        "http://127.0.0.1:9/hook",
    )
    .await;
}

/// A weekly (7-day) English subscription of `number`'s token, first charge in an hour; its id,
/// first charge date and token.
pub(crate) async fn subscribe(app: &TestApp, number: &str) -> (String, i64, String) {
    let token = token_for(app, number, "user_1").await;
    let start = app.state.now_ms() + HOUR_MS;
    let extra =
        json!({"Interval": "Day", "Period": 7, "StartDate": iso(start), "CultureName": "en-US"});
    let id = model(&create(app, &token, extra).await)["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    (id, start, token)
}

/// A subscription whose first charge failed (this card's token is declined): PastDue.
pub(crate) async fn past_due(app: &TestApp) -> (String, i64, String) {
    let (id, start, token) = subscribe(app, "4111111111111111").await;
    bill_at(app, start).await;
    let m = sub(app, &id).await;
    assert_eq!(m["Status"], "PastDue");
    assert_eq!(m["FailedTransactionsNumber"], 1);
    (id, start, token)
}

pub(crate) fn link(app: &TestApp, id: &str) -> String {
    manage_link::token(
        &app.state.secrets,
        SiteId(app.site.site_id),
        id,
        app.state.now_ms(),
    )
}

fn text(reply: &Reply) -> String {
    String::from_utf8(reply.body.clone()).unwrap()
}

/// Posts `number` as a cryptogram on the page of `link`, in process.
async fn pay_on_page(app: &TestApp, link: &str, number: &str) -> Reply {
    let packet = cryptogram(app, &app.site.test.public_id, number).await;
    app.call(
        request("POST", &format!("/my/{link}/card"))
            .form(&form(&[("CardCryptogramPacket", &packet), ("token", link)])),
    )
    .await
}

pub(crate) async fn stored_token(app: &TestApp, id: &str) -> String {
    subscriptions::by_id(&app.state.db, id)
        .await
        .unwrap()
        .unwrap()
        .token
}

pub(crate) async fn of_subscription(app: &TestApp, id: &str) -> Vec<TransactionRow> {
    let mut rows: Vec<TransactionRow> = payments(app)
        .await
        .into_iter()
        .filter(|t| t.subscription_id.as_deref() == Some(id))
        .collect();
    rows.sort_by_key(|t| t.id);
    rows
}

async fn bank_ops(app: &TestApp, operation: &str) -> i64 {
    oblako_store::acquirer::bank_totals(&app.state.db)
        .await
        .unwrap()
        .iter()
        .find(|(op, _, _)| op == operation)
        .map_or(0, |t| t.1)
}

/// Serves the app on a loopback port until the returned sender is dropped.
async fn serve(app: &TestApp) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = app.state.clone();
    tokio::spawn(async move {
        app::serve(state, listener, async move {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    (format!("http://{addr}"), stop)
}

#[tokio::test]
async fn past_due_paid_with_another_card_over_http_moves_the_schedule_on() {
    let app = TestApp::new().await;
    enable(&app).await;
    let (id, start, old_token) = past_due(&app).await;
    // The retry of the slot is enqueued (due a day after the failure) but not run yet.
    app.clock
        .set(jiff::Timestamp::from_millisecond(start + DAY_MS).unwrap());
    assert_eq!(tick(&app.state).await.unwrap(), 1);
    let link = link(&app, &id);
    let (base, _stop) = serve(&app).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let page = http.get(format!("{base}/my/{link}")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self' 'nonce-") && csp.contains("form-action 'self'"));
    let html = page.text().await.unwrap();
    assert!(html.contains("Pay with another card"), "{html}");
    assert!(
        html.contains(&format!("action=\"/my/{link}/card\"")),
        "{html}"
    );
    assert!(html.contains(&format!("data-public-id=\"{}\"", app.site.test.public_id)));
    assert!(html.contains("Pay 399.00 RUB") && html.contains("/checkout.js"));

    let auths = app.bank_auths().await;
    let packet = cryptogram(&app, &app.site.test.public_id, "5205000000003055").await;
    let paid = http
        .post(format!("{base}/my/{link}/card"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("CardCryptogramPacket", packet.as_str()),
            ("token", link.as_str()),
            ("Name", "NEW CARD"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 200);
    let html = paid.text().await.unwrap();
    assert!(
        html.contains("Payment successful. Later charges will use the new card."),
        "{html}"
    );
    assert!(html.contains(">Active<"), "{html}");
    assert_eq!(app.bank_auths().await, auths + 1);

    let m = sub(&app, &id).await;
    assert_eq!(m["Status"], "Active");
    assert_eq!(m["FailedTransactionsNumber"], 0);
    assert_eq!(m["SuccessfulTransactionsNumber"], 1);
    assert_eq!(
        m["NextTransactionDate"],
        format!("/Date({})/", start + 7 * DAY_MS)
    );
    let new_token = stored_token(&app, &id).await;
    assert_ne!(
        new_token, old_token,
        "the subscription charges the new card"
    );
    let (account, _) = tokens::get(
        &app.state.db,
        SiteId(app.site.site_id),
        Mode::Test,
        &new_token,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(account, "user_1");
    let rows = of_subscription(&app, &id).await;
    let paid_row = rows.last().unwrap();
    assert_eq!(
        (
            paid_row.status.as_str(),
            paid_row.amount,
            paid_row.card_first_six.as_str()
        ),
        ("Completed", 39900, "520500")
    );
    assert_eq!(paid_row.token.as_deref(), Some(new_token.as_str()));
    let recurrent = bodies(&app, "Recurrent", &id).await;
    assert!(
        recurrent.last().unwrap().contains("Status=Active"),
        "{recurrent:?}"
    );
    assert_eq!(
        bodies(&app, "Pay", &format!("SubscriptionId={id}"))
            .await
            .len(),
        1
    );

    // The retry job of the paid slot charges nothing.
    let round = drain(&app.state, "w").await.unwrap();
    assert_eq!((round.stale, round.approved, round.declined), (1, 0, 0));
    assert_eq!(
        app.bank_auths().await,
        auths + 1,
        "no second charge for the slot"
    );

    // The next slot is charged on the new card.
    bill_at(&app, start + 7 * DAY_MS).await;
    assert_eq!(app.bank_auths().await, auths + 2);
    let rows = of_subscription(&app, &id).await;
    let next = rows.last().unwrap();
    assert_eq!(
        (
            next.status.as_str(),
            next.card_first_six.as_str(),
            next.token.as_deref()
        ),
        ("Completed", "520500", Some(new_token.as_str()))
    );
    assert_eq!(sub(&app, &id).await["SuccessfulTransactionsNumber"], 2);
}

#[tokio::test]
async fn an_active_subscription_changes_card_through_a_voided_verification() {
    let app = TestApp::new().await;
    enable(&app).await;
    let (id, start, old_token) = subscribe(&app, "4000000000003055").await;
    let link = link(&app, &id);
    let page = text(
        &app.call(request("GET", &format!("/my/{link}")).empty())
            .await,
    );
    assert!(
        page.contains("Change card") && page.contains("11.00 RUB"),
        "{page}"
    );

    let reply = pay_on_page(&app, &link, "5205000000003055").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(text(&reply).contains("Card changed."), "{}", text(&reply));
    let rows = of_subscription(&app, &id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].status.as_str(),
            rows[0].stage.as_str(),
            rows[0].amount
        ),
        ("Cancelled", "two", 1100),
        "an authorization of 11 RUB, voided"
    );
    assert_eq!(bank_ops(&app, "void").await, 1);
    let m = sub(&app, &id).await;
    assert_eq!(
        (
            m["Status"].as_str(),
            m["SuccessfulTransactionsNumber"].as_i64()
        ),
        (Some("Active"), Some(0)),
        "a verification is not a charge"
    );
    assert_eq!(m["NextTransactionDate"], format!("/Date({start})/"));
    let new_token = stored_token(&app, &id).await;
    assert_ne!(new_token, old_token);
    assert!(
        bodies(&app, "Recurrent", &id).await.is_empty(),
        "the status did not change"
    );

    bill_at(&app, start).await;
    let rows = of_subscription(&app, &id).await;
    let charge = rows.last().unwrap();
    assert_eq!(
        (
            charge.status.as_str(),
            charge.card_first_six.as_str(),
            charge.amount
        ),
        ("Completed", "520500", 39900)
    );
}

#[tokio::test]
async fn a_decline_shows_the_message_and_the_payer_can_try_again() {
    let app = TestApp::new().await;
    enable(&app).await;
    let (id, _, old_token) = past_due(&app).await;
    let link = link(&app, &id);
    let reply = pay_on_page(&app, &link, "4000056655665556").await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = text(&reply);
    assert!(
        html.contains("Payment declined: Insufficient funds on card"),
        "{html}"
    );
    assert!(
        html.contains("id=\"card-form\""),
        "the form is there for another try"
    );
    let m = sub(&app, &id).await;
    assert_eq!(
        (m["Status"].as_str(), m["FailedTransactionsNumber"].as_i64()),
        (Some("PastDue"), Some(1)),
        "a decline on the page is not a billing failure"
    );
    assert_eq!(stored_token(&app, &id).await, old_token);
    let fail = bodies(&app, "Fail", &format!("SubscriptionId={id}")).await;
    assert_eq!(
        fail.len(),
        2,
        "the billing charge's and the page's: {fail:?}"
    );

    let again = pay_on_page(&app, &link, "4000000000003055").await;
    assert!(text(&again).contains("Payment successful"));
    assert_eq!(sub(&app, &id).await["Status"], "Active");
}

#[tokio::test]
async fn three_d_secure_returns_to_the_page_and_billing_waits_for_it() {
    let app = TestApp::new().await;
    let (id, start, _) = past_due(&app).await;
    // The retry falls due while the payer is at the ACS page: billing leaves it alone, and a
    // second payment on the page is refused.
    app.clock
        .set(jiff::Timestamp::from_millisecond(start + DAY_MS).unwrap());
    tick(&app.state).await.unwrap();
    let link = link(&app, &id);
    let reply = pay_on_page(&app, &link, "4242424242424242").await;
    let html = text(&reply);
    let field = hidden_field;
    let term_url = format!("{}/my/{link}/3ds", app.config.public_url());
    assert_eq!(field(&html, "TermUrl"), term_url);
    let (pa_req, md) = (field(&html, "PaReq"), field(&html, "MD"));

    let auths = app.bank_auths().await;
    let round = drain(&app.state, "w").await.unwrap();
    assert_eq!(
        (round.waiting, round.errors, round.approved, round.declined),
        (1, 0, 0, 0),
        "the job waits, it has not failed"
    );
    assert_eq!(
        app.bank_auths().await,
        auths,
        "no billing charge while one is in flight"
    );
    let busy = pay_on_page(&app, &link, "4000000000003055").await;
    assert!(
        text(&busy).contains("A payment for this subscription is in progress; try again"),
        "{}",
        text(&busy)
    );

    let pa_res = pass_acs(&app, &pa_req, &md, &term_url).await;
    let back = app
        .call(
            request("POST", &format!("/my/{link}/3ds"))
                .form(&form(&[("MD", &md), ("PaRes", &pa_res)])),
        )
        .await;
    assert!(
        text(&back).contains("Payment successful"),
        "{}",
        text(&back)
    );
    assert_eq!(sub(&app, &id).await["Status"], "Active");
    assert_eq!(app.bank_auths().await, auths + 1);

    // After its lease the deferred retry finds its slot paid.
    app.clock
        .set(jiff::Timestamp::from_millisecond(start + DAY_MS + LEASE_MS + 1).unwrap());
    let round = drain(&app.state, "w").await.unwrap();
    assert_eq!((round.stale, round.approved), (1, 0));
    assert_eq!(app.bank_auths().await, auths + 1);
}

#[tokio::test]
async fn bad_links_and_closed_subscriptions_take_no_card() {
    let app = TestApp::new().await;
    let (id, _, _) = past_due(&app).await;
    let good = link(&app, &id);
    let mut altered = good.clone().into_bytes();
    altered[3] ^= 1;
    let altered = String::from_utf8(altered).unwrap();
    let packet = cryptogram(&app, &app.site.test.public_id, "4000000000003055").await;
    let before = payments(&app).await.len();
    for (path_token, echoed) in [
        (altered.as_str(), altered.as_str()),
        ("nonsense", "nonsense"),
        (good.as_str(), ""),
        (good.as_str(), "x"),
    ] {
        let reply = app
            .call(
                request("POST", &format!("/my/{path_token}/card")).form(&form(&[
                    ("CardCryptogramPacket", &packet),
                    ("token", echoed),
                ])),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path_token} / {echoed}"
        );
    }
    let three_ds = app
        .call(
            request("POST", &format!("/my/{good}/3ds")).form(&form(&[("MD", "1"), ("PaRes", "x")])),
        )
        .await;
    assert!(text(&three_ds).contains("not for this subscription"));
    assert_eq!(payments(&app).await.len(), before, "nothing was paid");

    app.post("/subscriptions/cancel", &json!({ "Id": id }).to_string())
        .await;
    let page = text(
        &app.call(request("GET", &format!("/my/{good}")).empty())
            .await,
    );
    assert!(!page.contains("card-form"), "{page}");
    let reply = pay_on_page(&app, &good, "4000000000003055").await;
    assert!(text(&reply).contains("no longer takes payments"));
    assert_eq!(payments(&app).await.len(), before);

    app.clock.set(
        jiff::Timestamp::from_millisecond(app.state.now_ms() + manage_link::VALID_MS + 1).unwrap(),
    );
    let reply = pay_on_page(&app, &good, "4000000000003055").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "expired");
}
