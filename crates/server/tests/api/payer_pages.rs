//! The payer's pages when something is off: error pages in the payer's language, a repeated
//! 3-D Secure answer or form post on an order that shows the order as it is (paid, calmly), and
//! the bank page asking for the code instead of failing the check.

use axum::http::StatusCode;
use oblako_core::payment::Status;

use crate::helpers::{Reply, TestApp, form, hidden_field, pass_acs, request};
use crate::orders::{create, pay, payments};

fn text(reply: &Reply) -> String {
    String::from_utf8(reply.body.clone()).unwrap()
}

async fn get(app: &TestApp, path: &str, accept_language: Option<&str>) -> Reply {
    let mut req = request("GET", path);
    if let Some(value) = accept_language {
        req = req.header("accept-language", value);
    }
    app.call(req.empty()).await
}

#[tokio::test]
async fn error_pages_speak_the_payers_language() {
    let app = TestApp::new().await;
    let cases = [
        (
            "/acs",
            None,
            400,
            "ru",
            "Страница банка открыта неправильно",
        ),
        (
            "/acs",
            Some("en-US,en;q=0.9"),
            400,
            "en",
            "The bank page was opened incorrectly",
        ),
        (
            "/acs",
            Some("kk-KZ,ru;q=0.5"),
            400,
            "kk",
            "Банк беті дұрыс ашылмады",
        ),
        ("/d/", None, 404, "ru", "Заказ не найден"),
        ("/d", Some("en"), 404, "en", "Order not found"),
        (
            "/d/NoSuchOrder00000",
            Some("kk"),
            404,
            "kk",
            "Тапсырыс табылмады",
        ),
        (
            "/d/NoSuchOrder00000",
            Some("de, en;q=0.4"),
            404,
            "en",
            "Order not found",
        ),
    ];
    for (path, accept, status, lang, title) in cases {
        let reply = get(&app, path, accept).await;
        assert_eq!(reply.status.as_u16(), status, "{path} {accept:?}");
        assert!(reply.content_type().starts_with("text/html"), "{path}");
        let html = text(&reply);
        assert!(
            html.contains(&format!("<html lang=\"{lang}\">")),
            "{path}: {html}"
        );
        assert!(
            html.contains(&format!("<h1 id=\"error-title\">{title}</h1>")),
            "{html}"
        );
        assert!(
            html.contains("rel=\"stylesheet\" href=\"/static/pages.css?v="),
            "{html}"
        );
        assert!(!html.contains("\"Success\""), "not the API's JSON: {html}");
    }
    // What is wrong with the request is told to the shop in small print, as it is.
    let html = text(&get(&app, "/acs", Some("en")).await);
    assert!(
        html.contains("For the shop: PaReq, MD and TermUrl are required."),
        "{html}"
    );
    // A typed or restored address of the payment's post leads back to the order.
    let order = create(&app, serde_json::json!({})).await;
    let id = order["Id"].as_str().unwrap();
    for step in ["pay", "3ds"] {
        let back = get(&app, &format!("/d/{id}/{step}"), None).await;
        assert_eq!(back.status, StatusCode::SEE_OTHER);
        assert_eq!(back.headers["location"], format!("/d/{id}"));
    }
}

/// Pays order `id` with a 3-D Secure card up to the bank page; returns its `PaReq`, `MD` and
/// `TermUrl`.
async fn challenge(app: &TestApp, id: &str) -> (String, String, String) {
    let reply = pay(app, id, "4242424242424242").await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = text(&reply);
    let field = |name: &str| hidden_field(&html, name);
    (field("PaReq"), field("MD"), field("TermUrl"))
}

async fn answer(app: &TestApp, id: &str, md: &str, pa_res: &str) -> Reply {
    app.call(request("POST", &format!("/d/{id}/3ds")).form(&form(&[("MD", md), ("PaRes", pa_res)])))
        .await
}

