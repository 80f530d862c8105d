//! The checkout script in a real headless Chromium: `/checkout.js`, served by a gateway on a
//! loopback socket, makes a cryptogram for every test card of spec §8 in the browser, and the
//! API charges each one with the outcome the emulated bank gives that card.
//!
//! Needs Debian's `chromium` (or `OBLAKO_E2E_CHROMIUM`). Without it the test prints why and
//! passes, unless `CI=true`, where it fails.

use std::path::PathBuf;
use std::process::Command;

use oblako_server::app;
use serde_json::json;
use tokio::net::TcpListener;

use crate::helpers::TestApp;

/// Number, 3-D Secure, approved.
const TEST_CARDS: &[(&str, bool, bool)] = &[
    ("4242424242424242", true, true),
    ("5555555555554444", true, true),
    ("2200000000000004", true, true),
    ("4012888888881881", true, false),
    ("5105105105105100", true, false),
    ("2202202202202200", true, false),
    ("4000000000003055", false, true),
    ("5205000000003055", false, true),
    ("2202000000003055", false, true),
    ("4111111111111111", false, true),
    ("5200828282828210", false, true),
    ("2200000022222222", false, true),
    ("4000056655665556", false, false),
    ("5404000000000043", false, false),
    ("2203000000000043", false, false),
];

fn chromium() -> Option<PathBuf> {
    let path = PathBuf::from(
        std::env::var("OBLAKO_E2E_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
    );
    if path.exists() {
        return Some(path);
    }
    let why = format!(
        "no Chromium at {} (apt-get install chromium)",
        path.display()
    );
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("checkout in the browser: FAILED: {why}, required when CI=true");
    }
    println!("checkout in the browser: skipped: {why} (CI=true makes this a failure)");
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkout_js_in_chromium_makes_cryptograms_the_api_charges_for_every_test_card() {
    let Some(browser) = chromium() else { return };
    let app = TestApp::new().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = app.state.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        app::serve(state, listener, async move {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });

    let dir = tempfile::tempdir().unwrap();
    let numbers: Vec<&str> = TEST_CARDS.iter().map(|c| c.0).collect();
    let page = format!(
        r#"<!doctype html><meta charset="utf-8"><pre id="out">pending</pre>
<script src="http://{addr}/checkout.js"></script>
<script>
Promise.all({numbers}.map(function (n) {{
  return new cp.Checkout({{ publicId: {public_id} }})
    .createPaymentCryptogram({{ cardNumber: n, expDateMonthYear: "12/30", cvv: "123" }});
}})).then(function (packets) {{ document.getElementById("out").textContent = packets.join(" "); }},
  function (e) {{ document.getElementById("out").textContent = "error " + JSON.stringify(e); }});
</script>"#,
        numbers = json!(numbers),
        public_id = json!(app.site.test.public_id),
    );
    let file = dir.path().join("checkout.html");
    std::fs::write(&file, page).unwrap();
    let profile = dir.path().join("profile");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(["--virtual-time-budget=10000", "--dump-dom"])
            .arg(format!("file://{}", file.display()))
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let dom = String::from_utf8_lossy(&output.stdout);
    let start = dom.find(r#"<pre id="out">"#).expect("the page's output") + 14;
    let text = &dom[start..start + dom[start..].find("</pre>").unwrap()];
    let packets: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(
        packets.len(),
        TEST_CARDS.len(),
        "{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    for ((number, three_ds, approved), packet) in TEST_CARDS.iter().zip(packets) {
        let body = json!({"Amount": 10, "IpAddress": "127.0.0.1", "CardCryptogramPacket": packet});
        let reply = app
            .post("/payments/cards/charge", &body.to_string())
            .await
            .json();
        let model = &reply["Model"];
        let outcome = (
            reply["Success"].as_bool(),
            model["Status"].as_str(),
            model["ReasonCode"].as_i64(),
            model["AcsUrl"].is_string(),
            model["CardLastFour"].as_str(),
        );
        let expected = match (three_ds, approved) {
            (true, _) => (Some(false), None, None, true, None),
            (false, true) => (
                Some(true),
                Some("Completed"),
                Some(0),
                false,
                Some(&number[12..]),
            ),
            (false, false) => (
                Some(false),
                Some("Declined"),
                Some(5051),
                false,
                Some(&number[12..]),
            ),
        };
        assert_eq!(outcome, expected, "{number}: {reply}");
    }
    let _ = stop.send(());
    server.await.unwrap();
}
