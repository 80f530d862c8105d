//! The client against real receivers on 127.0.0.1: the guard stops connections before they
//! are made, redirects are not followed, bodies are capped, silence times out.
//!
//! A sink records the peer address of every connection it accepts. To prove that nothing
//! connected, a test opens one probe connection of its own afterwards and asks how many
//! connections the sink accepted before it (the accept queue is first in, first out).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::*;

#[derive(Clone)]
enum Reply {
    Ok,
    Redirect(String),
    Huge(usize),
    Silent,
    Stall,
}

struct Sink {
    addr: SocketAddr,
    peers: Arc<Mutex<Vec<SocketAddr>>>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Sink {
    async fn start(reply: Reply) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let peers = Arc::new(Mutex::new(Vec::new()));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (seen, log) = (Arc::clone(&peers), Arc::clone(&requests));
        tokio::spawn(async move {
            while let Ok((stream, peer)) = listener.accept().await {
                seen.lock().unwrap().push(peer);
                tokio::spawn(serve(stream, reply.clone(), Arc::clone(&log)));
            }
        });
        Sink {
            addr,
            peers,
            requests,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// How many connections were accepted before a probe connection made now.
    async fn connections_before_probe(&self) -> usize {
        let probe = TcpStream::connect(self.addr).await.unwrap();
        let me = probe.local_addr().unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(at) = self.peers.lock().unwrap().iter().position(|p| *p == me) {
                return at;
            }
            assert!(
                Instant::now() < deadline,
                "the sink never accepted the probe"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

async fn serve(mut stream: TcpStream, reply: Reply, log: Arc<Mutex<Vec<String>>>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    log.lock().unwrap().push(request);
    let head = |status: &str, extra: &str, length: usize| {
        format!("HTTP/1.1 {status}\r\n{extra}content-length: {length}\r\nconnection: close\r\n\r\n")
    };
    match reply {
        Reply::Ok => {
            let body = r#"{"code":0}"#;
            let text = head("200 OK", "content-type: application/json\r\n", body.len()) + body;
            let _ = stream.write_all(text.as_bytes()).await;
        }
        Reply::Redirect(to) => {
            let text = head("302 Found", &format!("location: {to}\r\n"), 0);
            let _ = stream.write_all(text.as_bytes()).await;
        }
        Reply::Huge(length) => {
            if stream
                .write_all(head("200 OK", "", length).as_bytes())
                .await
                .is_err()
            {
                return;
            }
            let chunk = vec![b'x'; 64 * 1024];
            let mut left = length;
            while left > 0 {
                let n = left.min(chunk.len());
                // The client hangs up after its cap; the write error ends us.
                if stream.write_all(&chunk[..n]).await.is_err() {
                    return;
                }
                left -= n;
            }
        }
        Reply::Stall => {
            // Promise 100 bytes, send 10, then hold the connection open.
            let text = head("200 OK", "", 100) + "0123456789";
            if stream.write_all(text.as_bytes()).await.is_err() {
                return;
            }
            let mut rest = [0u8; 1024];
            while matches!(stream.read(&mut rest).await, Ok(n) if n > 0) {}
            return;
        }
        Reply::Silent => {
            // Hold the connection open and say nothing until the client gives up.
            let mut rest = [0u8; 1024];
            while matches!(stream.read(&mut rest).await, Ok(n) if n > 0) {}
            return;
        }
    }
    let _ = stream.shutdown().await;
}

/// The request head and body (by content-length), or None if the peer sent no request.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut buf).await.ok().filter(|&n| n > 0)?;
        bytes.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    while bytes.len() < head_end + length {
        let n = stream.read(&mut buf).await.ok().filter(|&n| n > 0)?;
        bytes.extend_from_slice(&buf[..n]);
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

fn policy(subnets: &[&str]) -> Policy {
    Policy {
        allow_subnets: subnets.iter().map(|s| s.parse().unwrap()).collect(),
        allow_private: false,
        ..Policy::default()
    }
}

fn outbound(policy: Policy) -> Outbound {
    Outbound::new(policy, Timeouts::default()).unwrap()
}

async fn post(client: &Outbound, url: &str) -> Result<Answer, SendError> {
    let headers = [("content-type", "application/json"), ("x-test", "hello")];
    client
        .send(Method::POST, url, &headers, br#"{"Amount":10}"#.to_vec())
        .await
}

#[tokio::test]
async fn loopback_literal_is_refused_without_a_connection() {
    let sink = Sink::start(Reply::Ok).await;
    let error = post(&outbound(Policy::default()), &sink.url("/hook"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, SendError::Url(UrlRefused::Address(_))),
        "{error:?}"
    );
    assert!(error.is_refused());
    assert!(error.to_string().contains("loopback"), "{error}");
    assert_eq!(sink.connections_before_probe().await, 0);
}

#[tokio::test]
async fn allow_subnets_delivers_to_loopback() {
    let sink = Sink::start(Reply::Ok).await;
    let answer = post(&outbound(policy(&["127.0.0.0/8"])), &sink.url("/hook"))
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, br#"{"code":0}"#);
    assert!(answer.latency > Duration::ZERO);
    let requests = sink.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0].starts_with("POST /hook HTTP/1.1\r\n"),
        "{}",
        requests[0]
    );
    // Header names in title case (see `Outbound::new`).
    assert!(requests[0].contains("X-Test: hello\r\n"), "{}", requests[0]);
    assert!(requests[0].ends_with(r#"{"Amount":10}"#), "{}", requests[0]);
    // The probe counts a connection that did happen, so a 0 elsewhere means something.
    assert_eq!(sink.connections_before_probe().await, 1);
}

#[tokio::test]
async fn allow_private_delivers_to_loopback() {
    let sink = Sink::start(Reply::Ok).await;
    let test_site = Policy {
        allow_subnets: Vec::new(),
        allow_private: true,
        ..Policy::default()
    };
    let answer = post(&outbound(test_site), &sink.url("/")).await.unwrap();
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn a_name_resolving_to_loopback_is_refused_after_resolution() {
    let sink = Sink::start(Reply::Ok).await;
    let url = format!("http://localhost:{}/hook", sink.addr.port());
    let error = post(&outbound(Policy::default()), &url).await.unwrap_err();
    let SendError::Blocked(blocked) = &error else {
        panic!("expected Blocked, got {error:?}");
    };
    assert_eq!(blocked.host, "localhost");
    assert!(blocked.refusal.addr.is_loopback(), "{blocked}");
    assert!(
        error
            .to_string()
            .starts_with("localhost resolves only to forbidden"),
        "{error}"
    );
    assert_eq!(sink.connections_before_probe().await, 0);
}

#[tokio::test]
async fn a_name_for_this_host_on_the_gateways_port_is_refused_after_resolution() {
    let sink = Sink::start(Reply::Ok).await;
    let port = sink.addr.port();
    let consenting = Policy {
        allow_subnets: vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()],
        allow_private: true,
        own_ports: vec![port],
    };
    let client = outbound(consenting);
    for host in ["localhost", "LOCALHOST", "127.0.0.1", "[::ffff:127.0.0.1]"] {
        let error = post(&client, &format!("http://{host}:{port}/metrics"))
            .await
            .unwrap_err();
        assert!(error.is_refused(), "{host}: {error:?}");
        assert!(error.to_string().contains("gateway's own"), "{error}");
    }
    assert_eq!(sink.connections_before_probe().await, 0);
    let elsewhere = Policy {
        own_ports: vec![port.wrapping_add(1)],
        ..client.policy().clone()
    };
    let url = format!("http://localhost:{port}/");
    let answer = post(&outbound(elsewhere), &url).await.unwrap();
    assert!(
        answer.peer.is_some_and(|p| p.ip().is_loopback()),
        "{answer:?}"
    );
}

#[tokio::test]
async fn a_name_resolving_to_an_allowed_address_is_delivered() {
    let sink = Sink::start(Reply::Ok).await;
    let url = format!("http://localhost:{}/hook", sink.addr.port());
    // Only 127/8 reopened: if localhost also resolves to ::1, that address is dropped.
    let answer = post(&outbound(policy(&["127.0.0.0/8"])), &url)
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn a_redirect_is_an_answer_and_is_not_followed() {
    let target = Sink::start(Reply::Ok).await;
    let bouncer = Sink::start(Reply::Redirect(target.url("/internal"))).await;
    let answer = post(&outbound(policy(&["127.0.0.0/8"])), &bouncer.url("/hook"))
        .await
        .unwrap();
    assert_eq!(answer.status, 302);
    assert_eq!(target.connections_before_probe().await, 0);
}

#[tokio::test]
async fn a_huge_body_is_read_only_up_to_the_cap() {
    let sink = Sink::start(Reply::Huge(10 * 1024 * 1024)).await;
    let client = outbound(policy(&["127.0.0.0/8"]));
    let answer = post(&client, &sink.url("/")).await.unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body.len(), BODY_CAP);

    let small = client.with_body_cap(1000);
    let answer = post(&small, &sink.url("/")).await.unwrap();
    assert_eq!(answer.body.len(), 1000);
}

#[tokio::test]
async fn a_silent_receiver_times_out() {
    let sink = Sink::start(Reply::Silent).await;
    let timeouts = Timeouts {
        connect: Duration::from_millis(300),
        total: Duration::from_millis(300),
    };
    let client = Outbound::new(policy(&["127.0.0.0/8"]), timeouts).unwrap();
    let started = Instant::now();
    let error = post(&client, &sink.url("/")).await.unwrap_err();
    assert!(matches!(error, SendError::Timeout(_)), "{error:?}");
    assert!(!error.is_refused());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_body_that_stalls_times_out() {
    let sink = Sink::start(Reply::Stall).await;
    let timeouts = Timeouts {
        connect: Duration::from_millis(300),
        total: Duration::from_millis(300),
    };
    let client = Outbound::new(policy(&["127.0.0.0/8"]), timeouts).unwrap();
    let started = Instant::now();
    let error = post(&client, &sink.url("/")).await.unwrap_err();
    assert!(matches!(error, SendError::Timeout(_)), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn nobody_listening_is_a_connect_error() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/");
    let error = post(&outbound(policy(&["127.0.0.0/8"])), &url)
        .await
        .unwrap_err();
    assert!(matches!(error, SendError::Connect(_)), "{error:?}");
    assert!(
        error.to_string().starts_with("could not connect"),
        "{error}"
    );
}
