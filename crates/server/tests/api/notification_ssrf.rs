//! Test mode is no way into the gateway's network: a test key that
//! points a notification at loopback or a private address reaches it only with the operator's
//! consent, never reaches the gateway's own port however the address is spelled, and never gets
//! a private address's answer back. Listeners that count accepted connections prove that
//! nothing was dialled.

use std::time::Duration;

use oblako_server::config::TestPrivate;
use oblako_server::notify::deliver::drain;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::probe::{Counter, MARKER};

/// Every spelling of "this host, port `port`" a URL parser or resolver might let through, the
/// host's own name included.
fn loopback_spellings(port: u16) -> Vec<String> {
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let hostname = Some(hostname.trim().to_owned()).filter(|h| !h.is_empty());
    [
        "127.0.0.1",
        "127.1",
        "2130706433",
        "0x7f000001",
        "0x7f.0.0.1",
        "0177.0.0.1",
        "017700000001",
        "127.0.0.2",
        "0.0.0.0",
        "0",
        "[::1]",
        "[0:0:0:0:0:0:0:1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::]",
        "localhost",
        "LOCALHOST",
        "localhost.",
    ]
    .iter()
    .map(|host| (*host).to_owned())
    .chain(hostname)
    .map(|host| format!("http://{host}:{port}/metrics"))
    .collect()
}

/// Counters on every loopback address that can be bound here with the same port.
async fn counters() -> Vec<Counter> {
    let first = Counter::bind("127.0.0.1:0").await.unwrap();
    let port = first.port();
    let mut all = vec![first];
    for addr in [format!("127.0.0.2:{port}"), format!("[::1]:{port}")] {
        match Counter::bind(&addr).await {
            Some(counter) => all.push(counter),
            None => println!("skipped: cannot listen on {addr} here"),
        }
    }
    all
}

fn accepted(counters: &[Counter]) -> usize {
    counters.iter().map(Counter::accepted).sum()
}

async fn test_notification(app: &TestApp) -> Value {
    let reply = app.post("/notifications/test", r#"{"Type":"Pay"}"#).await;
    reply.json()
}

/// Sends a sample to `url` and queues (and drains) a real notification to it; returns what the
/// API answered for both.
async fn probe(app: &TestApp, url: &str) -> String {
    app.notify(&["Pay"], url).await;
    let sample = test_notification(app).await;
    let paid = crate::notification_modes::test_mode_payment(app).await;
    tokio::time::timeout(Duration::from_secs(60), drain(&app.state, "w"))
        .await
        .unwrap()
        .unwrap();
    let listed = app
        .post(
            "/notifications/list",
            &json!({"TransactionId": paid}).to_string(),
        )
        .await
        .json();
    let id = listed["Model"][0]["Id"].clone();
    let got = app
        .post("/notifications/get", &json!({"Id": id}).to_string())
        .await
        .json();
    format!("{sample}\n{got}")
}

/// Probes every URL both ways; returns the URLs whose target's answer came back.
async fn leaks(app: &TestApp, urls: &[String]) -> Vec<String> {
    let mut leaked = Vec::new();
    for url in urls {
        if probe(app, url).await.contains(MARKER) {
            leaked.push(url.clone());
        }
    }
    leaked
}

/// Switches Check on at `url` and pays: the payment goes ahead only if Check got through.
async fn check_probe(app: &TestApp, url: &str) -> Value {
    app.notify(&["Check"], url).await;
    let paid = crate::payments::card(
        app,
        "/payments/cards/charge",
        "4000000000003055",
        json!({"Amount": 3}),
    )
    .await;
    crate::payments::model(&paid)
}

async fn save(app: &TestApp, url: &str) -> Value {
    let body = json!({"IsEnabled": true, "Address": url}).to_string();
    app.post("/site/notifications/Pay/update", &body)
        .await
        .json()
}

#[tokio::test]
async fn the_gateways_own_port_is_never_dialled() {
    let own = counters().await;
    let port = own[0].port();
    let urls = loopback_spellings(port);
    // The gateway on loopback (consent by default), then on every interface with consent given.
    for (listen, consent) in [
        (format!("127.0.0.1:{port}"), TestPrivate::Auto),
        (format!("0.0.0.0:{port}"), TestPrivate::Allow),
    ] {
        let app = TestApp::with_config(|c| {
            c.listen = listen.clone();
            c.test_notifications_private = consent;
        })
        .await;
        let leaked = leaks(&app, &urls).await;
        let checked = check_probe(&app, &urls[0]).await;
        assert_eq!(checked["Status"], "Declined", "{checked}");
        println!(
            "listen {listen}, {consent:?}: {} URLs probed by test notification and delivery, \
             {} connections, {} answers leaked",
            urls.len(),
            accepted(&own),
            leaked.len()
        );
        assert_eq!(
            (accepted(&own), leaked),
            (0, Vec::<String>::new()),
            "connections to the gateway's own port, and the URLs whose answer came back"
        );
        let saved = save(&app, &urls[0]).await;
        assert_eq!(saved["Success"], false, "{saved}");
        let said = saved["Message"].as_str().unwrap();
        assert!(said.contains("the gateway's own"), "{said}");
    }
}

#[tokio::test]
async fn without_consent_test_mode_reaches_no_loopback_address() {
    let sink = counters().await;
    let port = sink[0].port();
    let urls = loopback_spellings(port);
    // Listening on every interface (auto says no), and on loopback with consent refused.
    for (listen, consent) in [
        ("0.0.0.0:8080", TestPrivate::Auto),
        ("127.0.0.1:8080", TestPrivate::Deny),
    ] {
        let app = TestApp::with_config(|c| {
            c.listen = listen.into();
            c.test_notifications_private = consent;
        })
        .await;
        let leaked = leaks(&app, &urls).await;
        let checked = check_probe(&app, &urls[0]).await;
        assert_eq!(checked["Status"], "Declined", "{checked}");
        println!(
            "listen {listen}, {consent:?}: {} URLs probed by test notification and delivery, \
             {} connections, {} answers leaked",
            urls.len(),
            accepted(&sink),
            leaked.len()
        );
        assert_eq!(
            (accepted(&sink), leaked),
            (0, Vec::<String>::new()),
            "connections to loopback without consent, and the URLs whose answer came back"
        );
        let saved = save(&app, &urls[0]).await;
        assert_eq!(saved["Success"], false, "{saved}");
        let said = saved["Message"].as_str().unwrap();
        assert!(said.contains("only the operator can open it"), "{said}");
    }
}

#[tokio::test]
async fn a_loopback_answer_is_delivered_but_never_echoed() {
    let sink = Counter::bind("127.0.0.1:0").await.unwrap();
    let app = TestApp::new().await;
    let url = format!("http://{}/metrics", sink.addr);
    let answers = probe(&app, &url).await;
    assert_eq!(sink.accepted(), 2, "with consent the receiver is reached");
    assert!(
        !answers.contains(MARKER),
        "the receiver's answer came back: {answers}"
    );
    let sample = test_notification(&app).await;
    let shown = sample["Model"]["Response"].as_str().unwrap();
    assert!(
        shown.contains("127.0.0.1 is a loopback address") && shown.contains("public addresses"),
        "the note says why: {shown}"
    );
    assert!(answers.contains(shown), "the attempt log says the same");

    // The operator sees it.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_oblako"))
        .args(["site", "notification-test", "--kind", "Pay"])
        .args(["--site", &app.site.site_id.to_string()])
        .env("OBLAKO_DATA_DIR", &app.config.data_dir)
        .env("OBLAKO_DATABASE_URL", &app.config.database_url)
        .output()
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(MARKER));
}
