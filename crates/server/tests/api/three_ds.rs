//! 3-D Secure: the challenge answer, the emulated ACS page, post3ds once and only with a PaRes
//! issued for that transaction.

use axum::http::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, form, request};
use crate::payments::cryptogram;

async fn challenge(app: &TestApp, path: &str, number: &str) -> Value {
    let packet = cryptogram(app, &app.site.test.public_id, number).await;
    let body = serde_json::json!({"Amount": 12, "IpAddress": "1.2.3.4", "CardCryptogramPacket": packet, "AccountId": "u1"});
    let reply = app.post(path, &body.to_string()).await;
    let json = reply.json();
    assert_eq!(
        (json["Success"].as_bool(), json["Message"].is_null()),
        (Some(false), true),
        "{json}"
    );
    json["Model"].clone()
}

/// Plays the payer on the ACS page and returns the PaRes posted back to TermUrl.
async fn acs(app: &TestApp, model: &Value, outcome: &str) -> String {
    let md = model["TransactionId"].to_string();
    let pa_req = model["PaReq"].as_str().unwrap();
    let term = "https://shop.example/3ds-return";
    let page = app
        .call(request("POST", "/acs").form(&form(&[
            ("PaReq", pa_req),
            ("MD", &md),
            ("TermUrl", term),
        ])))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.content_type().starts_with("text/html"));
    let csp = page
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let html = String::from_utf8(page.body).unwrap();
    let last_four = &model["PaReq"].as_str().map(|_| ()).map_or("", |_| "");
    assert!(
        html.contains("Подтвердить") && html.contains(&format!("•••• {last_four}")),
        "{html}"
    );
    let submit = app
        .call(request("POST", "/acs/submit").form(&form(&[
            ("PaReq", pa_req),
            ("MD", &md),
            ("TermUrl", term),
            ("code", "1234"),
            ("outcome", outcome),
        ])))
        .await;
    assert_eq!(submit.status, StatusCode::OK);
    let html = String::from_utf8(submit.body).unwrap();
    assert!(html.contains(&format!(r#"action="{term}""#)), "{html}");
    assert!(
        html.contains(&format!(r#"name="MD" value="{md}""#)),
        "{html}"
    );
    let start = html.find(r#"name="PaRes" value=""#).unwrap() + r#"name="PaRes" value=""#.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

async fn post3ds(app: &TestApp, id: &Value, pa_res: &str) -> Value {
    app.post(
        "/payments/cards/post3ds",
        &serde_json::json!({"TransactionId": id, "PaRes": pa_res}).to_string(),
    )
    .await
    .json()
}

#[tokio::test]
async fn a_3ds_card_is_challenged_then_paid_after_the_payer_confirms() {
    let app = TestApp::new().await;
    let model = challenge(&app, "/payments/cards/charge", "4242424242424242").await;
    assert!(model["AcsUrl"].as_str().unwrap().ends_with("/acs"));
    assert!(!model["PaReq"].as_str().unwrap().is_empty());
    let id = model["TransactionId"].clone();
    let waiting = app
        .post("/payments/get", &format!(r#"{{"TransactionId":{id}}}"#))
        .await
        .json();
    assert_eq!(
        (
            waiting["Model"]["Status"].as_str(),
            waiting["Model"]["StatusCode"].as_i64()
        ),
        (Some("AwaitingAuthentication"), Some(1))
    );

    let pa_res = acs(&app, &model, "pass").await;
    let paid = post3ds(&app, &id, &pa_res).await;
    assert_eq!(paid["Success"], true, "{paid}");
    assert_eq!(paid["Model"]["Status"], "Completed");
    assert!(paid["Model"]["Token"].as_str().unwrap().starts_with("tk_"));
    let again = post3ds(&app, &id, &pa_res).await;
    assert_eq!(
        again["Message"],
        "Transaction is not awaiting 3-D Secure authentication"
    );
    let old_path = app
        .post(
            "/payments/post3ds",
            &serde_json::json!({"TransactionId": id, "PaRes": pa_res}).to_string(),
        )
        .await;
    assert_eq!(
        old_path.json()["Message"],
        "Transaction is not awaiting 3-D Secure authentication"
    );
}

#[tokio::test]
async fn a_failed_or_foreign_pares_declines_with_5206() {
    let app = TestApp::new().await;
    let failing = challenge(&app, "/payments/cards/charge", "5555555555554444").await;
    let pa_res = acs(&app, &failing, "fail").await;
    let declined = post3ds(&app, &failing["TransactionId"], &pa_res).await;
    assert_eq!(
        (declined["Success"].as_bool(), declined["Message"].is_null()),
        (Some(false), true)
    );
    assert_eq!(
        (
            declined["Model"]["ReasonCode"].as_i64(),
            declined["Model"]["Status"].as_str()
        ),
        (Some(5206), Some("Declined"))
    );

    let first = challenge(&app, "/payments/cards/charge", "2200000000000004").await;
    let second = challenge(&app, "/payments/cards/charge", "2200000000000004").await;
    let for_first = acs(&app, &first, "pass").await;
    let stolen = post3ds(&app, &second["TransactionId"], &for_first).await;
    assert_eq!(
        stolen["Model"]["ReasonCode"], 5206,
        "a PaRes works only for its own transaction"
    );
    let forged = challenge(&app, "/payments/cards/charge", "4242424242424242").await;
    assert_eq!(
        post3ds(&app, &forged["TransactionId"], "bm90IGEgcGFyZXM=").await["Model"]["ReasonCode"],
        5206
    );
}

#[tokio::test]
async fn the_bank_still_decides_after_3ds_and_auth_holds() {
    let app = TestApp::new().await;
    let poor = challenge(&app, "/payments/cards/charge", "4012888888881881").await;
    let pa_res = acs(&app, &poor, "pass").await;
    let declined = post3ds(&app, &poor["TransactionId"], &pa_res).await;
    assert_eq!(declined["Model"]["ReasonCode"], 5051);
    let held = challenge(&app, "/payments/cards/auth", "4242424242424242").await;
    let pa_res = acs(&app, &held, "pass").await;
    assert_eq!(
        post3ds(&app, &held["TransactionId"], &pa_res).await["Model"]["Status"],
        "Authorized"
    );
}

#[tokio::test]
async fn the_acs_page_refuses_requests_it_did_not_issue() {
    let app = TestApp::new().await;
    let model = challenge(&app, "/payments/cards/charge", "4242424242424242").await;
    let pa_req = model["PaReq"].as_str().unwrap();
    for body in [
        form(&[("PaReq", "Zm9v"), ("MD", "1"), ("TermUrl", "https://x")]),
        form(&[("PaReq", pa_req), ("MD", "999"), ("TermUrl", "https://x")]),
        form(&[
            ("PaReq", pa_req),
            ("MD", &model["TransactionId"].to_string()),
            ("TermUrl", "javascript:alert(1)"),
        ]),
        String::new(),
    ] {
        let page = app.call(request("POST", "/acs").form(&body)).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(page.content_type().starts_with("text/html"));
    }
}
