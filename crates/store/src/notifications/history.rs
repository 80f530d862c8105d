//! What the dashboard and the API read about notifications: one of them, a site's list a page at
//! a time, and the log of one notification's attempts. Every lookup is scoped by site and mode:
//! the other mode's notification is not found, like another site's.

use std::net::IpAddr;

use oblako_core::ids::{Mode, SiteId};

use super::{State, mode_of, state_of};
use crate::{Db, StoreError, on_db};

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Its id.
    pub id: i64,
    /// The site it belongs to.
    pub site: SiteId,
    /// The mode of the transaction.
    pub mode: Mode,
    /// The transaction it announces, if any.
    pub transaction_id: Option<i64>,
    /// The kind's name.
    pub kind: String,
    /// Its place among its transaction's notifications, from 1.
    pub sequence: i64,
    /// What is sent.
    pub body: String,
    /// Where to.
    pub url: String,
    /// `POST` or `GET`.
    pub method: String,
    /// `UTF8` or `Windows1251`.
    pub encoding: String,
    /// Where it is in its life.
    pub state: State,
    /// Attempts made.
    pub attempts: i64,
    /// When the next attempt is due (while pending), Unix ms.
    pub next_attempt_at: i64,
    /// Until when a worker holds it, Unix ms.
    pub locked_until: Option<i64>,
    /// Which worker.
    pub locked_by: Option<String>,
    /// Creation, Unix ms.
    pub created_at: i64,
    /// When it was (last) acknowledged, Unix ms.
    pub delivered_at: Option<i64>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

/// One attempt to deliver a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRow {
    /// The notification.
    pub notification_id: i64,
    /// 1 for the first attempt, and so on.
    pub attempt: i64,
    /// When it started, Unix ms.
    pub started_at: i64,
    /// Where it went.
    pub url: String,
    /// Whether the merchant acknowledged it.
    pub delivered: bool,
    /// The answer's HTTP status, if one came.
    pub http_status: Option<u16>,
    /// From sending to the end of the answer or the failure.
    pub latency_ms: i64,
    /// The start of the answer's body.
    pub response_snippet: String,
    /// Why it failed.
    pub error: Option<String>,
    /// The address that answered; `None` when none did, or the attempt predates the record.
    pub remote_ip: Option<IpAddr>,
}

/// Which notifications [`list`] returns: newest first, before `before_id` when paging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListFilter {
    /// Only in this state.
    pub state: Option<State>,
    /// Only of this mode. `None` shows both, for the operator only: on behalf of a site's keys
    /// it is always the keys' mode.
    pub mode: Option<Mode>,
    /// Only for this transaction.
    pub transaction_id: Option<i64>,
    /// Only older than this id (the last id of the previous page).
    pub before_id: Option<i64>,
    /// Most rows.
    pub limit: i64,
}

