//! The connector over real sockets: a connector on `127.0.0.1:0`, a stand-in backend on another
//! port, signed notifications as the gateway sends them. Every test runs on SQLite, and again on
//! PostgreSQL (a fresh database each) when `OBLAKO_TEST_PG_URL` is set.

// Helpers outside #[test] functions panic on setup failures too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use oblako_connector::config::Config;
use oblako_connector::db::Db;
use oblako_connector::forward::Forwarder;
use oblako_protocol::notification::{FormEncoding, encode_form, signature_headers};

const SECRET: &str = "test-secret";

/// The merchant's backend: answers checks (404 for account "nobody") and takes payments with
/// the status in `status`.
#[derive(Default)]
struct Backend {
    received: Mutex<Vec<serde_json::Value>>,
    status: AtomicU16,
}

async fn start_backend() -> (Arc<Backend>, String) {
    let backend = Arc::new(Backend::default());
    backend.status.store(200, Ordering::SeqCst);
    let app = Router::new()
        .route(
            "/check",
            get(|RawQuery(q): RawQuery| async move {
                if q.as_deref() == Some("account=nobody") {
                    StatusCode::NOT_FOUND
                } else {
                    StatusCode::OK
                }
            }),
        )
        .route(
            "/payments",
            post(|State(b): State<Arc<Backend>>, body: String| async move {
                let status = b.status.load(Ordering::SeqCst);
                if status == 200 || status == 201 {
                    b.received
                        .lock()
                        .unwrap()
                        .push(serde_json::from_str(&body).unwrap());
                }
                StatusCode::from_u16(status).unwrap()
            }),
        )
        .with_state(backend.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (backend, base)
}

struct Connector {
    base: String,
    db: Db,
    http: reqwest::Client,
}

/// A database URL per test: a temporary SQLite file, or a fresh PostgreSQL database.
async fn database_urls(name: &str, dir: &tempfile::TempDir) -> Vec<String> {
    let mut urls = vec![format!("sqlite://{}/{name}.sqlite", dir.path().display())];
    if let Ok(pg) = std::env::var("OBLAKO_TEST_PG_URL") {
        let admin = sqlx::PgPool::connect(&pg).await.unwrap();
        let db = format!("connector_{name}_{}", std::process::id());
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db}")))
            .execute(&admin)
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
            .execute(&admin)
            .await
            .unwrap();
        let (prefix, _) = pg.rsplit_once('/').unwrap();
        urls.push(format!("{prefix}/{db}"));
    } else {
        println!("skipped on PostgreSQL: OBLAKO_TEST_PG_URL is not set");
    }
    urls
}

