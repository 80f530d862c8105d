//! site/notifications/{Type}/get and …/update (spec §3.24, §3.25, A.10): defaults, round trips,
//! what may not be changed, the SSRF guard at save time, and one site never seeing another's.

use oblako_core::ids::SiteId;
use oblako_server::outbound::{Policy, check_url};
use serde_json::{Value, json};

use crate::helpers::{TestApp, request};

async fn get(app: &TestApp, kind: &str) -> Value {
    app.post(&format!("/site/notifications/{kind}/get"), "")
        .await
        .json()
}

async fn update(app: &TestApp, kind: &str, body: Value) -> Value {
    app.post(
        &format!("/site/notifications/{kind}/update"),
        &body.to_string(),
    )
    .await
    .json()
}

fn guard_message(url: &str, policy: &Policy) -> String {
    check_url(url, policy).unwrap_err().to_string()
}

#[tokio::test]
async fn a_kind_never_set_reads_as_disabled_with_the_defaults() {
    let app = TestApp::new().await;
    for kind in [
        "Check",
        "pay",
        "FAIL",
        "Confirm",
        "refund",
        "Recurrent",
        "cancel",
    ] {
        let reply = get(&app, kind).await;
        assert_eq!(
            reply,
            json!({"Model": {"IsEnabled": false, "Address": null, "HttpMethod": "GET",
                             "Encoding": "UTF8", "Format": "CloudPayments"},
                   "Success": true, "Message": null}),
            "{kind}"
        );
    }
    let by_get = app
        .call(
            request("GET", "/Site/Notifications/Pay/Get")
                .auth(&app.site.test.public_id, &app.site.test.api_secret)
                .empty(),
        )
        .await;
    assert_eq!(by_get.json()["Model"]["IsEnabled"], false);
}

#[tokio::test]
async fn an_update_round_trips_every_field_and_answers_like_cloudpayments() {
    let app = TestApp::new().await;
    let reply = app
        .post(
            "/site/notifications/pay/update",
            r#"{"IsEnabled":true,"Address":"http://example.com","HttpMethod":"POST","Encoding":"Windows1251","Format":"CloudPayments"}"#,
        )
        .await;
    assert_eq!(
        String::from_utf8(reply.body).unwrap(),
        r#"{"Success":true,"Message":null}"#
    );
    assert_eq!(
        get(&app, "pay").await,
        json!({"Model": {"IsEnabled": true, "Address": "http://example.com", "HttpMethod": "POST",
                         "Encoding": "Windows1251", "Format": "CloudPayments"},
               "Success": true, "Message": null})
    );
    assert_eq!(
        get(&app, "Fail").await["Model"]["IsEnabled"],
        false,
        "other kinds untouched"
    );

    // An update replaces every field: what is left out takes the spec's default again.
    let lowered = json!({"isenabled": "True", "address": "https://shop.example/cp",
                         "httpmethod": "post", "encoding": "utf8"});
    assert_eq!(update(&app, "Pay", lowered).await["Success"], true);
    let model = &get(&app, "Pay").await["Model"];
    assert_eq!(
        (&model["Address"], &model["HttpMethod"], &model["Encoding"]),
        (
            &json!("https://shop.example/cp"),
            &json!("POST"),
            &json!("UTF8")
        )
    );
    assert_eq!(update(&app, "Pay", json!({})).await["Success"], true);
    assert_eq!(
        get(&app, "Pay").await["Model"],
        json!({"IsEnabled": false, "Address": null, "HttpMethod": "GET", "Encoding": "UTF8",
               "Format": "CloudPayments"})
    );
}

