//! The notification URL a merchant saves, checked before it is stored and again before
//! each request: http or https, no user name or password, a host, and an IP-literal host
//! judged by the policy at once, with its port (the gateway's own port on this host is never a
//! target). Names are judged only when they are resolved (see `resolve`), because what a name
//! points to can change after it is saved.

use std::net::IpAddr;

use reqwest::Url;

use super::ssrf::{Policy, Refusal};

/// Why a notification URL is not accepted; the message is meant for the merchant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefused {
    #[error("notification URL is not a valid URL: {0}")]
    Invalid(String),
    #[error("notification URL must use http or https, not {0}")]
    Scheme(String),
    #[error("notification URL must not contain a user name or password")]
    UserInfo,
    #[error("notification URL has no host")]
    NoHost,
    #[error(transparent)]
    Address(Refusal),
}

/// Parses `raw` and accepts it as a destination for outbound requests under `policy`.
pub fn check_url(raw: &str, policy: &Policy) -> Result<Url, UrlRefused> {
    let url = Url::parse(raw).map_err(|e| UrlRefused::Invalid(e.to_string()))?;
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(UrlRefused::Scheme(other.to_owned())),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlRefused::UserInfo);
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or(UrlRefused::NoHost)?;
    if let Some(ip) = literal_ip(host) {
        let port = url.port_or_known_default().unwrap_or(0);
        policy.check_target(ip, port).map_err(UrlRefused::Address)?;
    }
    Ok(url)
}

/// The address of an IP-literal host as `Url::host_str` spells it (IPv6 in brackets).
/// The URL parser has already normalised IPv4 spellings such as `2130706433` or `0x7f.1`
/// to dotted decimal, so they are caught here too.
fn literal_ip(host: &str) -> Option<IpAddr> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse().ok()
}
