//! What an API caller is shown of a receiver's answer. A merchant's key may point a notification
//! at any address the SSRF guard lets through; were the answer of a loopback or private address
//! (a test site's local backend, a reopened subnet) echoed back, the key would read internal
//! services through the gateway. So the API shows only what public addresses answer, and says
//! why otherwise; the operator sees everything from the command line.

use std::net::IpAddr;

use crate::outbound::classify;

/// `body` when `peer`, the address that answered, is public; otherwise a note saying why it is
/// not shown. An empty body stays empty.
pub fn shown_to_api(body: &str, peer: Option<IpAddr>) -> String {
    if body.is_empty() {
        return String::new();
    }
    const RULE: &str = "the API shows only what public addresses answer";
    match peer.map(|ip| (ip, classify(ip))) {
        Some((_, None)) => body.to_owned(),
        Some((ip, Some(range))) => {
            format!("(not shown: {ip} is {}, and {RULE})", range.describe())
        }
        None => format!("(not shown: the address that answered was not recorded, and {RULE})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_public_addresss_answer_is_shown() {
        let ip = |text: &str| Some(text.parse::<IpAddr>().unwrap());
        assert_eq!(shown_to_api("{\"code\":0}", ip("8.8.8.8")), "{\"code\":0}");
        assert_eq!(shown_to_api("", ip("127.0.0.1")), "");
        for (peer, says) in [
            (ip("127.0.0.1"), "127.0.0.1 is a loopback address"),
            (
                ip("::ffff:10.1.2.3"),
                "::ffff:10.1.2.3 is a private address",
            ),
            (ip("fd00::1"), "unique local"),
            (None, "not recorded"),
        ] {
            let shown = shown_to_api("secret", peer);
            assert!(!shown.contains("secret") && shown.contains(says), "{shown}");
        }
    }
}
