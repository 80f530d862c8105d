//! The headers that sign a notification: CloudPayments' `Content-HMAC` and `X-Content-HMAC`
//! with the site's API Secret, plus `X-Webhook-Id`, `X-Webhook-Timestamp` and
//! `X-Webhook-Signature` so a receiver can refuse replays.
//!
//! The body is built once and every attempt sends the same bytes, so the CloudPayments HMACs are
//! the same on every attempt; the timestamped signature is made at send time.

use jiff::Timestamp;
use oblako_core::ids::{Mode, SiteId};
use oblako_protocol::notification::{signature_headers, webhook_headers};
use oblako_store::{Db, sites};

use crate::secrets::{Purpose, Secrets};

/// The API Secret of `site`'s key pair for `mode`: the key notifications are signed with.
pub async fn site_secret(
    db: &Db,
    secrets: &Secrets,
    site: SiteId,
    mode: Mode,
) -> anyhow::Result<Vec<u8>> {
    let keys = sites::keys_of(db, site).await?;
    let key = keys
        .iter()
        .find(|k| k.mode == mode)
        .ok_or_else(|| anyhow::anyhow!("site {} has no {mode} key", site.0))?;
    Ok(secrets.open(Purpose::ApiSecret, &key.secret_enc)?)
}

/// Every signature header of one attempt at sending `body`, whose stable id (the same on every
/// attempt, so receivers can drop duplicates) is `webhook_id`.
pub fn headers(
    secret: &[u8],
    webhook_id: &str,
    now: Timestamp,
    body: &str,
) -> Vec<(&'static str, String)> {
    let mut headers: Vec<(&'static str, String)> = signature_headers(secret, body).into();
    headers.extend(webhook_headers(&[secret], webhook_id, now, body.as_bytes()));
    headers
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;
    use oblako_protocol::notification::{percent_decode, verify_hmac, verify_webhook_signature};

    use super::*;

    #[test]
    fn every_header_verifies_with_the_receivers_checks() {
        let body = "TransactionId=1&Amount=10.00&Currency=RUB&Description=%d0%a2%d0%b5%d1%81%d1%82";
        let now = Timestamp::from_second(1_790_000_000).unwrap();
        let headers = headers(b"secret", "ntf_1", now, body);
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("{name} missing"))
        };
        assert_eq!(
            get("Content-HMAC"),
            "KbF0fJhI9NwK9Aj1TBhrVuhrveEF5Z8b/m3W8lAYdC0=",
            "spec 5.2 vector"
        );
        assert!(verify_hmac(
            b"secret",
            &percent_decode(body),
            &get("X-Content-HMAC")
        ));
        assert_eq!(get("X-Webhook-Id"), "ntf_1");
        let verified = verify_webhook_signature(
            b"secret",
            "ntf_1",
            &get("X-Webhook-Timestamp"),
            body.as_bytes(),
            &get("X-Webhook-Signature"),
            now + SignedDuration::from_secs(60),
            SignedDuration::from_mins(5),
        );
        assert!(verified.is_ok(), "{verified:?}");
        let stale = verify_webhook_signature(
            b"secret",
            "ntf_1",
            &get("X-Webhook-Timestamp"),
            body.as_bytes(),
            &get("X-Webhook-Signature"),
            now + SignedDuration::from_mins(6),
            SignedDuration::from_mins(5),
        );
        assert!(stale.is_err(), "a replay six minutes later is refused");
    }
}
