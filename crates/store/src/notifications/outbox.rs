//! The outbox: one row per notification, a job with a lease.
//!
//! [`enqueue`] writes the row inside the caller's transaction, so a notification exists exactly
//! when the change it announces was committed. [`claim_due`] leases due rows to a worker for
//! a while (`locked_until`, `locked_by`), in one statement, and nothing stays locked while the
//! worker sends; a worker that dies loses its rows when the lease runs out. A transaction's
//! notifications carry an increasing `sequence` and only the earliest still pending one is ever
//! due. [`record_attempt`] applies only for the worker that still holds the lease.

use std::net::IpAddr;

use oblako_core::ids::{Mode, SiteId};

use super::history::{Notification, Row, columns, notification_from};
use crate::{Db, StoreError, Tx, in_write, on_tx};

/// Most characters of a response (or an error) kept in the attempts log.
pub const SNIPPET_CHARS: usize = 1_024;

/// A notification to send, built and signed once: every attempt sends the same body.
#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    /// The site it belongs to.
    pub site: SiteId,
    /// The mode of the transaction.
    pub mode: Mode,
    /// The transaction it announces; `None` for a test notification from the dashboard.
    pub transaction_id: Option<i64>,
    /// The kind's name (`Pay`, …).
    pub kind: &'a str,
    /// The form body (POST) or query string (GET), already encoded.
    pub body: &'a str,
    /// Where to send it.
    pub url: &'a str,
    /// `POST` or `GET`.
    pub method: &'a str,
    /// `UTF8` or `Windows1251`.
    pub encoding: &'a str,
    /// Now, Unix ms; the first attempt is due at once.
    pub created_at: i64,
}

/// How an attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// The merchant acknowledged the notification.
    Delivered {
        /// The HTTP status of the answer.
        http_status: u16,
        /// From sending to the end of the answer.
        latency_ms: i64,
        /// The start of the answer's body.
        response: &'a str,
        /// The address that answered.
        remote_ip: Option<IpAddr>,
    },
    /// It did not.
    Failed {
        /// The HTTP status, if an answer came.
        http_status: Option<u16>,
        /// From sending to the failure.
        latency_ms: i64,
        /// The start of the answer's body, if any.
        response: &'a str,
        /// The address that answered, if one did.
        remote_ip: Option<IpAddr>,
        /// Why it counts as a failure.
        error: &'a str,
        /// When to try again ([`super::RetrySchedule::next_attempt_at`]); `None`: the schedule
        /// is exhausted and the notification fails.
        retry_at: Option<i64>,
    },
}

/// Pending, due, not leased, no earlier notification of its transaction still pending, and its
/// URL's share not taken: the URL's leased rows (attempts running now, on any node) plus the
/// row's place among the URL's rows in this claim stay within `$5`. The scan walks the due index
/// in order, skipping URLs already at their share, and looks at no more than four claims' worth
/// of rows, so a claim costs the same with a backlog of millions.
macro_rules! due_ids {
    () => {
        concat!(
            "SELECT d.id FROM (\
           SELECT c.id, c.next_attempt_at, c.running + ROW_NUMBER() OVER \
             (PARTITION BY c.url ORDER BY c.next_attempt_at, c.id) AS place \
           FROM (\
             SELECT n.id, n.url, n.next_attempt_at, COALESCE(b.running, 0) AS running \
             FROM notifications n \
             LEFT JOIN (SELECT url, COUNT(*) AS running FROM notifications \
               WHERE locked_until >= $1 AND state = 'pending' GROUP BY url) b ON b.url = n.url \
             WHERE n.state = 'pending' AND ",
            $crate::site_due!("n.next_attempt_at", "n.site_id", "$1"),
            " AND ",
            $crate::lease_free!("n", "$1"),
            " AND COALESCE(b.running, 0) < $5 \
               AND NOT EXISTS (SELECT 1 FROM notifications e \
                 WHERE e.transaction_id = n.transaction_id \
                 AND e.sequence < n.sequence AND e.state = 'pending') \
             ORDER BY n.next_attempt_at, n.id LIMIT $4 * 4) c) d \
         WHERE d.place <= $5 \
         ORDER BY d.next_attempt_at, d.id LIMIT $4"
        )
    };
}

