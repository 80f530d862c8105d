//! The browser side: `/widget/charge` by Public ID alone (charge, auth, decline, 3-D Secure
//! through `/widget/3ds`), its per-IP limit, the scripts with the current key, the form's
//! `frame-ancestors`, `/pub/card` parameters and a Content-Security-Policy on every page.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, request};
use crate::payments::cryptogram;

async fn widget_charge(app: &TestApp, body: Value, ip: &str) -> Reply {
    app.call(
        request("POST", "/widget/charge")
            .peer_ip(ip)
            .json(&body.to_string()),
    )
    .await
}

async fn charge_card(app: &TestApp, number: &str, scheme: &str) -> Value {
    let packet = cryptogram(app, &app.site.test.public_id, number).await;
    let body = json!({
        "PublicId": app.site.test.public_id, "CardCryptogramPacket": packet, "Scheme": scheme,
        "Amount": 100, "Currency": "RUB", "InvoiceId": format!("w-{number}"),
        "AccountId": "acc-1", "Email": "payer@example.com", "JsonData": {"order": 7},
    });
    let reply = widget_charge(app, body, "10.0.0.1").await;
    assert_eq!(reply.status, StatusCode::OK);
    reply.json()
}

async fn get(app: &TestApp, id: &Value) -> Value {
    app.post("/payments/get", &json!({ "TransactionId": id }).to_string())
        .await
        .json()["Model"]
        .clone()
}

fn csp(reply: &Reply) -> String {
    reply
        .headers
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("no CSP ({})", reply.status))
        .to_str()
        .unwrap()
        .to_owned()
}

fn html(reply: &Reply) -> String {
    String::from_utf8(reply.body.clone()).unwrap()
}

