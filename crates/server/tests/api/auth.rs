//! Basic auth, throttling and in-flight limits.

use axum::http::StatusCode;
use oblako_core::ids::{Mode, SiteId};
use oblako_server::api::limits::{IP_FAILURES, KEY_FAILURES};

use crate::helpers::{TestApp, is_guid, request};

#[tokio::test]
async fn the_test_method_answers_with_a_request_id() {
    let app = TestApp::new().await;
    let reply = app.post("/test", "").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type(), "application/json; charset=utf-8");
    let json = reply.json();
    assert_eq!(json["Success"], true);
    assert!(is_guid(json["Message"].as_str().unwrap()), "{json}");
    assert!(json.get("Model").is_none());
    let header = reply
        .headers
        .get("x-oblako-request-id")
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(json["Message"], header);

    let (id, secret) = (&app.site.test.public_id, &app.site.test.api_secret);
    for path in ["/TEST", "/Test/", "/test"] {
        let get = app.call(request("GET", path).auth(id, secret).into()).await;
        assert_eq!(get.status, StatusCode::OK, "{path}");
        assert_eq!(get.json()["Success"], true);
    }
}

#[tokio::test]
async fn missing_or_wrong_credentials_get_401_with_a_json_body() {
    let app = TestApp::new().await;
    let id = app.site.test.public_id.clone();
    let cases = [
        request("POST", "/test").empty(),
        request("POST", "/test").auth(&id, "wrong").empty(),
        request("POST", "/test")
            .auth("test_api_nobody", &app.site.test.api_secret)
            .empty(),
        request("POST", "/test")
            .header("authorization", "Bearer abc")
            .empty(),
        request("POST", "/test")
            .header("authorization", "Basic !!!")
            .empty(),
        request("POST", "/test")
            .auth(&app.site.live.public_id, &app.site.test.api_secret)
            .empty(),
    ];
    for req in cases {
        let reply = app.call(req).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.content_type(), "application/json; charset=utf-8");
        assert_eq!(reply.json()["Success"], false);
        assert!(reply.headers.contains_key("www-authenticate"));
    }
}

#[tokio::test]
async fn live_keys_work_only_after_go_live() {
    let app = TestApp::new().await;
    let (id, secret) = (&app.site.live.public_id, &app.site.live.api_secret);
    let before = app
        .call(request("POST", "/test").auth(id, secret).empty())
        .await;
    assert_eq!(before.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        before.json()["Message"],
        "Live keys work once the site is in production"
    );
    let site = SiteId(app.site.site_id);
    assert!(
        oblako_store::sites::go_live(&app.state.db, site, app.state.now_ms())
            .await
            .unwrap()
    );
    let after = app
        .call(request("POST", "/test").auth(id, secret).empty())
        .await;
    assert_eq!(after.status, StatusCode::OK);
}

/// Also the key cache (`api::key_cache`): the old secret is used (and cached) first, and must
/// stop working at once when this node rotates it.
#[tokio::test]
async fn a_rotated_secret_replaces_the_old_one() {
    let app = TestApp::new().await;
    let site = SiteId(app.site.site_id);
    assert_eq!(app.post("/test", "").await.status, StatusCode::OK);
    let new =
        oblako_server::sites::rotate_secret(&app.state.db, &app.state.secrets, site, Mode::Test, 1)
            .await
            .unwrap();
    assert_eq!(new.public_id, app.site.test.public_id);
    let old = app.post("/test", "").await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let fresh = app
        .call(
            request("POST", "/test")
                .auth(&new.public_id, &new.api_secret)
                .empty(),
        )
        .await;
    assert_eq!(fresh.status, StatusCode::OK);
}

#[tokio::test]
async fn repeated_failures_from_one_ip_are_throttled_for_a_minute() {
    let app = TestApp::new().await;
    let (id, secret) = (
        app.site.test.public_id.clone(),
        app.site.test.api_secret.clone(),
    );
    for n in 0..IP_FAILURES {
        let user = format!("test_api_guess{n}");
        let reply = app
            .call(
                request("POST", "/test")
                    .auth(&user, "x")
                    .peer_ip("192.0.2.7")
                    .empty(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let blocked = app
        .call(
            request("POST", "/test")
                .auth(&id, &secret)
                .peer_ip("192.0.2.7")
                .empty(),
        )
        .await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(blocked.json()["Success"], false);
    let elsewhere = app
        .call(
            request("POST", "/test")
                .auth(&id, &secret)
                .peer_ip("192.0.2.8")
                .empty(),
        )
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::OK,
        "another IP is not affected"
    );
    app.clock.advance_millis(60_000);
    let later = app
        .call(
            request("POST", "/test")
                .auth(&id, &secret)
                .peer_ip("192.0.2.7")
                .empty(),
        )
        .await;
    assert_eq!(later.status, StatusCode::OK);
}

#[tokio::test]
async fn a_public_id_under_attack_is_throttled_and_recovers() {
    let app = TestApp::new().await;
    let (id, secret) = (
        app.site.test.public_id.clone(),
        app.site.test.api_secret.clone(),
    );
    for n in 0..KEY_FAILURES {
        let ip = format!("198.51.{}.{}", n / 200, n % 200 + 1);
        let reply = app
            .call(
                request("POST", "/test")
                    .auth(&id, "wrong")
                    .peer_ip(&ip)
                    .empty(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let blocked = app
        .call(
            request("POST", "/test")
                .auth(&id, &secret)
                .peer_ip("203.0.113.9")
                .empty(),
        )
        .await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance_millis(61_000);
    let later = app
        .call(
            request("POST", "/test")
                .auth(&id, &secret)
                .peer_ip("203.0.113.9")
                .empty(),
        )
        .await;
    assert_eq!(
        later.status,
        StatusCode::OK,
        "the correct secret works after the window"
    );
}

#[tokio::test]
async fn a_site_with_all_slots_taken_gets_429_and_others_do_not() {
    let app = TestApp::new().await;
    let site = SiteId(app.site.site_id);
    let held: Vec<_> = (0..Mode::Test.concurrency_limit())
        .map(|_| app.state.limits.enter(site, Mode::Test).unwrap())
        .collect();
    let busy = app.post("/test", "").await;
    assert_eq!(busy.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        busy.json()["Message"],
        "Too many requests in flight for this site"
    );
    let other = app.another_site("Other").await;
    let free = app
        .call(
            request("POST", "/test")
                .auth(&other.test.public_id, &other.test.api_secret)
                .empty(),
        )
        .await;
    assert_eq!(free.status, StatusCode::OK);
    drop(held);
    assert_eq!(app.post("/test", "").await.status, StatusCode::OK);
}
