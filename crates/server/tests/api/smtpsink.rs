//! An SMTP server on 127.0.0.1 for the tests: raw TCP speaking just enough SMTP (greeting, EHLO,
//! MAIL, RCPT, DATA, QUIT) to take a message and record it, or to refuse a number of connections
//! first with `421`. Helpers read the recorded MIME: the decoded subject and the base64 parts.

use std::sync::{Arc, Mutex};

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message the sink took.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    /// The `Subject` header, folded lines joined and encoded words decoded.
    pub fn subject(&self) -> String {
        let mut lines = self.data.split("\r\n");
        let mut raw = String::new();
        while let Some(line) = lines.next() {
            if let Some(rest) = line.strip_prefix("Subject: ") {
                raw.push_str(rest);
                for more in lines.by_ref() {
                    if !more.starts_with([' ', '\t']) {
                        break;
                    }
                    raw.push_str(more);
                }
                break;
            }
        }
        decode_words(&raw)
    }

    /// The header `name`'s raw value.
    pub fn header(&self, name: &str) -> Option<String> {
        self.data
            .split("\r\n")
            .take_while(|l| !l.is_empty())
            .find_map(|l| {
                let (n, v) = l.split_once(':')?;
                n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
            })
    }

    /// The base64 parts, decoded, in order (text, then HTML).
    pub fn parts(&self) -> Vec<String> {
        decoded_parts(&self.data)
    }
}

/// Decodes RFC 2047 `=?utf-8?b?…?=` words; whitespace between two encoded words goes, other
/// text is kept.
pub fn decode_words(raw: &str) -> String {
    let mut out = String::new();
    let mut rest = raw;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let between = &rest[..start];
        if !(after_word && between.trim().is_empty()) {
            out.push_str(between);
        }
        let word = &rest[start..];
        let Some(end) = word[2..].find("?=").map(|e| e + 4) else {
            break;
        };
        let inner = &word[2..end - 2];
        let mut pieces = inner.splitn(3, '?');
        let (_, encoding, payload) = (pieces.next(), pieces.next(), pieces.next());
        assert_eq!(
            encoding.map(str::to_ascii_lowercase).as_deref(),
            Some("b"),
            "{raw}"
        );
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(payload.unwrap())
            .unwrap();
        out.push_str(&String::from_utf8(bytes).unwrap());
        rest = &word[end..];
        after_word = true;
    }
    out.push_str(rest);
    out
}

/// The bodies of every `Content-Transfer-Encoding: base64` part of a MIME text.
pub fn decoded_parts(data: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut lines = data.split("\r\n").map(|l| l.trim_end_matches('\r'));
    while let Some(line) = lines.next() {
        if !line.eq_ignore_ascii_case("Content-Transfer-Encoding: base64") {
            continue;
        }
        for header in lines.by_ref() {
            if header.is_empty() {
                break;
            }
        }
        let mut text = String::new();
        for body in lines.by_ref() {
            if body.is_empty() || body.starts_with("--") {
                break;
            }
            text.push_str(body);
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap();
        parts.push(String::from_utf8(bytes).unwrap());
    }
    parts
}

#[derive(Clone)]
pub struct SmtpSink {
    pub url: String,
    refuse: Arc<Mutex<usize>>,
    seen: Arc<Mutex<Vec<Received>>>,
    connections: Arc<Mutex<usize>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let sink = SmtpSink {
            url,
            refuse: Arc::new(Mutex::new(0)),
            seen: Arc::new(Mutex::new(Vec::new())),
            connections: Arc::new(Mutex::new(0)),
        };
        let handle = sink.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(handle.clone().serve(socket));
            }
        });
        sink
    }

    /// Refuse the next `n` connections with `421`.
    pub fn refuse(&self, n: usize) {
        *self.refuse.lock().unwrap() = n;
    }

    pub fn received(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }

    pub fn connections(&self) -> usize {
        *self.connections.lock().unwrap()
    }

    async fn serve(self, socket: TcpStream) {
        *self.connections.lock().unwrap() += 1;
        let (read, mut write) = socket.into_split();
        let mut read = BufReader::new(read);
        let refused = {
            let mut left = self.refuse.lock().unwrap();
            let refused = *left > 0;
            *left = left.saturating_sub(1);
            refused
        };
        if refused {
            let _ = write.write_all(b"421 sink.test busy, try later\r\n").await;
            return;
        }
        let _ = write.write_all(b"220 sink.test ESMTP\r\n").await;
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            match read.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let command = line.trim_end().to_owned();
            let upper = command.to_ascii_uppercase();
            let answer: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                b"250-sink.test\r\n250 8BITMIME\r\n"
            } else if let Some(rest) = upper.strip_prefix("MAIL FROM:") {
                from = command[command.len() - rest.len()..].trim().to_owned();
                b"250 OK\r\n"
            } else if let Some(rest) = upper.strip_prefix("RCPT TO:") {
                to.push(command[command.len() - rest.len()..].trim().to_owned());
                b"250 OK\r\n"
            } else if upper == "DATA" {
                let _ = write.write_all(b"354 go on\r\n").await;
                let mut data = String::new();
                loop {
                    let mut chunk = String::new();
                    match read.read_line(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if chunk == ".\r\n" {
                        break;
                    }
                    let chunk = chunk.strip_prefix('.').unwrap_or(&chunk).to_owned();
                    data.push_str(&chunk);
                }
                self.seen.lock().unwrap().push(Received {
                    from: from.clone(),
                    to: to.clone(),
                    data,
                });
                b"250 queued\r\n"
            } else if upper == "QUIT" {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            } else if upper == "RSET" || upper == "NOOP" {
                b"250 OK\r\n"
            } else {
                b"502 not implemented\r\n"
            };
            if write.write_all(answer).await.is_err() {
                return;
            }
        }
    }
}
