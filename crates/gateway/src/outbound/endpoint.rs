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
    #[error("notification URL has a host name part longer than 63 characters")]
    LongLabel,
    #[error(transparent)]
    Address(Refusal),
}

/// Parses `raw` and accepts it as a destination for outbound requests under `policy`.
pub fn check_url(raw: &str, policy: &Policy) -> Result<Url, UrlRefused> {
    if !host_labels_fit(raw) {
        return Err(UrlRefused::LongLabel);
    }
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

/// Whether every dot-separated part of the host `raw` names is at most 63 characters, the DNS
/// limit. Checked before parsing: the parser decodes `xn--` labels in time that grows with the
/// square of their length, so a 700-character label would cost a fifth of a second.
fn host_labels_fit(raw: &str) -> bool {
    const MAX_LABEL: usize = 63;
    let Some((_, rest)) = raw.split_once(':') else {
        return true;
    };
    let rest = rest.trim_start_matches(['/', '\\']);
    let authority = rest.split(['/', '\\', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    host.split('.')
        .all(|label| label.chars().count() <= MAX_LABEL)
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
