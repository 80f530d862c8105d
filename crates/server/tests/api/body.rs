//! Request bodies: JSON and form, limits, malformed input, unknown routes.

use axum::http::StatusCode;

use crate::helpers::{TestApp, request};

#[tokio::test]
async fn json_and_form_bodies_are_accepted() {
    let app = TestApp::new().await;
    let (id, secret) = (&app.site.test.public_id, &app.site.test.api_secret);
    let form = app
        .call(
            request("POST", "/test")
                .auth(id, secret)
                .form("Amount=10&Currency=RUB"),
        )
        .await;
    assert_eq!(form.json()["Success"], true);
    let sniffed = app
        .call(request("POST", "/test").auth(id, secret).body(r#"{"a":1}"#))
        .await;
    assert_eq!(sniffed.json()["Success"], true);
}

#[tokio::test]
async fn malformed_bodies_get_the_envelope_never_a_5xx() {
    let app = TestApp::new().await;
    let (id, secret) = (&app.site.test.public_id, &app.site.test.api_secret);
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(100), "]".repeat(100));
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "application/json",
            "{\"Amount\":".into(),
            "Invalid JSON body: line 1 column 10",
        ),
        (
            "application/json",
            "[1,2,3]".into(),
            "The request body must be a JSON object",
        ),
        (
            "application/json",
            "\u{0}\u{1}".into(),
            "Invalid JSON body: line 1 column 1",
        ),
        (
            "application/json",
            deep,
            "The request body is nested too deeply",
        ),
        (
            "application/json",
            r#"{"a":1,"A":2}"#.into(),
            "Parameter a is given more than once",
        ),
    ];
    for (content_type, body, message) in cases {
        let reply = app
            .call(
                request("POST", "/test")
                    .auth(id, secret)
                    .header("content-type", content_type)
                    .body(body.clone()),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{body}");
        assert_eq!(reply.json()["Success"], false, "{body}");
        assert_eq!(reply.json()["Message"], message, "{body}");
    }
}

#[tokio::test]
async fn bodies_over_one_mebibyte_get_413() {
    let app = TestApp::new().await;
    let (id, secret) = (&app.site.test.public_id, &app.site.test.api_secret);
    let big = "a=".to_owned() + &"x".repeat(1024 * 1024);
    let declared = app
        .call(request("POST", "/test").auth(id, secret).form(&big))
        .await;
    assert_eq!(declared.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(declared.json()["Success"], false);
    let fits = "a=".to_owned() + &"x".repeat(1000 * 1000);
    assert_eq!(
        app.call(request("POST", "/test").auth(id, secret).form(&fits))
            .await
            .json()["Success"],
        true
    );
}

#[tokio::test]
async fn unknown_routes_get_a_json_404() {
    let app = TestApp::new().await;
    let reply = app.post("/payments/nonexistent", "{}").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.content_type(), "application/json; charset=utf-8");
    assert_eq!(reply.json()["Message"], "Not found");
    let put = app.call(request("PUT", "/test").empty()).await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(put.content_type(), "application/json; charset=utf-8");
    assert_eq!(put.json()["Success"], false);
}
