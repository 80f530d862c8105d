//! A TCP listener that counts the connections it accepts and answers each with a fixed HTTP
//! response holding a marker, standing in for an internal service (or the gateway itself) that
//! an SSRF probe would read. Counting accepted connections proves that nothing was dialled; the
//! marker proves whether what it said came back to the caller.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What every probed service answers; it must never reach an API caller.
pub const MARKER: &str = "oblako_internal_secret_metric 42";

#[derive(Clone)]
pub struct Counter {
    pub addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
}

impl Counter {
    /// Listens on `addr` (port 0 picks one); `None` when the address cannot be bound here
    /// (no IPv6 loopback, say).
    pub async fn bind(addr: &str) -> Option<Counter> {
        let listener = TcpListener::bind(addr).await.ok()?;
        let counter = Counter {
            addr: listener.local_addr().ok()?,
            accepted: Arc::default(),
        };
        let accepted = counter.accepted.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                accepted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = [0u8; 8192];
                    let _ = socket.read(&mut buf).await;
                    let body = format!("{{\"code\":0}}\n{MARKER}\n");
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
                         Connection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        Some(counter)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}
