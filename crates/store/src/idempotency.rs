//! `X-Request-ID` claims.
//!
//! A claim is a row keyed by (site, mode, key), so it holds across nodes sharing a database.
//! The first request inserts it as `running`, stores its response when done, and every repeat
//! within the retention window reads that response back. An expired row is taken over by the
//! next claim in the same statement.

use oblako_core::ids::{Mode, SiteId};

use crate::{Db, StoreError, Tx, in_write, on_db, on_tx};

/// What a claim attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This request owns the key now and must execute; `resume` is the transaction an earlier
    /// copy of the same request created before it died, to be finished rather than repeated.
    Claimed {
        /// The recovery point left by a dead copy of this request.
        resume: Option<i64>,
    },
    /// Another request claimed the key first and has not finished.
    Running {
        /// Hash of the canonical request that owns the key.
        request_hash: Vec<u8>,
    },
    /// The key's request finished; replay its response.
    Done {
        /// Hash of the canonical request that owns the key.
        request_hash: Vec<u8>,
        /// HTTP status of the first response.
        status: u16,
        /// Body of the first response, byte for byte.
        body: Vec<u8>,
    },
}

/// The scope and name of one key.
#[derive(Debug, Clone, Copy)]
pub struct KeyRef<'a> {
    /// The site the key belongs to.
    pub site: SiteId,
    /// The mode of the credentials used.
    pub mode: Mode,
    /// The `X-Request-ID` value.
    pub key: &'a str,
}

/// Claims `key` for a request whose canonical form hashes to `request_hash`, or reports who has
/// it. An expired claim (past `expires_at`) is replaced. A claim of the same request still
/// running but started before `abandoned_before_ms` is taken over with its recovery point.
pub async fn claim(
    db: &Db,
    key: KeyRef<'_>,
    request_hash: &[u8],
    now_ms: i64,
    expires_at_ms: i64,
    abandoned_before_ms: i64,
) -> Result<Claim, StoreError> {
    let upsert = "INSERT INTO idempotency_keys \
         (site_id, mode, request_key, request_hash, state, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, 'running', $5, $6) \
         ON CONFLICT (site_id, mode, request_key) DO UPDATE SET \
           transaction_id = CASE WHEN idempotency_keys.expires_at <= $5 THEN NULL \
             ELSE idempotency_keys.transaction_id END, \
           request_hash = excluded.request_hash, state = 'running', response_status = NULL, \
           response_body = NULL, created_at = excluded.created_at, expires_at = excluded.expires_at \
         WHERE idempotency_keys.expires_at <= $5 \
            OR (idempotency_keys.state = 'running' AND idempotency_keys.created_at < $7 \
                AND idempotency_keys.request_hash = excluded.request_hash) \
         RETURNING state, transaction_id";
    let claimed: Option<(String, Option<i64>)> = in_write!(db, c => sqlx::query_as(upsert)
        .bind(key.site.0).bind(key.mode.as_str()).bind(key.key).bind(request_hash)
        .bind(now_ms).bind(expires_at_ms).bind(abandoned_before_ms)
        .fetch_optional(&mut **c).await);
    if let Some((_, resume)) = claimed {
        return Ok(Claim::Claimed { resume });
    }
    let select = "SELECT request_hash, state, response_status, response_body \
         FROM idempotency_keys WHERE site_id = $1 AND mode = $2 AND request_key = $3";
    let row: Option<(Vec<u8>, String, Option<i64>, Option<Vec<u8>>)> = on_db!(db, pool => sqlx::query_as(select)
            .bind(key.site.0).bind(key.mode.as_str()).bind(key.key)
            .fetch_optional(pool).await)?;
    match row {
        // Released between our insert and our read: let the caller try again.
        None => Ok(Claim::Running {
            request_hash: request_hash.to_vec(),
        }),
        Some((request_hash, state, status, body)) => match (state.as_str(), status, body) {
            ("done", Some(status), Some(body)) => Ok(Claim::Done {
                request_hash,
                status: u16::try_from(status)
                    .map_err(|_| StoreError::Corrupt(format!("status {status}")))?,
                body,
            }),
            _ => Ok(Claim::Running { request_hash }),
        },
    }
}

