//! Over a real loopback socket: raw HTTP bytes, streamed oversize bodies, graceful shutdown.

use std::time::Duration;

use oblako_core::ids::{Mode, SiteId};
use oblako_server::app;
use oblako_store::idempotency::{self, KeyRef};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{TestApp, basic};

async fn start(
    app: &TestApp,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = app.state.clone();
    let server = tokio::spawn(async move {
        app::serve(state, listener, async move {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    (addr, stop, server)
}

async fn exchange(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await;
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn the_api_answers_raw_http_on_loopback() {
    let app = TestApp::new().await;
    let (addr, stop, server) = start(&app).await;
    let auth = basic(&app.site.test.public_id, &app.site.test.api_secret);
    let request = format!(
        "POST /Test HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let response = exchange(addr, request.as_bytes()).await;
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(
        response
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{response}"
    );
    assert!(response.contains(r#""Success":true"#), "{response}");

    // A chunked body with no Content-Length is cut off at 1 MiB.
    let mut chunked = format!(
        "POST /test HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for _ in 0..20 {
        chunked.extend_from_slice(format!("{:x}\r\n", 65536).as_bytes());
        chunked.extend_from_slice(&vec![b'a'; 65536]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let response = exchange(addr, &chunked).await;
    assert!(
        response.starts_with("HTTP/1.1 413"),
        "{}",
        &response[..response.len().min(200)]
    );
    stop.send(()).unwrap();
    server.await.unwrap();
}

#[tokio::test]
async fn shutdown_lets_an_in_flight_request_finish() {
    let app = TestApp::new().await;
    let (addr, stop, server) = start(&app).await;
    // Hold the request in flight: its X-Request-ID is claimed by "another node".
    let key = KeyRef {
        site: SiteId(app.site.site_id),
        mode: Mode::Test,
        key: "in-flight",
    };
    let fingerprint = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b"post /test\n");
    let now = app.state.now_ms();
    idempotency::claim(
        &app.state.db,
        key,
        fingerprint.as_ref(),
        now,
        now + 3_600_000,
        now - 1,
    )
    .await
    .unwrap();
    let auth = basic(&app.site.test.public_id, &app.site.test.api_secret);
    let request = format!(
        "POST /test HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nX-Request-ID: in-flight\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let client = tokio::spawn(async move { exchange(addr, request.as_bytes()).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !server.is_finished(),
        "the server waits for the in-flight request"
    );
    idempotency::complete(
        &app.state.db,
        key,
        200,
        br#"{"Success":true,"Message":"done"}"#,
    )
    .await
    .unwrap();
    let response = client.await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(
        response.ends_with(r#"{"Success":true,"Message":"done"}"#),
        "{response}"
    );
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}
