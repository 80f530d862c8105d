//! A notification receiver for the pay-notifications scenario: HTTP/1.1 with keep-alive on
//! 127.0.0.1, answering every request `{"code":0}` at once and noting when each
//! `TransactionId` first arrived (and how many arrived again). Raw TCP, so it costs the shared
//! machine as little as a receiver can.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Largest request head or body it accepts; a notification is far smaller.
const MAX_REQUEST: usize = 256 * 1024;
const ANSWER: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{\"code\":0}";

/// What arrived: first arrival per TransactionId, and repeats.
#[derive(Debug, Default)]
pub struct Arrivals {
    pub first: HashMap<i64, Instant>,
    pub repeats: u64,
}

/// The running receiver.
#[derive(Debug, Clone)]
pub struct Receiver {
    pub url: String,
    arrivals: Arc<Mutex<Arrivals>>,
}

impl Receiver {
    /// Listens on a free 127.0.0.1 port until the process ends.
    pub async fn start() -> anyhow::Result<Receiver> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("cannot bind the notification receiver")?;
        let url = format!("http://{}/pay", listener.local_addr()?);
        let receiver = Receiver {
            url,
            arrivals: Arc::default(),
        };
        let arrivals = receiver.arrivals.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, arrivals.clone()));
            }
        });
        Ok(receiver)
    }

    /// When `id` first arrived.
    pub fn arrived(&self, id: i64) -> Option<Instant> {
        self.arrivals.lock().ok()?.first.get(&id).copied()
    }

    /// Notifications that arrived again after their first arrival.
    pub fn repeats(&self) -> u64 {
        self.arrivals.lock().map(|a| a.repeats).unwrap_or(0)
    }
}

/// One keep-alive connection: requests one after another until the sender closes it.
async fn serve(mut socket: TcpStream, arrivals: Arc<Mutex<Arrivals>>) {
    let _ = socket.set_nodelay(true);
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    loop {
        let head_end = loop {
            if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            match socket.read(&mut chunk).await {
                Ok(n) if n > 0 && buf.len() + n <= MAX_REQUEST => {
                    buf.extend_from_slice(&chunk[..n])
                }
                _ => return,
            }
        };
        let length = content_length(&buf[..head_end]);
        if length > MAX_REQUEST {
            return;
        }
        while buf.len() < head_end + length {
            match socket.read(&mut chunk).await {
                Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                _ => return,
            }
        }
        let now = Instant::now();
        if let Some(id) = transaction_id(&buf[head_end..head_end + length])
            && let Ok(mut arrivals) = arrivals.lock()
        {
            match arrivals.first.entry(id) {
                std::collections::hash_map::Entry::Occupied(_) => arrivals.repeats += 1,
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(now);
                }
            }
        }
        buf.drain(..head_end + length);
        if socket.write_all(ANSWER).await.is_err() {
            return;
        }
    }
}

fn content_length(head: &[u8]) -> usize {
    String::from_utf8_lossy(head)
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0)
}

/// `TransactionId` from a form body (`…&TransactionId=123&…`).
fn transaction_id(body: &[u8]) -> Option<i64> {
    String::from_utf8_lossy(body)
        .split('&')
        .find_map(|pair| pair.strip_prefix("TransactionId="))
        .and_then(|id| id.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_transaction_id_and_the_length() {
        assert_eq!(
            transaction_id(b"PaymentTransactionId=&TransactionId=42&Amount=1.00"),
            Some(42)
        );
        assert_eq!(transaction_id(b"Amount=1.00"), None);
        assert_eq!(
            content_length(b"POST /pay HTTP/1.1\r\ncontent-length: 17\r\n\r\n"),
            17
        );
    }
}