macro_rules! claim {
    ($lock_open:expr, $lock_close:expr) => {
        concat!(
            "UPDATE notifications SET locked_until = $2, locked_by = $3 WHERE id IN (",
            $lock_open,
            due_ids!(),
            $lock_close,
            ") RETURNING ",
            columns!()
        )
    };
}

/// SQLite has one writer, so the statement alone is atomic.
const CLAIM_SQLITE: &str = claim!("", "");
/// Rows another node is claiming right now are skipped, not waited for, and never taken twice.
/// The lock is taken outside the window query (PostgreSQL cannot lock through one), so the
/// locking query repeats the lease test: PostgreSQL re-checks it on the row's latest version
/// once locked, which drops a row another node claimed and committed meanwhile.
const CLAIM_POSTGRES: &str = claim!(
    concat!(
        "SELECT m.id FROM notifications m WHERE m.state = 'pending' AND ",
        crate::lease_free!("m", "$1"),
        " AND m.id IN ("
    ),
    ") FOR UPDATE OF m SKIP LOCKED"
);

/// Adds a notification inside the caller's transaction and returns its id. Its `sequence` is one
/// more than the highest of its transaction's notifications (1 without a transaction); two
/// transactions enqueuing for the same payment at once must be serialized by the caller (a lock
/// on the payment row), or the second one fails on the unique `(transaction_id, sequence)`.
pub async fn enqueue(tx: &mut Tx, new: &NewNotification<'_>) -> Result<i64, StoreError> {
    let sql = "INSERT INTO notifications (site_id, mode, transaction_id, kind, sequence, body, url, \
           method, encoding, state, attempts, next_attempt_at, created_at) \
         SELECT $1, $2, $3, $4, COALESCE(MAX(sequence), 0) + 1, $5, $6, $7, $8, 'pending', 0, $9, $9 \
         FROM notifications WHERE transaction_id = $3 \
         RETURNING id";
    let n = new;
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(n.site.0).bind(n.mode.as_str()).bind(n.transaction_id).bind(n.kind).bind(n.body)
        .bind(n.url).bind(n.method).bind(n.encoding).bind(n.created_at)
        .fetch_one(&mut **c).await)?;
    Ok(id)
}

/// Leases up to `limit` due notifications to `worker` until `now_ms + lease_ms`, the earliest due
/// first, and returns them by id. A row is due when it is pending, its `next_attempt_at` has
/// come, nobody's lease on it is still running, and no earlier notification of its transaction is
/// pending (delivered, failed and cancelled ones do not hold it back). At most `per_url`
/// attempts run at once to one URL across all nodes: a slow receiver's backlog waits in the table
/// and never takes the slots other receivers need; a claim looks at no more than
/// `4 × limit` rows past the URLs already at their share. `worker` must be unique to the claiming
/// loop: it is how [`record_attempt`] knows the lease is still its own.
pub async fn claim_due(
    db: &Db,
    now_ms: i64,
    lease_ms: i64,
    worker: &str,
    limit: i64,
    per_url: i64,
) -> Result<Vec<Notification>, StoreError> {
    let sql = match db {
        Db::Sqlite(_) => CLAIM_SQLITE,
        Db::Postgres(_) => CLAIM_POSTGRES,
    };
    let until = now_ms.saturating_add(lease_ms);
    let rows: Vec<Row> = in_write!(db, c => sqlx::query_as(sql)
        .bind(now_ms).bind(until).bind(worker).bind(limit).bind(per_url)
        .fetch_all(&mut **c).await);
    let mut claimed = rows
        .into_iter()
        .map(notification_from)
        .collect::<Result<Vec<_>, StoreError>>()?;
    // RETURNING promises no order.
    claimed.sort_by_key(|n| n.id);
    Ok(claimed)
}

