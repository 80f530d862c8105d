//! `X-Request-ID`, also for the ping method.

use axum::http::StatusCode;
use oblako_core::ids::{Mode, SiteId};
use oblako_store::idempotency::{self, KeyRef};

use crate::helpers::{TestApp, request};

async fn ping(app: &TestApp, key: &str, body: &str) -> crate::helpers::Reply {
    let (id, secret) = (&app.site.test.public_id, &app.site.test.api_secret);
    app.call(
        request("POST", "/test")
            .auth(id, secret)
            .header("X-Request-ID", key)
            .json(body),
    )
    .await
}

#[tokio::test]
async fn a_repeat_replays_the_first_response_byte_for_byte() {
    let app = TestApp::new().await;
    let first = ping(&app, "order-1", r#"{"Amount":10}"#).await;
    let again = ping(&app, "order-1", r#"{"amount":"10"}"#).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(
        first.body, again.body,
        "same key, same request: the stored reply"
    );
    let other = ping(&app, "order-2", r#"{"Amount":10}"#).await;
    assert_ne!(first.body, other.body, "another key executes anew");
    let alias = app
        .call(
            request("POST", "/test")
                .auth(&app.site.test.public_id, &app.site.test.api_secret)
                .header("Idempotency-Key", "order-1")
                .json(r#"{"Amount":10}"#),
        )
        .await;
    assert_eq!(alias.body, first.body, "Idempotency-Key is an alias");
}

#[tokio::test]
async fn the_same_key_with_different_parameters_is_refused() {
    let app = TestApp::new().await;
    ping(&app, "k", r#"{"Amount":100}"#).await;
    let changed = ping(&app, "k", r#"{"Amount":101}"#).await;
    assert_eq!(changed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(changed.json()["Success"], false);
    assert_eq!(
        changed.json()["Message"],
        "This X-Request-ID was already used for a different request"
    );
}

#[tokio::test]
async fn keys_are_scoped_to_the_site_and_mode() {
    let app = TestApp::new().await;
    let other = app.another_site("Other").await;
    let mine = ping(&app, "shared", "{}").await;
    let theirs = app
        .call(
            request("POST", "/test")
                .auth(&other.test.public_id, &other.test.api_secret)
                .header("X-Request-ID", "shared")
                .json("{}"),
        )
        .await;
    assert_eq!(theirs.json()["Success"], true);
    assert_ne!(mine.body, theirs.body);
}

#[tokio::test]
async fn rejected_requests_store_nothing() {
    let app = TestApp::new().await;
    let id = &app.site.test.public_id;
    let wrong_auth = app
        .call(
            request("POST", "/test")
                .auth(id, "nope")
                .header("X-Request-ID", "r")
                .json("{}"),
        )
        .await;
    assert_eq!(wrong_auth.status, StatusCode::UNAUTHORIZED);
    let invalid = ping(&app, "r", "{broken").await;
    assert_eq!(invalid.json()["Success"], false);
    let site = SiteId(app.site.site_id);
    let held: Vec<_> = (0..5)
        .map(|_| app.state.limits.enter(site, Mode::Test).unwrap())
        .collect();
    assert_eq!(
        ping(&app, "r", "{}").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    drop(held);
    let valid = ping(&app, "r", "{}").await;
    assert_eq!(valid.json()["Success"], true, "the key was still free");
    assert_eq!(ping(&app, "r", "{}").await.body, valid.body);
    let long = "x".repeat(256);
    assert_eq!(
        ping(&app, &long, "{}").await.json()["Message"],
        "X-Request-ID is too long (at most 255 characters)"
    );
}

#[tokio::test]
async fn replays_expire_after_the_retention() {
    let app = TestApp::new().await;
    let first = ping(&app, "ttl", "{}").await;
    app.clock.advance_millis(23 * 3600 * 1000);
    assert_eq!(
        ping(&app, "ttl", "{}").await.body,
        first.body,
        "within 24 h"
    );
    app.clock.advance_millis(3600 * 1000);
    assert_ne!(
        ping(&app, "ttl", "{}").await.body,
        first.body,
        "after 24 h it executes anew"
    );
}

#[tokio::test]
async fn concurrent_duplicates_execute_once() {
    let app = TestApp::new().await;
    let mut tasks = Vec::new();
    for _ in 0..Mode::Test.concurrency_limit() {
        let (router, id, secret) = (
            app.router.clone(),
            app.site.test.public_id.clone(),
            app.site.test.api_secret.clone(),
        );
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let req = request("POST", "/test")
                .auth(&id, &secret)
                .header("X-Request-ID", "burst")
                .json("{}");
            let response = router.oneshot(req).await.unwrap();
            axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap()
        }));
    }
    let mut bodies = Vec::new();
    for task in tasks {
        bodies.push(task.await.unwrap());
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "one execution, one body: {bodies:?}"
    );
}

#[tokio::test]
async fn a_duplicate_waits_for_the_running_first_copy() {
    let app = TestApp::new().await;
    let key = KeyRef {
        site: SiteId(app.site.site_id),
        mode: Mode::Test,
        key: "slow",
    };
    // Another node is running the first copy of `POST /test` with no parameters.
    let fingerprint = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b"post /test\n");
    let now = app.state.now_ms();
    let claim = idempotency::claim(
        &app.state.db,
        key,
        fingerprint.as_ref(),
        now,
        now + 3_600_000,
        now - 1,
    );
    assert_eq!(
        claim.await.unwrap(),
        idempotency::Claim::Claimed { resume: None }
    );

    let waiter = {
        let router = app.router.clone();
        let (id, secret) = (
            app.site.test.public_id.clone(),
            app.site.test.api_secret.clone(),
        );
        tokio::spawn(async move {
            use tower::ServiceExt;
            let req = request("POST", "/test")
                .auth(&id, &secret)
                .header("X-Request-ID", "slow")
                .json("{}");
            let response = router.oneshot(req).await.unwrap();
            (
                response.status(),
                axum::body::to_bytes(response.into_body(), usize::MAX)
                    .await
                    .unwrap(),
            )
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        !waiter.is_finished(),
        "the duplicate waits while the first copy runs"
    );
    let stored = br#"{"Success":true,"Message":"from the first copy"}"#;
    idempotency::complete(&app.state.db, key, 200, stored)
        .await
        .unwrap();
    let (status, body) = waiter.await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_ref(), stored.as_slice());

    // A claim with another fingerprint under the same key is a different request.
    let other = KeyRef {
        key: "taken",
        ..key
    };
    idempotency::claim(
        &app.state.db,
        other,
        b"other",
        now,
        now + 3_600_000,
        now - 1,
    )
    .await
    .unwrap();
    assert_eq!(
        ping(&app, "taken", "{}").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}
