//! A request that dies after committing its payment, retried with the same X-Request-ID,
//! finishes that payment instead of paying again (RELIABILITY I6, IDEM-7).

use axum::http::StatusCode;
use oblako_server::sweeper::sweep_once;
use oblako_store::acquirer;

use crate::helpers::{Reply, TestApp, request};
use crate::payments::cryptogram;

async fn auth_count(app: &TestApp) -> (i64, i64) {
    let totals = acquirer::bank_totals(&app.state.db).await.unwrap();
    totals
        .iter()
        .find(|t| t.0 == "auth")
        .map_or((0, 0), |t| (t.1, t.2))
}

async fn charge(app: &TestApp, key: Option<&str>, body: &str) -> Reply {
    let mut req = request("POST", "/payments/cards/charge")
        .auth(&app.site.test.public_id, &app.site.test.api_secret);
    if let Some(key) = key {
        req = req.header("X-Request-ID", key);
    }
    app.call(req.json(body)).await
}

#[tokio::test]
async fn a_retry_after_a_crash_finishes_the_first_payment_and_charges_once() {
    let app = TestApp::new().await;
    let packet = cryptogram(&app, &app.site.test.public_id, "4000000000003055").await;
    let body = serde_json::json!({"Amount": 25, "IpAddress": "1.1.1.1", "CardCryptogramPacket": packet, "InvoiceId": "crash-1"})
        .to_string();
    app.state.faults.fail_after_intent(1);
    let died = charge(&app, Some("order-crash-1"), &body).await;
    assert_eq!(died.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        died.json()["Message"],
        "Internal server error",
        "no detail leaks"
    );
    assert_eq!(auth_count(&app).await, (0, 0), "the bank was never asked");

    let retried = charge(&app, Some("order-crash-1"), &body).await;
    assert_eq!(retried.status, StatusCode::OK);
    let model = &retried.json()["Model"];
    assert_eq!(
        (
            retried.json()["Success"].as_bool(),
            model["Status"].as_str()
        ),
        (Some(true), Some("Completed"))
    );
    let listed = app
        .post("/payments/find", r#"{"InvoiceId":"crash-1"}"#)
        .await
        .json();
    assert_eq!(
        listed["Model"]["TransactionId"], model["TransactionId"],
        "the same transaction, not a new one"
    );
    assert_eq!(auth_count(&app).await, (1, 2500), "one debit");

    let again = charge(&app, Some("order-crash-1"), &body).await;
    assert_eq!(again.body, retried.body, "and from now on the stored reply");
    app.clock.advance_millis(120_000);
    let swept = sweep_once(&app.state).await.unwrap();
    assert_eq!(swept.reconciled, 0, "nothing left open");
    assert_eq!(auth_count(&app).await, (1, 2500));
}

#[tokio::test]
async fn without_a_key_the_sweeper_finishes_the_orphan() {
    let app = TestApp::new().await;
    let packet = cryptogram(&app, &app.site.test.public_id, "4000000000003055").await;
    let body = serde_json::json!({"Amount": 3, "IpAddress": "1.1.1.1", "CardCryptogramPacket": packet, "InvoiceId": "orphan"})
        .to_string();
    app.state.faults.fail_after_intent(1);
    assert_eq!(
        charge(&app, None, &body).await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let waiting = app
        .post("/payments/find", r#"{"InvoiceId":"orphan"}"#)
        .await
        .json();
    assert_eq!(waiting["Model"]["StatusCode"], 1, "shown as not final yet");
    app.clock.advance_millis(61_000);
    assert_eq!(sweep_once(&app.state).await.unwrap().reconciled, 1);
    let done = app
        .post("/payments/find", r#"{"InvoiceId":"orphan"}"#)
        .await
        .json();
    assert_eq!(done["Model"]["Status"], "Completed");
    assert_eq!(auth_count(&app).await, (1, 300));
}

#[tokio::test]
async fn many_concurrent_duplicates_charge_once_per_key() {
    let app = TestApp::new().await;
    let mut keys = Vec::new();
    for k in 0..20 {
        let packet = cryptogram(&app, &app.site.test.public_id, "4000000000003055").await;
        keys.push((format!("dup-{k}"), serde_json::json!({"Amount": 1, "IpAddress": "1.1.1.1", "CardCryptogramPacket": packet}).to_string()));
    }
    let mut tasks = Vec::new();
    for (key, body) in &keys {
        // As many copies as the site's in-flight limit lets through at once.
        for _ in 0..5 {
            let (router, id, secret) = (
                app.router.clone(),
                app.site.test.public_id.clone(),
                app.site.test.api_secret.clone(),
            );
            let (key, body) = (key.clone(), body.clone());
            tasks.push(tokio::spawn(async move {
                use tower::ServiceExt;
                let req = request("POST", "/payments/cards/charge")
                    .auth(&id, &secret)
                    .header("X-Request-ID", &key)
                    .json(&body);
                let response = router.oneshot(req).await.unwrap();
                let status = response.status();
                (
                    key,
                    status,
                    axum::body::to_bytes(response.into_body(), usize::MAX)
                        .await
                        .unwrap(),
                )
            }));
        }
    }
    let mut by_key: std::collections::HashMap<String, Vec<Vec<u8>>> = Default::default();
    for task in tasks {
        let (key, status, body) = task.await.unwrap();
        assert!(
            status == StatusCode::OK || status == StatusCode::TOO_MANY_REQUESTS,
            "{status}"
        );
        if status == StatusCode::OK {
            by_key.entry(key).or_default().push(body.to_vec());
        }
    }
    for bodies in by_key.values() {
        assert!(
            bodies.windows(2).all(|w| w[0] == w[1]),
            "one execution per key"
        );
    }
    let (count, _) = auth_count(&app).await;
    assert_eq!(
        count as usize,
        by_key.len(),
        "one bank debit per key that ran"
    );
}