/// Records an attempt that started at `started_at` by the worker that claimed notification `id`:
/// counts it, logs it in `notification_attempts`, sets the new state (delivered, pending until
/// `retry_at`, or failed) and ends the lease. Returns `false`, and writes nothing, when `worker`
/// no longer holds the lease (it ran out and another worker took the row, or the notification
/// was cancelled): a lost lease must not overwrite the other worker's result.
pub async fn record_attempt(
    db: &Db,
    id: i64,
    worker: &str,
    started_at: i64,
    outcome: &Outcome<'_>,
) -> Result<bool, StoreError> {
    let (state, http_status, latency_ms, response, error, retry_at, delivered_at) = match *outcome {
        Outcome::Delivered {
            http_status,
            latency_ms,
            response,
            ..
        } => {
            let at = started_at.saturating_add(latency_ms);
            let status = Some(http_status);
            (
                "delivered",
                status,
                latency_ms,
                response,
                None,
                None,
                Some(at),
            )
        }
        Outcome::Failed {
            http_status,
            latency_ms,
            response,
            error,
            retry_at,
            ..
        } => {
            let state = if retry_at.is_some() {
                "pending"
            } else {
                "failed"
            };
            (
                state,
                http_status,
                latency_ms,
                response,
                Some(snippet(error)),
                retry_at,
                None,
            )
        }
    };
    let update = concat!(
        "UPDATE notifications SET attempts = attempts + 1, state = $1, \
           next_attempt_at = COALESCE($2, next_attempt_at), \
           delivered_at = COALESCE($3, delivered_at), last_error = $4, ",
        crate::release!(),
        " WHERE id = $5 AND ",
        crate::held_by!("$6"),
        " AND state = 'pending' RETURNING attempts, url"
    );
    let log = "INSERT INTO notification_attempts (notification_id, attempt, started_at, url, \
           delivered, http_status, latency_ms, response_snippet, error, remote_ip) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    let status = http_status.map(i64::from);
    let remote_ip = match *outcome {
        Outcome::Delivered { remote_ip, .. } | Outcome::Failed { remote_ip, .. } => remote_ip,
    }
    .map(|ip| ip.to_string());
    let response = snippet(response);
    let mut tx = db.begin_write().await?;
    let applied = on_tx!(&mut tx, c => {
        let row: Option<(i64, String)> = sqlx::query_as(update)
            .bind(state).bind(retry_at).bind(delivered_at).bind(&error).bind(id).bind(worker)
            .fetch_optional(&mut **c).await?;
        if let Some((attempt, url)) = &row {
            sqlx::query(log)
                .bind(id).bind(attempt).bind(started_at).bind(url).bind(state == "delivered")
                .bind(status).bind(latency_ms).bind(&response).bind(&error).bind(&remote_ip)
                .execute(&mut **c).await?;
        }
        Ok::<bool, sqlx::Error>(row.is_some())
    })?;
    tx.commit().await?;
    Ok(applied)
}

/// Sends a failed (exhausted) or delivered notification of `site` in `mode` again from
/// `now_ms`: it goes back to pending with its attempt count kept, so a failure after a resend
/// exhausts it at once under the site's schedule unless the caller decides otherwise. `false`
/// when `site` has no such notification in either state in `mode`.
pub async fn resend(
    db: &Db,
    site: SiteId,
    mode: Mode,
    id: i64,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let sql = "UPDATE notifications SET state = 'pending', next_attempt_at = $1, \
           locked_until = NULL, locked_by = NULL \
         WHERE id = $2 AND site_id = $3 AND mode = $4 AND state IN ('failed', 'delivered')";
    let done = in_write!(db, c => sqlx::query(sql)
        .bind(now_ms).bind(id).bind(site.0).bind(mode.as_str())
        .execute(&mut **c).await.map(|r| r.rows_affected()));
    Ok(done == 1)
}

/// Withdraws a pending notification of `site` in `mode`: it is never sent again, and no longer
/// holds back its transaction's later ones. An attempt already under way is not recorded.
/// `false` when `site` has no such pending notification in `mode`.
pub async fn cancel(db: &Db, site: SiteId, mode: Mode, id: i64) -> Result<bool, StoreError> {
    let sql = "UPDATE notifications SET state = 'cancelled', locked_until = NULL, locked_by = NULL \
         WHERE id = $1 AND site_id = $2 AND mode = $3 AND state = 'pending'";
    let done = in_write!(db, c => sqlx::query(sql)
        .bind(id).bind(site.0).bind(mode.as_str())
        .execute(&mut **c).await.map(|r| r.rows_affected()));
    Ok(done == 1)
}

/// At most [`SNIPPET_CHARS`] characters, without NUL (which PostgreSQL's `TEXT` refuses).
fn snippet(text: &str) -> String {
    text.chars()
        .take(SNIPPET_CHARS)
        .map(|c| if c == '\0' { '\u{fffd}' } else { c })
        .collect()
}
