//! One notification on the wire, as CloudPayments sends it: GET with the encoded parameters as
//! the query string, or POST with them as a form body of the site's encoding; signed with the
//! site's secret (`signing::headers`); through the outbound client of the site's mode, so the
//! SSRF guard applies. Delivery, Check and the test notification all send this way.

use jiff::Timestamp;
use oblako_core::ids::Mode;
use oblako_protocol::notification::FormEncoding;

use crate::Gateway;
use crate::notify::signing;
use crate::outbound::{Answer, Method, SendError};

/// Where and how to send.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The mode of the site's credentials: picks the outbound policy.
    pub mode: Mode,
    /// The configured address.
    pub url: &'a str,
    /// `GET` or `POST`.
    pub method: &'a str,
    /// The body's encoding.
    pub encoding: FormEncoding,
}

/// Sends `body` (already encoded) signed with `secret` under `webhook_id`, plus `extra` headers.
pub async fn send_signed(
    state: &Gateway,
    target: Target<'_>,
    secret: &[u8],
    webhook_id: &str,
    now: Timestamp,
    body: &str,
    extra: &[(&'static str, String)],
) -> Result<Answer, SendError> {
    let mut headers = signing::headers(secret, webhook_id, now, body);
    headers.extend(extra.iter().cloned());
    let (method, url, payload) = if target.method.eq_ignore_ascii_case("GET") {
        let sep = if target.url.contains('?') { '&' } else { '?' };
        (
            Method::GET,
            format!("{}{sep}{body}", target.url),
            Vec::new(),
        )
    } else {
        headers.push(("Content-Type", target.encoding.content_type().to_owned()));
        (
            Method::POST,
            target.url.to_owned(),
            body.as_bytes().to_vec(),
        )
    };
    let header_refs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    state
        .outbounds
        .for_mode(target.mode)
        .send(method, &url, &header_refs, payload)
        .await
}
