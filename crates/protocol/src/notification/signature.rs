//! CloudPayments' notification signatures, `Content-HMAC` and `X-Content-HMAC` (spec §5.2).
//!
//! Both are base64 (standard alphabet, padded) of HMAC-SHA256 keyed with the site's API Secret
//! (its UTF-8 bytes):
//!
//! - `Content-HMAC` over the body bytes exactly as sent; for a GET, the query string without `?`;
//! - `X-Content-HMAC` over the same string URL-decoded: `+` becomes a space and each `%xx` its
//!   byte, `&` and `=` stay. We sign the decoded *bytes* ([`super::percent_decode`]), which for a
//!   UTF-8 site is the decoded text in UTF-8, as the spec's vectors show. For a Windows-1251 site
//!   that is the text in Windows-1251; the spec does not say which bytes CloudPayments signs there
//!   (an open question), and the bytes the body stands for are what a receiver can reproduce
//!   without knowing the site's encoding.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::form::percent_decode;

/// The header signing the body as sent.
pub const CONTENT_HMAC: &str = "Content-HMAC";
/// The header signing the URL-decoded body.
pub const X_CONTENT_HMAC: &str = "X-Content-HMAC";

/// `Content-HMAC` of a body (or GET query string) signed with `secret`.
pub fn content_hmac(secret: &[u8], body: &[u8]) -> String {
    hmac_base64(secret, &[body])
}

/// `X-Content-HMAC` of a body (or GET query string) signed with `secret`.
pub fn x_content_hmac(secret: &[u8], body: &str) -> String {
    hmac_base64(secret, &[&percent_decode(body)])
}

/// Both headers for `body`, `Content-HMAC` first.
pub fn signature_headers(secret: &[u8], body: &str) -> [(&'static str, String); 2] {
    [
        (CONTENT_HMAC, content_hmac(secret, body.as_bytes())),
        (X_CONTENT_HMAC, x_content_hmac(secret, body)),
    ]
}

/// Whether `header` (base64, surrounding spaces ignored) is the HMAC-SHA256 of `message` under
/// `secret`, compared in constant time. Checks `Content-HMAC` with the body as the message, or
/// `X-Content-HMAC` with [`super::percent_decode`] of it.
pub fn verify_hmac(secret: &[u8], message: &[u8], header: &str) -> bool {
    let Ok(tag) = STANDARD.decode(header.trim()) else {
        return false;
    };
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    hmac::verify(&key, message, &tag).is_ok()
}

/// Base64 of HMAC-SHA256 under `key` over the concatenation of `parts`.
pub(super) fn hmac_base64(key: &[u8], parts: &[&[u8]]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut context = hmac::Context::with_key(&key);
    for part in parts {
        context.update(part);
    }
    STANDARD.encode(context.sign().as_ref())
}