/// Records the response of the request that holds the claim.
pub async fn complete(
    db: &Db,
    key: KeyRef<'_>,
    status: u16,
    body: &[u8],
) -> Result<(), StoreError> {
    let sql = "UPDATE idempotency_keys SET state = 'done', response_status = $1, response_body = $2 \
               WHERE site_id = $3 AND mode = $4 AND request_key = $5 AND state = 'running'";
    in_write!(db, c => sqlx::query(sql)
        .bind(i64::from(status)).bind(body).bind(key.site.0).bind(key.mode.as_str()).bind(key.key)
        .execute(&mut **c).await.map(|r| r.rows_affected()));
    Ok(())
}

/// Records, inside the transaction that creates it, the transaction a claimed request made.
pub async fn attach(tx: &mut Tx, key: KeyRef<'_>, transaction_id: i64) -> Result<(), StoreError> {
    let sql = "UPDATE idempotency_keys SET transaction_id = $1 \
               WHERE site_id = $2 AND mode = $3 AND request_key = $4 AND state = 'running'";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(transaction_id).bind(key.site.0).bind(key.mode.as_str()).bind(key.key)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Gives up a running claim whose request failed. With no recovery point nothing was committed
/// and the row goes, so a retry executes; with one, the row stays and is marked abandoned at
/// once, so a retry resumes that transaction instead of starting another.
pub async fn release(db: &Db, key: KeyRef<'_>) -> Result<(), StoreError> {
    let delete = "DELETE FROM idempotency_keys WHERE site_id = $1 AND mode = $2 \
                  AND request_key = $3 AND state = 'running' AND transaction_id IS NULL";
    let abandon = "UPDATE idempotency_keys SET created_at = 0 WHERE site_id = $1 AND mode = $2 \
                   AND request_key = $3 AND state = 'running'";
    in_write!(db, c => {
        sqlx::query(delete).bind(key.site.0).bind(key.mode.as_str()).bind(key.key).execute(&mut **c).await?;
        sqlx::query(abandon).bind(key.site.0).bind(key.mode.as_str()).bind(key.key).execute(&mut **c).await
            .map(|r| r.rows_affected())
    });
    Ok(())
}

/// A key's claim as it stands: whether its request finished, and the transaction it made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// The request is still running.
    pub running: bool,
    /// Hash of the canonical request that owns the key.
    pub request_hash: Vec<u8>,
    /// The transaction the request created, once committed.
    pub transaction_id: Option<i64>,
}

/// Reads `key`'s claim without taking it; `None` when no request holds the key.
pub async fn standing(db: &Db, key: KeyRef<'_>) -> Result<Option<Standing>, StoreError> {
    let sql = "SELECT state, request_hash, transaction_id FROM idempotency_keys \
               WHERE site_id = $1 AND mode = $2 AND request_key = $3";
    let row: Option<(String, Vec<u8>, Option<i64>)> = on_db!(db, pool => sqlx::query_as(sql)
        .bind(key.site.0).bind(key.mode.as_str()).bind(key.key)
        .fetch_optional(pool).await)?;
    Ok(row.map(|(state, request_hash, transaction_id)| Standing {
        running: state == "running",
        request_hash,
        transaction_id,
    }))
}

/// Deletes claims past their retention; returns how many.
pub async fn purge_expired(db: &Db, now_ms: i64) -> Result<u64, StoreError> {
    let sql = concat!(
        "DELETE FROM idempotency_keys WHERE ",
        crate::site_due!("expires_at", "idempotency_keys.site_id", "$1")
    );
    let done = in_write!(db, c => sqlx::query(sql).bind(now_ms).execute(&mut **c).await.map(|r| r.rows_affected()));
    Ok(done)
}
