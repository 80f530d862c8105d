//! One outbound request: guarded addresses, no proxy, no redirects (a 3xx is an answer like
//! any other, so a receiver cannot bounce us to a forbidden address), connect and total
//! timeouts, and a response body read only up to a cap so a hostile receiver cannot make
//! us buffer without end. A URL on one of the gateway's own ports goes through a second client
//! whose resolver also drops this host's addresses, since a resolver never learns the port.

use std::error::Error as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Client, Method, Response, redirect};

use super::endpoint::{UrlRefused, check_url};
use super::resolve::{Blocked, GuardedResolver};
use super::ssrf::Policy;

/// How much of a response body is kept by default.
pub const BODY_CAP: usize = 64 * 1024;

/// How long an attempt may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Resolving and establishing the connection (TCP and TLS).
    pub connect: Duration,
    /// The whole attempt, from the first byte sent to the last body byte kept.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            total: Duration::from_secs(30),
        }
    }
}

/// What the receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// At most the body cap; the rest of the body is never read.
    pub body: Vec<u8>,
    /// From sending the request to the end of the kept body.
    pub latency: Duration,
    /// The address that answered, when known.
    pub peer: Option<SocketAddr>,
}

/// Why an attempt got no answer.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The URL is not acceptable, or its IP-literal host is forbidden; nothing was dialled.
    #[error(transparent)]
    Url(UrlRefused),
    /// The host name resolves only to forbidden addresses; nothing was dialled.
    #[error(transparent)]
    Blocked(Blocked),
    /// No connection: the name did not resolve, the connection was refused or timed out,
    /// or TLS failed.
    #[error("could not connect: {}", chain(.0))]
    Connect(reqwest::Error),
    /// Connected, but the answer was not complete within the total timeout.
    #[error("no complete answer within {0:?}")]
    Timeout(Duration),
    /// Anything else (a malformed response, a header we could not send, a broken body).
    #[error("request failed: {}", chain(.0))]
    Other(reqwest::Error),
}

impl SendError {
    /// The SSRF guard stopped the attempt before any connection was made.
    pub fn is_refused(&self) -> bool {
        matches!(self, SendError::Url(_) | SendError::Blocked(_))
    }
}

/// Could not build the HTTP client (TLS set-up failed).
#[derive(Debug, thiserror::Error)]
#[error("could not build the outbound HTTP client: {0}")]
pub struct BuildError(#[from] reqwest::Error);

/// The outbound client under one [`Policy`]. Cheap to clone; clones share connections.
#[derive(Debug, Clone)]
pub struct Outbound {
    client: Client,
    /// For URLs on one of the gateway's own ports.
    own_port_client: Client,
    policy: Arc<Policy>,
    timeouts: Timeouts,
    body_cap: usize,
}

impl Outbound {
    pub fn new(policy: Policy, timeouts: Timeouts) -> Result<Self, BuildError> {
        let policy = Arc::new(policy);
        let build = |own_port: bool| {
            Client::builder()
                .dns_resolver(GuardedResolver::new(Arc::clone(&policy), own_port))
                .redirect(redirect::Policy::none())
                .no_proxy()
                .connect_timeout(timeouts.connect)
                .timeout(timeouts.total)
                .user_agent(concat!("Oblako/", env!("CARGO_PKG_VERSION")))
                // `Content-Hmac`, not `content-hmac`: code that copies the headers into a plain
                // map and looks up the documented spelling (cloudpayments-sdk's
                // `verify_signature` tries `Content-Hmac` and `Content-HMAC`) finds them, as it
                // does with CloudPayments.
                .http1_title_case_headers()
                .build()
        };
        Ok(Self {
            client: build(false)?,
            own_port_client: build(true)?,
            policy,
            timeouts,
            body_cap: BODY_CAP,
        })
    }

    /// Keeps at most `cap` bytes of each response body instead of [`BODY_CAP`].
    pub fn with_body_cap(mut self, cap: usize) -> Self {
        self.body_cap = cap;
        self
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Sends one request and reads the answer. Any status, 3xx included, is an `Answer`;
    /// judging it is the caller's business.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Answer, SendError> {
        // IP-literal hosts bypass the resolver, so this is their connect-time check too.
        let url = check_url(url, &self.policy).map_err(SendError::Url)?;
        let port = url.port_or_known_default().unwrap_or(0);
        let client = if self.policy.is_own_port(port) {
            &self.own_port_client
        } else {
            &self.client
        };
        let started = Instant::now();
        let mut request = client.request(method, url).body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.map_err(|e| self.sort(e))?;
        let status = response.status().as_u16();
        let peer = response.remote_addr();
        let body = read_capped(response, self.body_cap)
            .await
            .map_err(|e| self.sort(e))?;
        Ok(Answer {
            status,
            body,
            latency: started.elapsed(),
            peer,
        })
    }

    fn sort(&self, error: reqwest::Error) -> SendError {
        // The URL may carry a merchant's secret in its query; logs do not need it.
        let error = error.without_url();
        if let Some(blocked) = find::<Blocked>(&error) {
            SendError::Blocked(blocked.clone())
        } else if error.is_connect() {
            SendError::Connect(error)
        } else if error.is_timeout() {
            SendError::Timeout(self.timeouts.total)
        } else {
            SendError::Other(error)
        }
    }
}

/// Reads at most `cap` bytes of the body, chunk by chunk, then drops the rest unread (the
/// connection goes with it rather than back to the pool).
pub(super) async fn read_capped(
    mut response: Response,
    cap: usize,
) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while body.len() < cap {
        let Some(chunk) = response.chunk().await? else {
            break;
        };
        let take = chunk.len().min(cap - body.len());
        body.extend_from_slice(&chunk[..take]);
    }
    Ok(body)
}

fn find<E: std::error::Error + 'static>(error: &reqwest::Error) -> Option<&E> {
    let mut source = error.source();
    while let Some(err) = source {
        if let Some(found) = err.downcast_ref::<E>() {
            return Some(found);
        }
        source = err.source();
    }
    None
}

/// The error and its causes on one line, for delivery logs.
fn chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(err) = source {
        text.push_str(": ");
        text.push_str(&err.to_string());
        source = err.source();
    }
    text
}
