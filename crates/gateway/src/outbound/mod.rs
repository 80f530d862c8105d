//! Outbound HTTP: the one client through which the gateway calls merchants' servers
//! (notification delivery and the synchronous Check), guarded against SSRF.
//!
//! `ssrf` decides which IP addresses may be reached under a [`Policy`], and `own` which are
//! this host's (never reached on the gateway's own ports); `endpoint` checks a URL when a
//! merchant saves it; `resolve` applies the policy to every address DNS returns, so the check
//! happens on what is actually dialled; `client` sends one request with no proxy, no redirects,
//! connect and total timeouts and a capped response body, and says which address answered
//! ([`Answer::peer`]), so that a private address's answer is never shown to an API caller.
//!
//! One [`Outbound`] holds one policy. A caller that treats test and live sites differently
//! builds one for each (e.g. `allow_private` on for test sites) and picks per request.

mod client;
mod endpoint;
mod own;
mod resolve;
mod ssrf;

pub use client::{Answer, BODY_CAP, BuildError, Outbound, SendError, Timeouts};
pub use endpoint::{UrlRefused, check_url};
pub use own::is_this_host;
pub use resolve::Blocked;
pub use ssrf::{Policy, Range, Refusal, classify};

// Re-exported so callers need no direct reqwest dependency to name these.
pub use reqwest::{Method, Url};

#[cfg(test)]
mod sockets;
#[cfg(test)]
mod tests;