#[tokio::test]
async fn a_repeated_3ds_answer_or_post_shows_the_paid_order_calmly() {
    let app = TestApp::new().await;
    let order = create(&app, serde_json::json!({})).await;
    let id = order["Id"].as_str().unwrap();
    let (pa_req, md, term_url) = challenge(&app, id).await;
    let pa_res = pass_acs(&app, &pa_req, &md, &term_url).await;
    let paid = answer(&app, id, &md, &pa_res).await;
    assert_eq!(paid.status, StatusCode::OK);
    let html = text(&paid);
    for shown in [
        "Оплата прошла успешно",
        "10,50\u{a0}₽",
        &format!("<dd id=\"order-number\">{}</dd>", order["Number"]),
        &format!("<dd id=\"transaction-id\">{md}</dd>"),
    ] {
        assert!(html.contains(shown), "{shown} missing from {html}");
    }

    // Back to the bank page, confirm again: a new PaRes for the same, finished transaction.
    let again = pass_acs(&app, &pa_req, &md, &term_url).await;
    // Refresh of the result page: the same answer posted again. And a refresh of the card post.
    let repeats = [
        answer(&app, id, &md, &again).await,
        answer(&app, id, &md, &pa_res).await,
        pay(&app, id, "4242424242424242").await,
    ];
    for repeat in repeats {
        assert_eq!(
            repeat.status,
            StatusCode::CONFLICT,
            "nothing was done again"
        );
        let html = text(&repeat);
        for shown in [
            "<h1 class=\"paid\" id=\"result\">Заказ оплачен</h1>",
            "Заказ уже оплачен.",
            "10,50\u{a0}₽",
            &format!("<dd id=\"transaction-id\">{md}</dd>"),
        ] {
            assert!(html.contains(shown), "{shown} missing from {html}");
        }
        assert!(
            !html.contains("awaiting") && !html.contains("class=\"failed\""),
            "{html}"
        );
    }
    assert_eq!(payments(&app).await.len(), 1, "charged once");
}

#[tokio::test]
async fn a_repeated_answer_after_a_failed_check_shows_that_decline_again() {
    let app = TestApp::new().await;
    let order = create(&app, serde_json::json!({"CultureName": "en-US"})).await;
    let id = order["Id"].as_str().unwrap();
    let (pa_req, md, term_url) = challenge(&app, id).await;
    let submit = app
        .call(request("POST", "/acs/submit").form(&form(&[
            ("PaReq", &pa_req),
            ("MD", &md),
            ("TermUrl", &term_url),
            ("code", ""),
            ("outcome", "fail"),
        ])))
        .await;
    let failed = hidden_field(&text(&submit), "PaRes");
    let first = answer(&app, id, &md, &failed).await;
    assert_eq!(first.status, StatusCode::OK);
    let declined = text(&first);
    assert!(declined.contains("Payment declined"), "{declined}");
    let message = |html: &str| {
        let at = html.find("<p id=\"message\">").unwrap() + "<p id=\"message\">".len();
        html[at..at + html[at..].find("</p>").unwrap()].to_owned()
    };

    // Back to the bank page, and this time confirm: that attempt is over, and the page says so.
    let late = pass_acs(&app, &pa_req, &md, &term_url).await;
    let repeat = answer(&app, id, &md, &late).await;
    assert_eq!(repeat.status, StatusCode::OK);
    let html = text(&repeat);
    assert!(
        html.contains("Payment declined") && html.contains("Try again"),
        "{html}"
    );
    assert_eq!(message(&html), message(&declined));
    assert!(!html.contains("awaiting"), "{html}");
    let statuses: Vec<Status> = payments(&app).await.into_iter().map(|t| t.status).collect();
    assert_eq!(statuses, [Status::Declined]);
}

#[tokio::test]
async fn confirming_without_a_code_asks_for_it() {
    let app = TestApp::new().await;
    let order = create(&app, serde_json::json!({"CultureName": "kk-KZ"})).await;
    let id = order["Id"].as_str().unwrap();
    let (pa_req, md, term_url) = challenge(&app, id).await;
    let page = app
        .call(request("POST", "/acs").form(&form(&[
            ("PaReq", &pa_req),
            ("MD", &md),
            ("TermUrl", &term_url),
        ])))
        .await;
    let html = text(&page);
    assert!(
        html.contains("<html lang=\"kk\">") && html.contains("Растау"),
        "{html}"
    );
    assert!(html.contains("10,50\u{a0}₽"), "{html}");
    let submit = |code: &'static str, outcome: &'static str| {
        let body = form(&[
            ("PaReq", &pa_req),
            ("MD", &md),
            ("TermUrl", &term_url),
            ("code", code),
            ("outcome", outcome),
        ]);
        app.call(request("POST", "/acs/submit").form(&body))
    };
    let asked = submit("  ", "pass").await;
    assert_eq!(asked.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(&asked);
    assert!(
        html.contains("role=\"alert\">SMS-тегі кодты енгізіңіз</p>")
            && html.contains("aria-invalid=\"true\" autofocus"),
        "{html}"
    );
    assert!(
        !html.contains("name=\"PaRes\""),
        "no answer went back: {html}"
    );
    let statuses: Vec<Status> = payments(&app).await.into_iter().map(|t| t.status).collect();
    assert_eq!(statuses, [Status::AwaitingAuthentication]);
    // Declining needs no code.
    let declined = submit("", "fail").await;
    assert_eq!(declined.status, StatusCode::OK);
    assert!(text(&declined).contains("name=\"PaRes\""));
}
