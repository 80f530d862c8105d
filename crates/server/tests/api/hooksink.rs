//! A notification receiver on 127.0.0.1 for the tests: it records every request it reads and
//! answers as told — `{"code":0}`, another code, an HTTP error, or by closing the
//! connection without a word. Raw TCP, so "refuse" really is a dropped connection.

use std::sync::{Arc, Mutex};

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
}

/// One request the sink read.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
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
}

impl Sink {
    pub async fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let sink = Sink {
            url,
            answer: Arc::new(Mutex::new(Answer::Ok)),
            seen: Arc::new(Mutex::new(Vec::new())),
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
        self.seen.lock().unwrap().push(Delivery {
            method,
            target,
            headers,
            body,
        });
        let answer = *self.answer.lock().unwrap();
        let (status, text) = match answer {
            Answer::Ok => (200, r#"{"code":0}"#.to_owned()),
            Answer::Code(code) => (200, format!(r#"{{"code":{code}}}"#)),
            Answer::Status(status) => (status, "oops".to_owned()),
            Answer::Drop => return,
        };
        let response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
            text.len()
        );
        let _ = socket.write_all(response.as_bytes()).await;
        let _ = socket.shutdown().await;
    }
}
