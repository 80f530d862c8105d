//! The order link reaches the payer: through a real SMTP conversation with a listener on
//! loopback (Russian and English, text and HTML, a link that opens the order's page), as an
//! `.eml` file when no SMTP server is configured, again after the server refused once; SMS,
//! Viber and WhatsApp go to the outbox and, with no gateway, are recorded as sent nowhere.

use axum::http::StatusCode;
use oblako_server::mail;
use oblako_store::messages;

use crate::helpers::{TestApp, request};
use crate::orders::create;
use crate::smtpsink::{SmtpSink, decoded_parts};

async fn with_smtp(sink: &SmtpSink) -> TestApp {
    let url = sink.url.clone();
    TestApp::with_config(move |c| {
        c.smtp_url = url;
        c.mail_from = "Test shop <shop@oblako.test>".into();
    })
    .await
}

#[tokio::test]
async fn the_order_link_arrives_by_smtp_in_russian_with_a_working_link() {
    let sink = SmtpSink::start().await;
    let app = with_smtp(&sink).await;
    let m = create(&app, serde_json::json!({"SendEmail": true})).await;
    let id = m["Id"].as_str().unwrap();
    assert_eq!(mail::drain(&app.state, "w").await.unwrap(), 1);
    let got = sink.received();
    assert_eq!(got.len(), 1);
    let message = &got[0];
    assert_eq!(message.from, "<shop@oblako.test>");
    assert_eq!(message.to, ["<client@test.local>"]);
    assert_eq!(message.header("To").as_deref(), Some("client@test.local"));
    assert_eq!(message.subject(), "Счёт на оплату: Test shop — 10.50 RUB");
    let parts = message.parts();
    assert_eq!(parts.len(), 2, "text and HTML");
    let url = m["Url"].as_str().unwrap();
    assert!(
        parts[0].contains("Оплатить: ") && parts[0].contains(url),
        "{}",
        parts[0]
    );
    assert!(parts[0].contains("Оплата заказа в example.com") && parts[0].contains("Заказ №1"));
    assert!(
        parts[1].contains(&format!("href=\"{url}\"")),
        "{}",
        parts[1]
    );
    assert!(parts[1].starts_with("<!doctype html>") && parts[1].contains("lang=\"ru\""));

    // The link opens the order's page.
    let path = url.strip_prefix(&app.config.public_url()).unwrap();
    let page = app.call(request("GET", path).empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(String::from_utf8(page.body).unwrap().contains(id));

    let rows = messages::about(&app.state.db, &format!("order:{id}"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].state.as_str(), rows[0].sent_via.as_deref()),
        ("sent", Some("smtp"))
    );
    assert_eq!(mail::drain(&app.state, "w").await.unwrap(), 0, "sent once");
}

#[tokio::test]
async fn an_english_order_gets_an_english_email() {
    let sink = SmtpSink::start().await;
    let app = with_smtp(&sink).await;
    let m = create(
        &app,
        serde_json::json!({"SendEmail": true, "CultureName": "en-US", "Email": "payer@example.com",
            "OfferUri": "https://shop.example/terms"}),
    )
    .await;
    mail::drain(&app.state, "w").await.unwrap();
    let got = sink.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, ["<payer@example.com>"]);
    assert_eq!(got[0].subject(), "Payment request: Test shop — 10.50 RUB");
    let parts = got[0].parts();
    assert!(parts[0].starts_with("Hello,"), "{}", parts[0]);
    assert!(parts[0].contains(&format!("Pay now: {}", m["Url"].as_str().unwrap())));
    assert!(parts[0].contains("Terms of the offer: https://shop.example/terms"));
    assert!(parts[1].contains("lang=\"en\"") && parts[1].contains("Order #"));
}

