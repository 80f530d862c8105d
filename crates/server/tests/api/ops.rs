//! Health, readiness and metrics.

use axum::http::StatusCode;

use crate::helpers::{TestApp, request};

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::new().await;
    let health = app.call(request("GET", "/healthz").into()).await;
    assert_eq!(
        (health.status, health.json()["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    let ready = app.call(request("GET", "/readyz").into()).await;
    assert_eq!(
        (ready.status, ready.json()["status"].as_str()),
        (StatusCode::OK, Some("ready"))
    );
    app.state.db.close().await;
    let down = app.call(request("GET", "/readyz").into()).await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = TestApp::new().await;
    app.post("/test", "{}").await;
    app.call(request("POST", "/test").empty()).await;
    let metrics = app.call(request("GET", "/metrics").into()).await;
    assert_eq!(metrics.status, StatusCode::OK);
    let text = String::from_utf8(metrics.body).unwrap();
    let has = |needle: &str| {
        text.lines()
            .any(|l| l.starts_with("oblako_http_requests_total") && l.contains(needle))
    };
    assert!(
        has(r#"route="/test",status="200""#) || has(r#"status="200",route="/test""#),
        "{text}"
    );
    assert!(has(r#"status="401""#), "{text}");
    assert!(
        text.contains("oblako_http_request_duration_seconds_bucket"),
        "{text}"
    );
    if app.state.db.backend() == oblako_store::Backend::Sqlite {
        // Creating the demo site wrote through the group-commit writer.
        let commits = text
            .lines()
            .find_map(|l| l.strip_prefix("oblako_sqlite_committed_writes_total "))
            .unwrap_or_else(|| panic!("no writer counters: {text}"));
        assert!(commits.trim().parse::<u64>().unwrap() >= 1, "{text}");
    }
}
