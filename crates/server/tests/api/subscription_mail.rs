//! The payer notices of recurring billing reach the payer through a real SMTP conversation:
//! a cancellation, an upcoming charge with the self-service link, a failed
//! charge with a link to act on it; Russian or English by `CultureName`; queued in the commit
//! that changes the subscription; nothing for a subscription without an e-mail.

use oblako_server::mail;
use oblako_server::subscriptions::billing::{REMIND_BEFORE_MS, remind};
use oblako_store::messages;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::payments::model;
use crate::smtpsink::SmtpSink;
use crate::subscriptions::{HOUR_MS, bill_at, create, iso, token_for};

pub async fn with_smtp(sink: &SmtpSink) -> TestApp {
    let url = sink.url.clone();
    TestApp::with_config(move |c| {
        c.smtp_url = url;
        c.mail_from = "Test shop <shop@oblako.test>".into();
    })
    .await
}

/// A subscription of `number`'s token, starting in `start_in` ms; `extra` overrides.
pub async fn subscribe(app: &TestApp, number: &str, start_in: i64, extra: Value) -> Value {
    let token = token_for(app, number, "user_1").await;
    let mut body = json!({"StartDate": iso(app.state.now_ms() + start_in)});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    model(&create(app, &token, body).await)
}

async fn about(app: &TestApp, id: &str) -> Vec<messages::Message> {
    messages::about(&app.state.db, &format!("subscription:{id}"))
        .await
        .unwrap()
}

/// The `/my/…` link in `text`.
pub fn manage_link_in(text: &str) -> String {
    let at = text.find("/my/").expect("a manage link");
    let start = text[..at].rfind("http").unwrap();
    text[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches(['"', '>'])
        .to_owned()
}

#[tokio::test]
async fn a_cancellation_is_mailed_in_russian_in_the_same_commit() {
    let sink = SmtpSink::start().await;
    let app = with_smtp(&sink).await;
    let m = subscribe(&app, "4000000000003055", HOUR_MS, json!({})).await;
    let id = m["Id"].as_str().unwrap();
    assert!(about(&app, id).await.is_empty(), "nothing on create");
    let reply = app
        .post("/subscriptions/cancel", &json!({ "Id": id }).to_string())
        .await;
    assert_eq!(reply.json()["Success"], true);
    let rows = about(&app, id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, "pending", "queued with the cancellation");
    assert_eq!(mail::drain(&app.state, "w").await.unwrap(), 1);
    let got = sink.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, ["<payer@example.com>"]);
    assert_eq!(got[0].subject(), "Подписка отменена: Test shop");
    let parts = got[0].parts();
    assert!(
        parts[0].contains("Подписка «Monthly plan» (Test shop) отменена"),
        "{}",
        parts[0]
    );
    assert!(parts[1].contains("lang=\"ru\""));
    // Cancelling again changes nothing and writes nothing.
    app.post("/subscriptions/cancel", &json!({ "Id": id }).to_string())
        .await;
    assert_eq!(about(&app, id).await.len(), 1);
}

#[tokio::test]
async fn an_upcoming_charge_is_mailed_in_english_with_a_working_manage_link() {
    let sink = SmtpSink::start().await;
    let app = with_smtp(&sink).await;
    let start_in = 3 * 24 * HOUR_MS;
    let m = subscribe(
        &app,
        "4000000000003055",
        start_in,
        json!({"CultureName": "en-US", "Email": "en@example.com"}),
    )
    .await;
    let id = m["Id"].as_str().unwrap();
    let start = app.state.now_ms() + start_in;
    app.clock
        .set(jiff::Timestamp::from_millisecond(start - REMIND_BEFORE_MS + HOUR_MS).unwrap());
    assert_eq!(remind(&app.state).await.unwrap().len(), 1);
    assert_eq!(about(&app, id).await.len(), 1);
    mail::drain(&app.state, "w").await.unwrap();
    let got = sink.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, ["<en@example.com>"]);
    assert_eq!(got[0].subject(), "Upcoming subscription charge: Test shop");
    let parts = got[0].parts();
    let day = jiff::Timestamp::from_millisecond(start)
        .unwrap()
        .strftime("%Y-%m-%d")
        .to_string();
    assert!(
        parts[0].contains(&format!(
            "On {day} your card will be charged 399.00 RUB for “Monthly plan” (Test shop)."
        )),
        "{}",
        parts[0]
    );
    let link = manage_link_in(&parts[0]);
    assert!(link.starts_with(&app.config.public_url()), "{link}");
    assert!(parts[1].contains(&format!("href=\"{link}\"")));
    assert!(remind(&app.state).await.unwrap().is_empty());
    assert_eq!(about(&app, id).await.len(), 1, "reminded once");
}

#[tokio::test]
async fn a_failed_charge_is_mailed_then_the_rejection() {
    let sink = SmtpSink::start().await;
    let app = with_smtp(&sink).await;
    // Pays by cryptogram, declined on token payments.
    let m = subscribe(&app, "4111111111111111", HOUR_MS, json!({})).await;
    let id = m["Id"].as_str().unwrap();
    let next = m["NextTransactionDate"].as_str().unwrap();
    let start: i64 = next[6..next.len() - 2].parse().unwrap();
    bill_at(&app, start).await;
    mail::drain(&app.state, "w").await.unwrap();
    let got = sink.received();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].subject(),
        "Не удалось списать оплату по подписке: Test shop"
    );
    let parts = got[0].parts();
    assert!(
        parts[0].contains("Оплатить другой картой: "),
        "{}",
        parts[0]
    );
    assert!(manage_link_in(&parts[0]).starts_with(&app.config.public_url()));
    for day in 1..=2 {
        bill_at(&app, start + day * 24 * HOUR_MS).await;
        // One at a time: a round sends its batch concurrently.
        mail::drain(&app.state, "w").await.unwrap();
    }
    let subjects: Vec<String> = sink.received().iter().map(|r| r.subject()).collect();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert_eq!(subjects[2], "Подписка отменена: Test shop", "rejected");
    assert_eq!(about(&app, id).await.len(), 3);
}

#[tokio::test]
async fn a_subscription_without_an_email_gets_no_mail() {
    let sink = SmtpSink::start().await;
    let app = with_smtp(&sink).await;
    let m = subscribe(&app, "4000000000003055", HOUR_MS, json!({"Email": null})).await;
    let id = m["Id"].as_str().unwrap();
    let reply = app
        .post("/subscriptions/cancel", &json!({ "Id": id }).to_string())
        .await;
    assert_eq!(reply.json()["Success"], true);
    assert!(about(&app, id).await.is_empty());
    assert_eq!(mail::drain(&app.state, "w").await.unwrap(), 0);
    assert!(sink.received().is_empty());
}