async fn start_connector(database_url: &str, backend: &str, forward: bool) -> Connector {
    let config = Config::from_lookup(|name| match name {
        "CLOUDPAYMENTS_PUBLIC_ID" => Some("pk_test".to_owned()),
        "CLOUDPAYMENTS_API_SECRET" => Some(SECRET.to_owned()),
        "CLOUDPAYMENTS_CHECK_URL" => Some(format!("{backend}/check")),
        "CLOUDPAYMENTS_WEBHOOK_URL" => Some(format!("{backend}/payments")),
        "DATABASE_URL" => Some(database_url.to_owned()),
        "CONNECTOR_RETRY_CAP_SECS" => Some("1".to_owned()),
        "CONNECTOR_BACKEND_TIMEOUT_SECS" => Some("2".to_owned()),
        _ => None,
    })
    .unwrap();
    let state = oblako_connector::app::state(config).await.unwrap();
    if forward {
        let forwarder = Forwarder {
            db: state.db.clone(),
            client: state.client.clone(),
            url: state.config.webhook_url.clone().unwrap(),
            concurrency: 4,
            retry_cap: state.config.retry_cap,
            timeout: state.config.backend_timeout,
            wake: state.forwarder_wake.clone(),
        };
        tokio::spawn(forwarder.run());
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = oblako_connector::app::router(state.clone())
        .into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Connector {
        base,
        db: state.db.clone(),
        http: reqwest::Client::new(),
    }
}

fn pay_body(transaction: i64, account: &str, amount: &str, encoding: FormEncoding) -> String {
    let params = [
        ("TransactionId", transaction.to_string()),
        ("Amount", amount.to_owned()),
        ("Currency", "RUB".to_owned()),
        ("AccountId", account.to_owned()),
        ("Description", "Пополнение".to_owned()),
        ("Token", "tk_secret".to_owned()),
        ("Status", "Completed".to_owned()),
    ];
    encode_form(&params, encoding)
}

impl Connector {
    async fn post(&self, path: &str, body: &str, secret: Option<&str>) -> (u16, String) {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned());
        if let Some(secret) = secret {
            for (name, value) in signature_headers(secret.as_bytes(), body) {
                request = request.header(name, value);
            }
        }
        let reply = request.send().await.unwrap();
        (reply.status().as_u16(), reply.text().await.unwrap())
    }

    async fn count(&self, sql: &'static str) -> i64 {
        self.db.count(sql).await.unwrap()
    }

    async fn wait_for(&self, sql: &'static str, expected: i64) {
        for _ in 0..200 {
            if self.count(sql).await == expected {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{sql}: expected {expected}, got {}", self.count(sql).await);
    }
}

const DELIVERED: &str = "SELECT count(*) FROM cloudpayments_transaction WHERE status = 1";
const ROWS: &str = "SELECT count(*) FROM cloudpayments_transaction";

#[tokio::test]
async fn a_signed_pay_is_recorded_once_and_reaches_the_backend() {
    let dir = tempfile::tempdir().unwrap();
    for url in database_urls("pay", &dir).await {
        let (backend, backend_url) = start_backend().await;
        let connector = start_connector(&url, &backend_url, true).await;
        let body = pay_body(1001, "user-1", "45.00", FormEncoding::Utf8);
        for _ in 0..3 {
            let reply = connector.post("/pay", &body, Some(SECRET)).await;
            assert_eq!(reply, (200, r#"{"code":0}"#.to_owned()));
        }
        connector.wait_for(DELIVERED, 1).await;
        assert_eq!(
            connector.count(ROWS).await,
            1,
            "{url}: retries leave one row"
        );
        let received = backend.received.lock().unwrap().clone();
        assert_eq!(received.len(), 1);
        assert_eq!(received[0]["account"], "user-1");
        assert_eq!(received[0]["code"], "1001");
        assert_eq!(received[0]["sum"].to_string(), "45.00");
        assert!(received[0]["id"].is_string());
        let logged = "SELECT count(*) FROM cloudpayments_http_log WHERE body LIKE '%Token=***%'";
        assert_eq!(
            connector.count(logged).await,
            3,
            "{url}: every request logged, masked"
        );
    }
}

#[tokio::test]
async fn a_forged_or_unsigned_pay_is_refused_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    for url in database_urls("forged", &dir).await {
        let (_, backend_url) = start_backend().await;
        let connector = start_connector(&url, &backend_url, false).await;
        let body = pay_body(1, "user-1", "10.00", FormEncoding::Utf8);
        assert_eq!(connector.post("/pay", &body, Some("wrong")).await.0, 401);
        assert_eq!(
            connector.post("/_cloudpayments_/pay", &body, None).await.0,
            401
        );
        assert_eq!(connector.count(ROWS).await, 0);
        let logged = "SELECT count(*) FROM cloudpayments_http_log";
        assert_eq!(connector.count(logged).await, 2, "{url}");
    }
}

#[tokio::test]
async fn check_asks_the_backend_about_the_account() {
    let dir = tempfile::tempdir().unwrap();
    for url in database_urls("check", &dir).await {
        let (_, backend_url) = start_backend().await;
        let connector = start_connector(&url, &backend_url, false).await;
        let known = pay_body(2, "user-1", "10.00", FormEncoding::Utf8);
        let unknown = pay_body(3, "nobody", "10.00", FormEncoding::Utf8);
        assert_eq!(
            connector.post("/check", &known, Some(SECRET)).await.1,
            r#"{"code":0}"#
        );
        assert_eq!(
            connector.post("/check", &unknown, Some(SECRET)).await.1,
            r#"{"code":11}"#
        );
        if url.starts_with("sqlite") {
            // Port 9 (discard) has no listener on loopback: the backend is unreachable.
            let down = start_connector(&format!("{url}_down"), "http://127.0.0.1:9", false).await;
            assert_eq!(
                down.post("/check", &known, Some(SECRET)).await.1,
                r#"{"code":13}"#
            );
        }
    }
}

#[tokio::test]
async fn a_get_in_windows_1251_is_read_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    for url in database_urls("cp1251", &dir).await {
        let (_, backend_url) = start_backend().await;
        let connector = start_connector(&url, &backend_url, false).await;
        let query = pay_body(77, "Иван", "12.50", FormEncoding::Windows1251);
        assert!(query.contains("%c8%e2%e0%ed"), "{query}");
        let mut request = connector
            .http
            .get(format!("{}/pay?{query}", connector.base));
        for (name, value) in signature_headers(SECRET.as_bytes(), &query) {
            request = request.header(name, value);
        }
        let reply = request.send().await.unwrap();
        assert_eq!(reply.status(), 200);
        let sql = "SELECT count(*) FROM cloudpayments_transaction \
                   WHERE account = 'Иван' AND sum = '12.50'";
        assert_eq!(connector.count(sql).await, 1, "{url}");
    }
}

#[tokio::test]
async fn a_refusing_backend_gets_the_payment_again_until_it_takes_it() {
    let dir = tempfile::tempdir().unwrap();
    for url in database_urls("retry", &dir).await {
        let (backend, backend_url) = start_backend().await;
        backend.status.store(500, Ordering::SeqCst);
        let connector = start_connector(&url, &backend_url, true).await;
        let body = pay_body(5, "user-5", "1.00", FormEncoding::Utf8);
        assert_eq!(connector.post("/pay", &body, Some(SECRET)).await.0, 200);
        connector
            .wait_for(
                "SELECT count(*) FROM cloudpayments_webhook_log WHERE response_status = 500",
                2,
            )
            .await;
        backend.status.store(201, Ordering::SeqCst);
        connector.wait_for(DELIVERED, 1).await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(
            backend.received.lock().unwrap().len(),
            1,
            "{url}: delivered once"
        );
    }
}

#[tokio::test]
async fn a_bad_card_link_is_a_400_page_and_a_good_one_loads_the_widget() {
    let dir = tempfile::tempdir().unwrap();
    let url = &database_urls("card", &dir).await[0];
    let connector = start_connector(url, "http://127.0.0.1:9", false).await;
    let bad = connector
        .http
        .get(format!(
            "{}/pub/card?account=a&sum=x&currency=RUB&description=d",
            connector.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("&quot;sum&quot; must be")
    );
    let good = connector
        .http
        .get(format!(
            "{}/_cloudpayments_/pub/card?account=a&sum=5&currency=RUB&description=%3cb%3e",
            connector.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), 200);
    let page = good.text().await.unwrap();
    assert!(page.contains("cloudpayments.js") && page.contains("&lt;b&gt;"));
    assert!(!page.contains("<b>"));
}
