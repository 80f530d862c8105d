//! Basic auth, throttling and in-flight limits.

use axum::http::StatusCode;
use oblako_core::ids::{Mode, SiteId};
use oblako_server::api::limits::{PAIR_FAILURES, SOURCE_FAILURES};

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

async fn ping(app: &TestApp, id: &str, secret: &str, ip: &str) -> StatusCode {
    ping_via(app, id, secret, ip, None).await
}

async fn ping_via(
    app: &TestApp,
    id: &str,
    secret: &str,
    ip: &str,
    forwarded_for: Option<&str>,
) -> StatusCode {
    let mut req = request("POST", "/test").auth(id, secret).peer_ip(ip);
    if let Some(client) = forwarded_for {
        req = req.header("x-forwarded-for", client);
    }
    app.call(req.empty()).await.status
}

#[tokio::test]
async fn a_pair_that_keeps_failing_is_throttled_for_a_minute_and_no_one_else_is() {
    let app = TestApp::new().await;
    let (id, secret) = (
        app.site.test.public_id.clone(),
        app.site.test.api_secret.clone(),
    );
    for n in 1..=PAIR_FAILURES {
        let want = if n == PAIR_FAILURES {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(ping(&app, &id, "wrong", "192.0.2.7").await, want, "{n}");
    }
    // The pair failed: even the right secret waits out the window from there.
    assert_eq!(
        ping(&app, &id, &secret, "192.0.2.7").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The owner, from anywhere else, is not locked out by those failures.
    assert_eq!(ping(&app, &id, &secret, "192.0.2.8").await, StatusCode::OK);
    app.clock.advance_millis(60_000);
    assert_eq!(ping(&app, &id, &secret, "192.0.2.7").await, StatusCode::OK);
}

#[tokio::test]
async fn a_public_id_attacked_from_everywhere_still_takes_its_owners_secret() {
    let app = TestApp::new().await;
    let (id, secret) = (
        app.site.test.public_id.clone(),
        app.site.test.api_secret.clone(),
    );
    for n in 0..200 {
        let ip = format!("198.51.{}.{}", n / 200, n % 200 + 1);
        assert_eq!(
            ping(&app, &id, "wrong", &ip).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        ping(&app, &id, &secret, "203.0.113.9").await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_source_spraying_public_ids_is_throttled_but_its_neighbours_correct_keys_pass() {
    let app = TestApp::new().await;
    let (id, secret) = (
        app.site.test.public_id.clone(),
        app.site.test.api_secret.clone(),
    );
    for n in 0..SOURCE_FAILURES {
        let guess = format!("test_api_guess{n}");
        let status = ping(&app, &guess, "x", "192.0.2.9").await;
        let want = if n + 1 == SOURCE_FAILURES {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(status, want, "{n}");
    }
    assert_eq!(
        ping(&app, "test_api_another", "x", "192.0.2.9").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Someone else behind the same address (one NAT, one proxy) with a correct key.
    assert_eq!(ping(&app, &id, &secret, "192.0.2.9").await, StatusCode::OK);
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let app = TestApp::with_config(|c| c.trusted_proxies = vec!["10.0.0.0/8".into()]).await;
    let (id, secret) = (
        app.site.test.public_id.clone(),
        app.site.test.api_secret.clone(),
    );
    for _ in 0..PAIR_FAILURES {
        ping_via(&app, &id, "wrong", "10.0.0.5", Some("203.0.113.50")).await;
    }
    let via = |client: &'static str| ping_via(&app, &id, &secret, "10.0.0.5", Some(client));
    assert_eq!(via("203.0.113.50").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        via("203.0.113.51").await,
        StatusCode::OK,
        "another client of the proxy"
    );

    // From an untrusted peer the header is ignored: the peer itself is the client.
    for n in 0..PAIR_FAILURES {
        let forged = format!("198.51.100.{n}");
        ping_via(&app, &id, "wrong", "192.0.2.20", Some(&forged)).await;
    }
    assert_eq!(
        ping_via(&app, &id, &secret, "192.0.2.20", Some("198.51.100.99")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let metrics = app.call(request("GET", "/metrics").empty()).await;
    let text = String::from_utf8(metrics.body).unwrap();
    assert!(text.contains("oblako_auth_failures_total"), "{text}");
    assert!(text.contains("oblako_auth_throttled_total"), "{text}");
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
