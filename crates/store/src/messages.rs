//! The outbox of messages to payers: e-mails, SMS, Viber and WhatsApp messages, one row each.
//!
//! [`enqueue`] writes the row inside the caller's transaction, so a message exists exactly when
//! what it tells about was committed. [`claim_due`] leases due rows to a worker in one statement
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL), nothing stays locked while the worker sends, and a
//! dead worker's rows return once the lease runs out. [`record`] applies only for the worker that
//! still holds the lease.

use oblako_core::ids::SiteId;

use crate::lease::Queue;
use crate::{Db, StoreError, Tx, held_by, in_write, on_db, on_tx, release};

/// A message to send.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// The site it is sent for.
    pub site: Option<SiteId>,
    /// `email`, `sms`, `viber` or `whatsapp`.
    pub channel: &'a str,
    /// An e-mail address or a phone number.
    pub recipient: &'a str,
    /// The e-mail's subject (empty for phone messages).
    pub subject: &'a str,
    /// The e-mail's HTML part (empty for phone messages).
    pub html: &'a str,
    /// The text.
    pub text: &'a str,
    /// What it is about, e.g. `order:f2K8LV6reGE9WBFn`.
    pub reference: &'a str,
    /// Now, Unix ms; the first attempt is due at once.
    pub created_at: i64,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Message {
    /// Its id.
    pub id: i64,
    /// The site it is sent for.
    pub site_id: Option<i64>,
    /// `email`, `sms`, `viber` or `whatsapp`.
    pub channel: String,
    /// Address or phone number.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// HTML part.
    pub html: String,
    /// Text.
    pub text: String,
    /// What it is about.
    pub reference: String,
    /// `pending`, `sent`, `sent_nowhere` or `failed`.
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// When the next attempt is due, Unix ms.
    pub next_attempt_at: i64,
    /// Until when a worker holds it, Unix ms.
    pub locked_until: Option<i64>,
    /// Which worker.
    pub locked_by: Option<String>,
    /// Creation, Unix ms.
    pub created_at: i64,
    /// When it was handed over, Unix ms.
    pub sent_at: Option<i64>,
    /// Where it went: `smtp`, `file:{path}`, or nothing.
    pub sent_via: Option<String>,
    /// Why the last attempt failed, or why it was sent nowhere.
    pub last_error: Option<String>,
}

/// How an attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// Handed over (`via`: `smtp`, `file:{path}`, a gateway's name).
    Sent {
        /// Where to.
        via: &'a str,
    },
    /// Nowhere to send it (no gateway for the channel): final, with the reason.
    SentNowhere {
        /// Why.
        reason: &'a str,
    },
    /// It failed; `retry_at` when to try again, `None` to give up.
    Failed {
        /// Why.
        error: &'a str,
        /// Next attempt, Unix ms.
        retry_at: Option<i64>,
    },
}

const COLUMNS: &str = "id, site_id, channel, recipient, subject, html, text, reference, state, \
     attempts, next_attempt_at, locked_until, locked_by, created_at, sent_at, sent_via, last_error";

/// Adds a message inside the caller's transaction and returns its id.
pub async fn enqueue(tx: &mut Tx, m: &NewMessage<'_>) -> Result<i64, StoreError> {
    let sql = "INSERT INTO messages (site_id, channel, recipient, subject, html, text, reference, \
           state, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8) RETURNING id";
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(m.site.map(|s| s.0)).bind(m.channel).bind(m.recipient).bind(m.subject)
        .bind(m.html).bind(m.text).bind(m.reference).bind(m.created_at)
        .fetch_one(&mut **c).await)?;
    Ok(id)
}

/// The messages outbox as a lease queue.
const QUEUE: Queue = Queue {
    table: "messages",
    key: "id",
    waiting: "state = 'pending'",
    due: "next_attempt_at",
    site: "q.site_id",
    order: "next_attempt_at, id",
    also_set: "",
    returning: COLUMNS,
};

/// Leases up to `limit` due messages (each on its site's clock) to `worker` until
/// `now_ms + lease_ms`, oldest due first.
pub async fn claim_due(
    db: &Db,
    now_ms: i64,
    lease_ms: i64,
    worker: &str,
    limit: i64,
) -> Result<Vec<Message>, StoreError> {
    let mut rows: Vec<Message> = QUEUE.claim(db, now_ms, lease_ms, worker, limit).await?;
    rows.sort_by_key(|m| m.id);
    Ok(rows)
}

/// Records an attempt by the worker holding message `id`'s lease and ends the lease. `false`,
/// and nothing written, when the lease is no longer `worker`'s.
pub async fn record(
    db: &Db,
    id: i64,
    worker: &str,
    now_ms: i64,
    outcome: &Outcome<'_>,
) -> Result<bool, StoreError> {
    let (state, via, error, retry_at, sent_at) = match *outcome {
        Outcome::Sent { via } => ("sent", Some(via), None, None, Some(now_ms)),
        Outcome::SentNowhere { reason } => ("sent_nowhere", None, Some(reason), None, None),
        Outcome::Failed { error, retry_at } => (
            if retry_at.is_some() {
                "pending"
            } else {
                "failed"
            },
            None,
            Some(error),
            retry_at,
            None,
        ),
    };
    let error: Option<String> = error.map(|e| e.chars().take(1024).collect());
    let sql = concat!(
        "UPDATE messages SET attempts = attempts + 1, state = $1, sent_via = $2, \
           last_error = $3, next_attempt_at = COALESCE($4, next_attempt_at), sent_at = $5, ",
        release!(),
        " WHERE id = $6 AND ",
        held_by!("$7"),
        " AND state = 'pending'"
    );
    let done = in_write!(db, c => sqlx::query(sql)
        .bind(state).bind(via).bind(&error).bind(retry_at).bind(sent_at).bind(id).bind(worker)
        .execute(&mut **c).await.map(|r| r.rows_affected()));
    Ok(done == 1)
}

/// Message `id`.
pub async fn get(db: &Db, id: i64) -> Result<Option<Message>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM messages WHERE id = $1"));
    let row = on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)?;
    Ok(row)
}

/// The messages about `reference`, oldest first.
pub async fn about(db: &Db, reference: &str) -> Result<Vec<Message>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM messages WHERE reference = $1 ORDER BY id"
    ));
    let rows = on_db!(db, pool => sqlx::query_as(sql).bind(reference).fetch_all(pool).await)?;
    Ok(rows)
}

/// `site`'s messages, newest first, at most `limit`.
pub async fn list_for_site(db: &Db, site: SiteId, limit: i64) -> Result<Vec<Message>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM messages WHERE site_id = $1 ORDER BY id DESC LIMIT $2"
    ));
    let rows =
        on_db!(db, pool => sqlx::query_as(sql).bind(site.0).bind(limit).fetch_all(pool).await)?;
    Ok(rows)
}
