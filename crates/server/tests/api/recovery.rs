//! A request that dies after committing its payment, retried with the same X-Request-ID,
//! finishes that payment instead of paying again.

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

/// 200 keys × 32 concurrent copies (6,400 requests), on PostgreSQL spread
/// over two nodes. Every key charges exactly once; every copy gets that charge's body or 409.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_duplicates_charge_once_per_key() {
    const KEYS: usize = 200;
    const COPIES: usize = 32;
    let app = TestApp::with_config(|c| c.test_in_flight = KEYS * COPIES).await;
    let mut nodes = vec![app.router.clone()];
    if app.state.db.backend() == oblako_store::Backend::Postgres {
        nodes.push(app.another_node().await);
    }
    let mut keys = Vec::new();
    for k in 0..KEYS {
        let packet = cryptogram(&app, &app.site.test.public_id, "4000000000003055").await;
        keys.push((format!("dup-{k}"), serde_json::json!({"Amount": 1, "IpAddress": "1.1.1.1", "CardCryptogramPacket": packet}).to_string()));
    }
    let mut tasks = Vec::new();
    for (key, body) in &keys {
        for copy in 0..COPIES {
            let (router, id, secret) = (
                nodes[copy % nodes.len()].clone(),
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
    let mut conflicts = 0;
    for task in tasks {
        let (key, status, body) = task.await.unwrap();
        match status {
            StatusCode::OK => by_key.entry(key).or_default().push(body.to_vec()),
            StatusCode::CONFLICT => conflicts += 1,
            other => panic!("{other}: {}", String::from_utf8_lossy(&body)),
        }
    }
    assert_eq!(by_key.len(), KEYS, "every key got its answer at least once");
    let mut ids = std::collections::HashSet::new();
    for bodies in by_key.values() {
        assert!(
            bodies.windows(2).all(|w| w[0] == w[1]),
            "one execution per key"
        );
        let reply: serde_json::Value = serde_json::from_slice(&bodies[0]).unwrap();
        assert_eq!(reply["Success"], true, "{reply}");
        assert!(ids.insert(reply["Model"]["TransactionId"].as_i64().unwrap()));
    }
    let (count, _) = auth_count(&app).await;
    assert_eq!(count as usize, KEYS, "exactly one bank debit per key");
    println!(
        "IDEM-2: {} requests on {} node(s), {conflicts} answered 409",
        KEYS * COPIES,
        nodes.len()
    );
}

/// Payments settled in one commit of the row and its intent (no key, order, new token,
/// subscription or notification to join it) leave no intent open, approved or declined: the
/// sweeper finds nothing to reconcile and the bank holds one debit per payment.
#[tokio::test]
async fn payments_settled_alone_leave_no_intent_open() {
    let app = TestApp::new().await;
    let pay = |number: &'static str, account: &'static str| {
        let app = &app;
        async move {
            let packet = cryptogram(app, &app.site.test.public_id, number).await;
            let body = serde_json::json!({"Amount": 2, "IpAddress": "1.1.1.1", "AccountId": account, "CardCryptogramPacket": packet});
            charge(app, None, &body.to_string()).await.json()
        }
    };
    // The first issues the token (in a transaction); the second finds it outside the commit.
    let first = pay("4000000000003055", "alone").await;
    let second = pay("4000000000003055", "alone").await;
    assert_eq!(second["Model"]["Token"], first["Model"]["Token"]);
    let token = first["Model"]["Token"].as_str().unwrap().to_owned();
    let by_token = app
        .post(
            "/payments/tokens/charge",
            &serde_json::json!({"Amount": 2, "AccountId": "alone", "Token": token}).to_string(),
        )
        .await
        .json();
    assert_eq!(by_token["Model"]["Status"], "Completed");
    let declined = pay("4000056655665556", "other").await;
    assert_eq!(
        (
            declined["Success"].as_bool(),
            &declined["Model"]["ReasonCode"]
        ),
        (Some(false), &serde_json::json!(5051))
    );
    app.clock.advance_millis(120_000);
    assert_eq!(sweep_once(&app.state).await.unwrap().reconciled, 0);
    assert_eq!(
        auth_count(&app).await,
        (4, 600),
        "three debits and a decline"
    );
}
