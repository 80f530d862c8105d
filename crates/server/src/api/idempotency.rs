//! `X-Request-ID`: run a request once, replay its response byte for byte (RELIABILITY I1–I5).
//!
//! Called by a handler after authentication and validation, so rejected requests store nothing.
//! The claim is a row in the same database as the payments. A duplicate that arrives while the
//! first copy runs waits for its response (up to 30 s, then 409); the same key with different
//! parameters is refused with 422. A claim whose request died without finishing is taken over
//! after [`RUNNING_LEASE_MS`].

use std::time::Duration;

use aws_lc_rs::digest;
use axum::http::{HeaderMap, StatusCode};
use oblako_protocol::params::Params;
use oblako_store::idempotency::{self, Claim, KeyRef};

use crate::api::auth::Principal;
use crate::api::body::ApiRequest;
use crate::api::reply::{ApiError, ApiReply};
use crate::state::AppState;

/// Longest accepted key.
pub const MAX_KEY_LEN: usize = 255;
/// How long a duplicate waits for the first copy to finish.
const WAIT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(20);
/// Age after which a claim still marked running is considered abandoned.
pub const RUNNING_LEASE_MS: i64 = 5 * 60 * 1000;

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
/// (see [`fingerprint`]): the API's `X-Request-ID` and the payment form's attempt keys.
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
    let retention =
        i64::try_from(state.config.idempotency_retention().as_millis()).unwrap_or(i64::MAX);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        // Retention runs on the site's clock (a test clock ages its keys).
        let now = state.site_now_ms(key.site).await?;
        let claim = idempotency::claim(
            &state.db,
            key,
            hash,
            now,
            now.saturating_add(retention),
            now - RUNNING_LEASE_MS,
        )
        .await?;
        match claim {
            Claim::Claimed { resume } => {
                let recovery = Recovery::claimed(key.site, key.mode, key.key.to_owned(), resume);
                return execute(state, key, recovery, work).await;
            }
            Claim::Done { request_hash, .. } | Claim::Running { request_hash }
                if request_hash != hash =>
            {
                return Ok(ApiReply::error(StatusCode::UNPROCESSABLE_ENTITY, MISMATCH));
            }
            Claim::Done { status, body, .. } => {
                let status = StatusCode::from_u16(status).map_err(anyhow::Error::from)?;
                return Ok(ApiReply { status, body });
            }
            Claim::Running { .. } if tokio::time::Instant::now() >= deadline => {
                return Ok(ApiReply::error(StatusCode::CONFLICT, IN_PROGRESS));
            }
            Claim::Running { .. } => tokio::time::sleep(POLL).await,
        }
    }
}

async fn execute<F, Fut>(
    state: &AppState,
    key: KeyRef<'_>,
    recovery: Recovery,
    work: F,
) -> Result<ApiReply, ApiError>
where
    F: FnOnce(Recovery) -> Fut,
    Fut: Future<Output = Result<ApiReply, ApiError>>,
{
    let reply = match work(recovery).await {
        Ok(reply) => reply,
        Err(ApiError::Internal(e)) => {
            // Free the key so a retry executes, or, if the work committed a transaction first,
            // leave its recovery point for the retry to resume.
            if let Err(release) = idempotency::release(&state.db, key).await {
                tracing::warn!(error = %release, "could not release an idempotency claim");
            }
            return Err(ApiError::Internal(e));
        }
        Err(refused) => refused.reply(),
    };
    idempotency::complete(&state.db, key, reply.status.as_u16(), &reply.body).await?;
    Ok(reply)
}