#[tokio::test]
async fn without_smtp_the_email_is_written_as_an_eml_file() {
    let app = TestApp::new().await;
    assert!(app.config.smtp_url.is_empty());
    let m = create(&app, serde_json::json!({"SendEmail": true})).await;
    let id = m["Id"].as_str().unwrap();
    let rows = messages::about(&app.state.db, &format!("order:{id}"))
        .await
        .unwrap();
    assert_eq!(
        rows[0].state, "pending",
        "queued with the order, sent by the worker"
    );
    mail::drain(&app.state, "w").await.unwrap();
    let row = &messages::about(&app.state.db, &format!("order:{id}"))
        .await
        .unwrap()[0];
    let path = app
        .config
        .data_dir
        .join("mail")
        .join(format!("message-{}.eml", row.id));
    assert_eq!(row.state, "sent");
    assert_eq!(
        row.sent_via.clone().unwrap(),
        format!("file:{}", path.display())
    );
    let eml = std::fs::read_to_string(&path).unwrap();
    assert!(eml.contains("To: client@test.local"), "{eml}");
    assert!(
        eml.contains("From: Oblako <noreply@oblako.localhost>"),
        "{eml}"
    );
    let parts = decoded_parts(&eml);
    assert!(
        parts[0].contains(m["Url"].as_str().unwrap()),
        "{}",
        parts[0]
    );
    let leftovers: Vec<_> = std::fs::read_dir(app.config.data_dir.join("mail"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        leftovers,
        [format!("message-{}.eml", row.id)],
        "no partial files"
    );
}

#[tokio::test]
async fn a_refused_delivery_is_retried_later() {
    let sink = SmtpSink::start().await;
    sink.refuse(1);
    let app = with_smtp(&sink).await;
    let m = create(&app, serde_json::json!({"SendEmail": true})).await;
    let reference = format!("order:{}", m["Id"].as_str().unwrap());
    mail::drain(&app.state, "w").await.unwrap();
    assert!(sink.received().is_empty());
    assert_eq!(sink.connections(), 1);
    let row = &messages::about(&app.state.db, &reference).await.unwrap()[0];
    assert_eq!((row.state.as_str(), row.attempts), ("pending", 1));
    assert!(
        row.last_error.as_deref().unwrap().contains("SMTP"),
        "{row:?}"
    );
    let due = row.next_attempt_at - app.state.now_ms();
    assert_eq!(due, mail::RETRY_SECS[0] * 1000);

    assert_eq!(
        mail::drain(&app.state, "w").await.unwrap(),
        0,
        "not due yet"
    );
    app.clock.advance_millis(due);
    assert_eq!(mail::drain(&app.state, "w").await.unwrap(), 1);
    assert_eq!(sink.received().len(), 1);
    let row = &messages::about(&app.state.db, &reference).await.unwrap()[0];
    assert_eq!((row.state.as_str(), row.attempts), ("sent", 2));
}

#[tokio::test]
async fn phone_messages_go_through_the_outbox_and_nowhere_without_a_gateway() {
    let sink = SmtpSink::start().await;
    let app = with_smtp(&sink).await;
    let m = create(
        &app,
        serde_json::json!({"Phone": "+7 (900) 123-45-67", "SendSms": true, "SendWhatsApp": true}),
    )
    .await;
    assert_eq!(m["Phone"], "+7 (900) 123-45-67");
    mail::drain(&app.state, "w").await.unwrap();
    let rows = messages::about(
        &app.state.db,
        &format!("order:{}", m["Id"].as_str().unwrap()),
    )
    .await
    .unwrap();
    let seen: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.channel.as_str(),
                r.state.as_str(),
                r.last_error.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("sms", "sent_nowhere", Some("no SMS gateway is configured")),
            (
                "whatsapp",
                "sent_nowhere",
                Some("no SMS gateway is configured")
            ),
        ]
    );
    assert!(
        rows[0].text.contains(m["Url"].as_str().unwrap()),
        "{}",
        rows[0].text
    );
    assert!(rows[0].text.starts_with("Оплатите заказ №1"));
    assert!(sink.received().is_empty(), "no e-mail was asked for");

    // The operator sees them, and why they went nowhere.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_oblako"))
        .args([
            "site",
            "messages",
            "--site",
            &app.site.site_id.to_string(),
            "--json",
        ])
        .env("OBLAKO_DATA_DIR", &app.config.data_dir)
        .env("OBLAKO_DATABASE_URL", &app.config.database_url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["Channel"], "whatsapp", "newest first");
    assert_eq!(listed[0]["State"], "sent_nowhere");
    assert_eq!(listed[0]["LastError"], "no SMS gateway is configured");
    assert_eq!(listed[1]["Recipient"], "+7 (900) 123-45-67");
}
