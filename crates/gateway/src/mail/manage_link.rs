//! The payer's self-service link: a URL in the billing e-mails that opens the
//! payer's subscription without an account. The token names the site and the subscription and
//! when it stops working, and carries an HMAC under the gateway's token key
//! ([`crate::secrets::Secrets::sign`]) with a purpose label of its own, so no other signed token
//! (a 3-D Secure `PaRes`) passes for one. The page that reads it, shows the subscription and
//! cancels it comes with the subscriptions (another branch): [`read`] is what it will call.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oblako_core::ids::SiteId;

use crate::secrets::Secrets;

/// Bound into every tag: what the token is for.
const PURPOSE: &[u8] = b"oblako manage link v1\n";
/// How long a link works: long enough for a monthly e-mail to stay useful.
pub const VALID_MS: i64 = 45 * 24 * 3600 * 1000;

/// What a valid link names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManageLink {
    /// The site.
    pub site: SiteId,
    /// The subscription (`sc_…`).
    pub subscription_id: String,
    /// Until when it works, Unix ms.
    pub expires_at: i64,
}

fn tag(secrets: &Secrets, payload: &str) -> Vec<u8> {
    secrets.sign(&[PURPOSE, payload.as_bytes()].concat())
}

/// The token for `subscription_id` of `site`, working until `now_ms + VALID_MS`.
pub fn token(secrets: &Secrets, site: SiteId, subscription_id: &str, now_ms: i64) -> String {
    let payload = format!("{}.{subscription_id}.{}", site.0, now_ms + VALID_MS);
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&payload),
        URL_SAFE_NO_PAD.encode(tag(secrets, &payload))
    )
}

/// The link to the payer's page, `{base}/my/{token}`.
pub fn url(base: &str, token: &str) -> String {
    format!("{}/my/{token}", base.trim_end_matches('/'))
}

/// What `token` names, if the gateway issued it and it has not expired at `now_ms`.
pub fn read(secrets: &Secrets, token: &str, now_ms: i64) -> Option<ManageLink> {
    if token.len() > 512 {
        return None;
    }
    let (payload, mac) = token.split_once('.')?;
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
    if !secrets.verify(&[PURPOSE, payload.as_bytes()].concat(), &mac) {
        return None;
    }
    let mut parts = payload.split('.');
    let site = SiteId(parts.next()?.parse().ok()?);
    let subscription_id = parts.next()?.to_owned();
    let expires_at: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || now_ms > expires_at {
        return None;
    }
    Some(ManageLink {
        site,
        subscription_id,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(byte: u8) -> Secrets {
        Secrets::from_master(&[byte; 32]).unwrap()
    }

    #[test]
    fn a_link_reads_back_until_it_expires() {
        let s = secrets(7);
        let t = token(&s, SiteId(3), "sc_8cf8a9338fb8ebf7202b08d09c938", 1_000);
        assert!(
            t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        );
        let link = read(&s, &t, 2_000).unwrap();
        assert_eq!(link.site, SiteId(3));
        assert_eq!(link.subscription_id, "sc_8cf8a9338fb8ebf7202b08d09c938");
        assert_eq!(link.expires_at, 1_000 + VALID_MS);
        assert!(read(&s, &t, 1_000 + VALID_MS).is_some());
        assert!(read(&s, &t, 1_001 + VALID_MS).is_none(), "expired");
        assert_eq!(url("http://h:1/", &t), format!("http://h:1/my/{t}"));
    }

    #[test]
    fn forged_altered_or_foreign_links_are_refused() {
        let s = secrets(7);
        let t = token(&s, SiteId(3), "sc_a", 0);
        assert!(read(&secrets(8), &t, 1).is_none(), "another gateway's key");
        let (payload, mac) = t.split_once('.').unwrap();
        let other = URL_SAFE_NO_PAD.encode(format!("4.sc_a.{VALID_MS}"));
        assert!(
            read(&s, &format!("{other}.{mac}"), 1).is_none(),
            "another site"
        );
        assert!(read(&s, payload, 1).is_none());
        assert!(read(&s, "", 1).is_none());
        assert!(read(&s, &"a.".repeat(400), 1).is_none());
        // A tag made for another purpose (3-D Secure tokens share the key) is no link.
        let plain = format!("3.sc_a.{VALID_MS}");
        let foreign = URL_SAFE_NO_PAD.encode(s.sign(plain.as_bytes()));
        let forged = format!("{}.{foreign}", URL_SAFE_NO_PAD.encode(&plain));
        assert!(read(&s, &forged, 1).is_none());
    }
}
