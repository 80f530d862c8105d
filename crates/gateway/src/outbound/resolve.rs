//! DNS resolution that only ever hands the connector allowed addresses, so the SSRF check
//! applies to the addresses actually dialled (no gap for a name that changes between a
//! check and the connect). IP-literal hosts never reach a resolver; `client` checks those.
//!
//! A resolver does not learn the port it resolves for, so `client` keeps a second one for URLs
//! on one of the gateway's own ports, which also drops every address of this host.

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::ssrf::{Policy, Refusal};

/// A host name whose every address the policy forbids; nothing was dialled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{host} resolves only to forbidden addresses: {refusal}")]
pub struct Blocked {
    pub host: String,
    /// The first forbidden address found.
    pub refusal: Refusal,
}

/// The system resolver (`getaddrinfo` via tokio) with the policy applied to its answers.
pub(super) struct GuardedResolver {
    policy: Arc<Policy>,
    /// Resolving for one of the gateway's own ports: this host's addresses are dropped too.
    own_port: bool,
}

impl GuardedResolver {
    pub(super) fn new(policy: Arc<Policy>, own_port: bool) -> Self {
        Self { policy, own_port }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(lookup(Arc::clone(&self.policy), self.own_port, host))
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn lookup(policy: Arc<Policy>, own_port: bool, host: String) -> Result<Addrs, BoxError> {
    // Port 0: the connector puts in the URL's port, or the scheme's default.
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
    let (allowed, refusal) = keep_allowed(&policy, own_port, found);
    match refusal {
        // Boxed as itself (not re-wrapped) so `client` can find it in the error chain.
        Some(refusal) if allowed.is_empty() => Err(Box::new(Blocked { host, refusal })),
        _ => Ok(Box::new(allowed.into_iter())),
    }
}

/// The allowed addresses in resolver order, and the first refusal if any was forbidden.
fn keep_allowed(
    policy: &Policy,
    own_port: bool,
    found: Vec<SocketAddr>,
) -> (Vec<SocketAddr>, Option<Refusal>) {
    let mut allowed = Vec::with_capacity(found.len());
    let mut first_refusal = None;
    for addr in found {
        let verdict = if own_port {
            policy.check_on_own_port(addr.ip())
        } else {
            policy.check(addr.ip())
        };
        match verdict {
            Ok(()) => allowed.push(addr),
            Err(refusal) => {
                first_refusal.get_or_insert(refusal);
            }
        }
    }
    (allowed, first_refusal)
}
