//! Oblako's replay-safe signature, sent beside CloudPayments' own: the headers
//! of the Standard Webhooks specification (the scheme Svix uses), under `X-Webhook-` names.
//!
//! - `X-Webhook-Id`: the delivery's id, the same on every retry of one event;
//! - `X-Webhook-Timestamp`: when this attempt was signed, whole seconds since the Unix epoch;
//! - `X-Webhook-Signature`: `v1,` then base64 (standard, padded) of HMAC-SHA256 over the bytes
//!   of `"{id}.{timestamp}.{body}"`, where `body` is the request body exactly as sent (for a GET,
//!   the query string without `?`). During a secret rotation it carries one `v1,…` per secret,
//!   separated by spaces.
//!
//! The key is the raw bytes of the secret (the site's API Secret). A receiver using a Standard
//! Webhooks library configures it as `whsec_` followed by base64 of those bytes. Because the id
//! and the timestamp are signed, a receiver that refuses timestamps outside a window (five
//! minutes is usual) and ids it has seen cannot be replayed into.

use jiff::{SignedDuration, Timestamp};

use super::signature::{hmac_base64, verify_hmac};

/// The delivery id header.
pub const WEBHOOK_ID: &str = "X-Webhook-Id";
/// The signing time header (Unix seconds).
pub const WEBHOOK_TIMESTAMP: &str = "X-Webhook-Timestamp";
/// The timestamped signature header.
pub const WEBHOOK_SIGNATURE: &str = "X-Webhook-Signature";

/// `v1,<base64 HMAC-SHA256(secret, "{id}.{timestamp}.{body}")>`, `timestamp` in Unix seconds.
pub fn webhook_signature(secret: &[u8], id: &str, timestamp: Timestamp, body: &[u8]) -> String {
    let seconds = timestamp.as_second().to_string();
    let mac = hmac_base64(
        secret,
        &[id.as_bytes(), b".", seconds.as_bytes(), b".", body],
    );
    format!("v1,{mac}")
}

/// The three headers for one attempt, signed with every secret in `secrets` (several while a
/// secret is being rotated), id first.
pub fn webhook_headers(
    secrets: &[&[u8]],
    id: &str,
    timestamp: Timestamp,
    body: &[u8],
) -> [(&'static str, String); 3] {
    let signatures: Vec<String> = secrets
        .iter()
        .map(|secret| webhook_signature(secret, id, timestamp, body))
        .collect();
    [
        (WEBHOOK_ID, id.to_owned()),
        (WEBHOOK_TIMESTAMP, timestamp.as_second().to_string()),
        (WEBHOOK_SIGNATURE, signatures.join(" ")),
    ]
}

/// Why a timestamped signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WebhookSignatureError {
    /// `X-Webhook-Timestamp` is not a whole number of seconds.
    #[error("invalid webhook timestamp")]
    BadTimestamp,
    /// The timestamp is further from now than the tolerance allows.
    #[error("webhook timestamp outside the tolerance")]
    Stale,
    /// No `v1,` signature in the header matches.
    #[error("no matching webhook signature")]
    Mismatch,
}

/// The receiving side's check: the timestamp is within `tolerance` (whole seconds) of `now` and
/// one of the header's `v1,` signatures is that of `"{id}.{timestamp}.{body}"` under `secret`.
pub fn verify_webhook_signature(
    secret: &[u8],
    id: &str,
    timestamp: &str,
    body: &[u8],
    signature: &str,
    now: Timestamp,
    tolerance: SignedDuration,
) -> Result<(), WebhookSignatureError> {
    let seconds: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| WebhookSignatureError::BadTimestamp)?;
    // Whole seconds, compared without overflow whatever the header says.
    if seconds.abs_diff(now.as_second()) > tolerance.as_secs().unsigned_abs() {
        return Err(WebhookSignatureError::Stale);
    }
    let message = [id.as_bytes(), b".", timestamp.trim().as_bytes(), b".", body].concat();
    let matches = signature
        .split_whitespace()
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .any(|mac| verify_hmac(secret, &message, mac));
    if matches {
        Ok(())
    } else {
        Err(WebhookSignatureError::Mismatch)
    }
}
