//! Strict input: duplicate JSON keys, loose amount spellings, content types the API does not
//! read and invalid `IpAddress` values are refused with a message naming the problem, and no
//! money moves; what real clients send (form booleans, `null` optional fields, keys in any case,
//! amounts as numbers or strings) still works.

use axum::http::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, request};
use crate::payments::cryptogram;

async fn charge(app: &TestApp, content_type: &str, body: &str) -> (StatusCode, Value) {
    let (id, secret) = (&app.site.test.public_id, &app.site.test.api_secret);
    let reply = app
        .call(
            request("POST", "/payments/cards/charge")
                .auth(id, secret)
                .header("content-type", content_type)
                .body(body.to_owned()),
        )
        .await;
    (reply.status, reply.json())
}

#[tokio::test]
async fn loose_input_is_refused_and_charges_nothing() {
    let app = TestApp::new().await;
    let packet = cryptogram(&app, &app.site.test.public_id, "4111111111111111").await;
    let json = |amount: &str, extra: &str| {
        format!(
            r#"{{"Amount":{amount},"IpAddress":"127.0.0.1","CardCryptogramPacket":"{packet}"{extra}}}"#
        )
    };
    let cases = [
        (
            json("-5", r#","Amount":10"#),
            "Parameter Amount is given more than once",
        ),
        (
            json("10", r#","amount":10"#),
            "Parameter amount is given more than once",
        ),
        (
            json("10", r#","JsonData":{"a":1,"a":2}"#),
            "Parameter a is given more than once",
        ),
        (json(r#""1e3""#, ""), "Invalid Amount value"),
        (json("1e3", ""), "Invalid Amount value"),
        (json(r#""+10""#, ""), "Invalid Amount value"),
        (json(r#""10.""#, ""), "Invalid Amount value"),
        (json(r#"".5""#, ""), "Invalid Amount value"),
        (json(r#"" 10""#, ""), "Invalid Amount value"),
        (
            format!(
                r#"{{"Amount":10,"IpAddress":"999.1.1.1<script>","CardCryptogramPacket":"{packet}"}}"#
            ),
            "Invalid IpAddress value",
        ),
    ];
    for (body, message) in cases {
        let (status, reply) = charge(&app, "application/json", &body).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(reply["Success"], false, "{body}");
        assert_eq!(reply["Message"], message, "{body}");
    }
    for content_type in [
        "text/plain",
        "application/xml",
        "multipart/form-data; boundary=x",
    ] {
        let (status, reply) = charge(&app, content_type, &json("10", "")).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type}");
        assert_eq!(reply["Success"], false);
    }
    assert_eq!(app.bank_auths().await, 0, "nothing reached the bank");
}

#[tokio::test]
async fn what_real_clients_send_still_works() {
    let app = TestApp::new().await;
    let packet = cryptogram(&app, &app.site.test.public_id, "4111111111111111").await;
    let bodies = [
        (
            "application/json; charset=utf-8",
            format!(
                r#"{{"amount":10.0,"currency":null,"ipaddress":"::1","Name":null,"cardcryptogrampacket":"{packet}","InvoiceId":1}}"#
            ),
        ),
        (
            "application/json",
            format!(r#"{{"Amount":"123.00","IpAddress":"","CardCryptogramPacket":"{packet}"}}"#),
        ),
        (
            "application/x-www-form-urlencoded",
            format!(
                "Amount=1.02&IpAddress=127.0.0.1&RequireConfirmation=false&CardCryptogramPacket={}",
                crate::helpers::form(&[("x", &packet)]).trim_start_matches("x=")
            ),
        ),
    ];
    for (content_type, body) in bodies {
        let (status, reply) = charge(&app, content_type, &body).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(reply["Success"], true, "{content_type}: {reply}");
    }
}
