//! Running work once per idempotency key, whichever face asks: the API's `X-Request-ID`, the
//! payment form's attempt keys, the cabinet's forms. The key is claimed, the work runs with its
//! [`Recovery`], and what it answered is stored; a failure inside the work frees the key so a
//! retry runs again (resuming any transaction it committed). The typed
//! [`Once`] says which of those happened; each face renders it its own way (the API replays the
//! stored envelope byte for byte, the cabinet says the form was already sent).

use std::time::Duration;

use oblako_store::idempotency::{self, Claim, KeyRef};

use crate::Gateway;
use crate::recovery::Recovery;

/// Age after which a claim still marked running is considered abandoned and taken over.
pub const RUNNING_LEASE_MS: i64 = 5 * 60 * 1000;
/// How often a duplicate looks again while the first copy runs.
const POLL: Duration = Duration::from_millis(20);

/// How a face runs its keys.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// How long a finished key is kept for replays.
    pub retention_ms: i64,
    /// How long a duplicate waits for the first copy to finish before it is answered
    /// [`Once::Running`] (zero: at once).
    pub wait: Duration,
}

/// What a finished run keeps for its replays: a status and a body, byte for byte.
pub trait Stored {
    /// The status and body to store.
    fn stored(&self) -> (u16, &[u8]);
}

/// The end of a run under a key.
#[derive(Debug)]
pub enum Once<T> {
    /// This call ran the work; its answer is stored.
    Ran(T),
    /// An earlier call under the key finished: what it stored.
    Replayed {
        /// The stored status.
        status: u16,
        /// The stored body.
        body: Vec<u8>,
    },
    /// The key was used for a different request (another hash).
    Mismatch,
    /// Another call holds the key and did not finish within the policy's wait.
    Running,
}

/// Runs `work` once per `key`, for requests whose parameters hash to `hash`. An `Err` from the
/// work is an internal failure: the key is released and the error returned.
pub async fn run<T, F, Fut>(
    state: &Gateway,
    key: KeyRef<'_>,
    hash: &[u8],
    policy: Policy,
    work: F,
) -> anyhow::Result<Once<T>>
where
    T: Stored,
    F: FnOnce(Recovery) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let deadline = tokio::time::Instant::now() + policy.wait;
    loop {
        // Retention runs on the site's clock (a test clock ages its keys).
        let now = state.site_now_ms(key.site).await?;
        let expires = now.saturating_add(policy.retention_ms);
        let abandoned = now - RUNNING_LEASE_MS;
        let claim = idempotency::claim(&state.db, key, hash, now, expires, abandoned).await?;
        match claim {
            Claim::Claimed { resume } => {
                let recovery = Recovery::claimed(key.site, key.mode, key.key.to_owned(), resume);
                return execute(state, key, recovery, work).await.map(Once::Ran);
            }
            Claim::Done { request_hash, .. } | Claim::Running { request_hash }
                if request_hash != hash =>
            {
                return Ok(Once::Mismatch);
            }
            Claim::Done { status, body, .. } => return Ok(Once::Replayed { status, body }),
            Claim::Running { .. } if tokio::time::Instant::now() >= deadline => {
                return Ok(Once::Running);
            }
            Claim::Running { .. } => tokio::time::sleep(POLL).await,
        }
    }
}

async fn execute<T, F, Fut>(
    state: &Gateway,
    key: KeyRef<'_>,
    recovery: Recovery,
    work: F,
) -> anyhow::Result<T>
where
    T: Stored,
    F: FnOnce(Recovery) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let answer = match work(recovery).await {
        Ok(answer) => answer,
        Err(e) => {
            // Free the key so a retry executes, or, if the work committed a transaction first,
            // leave its recovery point for the retry to resume.
            if let Err(release) = idempotency::release(&state.db, key).await {
                tracing::warn!(error = %release, "could not release an idempotency claim");
            }
            return Err(e);
        }
    };
    let (status, body) = answer.stored();
    idempotency::complete(&state.db, key, status, body).await?;
    Ok(answer)
}
