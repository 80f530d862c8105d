//! The connector's figures, printed: Pay notifications per second on SQLite with durable
//! commits (and on PostgreSQL when `OBLAKO_TEST_PG_URL` is set), a 100,000-row backlog forwarded
//! to a fast backend, and the idle RSS of `oblako connector` when `OBLAKO_BIN` names the binary.
//! Run: `cargo run -p oblako-connector --release --example connector_bench`
//! (`BENCH_PAYS`, `BENCH_BACKLOG` change the counts).

#![allow(clippy::unwrap_used, clippy::expect_used)] // A measuring tool: a failure is a panic.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use oblako_connector::config::Config;
use oblako_connector::db::Db;
use oblako_connector::forward::Forwarder;
use oblako_protocol::notification::{FormEncoding, encode_form, signature_headers};

const SECRET: &str = "bench-secret";

fn count_env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn config(database_url: &str) -> Config {
    let database_url = database_url.to_owned();
    Config::from_lookup(move |name| match name {
        "CLOUDPAYMENTS_PUBLIC_ID" => Some("pk_bench".to_owned()),
        "CLOUDPAYMENTS_API_SECRET" => Some(SECRET.to_owned()),
        "CLOUDPAYMENTS_WEBHOOK_URL" => Some("http://127.0.0.1:9/unused".to_owned()),
        "DATABASE_URL" => Some(database_url.clone()),
        _ => None,
    })
    .unwrap()
}

/// Signed Pays from `clients` concurrent senders; returns notifications per second.
async fn pays(database_url: &str, total: usize, clients: usize) -> f64 {
    let state = oblako_connector::app::state(config(database_url))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/pay", listener.local_addr().unwrap());
    let app = oblako_connector::app::router(state.clone())
        .into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut senders = tokio::task::JoinSet::new();
    for client in 0..clients {
        let (http, url) = (http.clone(), url.clone());
        senders.spawn(async move {
            for i in (client..total).step_by(clients) {
                let body = encode_form(
                    &[
                        ("TransactionId", (1_000_000 + i).to_string()),
                        ("Amount", "45.00".to_owned()),
                        ("Currency", "RUB".to_owned()),
                        ("AccountId", format!("acc-{i}")),
                    ],
                    FormEncoding::Utf8,
                );
                let mut request = http.post(&url).body(body.clone());
                for (name, value) in signature_headers(SECRET.as_bytes(), &body) {
                    request = request.header(name, value);
                }
                let reply = request.send().await.unwrap();
                assert_eq!(reply.status(), 200);
            }
        });
    }
    while senders.join_next().await.is_some() {}
    let rate = total as f64 / started.elapsed().as_secs_f64();
    let rows = state
        .db
        .count("SELECT count(*) FROM cloudpayments_transaction")
        .await
        .unwrap();
    assert_eq!(rows, i64::try_from(total).unwrap());
    rate
}

/// A backlog of `total` rows forwarded to a backend answering 201; returns rows per second.
async fn backlog(database_url: &str, total: usize, concurrency: usize) -> f64 {
    let db = Db::open(database_url).await.unwrap();
    let insert = "INSERT INTO cloudpayments_transaction (account, code, sum, status, created_at) \
                  VALUES ($1, $2, '45.00', 0, '2026-12-07 12:00:00')";
    match &db {
        Db::Sqlite(pool) => {
            let mut tx = pool.begin().await.unwrap();
            for i in 0..total {
                let (account, code) = (format!("acc-{i}"), format!("b{i}"));
                sqlx::query(insert)
                    .bind(account)
                    .bind(code)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
        }
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await.unwrap();
            for i in 0..total {
                let (account, code) = (format!("acc-{i}"), format!("b{i}"));
                sqlx::query(insert)
                    .bind(account)
                    .bind(code)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
        }
    }
    let backend = Router::new().route("/payments", post(|| async { StatusCode::CREATED }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/payments", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, backend).await });
    let forwarder = Forwarder {
        db: db.clone(),
        client: oblako_connector::app::backend_client(),
        url,
        concurrency,
        retry_cap: Duration::from_secs(1),
        timeout: Duration::from_secs(10),
        wake: Arc::new(tokio::sync::Notify::new()),
    };
    let started = Instant::now();
    let worker = tokio::spawn(forwarder.run());
    let expected = i64::try_from(total).unwrap();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let done = db
            .count("SELECT count(*) FROM cloudpayments_transaction WHERE status = 1")
            .await
            .unwrap();
        if done == expected {
            break;
        }
    }
    worker.abort();
    total as f64 / started.elapsed().as_secs_f64()
}

/// The resident set of an idle `oblako connector`, in MB.
async fn idle_rss(bin: &str, dir: &std::path::Path) -> f64 {
    let port = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = tokio::process::Command::new(bin)
        .arg("connector")
        .env("CLOUDPAYMENTS_PUBLIC_ID", "pk_bench")
        .env("CLOUDPAYMENTS_API_SECRET", SECRET)
        .env("CLOUDPAYMENTS_WEBHOOK_URL", "http://127.0.0.1:9/payments")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/idle.sqlite", dir.display()),
        )
        .env("LISTEN", format!("127.0.0.1:{port}"))
        .env("OBLAKO_DATA_DIR", dir.join("unused"))
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let pid = child.id().unwrap();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    child.kill().await.unwrap();
    kb / 1024.0
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let total = count_env("BENCH_PAYS", 5_000);
    let sqlite = |name: &str| format!("sqlite://{}/{name}.sqlite", dir.path().display());
    println!(
        "profile: {}",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    let rate = pays(&sqlite("pays"), total, 32).await;
    println!("pay notifications, SQLite (synchronous=FULL), 32 clients: {total} in {rate:.0}/s");
    let rows = count_env("BENCH_BACKLOG", 100_000);
    for concurrency in [16, 64] {
        let rate = backlog(&sqlite(&format!("backlog{concurrency}")), rows, concurrency).await;
        println!("backlog, SQLite, {rows} rows, concurrency {concurrency}: {rate:.0} rows/s");
    }
    if let Ok(pg) = std::env::var("OBLAKO_TEST_PG_URL") {
        let admin = sqlx::PgPool::connect(&pg).await.unwrap();
        for name in ["connector_bench_pays", "connector_bench_backlog"] {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            sqlx::query(sqlx::AssertSqlSafe(drop))
                .execute(&admin)
                .await
                .unwrap();
            let create = format!("CREATE DATABASE {name}");
            sqlx::query(sqlx::AssertSqlSafe(create))
                .execute(&admin)
                .await
                .unwrap();
        }
        let prefix = pg.rsplit_once('/').unwrap().0;
        let rate = pays(&format!("{prefix}/connector_bench_pays"), total, 32).await;
        println!("pay notifications, PostgreSQL, 32 clients: {total} in {rate:.0}/s");
        let rate = backlog(&format!("{prefix}/connector_bench_backlog"), rows, 16).await;
        println!("backlog, PostgreSQL, {rows} rows, concurrency 16: {rate:.0} rows/s");
    }
    match std::env::var("OBLAKO_BIN") {
        Ok(bin) => println!(
            "idle RSS of `{bin} connector`: {:.1} MB",
            idle_rss(&bin, dir.path()).await
        ),
        Err(_) => println!("idle RSS: skipped (set OBLAKO_BIN to the oblako binary)"),
    }
}
