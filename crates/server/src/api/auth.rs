//! HTTP Basic authentication with a Public ID and an API Secret (spec §1.3).
//!
//! The secret is checked against its keyed hash in constant time; an unknown Public ID costs the
//! same hash computation as a known one. Failures are throttled per client address and per
//! (client address, Public ID) (`limits`); each failure and each throttle decision is logged once
//! at WARN with the client address and the Public ID (never the secret) and counted in
//! `/metrics` (`oblako_auth_failures_total{reason}`, `oblako_auth_throttled_total`). The key and its site come from a one-second cache (`key_cache`). Live keys work
//! only once the site is in production. A request that passes also
//! takes one of the site's in-flight slots, released when the request is done.

use std::net::IpAddr;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use oblako_core::ids::Mode;
use oblako_store::sites::Site;
use tokio::sync::OwnedSemaphorePermit;

use crate::api::reply::ApiError;
use crate::client::client_ip;
use crate::state::AppState;

/// The authenticated caller: a site and the mode of the key pair used.
#[derive(Debug)]
pub struct Principal {
    /// The site the credentials belong to.
    pub site: Site,
    /// Test or live, from the key pair used.
    pub mode: Mode,
    /// The Public ID presented.
    pub public_id: String,
    _slot: OwnedSemaphorePermit,
}

fn basic_credentials(parts: &Parts) -> Option<(String, String)> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") || encoded.len() > 1024 {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

const NO_CREDENTIALS: &str = "Authorization required: HTTP Basic with Public ID and API Secret";
const BAD_CREDENTIALS: &str = "Invalid Public ID or API Secret";
const THROTTLED: &str = "Too many failed authentication attempts, try again later";
const NOT_LIVE: &str = "Live keys work once the site is in production";
const BUSY: &str = "Too many requests in flight for this site";

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ip = client_ip(parts);
        let Some((public_id, secret)) = basic_credentials(parts) else {
            refused(ip, "", "no credentials");
            return Err(ApiError::Unauthorized(NO_CREDENTIALS));
        };
        let now = state.now_ms();
        if state.limits.pair_blocked(ip, &public_id, now) {
            throttled(ip, &public_id);
            return Err(ApiError::TooManyRequests(THROTTLED));
        }
        let found = if public_id.len() <= 64 {
            state.keys.get(&state.db, &public_id).await?
        } else {
            None
        };
        let verified = match &found {
            Some((key, _)) => state.secrets.verify_api_secret(&secret, &key.secret_hash),
            None => {
                // Same work for an unknown Public ID, so timing does not tell which ids exist.
                let _ = state.secrets.verify_api_secret(&secret, &[0u8; 32]);
                false
            }
        };
        let known = found.is_some();
        let Some((key, site)) = found.filter(|_| verified) else {
            let reason = if known {
                "wrong secret"
            } else {
                "unknown Public ID"
            };
            refused(ip, &public_id, reason);
            if state.limits.auth_failed(ip, &public_id, now) {
                throttled(ip, &public_id);
                return Err(ApiError::TooManyRequests(THROTTLED));
            }
            return Err(ApiError::Unauthorized(BAD_CREDENTIALS));
        };
        if key.mode == Mode::Live && !site.production {
            refused(ip, &public_id, "live key before production");
            return Err(ApiError::Unauthorized(NOT_LIVE));
        }
        let slot = state
            .limits
            .enter(site.id, key.mode)
            .ok_or(ApiError::TooManyRequests(BUSY))?;
        Ok(Principal {
            site,
            mode: key.mode,
            public_id: key.public_id,
            _slot: slot,
        })
    }
}

/// The Public ID as logged: at most 64 characters of what the caller sent.
fn shown(public_id: &str) -> &str {
    public_id
        .char_indices()
        .nth(64)
        .map_or(public_id, |(end, _)| &public_id[..end])
}

fn refused(ip: IpAddr, public_id: &str, reason: &'static str) {
    tracing::warn!(client = %ip, public_id = shown(public_id), reason, "authentication failed");
    metrics::counter!("oblako_auth_failures_total", "reason" => reason).increment(1);
}

fn throttled(ip: IpAddr, public_id: &str) {
    tracing::warn!(client = %ip, public_id = shown(public_id), "authentication throttled (429)");
    metrics::counter!("oblako_auth_throttled_total").increment(1);
}
