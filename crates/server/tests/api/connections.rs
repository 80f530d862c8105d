//! Connections over real loopback sockets: thousands of idle sockets do not stop the gateway,
//! idle and trickling sockets are closed at the header timeout, slow bodies at the body timeout,
//! connections past the cap are closed at once, and refusals hyper makes before a handler (431)
//! are counted.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use oblako_server::app;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{TestApp, basic};

struct Running {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<()>,
}

async fn start(app: &TestApp) -> Running {
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
    Running { addr, stop, server }
}

impl Running {
    async fn finish(self) {
        self.stop.send(()).unwrap();
        self.server.await.unwrap();
    }
}

/// One `POST /test` on a fresh connection; the status line, within `limit`.
async fn ping(app: &TestApp, addr: SocketAddr, limit: Duration) -> String {
    let auth = basic(&app.site.test.public_id, &app.site.test.api_secret);
    let request = format!(
        "POST /test HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.ok()?;
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.ok()?;
        let text = String::from_utf8_lossy(&response).into_owned();
        text.lines().next().map(str::to_owned)
    };
    match tokio::time::timeout(limit, exchange).await {
        Ok(Some(line)) => line,
        Ok(None) => "no answer".into(),
        Err(_) => "timed out".into(),
    }
}

/// Whether the server closed `stream` (EOF or reset) within `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut buf = [0u8; 512];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn five_thousand_idle_sockets_do_not_stop_the_gateway_and_are_closed_in_time() {
    oblako_server::listener::raise_file_limit();
    let app = TestApp::with_config(|c| c.header_read_timeout_secs = 2).await;
    let running = start(&app).await;
    let mut idle = Vec::with_capacity(5_000);
    for _ in 0..5_000 {
        idle.push(TcpStream::connect(running.addr).await.unwrap());
    }
    // A trickler: a request line, then a header byte now and then, never finishing.
    let mut trickler = TcpStream::connect(running.addr).await.unwrap();
    trickler
        .write_all(b"POST /test HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let trickle = tokio::spawn(async move {
        for _ in 0..40 {
            if trickler.write_all(b"X").await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    });
    for _ in 0..20 {
        let line = ping(&app, running.addr, Duration::from_secs(5)).await;
        assert_eq!(line, "HTTP/1.1 200 OK", "served through 5,000 idle sockets");
    }
    // Every idle socket and the trickler are closed at the header timeout.
    for stream in idle.iter_mut().step_by(250) {
        assert!(closed_within(stream, Duration::from_secs(5)).await);
    }
    assert!(trickle.await.unwrap(), "the trickler was cut off");
    drop(idle);
    running.finish().await;
}

#[tokio::test]
async fn connections_past_the_cap_are_closed_at_once() {
    let app = TestApp::with_config(|c| {
        c.max_connections = 16;
        c.header_read_timeout_secs = 2;
    })
    .await;
    let running = start(&app).await;
    let mut held = Vec::new();
    for _ in 0..16 {
        held.push(TcpStream::connect(running.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = TcpStream::connect(running.addr).await.unwrap();
    assert!(closed_within(&mut extra, Duration::from_millis(1_500)).await);
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        ping(&app, running.addr, Duration::from_secs(5)).await,
        "HTTP/1.1 200 OK"
    );
    let metrics = app
        .call(crate::helpers::request("GET", "/metrics").empty())
        .await;
    let text = String::from_utf8(metrics.body).unwrap();
    assert!(text.contains("oblako_connections_refused_total"), "{text}");
    running.finish().await;
}

#[tokio::test]
async fn a_slow_body_gets_408_and_huge_headers_431() {
    let app = TestApp::with_config(|c| c.request_body_timeout_secs = 1).await;
    let running = start(&app).await;
    let auth = basic(&app.site.test.public_id, &app.site.test.api_secret);
    let mut slow = TcpStream::connect(running.addr).await.unwrap();
    let head = format!(
        "POST /test HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"a\":"
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let mut response = vec![0u8; 256];
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut response))
        .await
        .expect("answered before the test's limit")
        .unwrap();
    let text = String::from_utf8_lossy(&response[..read]).into_owned();
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");

    let mut big = TcpStream::connect(running.addr).await.unwrap();
    let request = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(512 * 1024)
    );
    let _ = big.write_all(request.as_bytes()).await;
    let mut response = vec![0u8; 256];
    let read = tokio::time::timeout(Duration::from_secs(5), big.read(&mut response))
        .await
        .unwrap()
        .unwrap_or(0);
    let text = String::from_utf8_lossy(&response[..read]).into_owned();
    assert!(text.starts_with("HTTP/1.1 431"), "{text}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let metrics = app
        .call(crate::helpers::request("GET", "/metrics").empty())
        .await;
    let text = String::from_utf8(metrics.body).unwrap();
    assert!(
        text.contains(r#"oblako_http_refused_total{reason="headers_too_large"}"#),
        "{text}"
    );
    running.finish().await;
}