#[tokio::test]
async fn form_bodies_work_like_json() {
    let app = TestApp::new().await;
    let reply = app
        .call(
            request("POST", "/site/notifications/Refund/update")
                .auth(&app.site.test.public_id, &app.site.test.api_secret)
                .form("IsEnabled=1&Address=https%3A%2F%2Fshop.example%2Frefund%3Fa%3D1&HttpMethod=POST"),
        )
        .await
        .json();
    assert_eq!(reply, json!({"Success": true, "Message": null}));
    let model = &get(&app, "refund").await["Model"];
    assert_eq!(
        (&model["IsEnabled"], &model["Address"], &model["HttpMethod"]),
        (
            &json!(true),
            &json!("https://shop.example/refund?a=1"),
            &json!("POST")
        )
    );
}

#[tokio::test]
async fn check_and_receipt_cannot_be_changed_and_unknown_types_are_refused() {
    let app = TestApp::new().await;
    let check = update(
        &app,
        "check",
        json!({"IsEnabled": true, "Address": "https://shop.example/check"}),
    )
    .await;
    assert_eq!(check["Success"], false);
    assert_eq!(
        check["Message"],
        "Check notification settings cannot be changed through the API"
    );
    assert_eq!(get(&app, "Check").await["Model"]["IsEnabled"], false);

    for path in [
        "/site/notifications/receipt/get",
        "/site/notifications/Receipt/update",
    ] {
        let reply = app.post(path, r#"{"IsEnabled":false}"#).await.json();
        assert_eq!(reply["Success"], false, "{path}");
        assert!(
            reply["Message"].as_str().unwrap().contains("Receipt"),
            "{path}"
        );
    }
    let unknown = get(&app, "Payment").await;
    assert_eq!(unknown["Success"], false);
    assert_eq!(
        unknown["Message"],
        "Unknown notification type payment: expected Check, Pay, Fail, Confirm, Refund, \
         Recurrent or Cancel"
    );
    assert!(unknown.get("Model").is_none());
}

#[tokio::test]
async fn addresses_the_guard_forbids_are_refused_with_its_message() {
    let app = TestApp::new().await;
    let test = Policy {
        allow_private: true,
        ..Policy::default()
    };
    for url in [
        "ftp://shop.example/notify",
        "javascript:alert(1)",
        "http://user:pass@shop.example/notify",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
    ] {
        let reply = update(&app, "Pay", json!({"IsEnabled": true, "Address": url})).await;
        assert_eq!(reply["Success"], false, "{url}");
        assert_eq!(reply["Message"], guard_message(url, &test), "{url}");
    }
    for (body, message) in [
        (
            json!({"IsEnabled": true}),
            "Address is required when IsEnabled is true",
        ),
        (
            json!({"IsEnabled": true, "Address": " "}),
            "Address is required when IsEnabled is true",
        ),
        (
            json!({"IsEnabled": true, "Address": "https://shop.example/", "HttpMethod": "PUT"}),
            "Invalid HttpMethod value: expected GET or POST",
        ),
        (
            json!({"IsEnabled": true, "Address": "https://shop.example/", "Encoding": "koi8-r"}),
            "Invalid Encoding value: expected UTF8 or Windows1251",
        ),
        (
            json!({"IsEnabled": true, "Address": "https://shop.example/", "Format": "QIWI"}),
            "Format QIWI is not supported: only CloudPayments is",
        ),
        (
            json!({"IsEnabled": true, "Address": format!("https://shop.example/{}", "a".repeat(2048))}),
            "Address is too long (at most 2048 characters)",
        ),
        (json!({"IsEnabled": "maybe"}), "Invalid IsEnabled value"),
    ] {
        let reply = update(&app, "Pay", body.clone()).await;
        assert_eq!(
            (&reply["Success"], reply["Message"].as_str()),
            (&json!(false), Some(message)),
            "{body}"
        );
    }
    assert_eq!(
        get(&app, "Pay").await["Model"]["IsEnabled"],
        false,
        "nothing stored"
    );
}

#[tokio::test]
async fn loopback_is_for_test_keys_only() {
    let app = TestApp::new().await;
    let local =
        json!({"IsEnabled": true, "Address": "http://127.0.0.1:9999/cp", "HttpMethod": "POST"});
    assert_eq!(update(&app, "Pay", local.clone()).await["Success"], true);
    assert_eq!(
        get(&app, "Pay").await["Model"]["Address"],
        "http://127.0.0.1:9999/cp"
    );

    oblako_store::sites::go_live(&app.state.db, SiteId(app.site.site_id), app.state.now_ms())
        .await
        .unwrap();
    let live = |path: &str, body: &Value| {
        request("POST", path)
            .auth(&app.site.live.public_id, &app.site.live.api_secret)
            .json(&body.to_string())
    };
    let refused = app
        .call(live("/site/notifications/Fail/update", &local))
        .await
        .json();
    assert_eq!(refused["Success"], false);
    assert_eq!(
        refused["Message"],
        guard_message("http://127.0.0.1:9999/cp", &Policy::default())
    );
    assert!(refused["Message"].as_str().unwrap().contains("loopback"));
    let public = json!({"IsEnabled": true, "Address": "https://shop.example/fail"});
    let ok = app
        .call(live("/site/notifications/Fail/update", &public))
        .await
        .json();
    assert_eq!(ok["Success"], true);
    // Settings are per mode: the live keys' address is not the test keys'.
    assert_eq!(get(&app, "Fail").await["Model"]["Address"], Value::Null);
}

#[tokio::test]
async fn a_site_sees_and_changes_only_its_own_settings() {
    let app = TestApp::new().await;
    let other = app.another_site("Other shop").await;
    let as_other = |path: &str, body: &str| {
        request("POST", path)
            .auth(&other.test.public_id, &other.test.api_secret)
            .json(body)
    };
    let mine =
        json!({"IsEnabled": true, "Address": "https://mine.example/pay", "HttpMethod": "POST"});
    assert_eq!(update(&app, "Pay", mine).await["Success"], true);

    let theirs = app
        .call(as_other("/site/notifications/pay/get", ""))
        .await
        .json();
    assert_eq!(theirs["Model"]["IsEnabled"], false);
    assert_eq!(theirs["Model"]["Address"], Value::Null);

    let reply = app
        .call(as_other(
            "/site/notifications/pay/update",
            r#"{"IsEnabled":true,"Address":"https://theirs.example/pay"}"#,
        ))
        .await
        .json();
    assert_eq!(reply["Success"], true);
    assert_eq!(
        get(&app, "pay").await["Model"]["Address"],
        "https://mine.example/pay",
        "the other site's update left ours alone"
    );
}

#[tokio::test]
async fn the_settings_need_credentials() {
    let app = TestApp::new().await;
    for path in [
        "/site/notifications/pay/get",
        "/site/notifications/pay/update",
    ] {
        let reply = app.call(request("POST", path).json("{}")).await;
        assert_eq!(reply.status, 401, "{path}");
    }
    let wrong = app
        .call(
            request("GET", "/site/notifications/pay/update")
                .auth(&app.site.test.public_id, &app.site.test.api_secret)
                .empty(),
        )
        .await;
    assert_eq!(wrong.status, 405);
}

#[tokio::test]
async fn allow_subnets_reopen_private_addresses_for_live_keys() {
    let app = TestApp::with_config(|c| c.allow_subnets = vec!["10.1.0.0/16".into()]).await;
    oblako_store::sites::go_live(&app.state.db, SiteId(app.site.site_id), app.state.now_ms())
        .await
        .unwrap();
    let save = |address: &str| {
        let body = json!({"IsEnabled": true, "Address": address});
        request("POST", "/site/notifications/Pay/update")
            .auth(&app.site.live.public_id, &app.site.live.api_secret)
            .json(&body.to_string())
    };
    assert_eq!(
        app.call(save("http://10.1.2.3/cp")).await.json()["Success"],
        true
    );
    let outside = app.call(save("http://10.2.0.1/cp")).await.json();
    assert_eq!(
        outside["Message"],
        guard_message("http://10.2.0.1/cp", &Policy::default())
    );
}
