//! A notification receiver on 127.0.0.1 for the tests: it records every request it reads and
//! answers as told — `{"code":0}`, another code, an HTTP error, or by closing the
//! connection without a word, slowly, never, or flakily. Raw TCP, so "refuse" really is a dropped
//! connection. It also counts how many requests it holds at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How the sink answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// HTTP 200 `{"code":0}`.
    Ok,
    /// HTTP 200 with another code.
    Code(i64),
    /// This HTTP status.
    Status(u16),
    /// Close the connection without answering.
    Drop,
    /// `{"code":0}` after this many milliseconds.
    Slow(u64),
    /// Never answer; hold the connection until the sender gives up.
    Hang,
    /// HTTP 500 for about this many requests in a hundred (a fixed pseudo-random pattern over
    /// the requests' arrival order), `{"code":0}` for the others.
    Flaky(u64),
}

/// One request the sink read.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Whether the sink acknowledged it with `{"code":0}`.
    pub acknowledged: bool,
}

impl Delivery {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn param(&self, name: &str) -> Option<String> {
        oblako_protocol::notification::parse_form(
            &self.body,
            oblako_protocol::notification::FormEncoding::Utf8,
        )
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
    }
}

#[derive(Clone)]
pub struct Sink {
    pub url: String,
    answer: Arc<Mutex<Answer>>,
    seen: Arc<Mutex<Vec<Delivery>>>,
    holding: Arc<AtomicUsize>,
    most_held: Arc<AtomicUsize>,
}

/// Decrements the held count when a request is done with, however it ends.
struct Held(Arc<AtomicUsize>);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Sink {
    pub async fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let sink = Sink {
            url,
            answer: Arc::new(Mutex::new(Answer::Ok)),
            seen: Arc::new(Mutex::new(Vec::new())),
            holding: Arc::default(),
            most_held: Arc::default(),
        };
        let handle = sink.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(handle.clone().serve(socket));
            }
        });
        sink
    }

    pub fn answer(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.seen.lock().unwrap().clone()
    }

    /// The most requests it has held at once (read and not yet answered).
    pub fn most_held(&self) -> usize {
        self.most_held.load(Ordering::SeqCst)
    }

    async fn serve(self, mut socket: tokio::net::TcpStream) {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            let Ok(n) = socket.read(&mut chunk).await else {
                return;
            };
            if n == 0 {
                return;
            }
            buf.extend_from_slice(&chunk[..n]);
            if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let mut first = lines.next().unwrap_or_default().split(' ');
        let (method, target) = (
            first.next().unwrap_or_default().to_owned(),
            first.next().unwrap_or_default().to_owned(),
        );
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            let Ok(n) = socket.read(&mut chunk).await else {
                return;
            };
            if n == 0 {
                return;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = String::from_utf8_lossy(&buf[head_end..head_end + length]).into_owned();
        let held = self.holding.fetch_add(1, Ordering::SeqCst) + 1;
        let _held = Held(self.holding.clone());
        self.most_held.fetch_max(held, Ordering::SeqCst);
        let answer = *self.answer.lock().unwrap();
        let (status, text) = {
            let mut seen = self.seen.lock().unwrap();
            let order = seen.len() as u64;
            let (status, text) = match answer {
                Answer::Ok | Answer::Slow(_) => (200, r#"{"code":0}"#.to_owned()),
                Answer::Code(code) => (200, format!(r#"{{"code":{code}}}"#)),
                Answer::Status(status) => (status, "oops".to_owned()),
                Answer::Drop | Answer::Hang => (0, String::new()),
                Answer::Flaky(percent) => {
                    if order.wrapping_mul(2_654_435_761) % 100 < percent {
                        (500, "flap".to_owned())
                    } else {
                        (200, r#"{"code":0}"#.to_owned())
                    }
                }
            };
            seen.push(Delivery {
                method,
                target,
                headers,
                body,
                acknowledged: status == 200 && text == r#"{"code":0}"#,
            });
            (status, text)
        };
        match answer {
            Answer::Drop => return,
            Answer::Hang => {
                // Until the sender closes its end.
                while matches!(socket.read(&mut chunk).await, Ok(n) if n > 0) {}
                return;
            }
            Answer::Slow(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
            _ => {}
        }
        let response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
            text.len()
        );
        let _ = socket.write_all(response.as_bytes()).await;
        let _ = socket.shutdown().await;
    }
}