#[tokio::test]
async fn a_browser_charge_needs_only_the_public_id_and_pays_like_the_api() {
    let app = TestApp::new().await;
    let paid = charge_card(&app, "4111111111111111", "charge").await;
    assert_eq!(paid["Success"], true, "{paid}");
    let model = &paid["Model"];
    assert_eq!(model["Status"], "Completed");
    // The form gets the outcome, not the whole model (no token, no card summary, no payer data).
    let keys: Vec<&str> = model
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for hidden in [
        "Token",
        "CardFirstSix",
        "Email",
        "AccountId",
        "IpAddress",
        "JsonData",
    ] {
        assert!(!keys.contains(&hidden), "{hidden} in {model}");
    }
    let stored = get(&app, &model["TransactionId"]).await;
    assert_eq!(
        (
            stored["Status"].as_str(),
            stored["Amount"].as_f64(),
            stored["AccountId"].as_str(),
            stored["Email"].as_str(),
            stored["IpAddress"].as_str(),
            stored["JsonData"].as_str(),
        ),
        (
            Some("Completed"),
            Some(100.0),
            Some("acc-1"),
            Some("payer@example.com"),
            Some("10.0.0.1"),
            Some(r#"{"order":7}"#),
        )
    );

    let held = charge_card(&app, "5200828282828210", "auth").await;
    assert_eq!(held["Model"]["Status"], "Authorized", "{held}");

    let declined = charge_card(&app, "4000056655665556", "charge").await;
    assert_eq!(declined["Success"], false);
    assert_eq!(declined["Model"]["ReasonCode"], 5051);
    assert_eq!(
        declined["Model"]["CardHolderMessage"],
        "Недостаточно средств на карте"
    );
    assert_eq!(
        get(&app, &declined["Model"]["TransactionId"]).await["Status"],
        "Declined"
    );
}

#[tokio::test]
async fn a_browser_charge_is_refused_for_unknown_ids_foreign_cryptograms_and_bad_input() {
    let app = TestApp::new().await;
    let other = app.another_site("Other").await;
    let foreign = cryptogram(&app, &other.test.public_id, "4111111111111111").await;
    let cases = [
        (
            json!({"PublicId": "test_api_nobody", "CardCryptogramPacket": foreign, "Amount": 1}),
            "Unknown or inactive Public ID",
        ),
        (
            json!({"PublicId": app.site.test.public_id, "CardCryptogramPacket": foreign, "Amount": 1}),
            "Invalid CardCryptogramPacket",
        ),
        (
            json!({"PublicId": app.site.test.public_id, "CardCryptogramPacket": foreign, "Amount": 1, "Scheme": "refund"}),
            "Scheme must be charge or auth",
        ),
    ];
    for (body, message) in cases {
        let reply = widget_charge(&app, body.clone(), "10.0.0.2").await.json();
        assert_eq!(
            (reply["Success"].as_bool(), reply["Message"].as_str()),
            (Some(false), Some(message)),
            "{body}"
        );
    }
    let no_packet = widget_charge(&app, json!({"PublicId": "x", "Amount": 1}), "10.0.0.2").await;
    assert_eq!(no_packet.json()["Success"], false);
    let bad_json = app
        .call(request("POST", "/widget/charge").json("{not json"))
        .await;
    assert_eq!(bad_json.json()["Success"], false);
}

/// Plays the payer on the ACS page with `outcome`; returns the PaRes posted to TermUrl.
async fn acs_answer(app: &TestApp, model: &Value, term_url: &str, outcome: &str) -> String {
    let form = serde_urlencoded_pairs(&[
        ("PaReq", model["PaReq"].as_str().unwrap()),
        ("MD", &model["TransactionId"].to_string()),
        ("TermUrl", term_url),
        ("code", "1234"),
        ("outcome", outcome),
    ]);
    let page = html(&app.call(request("POST", "/acs/submit").form(&form)).await);
    assert!(page.contains("/widget/3ds?PublicId="), "{page}");
    let marker = r#"name="PaRes" value=""#;
    let start = page.find(marker).unwrap() + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

fn serde_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let encoded: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={encoded}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The reply `/widget/3ds` hands to the form (HTML-escaped JSON in `data-reply`).
fn handed_reply(page: &str) -> Value {
    let marker = r#"data-reply=""#;
    let start = page.find(marker).unwrap() + marker.len();
    let escaped = &page[start..start + page[start..].find('"').unwrap()];
    let text = escaped
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test]
async fn three_ds_from_the_widget_finishes_at_its_term_url_once() {
    let app = TestApp::new().await;
    let term = format!(
        "http://127.0.0.1:8080/widget/3ds?PublicId={}",
        app.site.test.public_id
    );
    for (number, outcome, status, success) in [
        ("4242424242424242", "pass", "Completed", true),
        ("5555555555554444", "fail", "Declined", false),
    ] {
        let challenge = charge_card(&app, number, "charge").await;
        let model = challenge["Model"].clone();
        assert!(
            model["AcsUrl"].as_str().unwrap().ends_with("/acs"),
            "{challenge}"
        );
        let pa_res = acs_answer(&app, &model, &term, outcome).await;
        let form = serde_urlencoded_pairs(&[
            ("MD", &model["TransactionId"].to_string()),
            ("PaRes", &pa_res),
        ]);
        let path = format!("/widget/3ds?PublicId={}", app.site.test.public_id);
        let page = app.call(request("POST", &path).form(&form)).await;
        assert_eq!(page.status, StatusCode::OK);
        let policy = csp(&page);
        assert!(policy.ends_with("frame-ancestors *"), "{policy}");
        assert!(policy.contains("script-src 'nonce-"), "{policy}");
        let reply = handed_reply(&html(&page));
        assert_eq!(reply["Success"], success, "{reply}");
        assert_eq!(reply["Model"]["Status"], status, "{reply}");
        assert_eq!(get(&app, &model["TransactionId"]).await["Status"], status);
        if !success {
            assert_eq!(reply["Model"]["ReasonCode"], 5206);
        }
        let again = handed_reply(&html(&app.call(request("POST", &path).form(&form)).await));
        assert_eq!(
            again["Message"],
            "Transaction is not awaiting 3-D Secure authentication"
        );
    }
}

#[tokio::test]
async fn browser_charges_are_limited_per_ip_per_minute() {
    let app = TestApp::with_config(|c| c.widget_charge_per_minute = 2).await;
    let body =
        json!({"PublicId": app.site.test.public_id, "CardCryptogramPacket": "x", "Amount": 1});
    for _ in 0..2 {
        let reply = widget_charge(&app, body.clone(), "10.1.1.1").await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    let limited = widget_charge(&app, body.clone(), "10.1.1.1").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.json()["Success"], false);
    let other_ip = widget_charge(&app, body.clone(), "10.1.1.2").await;
    assert_eq!(other_ip.status, StatusCode::OK);
    app.clock.advance_millis(61_000);
    let later = widget_charge(&app, body, "10.1.1.1").await;
    assert_eq!(later.status, StatusCode::OK);
}

#[tokio::test]
async fn the_widget_form_is_framed_only_by_the_configured_ancestors() {
    let app = TestApp::new().await;
    let form = app
        .call(
            request(
                "GET",
                "/widget/form?lang=en-US&origin=https%3A%2F%2Fshop.example",
            )
            .empty(),
        )
        .await;
    assert_eq!(form.status, StatusCode::OK);
    let policy = csp(&form);
    assert!(policy.contains("frame-ancestors *"), "{policy}");
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe"), "{policy}");
    let page = html(&form);
    assert!(page.contains("Card number") && page.contains(r#"data-origin="https://shop.example""#));

    let strict = TestApp::with_config(|c| {
        c.widget_frame_ancestors = "'self' https://shop.example".into();
    })
    .await;
    let framed = strict
        .call(request("GET", "/widget/form?origin=https%3A%2F%2Fshop.example").empty())
        .await;
    let policy = csp(&framed);
    assert!(
        policy.ends_with("frame-ancestors 'self' https://shop.example"),
        "{policy}"
    );
    assert!(html(&framed).contains("Номер карты"));

    for bad in ["/widget/form", "/widget/form?origin=javascript%3Aalert(1)"] {
        let reply = app.call(request("GET", bad).empty()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(html(&reply).contains("origin"), "{bad}");
    }
}

#[tokio::test]
async fn pub_card_checks_its_parameters_and_charges_the_hosted_site() {
    let app = TestApp::new().await;
    let ok = "account=a1&sum=10.50&description=Order%201&currency=RUB&success_url=https%3A%2F%2Fshop.example%2Fok";
    for path in ["/pub/card", "/_cloudpayments_/pub/card"] {
        let page = app
            .call(request("GET", &format!("{path}?{ok}")).empty())
            .await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(csp(&page).contains("frame-ancestors 'none'"));
        let text = html(&page);
        assert!(text.contains(&app.site.test.public_id), "{text}");
        assert!(
            text.contains("&#34;amount&#34;:10.5") || text.contains("&quot;amount&quot;:10.5"),
            "{text}"
        );
    }
    let cases = [
        ("sum=1&description=d&currency=RUB", "account is required"),
        ("account=a&description=d&currency=RUB", "sum is required"),
        ("account=a&sum=1&currency=RUB", "description is required"),
        ("account=a&sum=1&description=d", "currency is required"),
        ("account=a&sum=-1&description=d&currency=RUB", "sum must be"),
        (
            "account=a&sum=1.234&description=d&currency=RUB",
            "sum must be",
        ),
        (
            "account=a&sum=1&description=d&currency=XYZ",
            "is not supported",
        ),
        (
            "account=a&sum=1&description=d&currency=RUB&fail_url=javascript%3Aalert(1)",
            "fail_url must be an http(s) URL",
        ),
    ];
    for (query, message) in cases {
        let reply = app
            .call(request("GET", &format!("/pub/card?{query}")).empty())
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(csp(&reply).contains("default-src 'none'"));
        assert!(html(&reply).contains(message), "{query}: {}", html(&reply));
    }

    let other = TestApp::with_config(|c| c.hosted_public_id = "test_api_missing".into()).await;
    let missing = other
        .call(request("GET", &format!("/pub/card?{ok}")).empty())
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn scripts_carry_the_current_key_and_every_page_a_policy() {
    let app = TestApp::new().await;
    let (pem, version) = app.state.keyring.current_public().await.unwrap();
    for path in ["/checkout.js", "/bundles/checkout"] {
        let script = app.call(request("GET", path).empty()).await;
        assert!(script.content_type().starts_with("application/javascript"));
        let text = html(&script);
        let key = json!({ "pem": pem, "version": version }).to_string();
        assert!(text.contains(&key), "{path}");
    }
    oblako_server::keyring::rotate(&app.state.db, &app.state.secrets, app.state.now_ms())
        .await
        .unwrap();
    let rotated = html(&app.call(request("GET", "/checkout.js").empty()).await);
    assert!(rotated.contains(&format!("\"version\":{}", version + 1)));
    for path in [
        "/widget.js",
        "/bundles/cloudpayments.js",
        "/bundles/cloudpayments",
    ] {
        let script = app.call(request("GET", path).empty()).await;
        assert_eq!(script.status, StatusCode::OK);
        assert!(html(&script).contains("cp.CloudPayments"), "{path}");
    }
    for path in [
        "/demo",
        "/demo?lang=en-US&scheme=auth",
        "/widget/form?origin=http%3A%2F%2F127.0.0.1",
        "/pub/card",
        "/acs",
    ] {
        let page = app.call(request("GET", path).empty()).await;
        assert!(page.content_type().starts_with("text/html"), "{path}");
        let policy = csp(&page);
        assert!(policy.contains("default-src 'none'"), "{path}: {policy}");
    }
    let demo = html(&app.call(request("GET", "/demo?lang=en-US").empty()).await);
    assert!(demo.contains(&app.site.test.public_id) && demo.contains("Cup of tea"));
}

#[tokio::test]
async fn a_browser_charge_queues_pay_and_fail_notifications_like_the_api() {
    let app = TestApp::new().await;
    app.notify(&["Pay", "Fail"], "http://127.0.0.1:9/hook")
        .await;
    for (number, kind) in [("4111111111111111", "Pay"), ("4000056655665556", "Fail")] {
        let reply = charge_card(&app, number, "charge").await;
        let id = &reply["Model"]["TransactionId"];
        let listed = app
            .post(
                "/notifications/list",
                &json!({ "TransactionId": id }).to_string(),
            )
            .await
            .json();
        let kinds: Vec<&str> = listed["Model"]
            .as_array()
            .unwrap_or_else(|| panic!("{listed}"))
            .iter()
            .filter_map(|n| n["Type"].as_str())
            .collect();
        assert_eq!(kinds, [kind], "{number}: {listed}");
    }
}
