//! `X-Request-ID`: run a request once, replay its response byte for byte.
//!
//! Called by a handler after authentication and validation, so rejected requests store nothing.
//! The claim is a row in the same database as the payments. A duplicate that arrives while the
//! first copy runs waits for its response (up to 30 s, then 409); the same key with different
//! parameters is refused with 422. A claim whose request died without finishing is taken over
//! after [`RUNNING_LEASE_MS`]. Claiming, storing and releasing are the gateway's runner
//! (`once`), shared with the cabinet's forms; the replies are this module's.

use std::time::Duration;

use aws_lc_rs::digest;
use axum::http::{HeaderMap, StatusCode};
use oblako_gateway::once::{self, Once, Stored};
use oblako_protocol::params::Params;
use oblako_store::idempotency::KeyRef;

use crate::api::auth::Principal;
use crate::api::body::ApiRequest;
use crate::api::reply::{ApiError, ApiReply};
use crate::state::AppState;

/// Longest accepted key.
pub const MAX_KEY_LEN: usize = 255;
/// How long a duplicate waits for the first copy to finish.
const WAIT: Duration = Duration::from_secs(30);
pub use oblako_gateway::once::RUNNING_LEASE_MS;

const IN_PROGRESS: &str = "A request with this X-Request-ID is still in progress";
const MISMATCH: &str = "This X-Request-ID was already used for a different request";

/// The idempotency key of a request: `X-Request-ID`, or `Idempotency-Key` as an alias.
pub fn request_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers
        .get("x-request-id")
        .or_else(|| headers.get("idempotency-key"))
    else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::Refused("X-Request-ID must be printable ASCII".into()))?
        .trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > MAX_KEY_LEN {
        return Err(ApiError::Refused(format!(
            "X-Request-ID is too long (at most {MAX_KEY_LEN} characters)"
        )));
    }
    Ok(Some(text.to_owned()))
}

/// The hash that tells two requests under one key apart: the lower-cased target and the
/// canonical parameters.
pub fn fingerprint(target: &str, params: &Params) -> Vec<u8> {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(target.to_ascii_lowercase().as_bytes());
    ctx.update(b"\n");
    ctx.update(params.canonical().as_bytes());
    ctx.finish().as_ref().to_vec()
}

pub use oblako_gateway::recovery::Recovery;

/// Runs `work` once per key; without a key it simply runs.
pub async fn run_once<F, Fut>(
    state: &AppState,
    principal: &Principal,
    key: Option<&str>,
    request: &ApiRequest,
    work: F,
) -> Result<ApiReply, ApiError>
where
    F: FnOnce(Recovery) -> Fut,
    Fut: Future<Output = Result<ApiReply, ApiError>>,
{
    let Some(key) = key else {
        return work(Recovery::default()).await;
    };
    let key = KeyRef {
        site: principal.site.id,
        mode: principal.mode,
        key,
    };
    let hash = fingerprint(&request.target, &request.params);
    run_keyed(state, key, &hash, work).await
}

/// Runs `work` once per `key` of a site and mode, for requests whose parameters hash to `hash`
/// (see [`fingerprint`]): the API's `X-Request-ID` and the payment form's attempt keys. The
/// gateway's runner (`once::run`) claims and stores; this renders its outcome as the API answers.
pub async fn run_keyed<F, Fut>(
    state: &AppState,
    key: KeyRef<'_>,
    hash: &[u8],
    work: F,
) -> Result<ApiReply, ApiError>
where
    F: FnOnce(Recovery) -> Fut,
    Fut: Future<Output = Result<ApiReply, ApiError>>,
{
    let policy = state.once_policy(WAIT);
    // A refusal is an answer like any other, stored and replayed; only an internal failure
    // frees the key.
    let work = |recovery| async move {
        match work(recovery).await {
            Ok(reply) => Ok(reply),
            Err(ApiError::Internal(e)) => Err(e),
            Err(refused) => Ok(refused.reply()),
        }
    };
    match once::run(state, key, hash, policy, work).await? {
        Once::Ran(reply) => Ok(reply),
        Once::Replayed { status, body } => {
            let status = StatusCode::from_u16(status).map_err(anyhow::Error::from)?;
            Ok(ApiReply { status, body })
        }
        Once::Mismatch => Ok(ApiReply::error(StatusCode::UNPROCESSABLE_ENTITY, MISMATCH)),
        Once::Running => Ok(ApiReply::error(StatusCode::CONFLICT, IN_PROGRESS)),
    }
}

impl Stored for ApiReply {
    fn stored(&self) -> (u16, &[u8]) {
        (self.status.as_u16(), &self.body)
    }
}
