//! The HTTP listener: our own accept loop over hyper, so that no client can hold the gateway.
//!
//! - At most `max_connections` connections are open; past it a new connection is closed at once
//!   (counted in `oblako_connections_refused_total`), so the process never runs out of file
//!   descriptors and the kernel's accept queue keeps moving.
//! - A client has `header_read_timeout_secs` to send a request's headers, counted from the
//!   connection's start or from its previous response: an idle or trickling socket is closed then.
//!   Request bodies have `request_body_timeout_secs` (a layer in `app`).
//! - Requests hyper refuses before they reach a handler (400 malformed, 414 URI too long, 431
//!   headers too large) are logged at WARN with the client address and counted in
//!   `oblako_http_refused_total{reason}`.
//! - An accept error (such as running out of descriptors) is logged at most once a second and
//!   the loop backs off briefly instead of spinning.
//! - On shutdown the listener closes, keep-alive connections are told to finish, and in-flight
//!   requests get `shutdown_grace_secs`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How the listener treats connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections open at once.
    pub max_connections: usize,
    /// Time to send a request's headers (and idle keep-alive time).
    pub header_read_timeout: Duration,
    /// Time in-flight requests get once shutdown begins.
    pub grace: Duration,
}

/// Serves `app` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let mut last_accept_warning: Option<Instant> = None;
    let mut last_full_warning: Option<Instant> = None;
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                if once_a_second(&mut last_accept_warning) {
                    tracing::warn!(error = %e, "accept failed; backing off");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            metrics::counter!("oblako_connections_refused_total").increment(1);
            if once_a_second(&mut last_full_warning) {
                tracing::warn!(
                    client = %peer.ip(),
                    max_connections = limits.max_connections,
                    "connection limit reached; closing new connections"
                );
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = tower::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request.map(Body::new))
        });
        let connection =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                refused(peer, &e);
            }
            drop(permit);
        });
    }
    drop(listener);
    tracing::info!(
        grace_secs = limits.grace.as_secs(),
        "shutting down, finishing in-flight requests"
    );
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.grace) => {
            tracing::warn!("grace period over, dropping remaining connections");
        }
    }
    Ok(())
}

fn once_a_second(last: &mut Option<Instant>) -> bool {
    let now = Instant::now();
    if last.is_some_and(|at| now.duration_since(at) < Duration::from_secs(1)) {
        return false;
    }
    *last = Some(now);
    true
}

/// Logs a connection that ended in an HTTP-level refusal or a timeout.
fn refused(peer: SocketAddr, error: &hyper::Error) {
    let reason = if error.is_parse_too_large() {
        // The same kind covers both; hyper answered 414 or 431 accordingly.
        if error.to_string().contains("URI") {
            "uri_too_long"
        } else {
            "headers_too_large"
        }
    } else if error.is_parse() {
        "bad_request"
    } else if error.is_timeout() {
        "header_timeout"
    } else {
        tracing::debug!(client = %peer.ip(), error = %error, "connection ended with an error");
        return;
    };
    metrics::counter!("oblako_http_refused_total", "reason" => reason).increment(1);
    if reason == "header_timeout" {
        // Idle keep-alive connections end this way every day; not worth a warning.
        tracing::debug!(client = %peer.ip(), "connection closed: no request within the header timeout");
    } else {
        tracing::warn!(client = %peer.ip(), reason, error = %error, "HTTP request refused");
    }
}

/// Raises this process's open-file limit to its hard maximum; logs what it did.
pub fn raise_file_limit() {
    let before = rlimit::getrlimit(rlimit::Resource::NOFILE).map(|(soft, _)| soft);
    match (before, rlimit::increase_nofile_limit(u64::MAX)) {
        (Ok(before), Ok(now)) if now > before => {
            tracing::info!(from = before, to = now, "open-file limit raised");
        }
        (Ok(before), Ok(_)) => tracing::info!(limit = before, "open-file limit"),
        (_, Err(e)) | (Err(e), _) => {
            tracing::warn!(error = %e, "cannot read or raise the open-file limit")
        }
    }
}