impl Default for ListFilter {
    fn default() -> ListFilter {
        ListFilter {
            state: None,
            mode: None,
            transaction_id: None,
            before_id: None,
            limit: 50,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct Row {
    id: i64,
    site_id: i64,
    mode: String,
    transaction_id: Option<i64>,
    kind: String,
    sequence: i64,
    body: String,
    url: String,
    method: String,
    encoding: String,
    state: String,
    attempts: i64,
    next_attempt_at: i64,
    locked_until: Option<i64>,
    locked_by: Option<String>,
    created_at: i64,
    delivered_at: Option<i64>,
    last_error: Option<String>,
}

/// Every column of a notification, in [`Row`]'s order (also what a claim returns).
macro_rules! columns {
    () => {
        "id, site_id, mode, transaction_id, kind, sequence, body, url, method, encoding, state, \
         attempts, next_attempt_at, locked_until, locked_by, created_at, delivered_at, last_error"
    };
}
pub(super) use columns;

macro_rules! select {
    ($tail:literal) => {
        concat!("SELECT ", columns!(), " FROM notifications ", $tail)
    };
}

pub(super) fn notification_from(r: Row) -> Result<Notification, StoreError> {
    Ok(Notification {
        id: r.id,
        site: SiteId(r.site_id),
        mode: mode_of(&r.mode)?,
        transaction_id: r.transaction_id,
        kind: r.kind,
        sequence: r.sequence,
        body: r.body,
        url: r.url,
        method: r.method,
        encoding: r.encoding,
        state: state_of(&r.state)?,
        attempts: r.attempts,
        next_attempt_at: r.next_attempt_at,
        locked_until: r.locked_until,
        locked_by: r.locked_by,
        created_at: r.created_at,
        delivered_at: r.delivered_at,
        last_error: r.last_error,
    })
}

/// Notification `id` of `site` in `mode`; another site's, or the other mode's, is not found.
pub async fn get(
    db: &Db,
    site: SiteId,
    mode: Mode,
    id: i64,
) -> Result<Option<Notification>, StoreError> {
    let sql = select!("WHERE id = $1 AND site_id = $2 AND mode = $3");
    let row: Option<Row> = on_db!(db, pool => sqlx::query_as(sql)
        .bind(id).bind(site.0).bind(mode.as_str()).fetch_optional(pool).await)?;
    row.map(notification_from).transpose()
}

/// The notifications of `site` the filter lets through, newest first.
pub async fn list(
    db: &Db,
    site: SiteId,
    filter: &ListFilter,
) -> Result<Vec<Notification>, StoreError> {
    let sql = select!(
        "WHERE site_id = $1 AND ($2 IS NULL OR state = $2) AND ($3 IS NULL OR mode = $3) \
         AND ($4 IS NULL OR transaction_id = $4) AND ($5 IS NULL OR id < $5) \
         ORDER BY id DESC LIMIT $6"
    );
    let f = filter;
    let rows: Vec<Row> = on_db!(db, pool => sqlx::query_as(sql)
        .bind(site.0).bind(f.state.map(State::as_str)).bind(f.mode.map(Mode::as_str))
        .bind(f.transaction_id).bind(f.before_id).bind(f.limit)
        .fetch_all(pool).await)?;
    rows.into_iter().map(notification_from).collect()
}

/// An attempt as the queries below read it.
type AttemptTuple = (
    i64,
    i64,
    i64,
    String,
    bool,
    Option<i64>,
    i64,
    String,
    Option<String>,
    Option<String>,
);

/// The columns the queries below read, in [`AttemptTuple`]'s order.
const ATTEMPT_COLUMNS: &str = "a.notification_id, a.attempt, a.started_at, a.url, a.delivered, \
     a.http_status, a.latency_ms, a.response_snippet, a.error, a.remote_ip";

/// The attempts of notification `notification_id` of `site` in `mode`, first first; empty for
/// another site's or the other mode's notification.
pub async fn attempts(
    db: &Db,
    site: SiteId,
    mode: Mode,
    notification_id: i64,
) -> Result<Vec<AttemptRow>, StoreError> {
    let sql = format!(
        "SELECT {ATTEMPT_COLUMNS} FROM notification_attempts a \
         JOIN notifications n ON n.id = a.notification_id \
         WHERE a.notification_id = $1 AND n.site_id = $2 AND n.mode = $3 ORDER BY a.attempt"
    );
    let rows: Vec<AttemptTuple> = on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(notification_id).bind(site.0).bind(mode.as_str()).fetch_all(pool).await)?;
    rows.into_iter().map(attempt_row).collect()
}

/// The notifications of transaction `transaction_id` of `site` in `mode` and of its refunds
/// (whose Refund notifications are keyed to the refund), newest first, at most 100.
pub async fn of_payment(
    db: &Db,
    site: SiteId,
    mode: Mode,
    transaction_id: i64,
) -> Result<Vec<Notification>, StoreError> {
    let sql = select!(
        "WHERE site_id = $1 AND mode = $2 AND (transaction_id = $3 OR transaction_id IN \
         (SELECT id FROM transactions WHERE original_id = $3 AND site_id = $1)) \
         ORDER BY id DESC LIMIT 100"
    );
    let rows: Vec<Row> = on_db!(db, pool => sqlx::query_as(sql)
        .bind(site.0).bind(mode.as_str()).bind(transaction_id).fetch_all(pool).await)?;
    rows.into_iter().map(notification_from).collect()
}

/// The attempts of every notification [`of_payment`] answers, by notification and then first
/// first: one query for a transaction's page, however many notifications it has.
pub async fn attempts_of_payment(
    db: &Db,
    site: SiteId,
    mode: Mode,
    transaction_id: i64,
) -> Result<Vec<AttemptRow>, StoreError> {
    let sql = format!(
        "SELECT {ATTEMPT_COLUMNS} FROM notification_attempts a \
         JOIN notifications n ON n.id = a.notification_id \
         WHERE n.site_id = $2 AND n.mode = $3 AND (n.transaction_id = $1 OR n.transaction_id IN \
           (SELECT id FROM transactions WHERE original_id = $1 AND site_id = $2)) \
         ORDER BY a.notification_id, a.attempt"
    );
    let rows: Vec<AttemptTuple> = on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(transaction_id).bind(site.0).bind(mode.as_str()).fetch_all(pool).await)?;
    rows.into_iter().map(attempt_row).collect()
}

fn attempt_row(r: AttemptTuple) -> Result<AttemptRow, StoreError> {
    let http_status =
        r.5.map(|s| u16::try_from(s).map_err(|_| StoreError::Corrupt(format!("status {s}"))))
            .transpose()?;
    Ok(AttemptRow {
        notification_id: r.0,
        attempt: r.1,
        started_at: r.2,
        url: r.3,
        delivered: r.4,
        http_status,
        latency_ms: r.6,
        response_snippet: r.7,
        error: r.8,
        // Written from an IpAddr; anything else is not an address that answered.
        remote_ip: r.9.and_then(|ip| ip.parse().ok()),
    })
}
