//! Subscriptions: one row per recurring-billing agreement, looked up only within a site and mode
//! (the billing worker, which serves every site, uses [`by_id`]). The billing jobs are in
//! [`charges`].

pub mod card_changes;
pub mod charges;
pub mod search;

use oblako_core::ids::{Mode, SiteId};
use oblako_core::money::Currency;
use oblako_core::subscription::{Interval, Status};

use crate::{Db, StoreError, Tx, in_write, on_db, on_tx, params};

/// A stored subscription; also what [`insert`] and [`save`] write.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SubscriptionRow {
    /// `sc_…`.
    pub id: String,
    /// Owning site.
    #[sqlx(try_from = "i64")]
    pub site_id: SiteId,
    /// Test or live.
    #[sqlx(try_from = "crate::spelled::Spelled<Mode>")]
    pub mode: Mode,
    /// The payer.
    pub account_id: String,
    /// The card token charged.
    pub token: String,
    /// Purpose.
    pub description: Option<String>,
    /// Payer e-mail.
    pub email: Option<String>,
    /// Each charge, minor units.
    pub amount: i64,
    /// The currency of each charge.
    #[sqlx(try_from = "crate::spelled::Spelled<Currency>")]
    pub currency: Currency,
    /// Two-stage charges.
    pub require_confirmation: bool,
    /// `StartDate`, Unix ms.
    pub start_at: i64,
    /// The unit of `period`.
    #[sqlx(try_from = "crate::spelled::Spelled<Interval>")]
    pub unit: Interval,
    /// Units between charges.
    pub period: i64,
    /// Most charges.
    pub max_periods: Option<i64>,
    /// `CultureName`.
    pub culture: String,
    /// Receipt template, JSON text.
    pub receipt: Option<String>,
    /// Where it is in its life.
    #[sqlx(try_from = "crate::spelled::Spelled<Status>")]
    pub status: Status,
    /// Successful charges.
    pub successful: i64,
    /// Consecutive failures.
    pub failed: i64,
    /// Last success, Unix ms.
    pub last_at: Option<i64>,
    /// Next charge, Unix ms.
    pub next_at: Option<i64>,
    /// Date of slot `anchor_index`, Unix ms.
    pub anchor_at: i64,
    /// The anchor's slot.
    pub anchor_index: i64,
    /// The slot the next charge is for.
    pub period_index: i64,
    /// The payment it was made from, if any.
    pub source_transaction_id: Option<i64>,
    /// Creation, Unix ms.
    pub created_at: i64,
    /// Last change, Unix ms.
    pub updated_at: i64,
}

const COLUMNS: &str = "id, site_id, mode, account_id, token, description, email, amount, currency, \
     require_confirmation, start_at, unit, period, max_periods, culture, receipt, status, \
     successful, failed, last_at, next_at, anchor_at, anchor_index, period_index, \
     source_transaction_id, created_at, updated_at";

macro_rules! select {
    ($tail:literal) => {
        sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM subscriptions {}", $tail))
    };
}

/// Inserts a subscription. `false` when its setup payment already made one (the unique
/// `source_transaction_id`): the caller keeps the first.
pub async fn insert(tx: &mut Tx, s: &SubscriptionRow) -> Result<bool, StoreError> {
    let sql = "INSERT INTO subscriptions (id, site_id, mode, account_id, token, description, \
           email, amount, currency, require_confirmation, start_at, unit, period, max_periods, \
           culture, receipt, status, successful, failed, last_at, next_at, anchor_at, \
           anchor_index, period_index, source_transaction_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
           $18, $19, $20, $21, $22, $23, $24, $25, $26, $27) \
         ON CONFLICT (source_transaction_id) DO NOTHING";
    let done = on_tx!(tx, c => sqlx::query(sql)
        .bind(&s.id).bind(s.site_id.0).bind(s.mode.as_str()).bind(&s.account_id).bind(&s.token)
        .bind(&s.description).bind(&s.email).bind(s.amount).bind(s.currency.code())
        .bind(s.require_confirmation).bind(s.start_at).bind(s.unit.as_str()).bind(s.period)
        .bind(s.max_periods).bind(&s.culture).bind(&s.receipt).bind(s.status.as_str())
        .bind(s.successful).bind(s.failed).bind(s.last_at).bind(s.next_at).bind(s.anchor_at)
        .bind(s.anchor_index).bind(s.period_index).bind(s.source_transaction_id)
        .bind(s.created_at).bind(s.updated_at)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Writes every changeable field of `s` (found by id, site and mode) inside `tx`.
pub async fn save(tx: &mut Tx, s: &SubscriptionRow) -> Result<(), StoreError> {
    let sql = "UPDATE subscriptions SET account_id = $1, token = $2, description = $3, \
           email = $4, amount = $5, currency = $6, require_confirmation = $7, start_at = $8, \
           unit = $9, period = $10, max_periods = $11, culture = $12, receipt = $13, \
           status = $14, successful = $15, failed = $16, last_at = $17, next_at = $18, \
           anchor_at = $19, anchor_index = $20, period_index = $21, updated_at = $22 \
         WHERE id = $23 AND site_id = $24 AND mode = $25";
    let changed = on_tx!(tx, c => sqlx::query(sql)
        .bind(&s.account_id).bind(&s.token).bind(&s.description).bind(&s.email).bind(s.amount)
        .bind(s.currency.code()).bind(s.require_confirmation).bind(s.start_at).bind(s.unit.as_str())
        .bind(s.period).bind(s.max_periods).bind(&s.culture).bind(&s.receipt).bind(s.status.as_str())
        .bind(s.successful).bind(s.failed).bind(s.last_at).bind(s.next_at).bind(s.anchor_at)
        .bind(s.anchor_index).bind(s.period_index).bind(s.updated_at)
        .bind(&s.id).bind(s.site_id.0).bind(s.mode.as_str())
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    if changed != 1 {
        return Err(StoreError::Corrupt(format!(
            "subscription {} vanished",
            s.id
        )));
    }
    Ok(())
}

/// The subscription `id` of `site` in `mode`; a foreign id is simply not found.
pub async fn get(
    db: &Db,
    site: SiteId,
    mode: Mode,
    id: &str,
) -> Result<Option<SubscriptionRow>, StoreError> {
    let sql = select!("WHERE id = $1 AND site_id = $2 AND mode = $3");
    let row = on_db!(db, pool => sqlx::query_as(sql)
        .bind(id).bind(site.0).bind(mode.as_str()).fetch_optional(pool).await)?;
    Ok(row)
}

/// Like [`get`], inside a write transaction, locking the row on PostgreSQL (SQLite's write
/// transaction already excludes other writers).
pub async fn get_for_update(
    tx: &mut Tx,
    site: SiteId,
    mode: Mode,
    id: &str,
) -> Result<Option<SubscriptionRow>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE id = $1 AND site_id = $2 AND mode = $3{}",
        tx.row_lock()
    ));
    let row = on_tx!(tx, c => sqlx::query_as(sql)
        .bind(id).bind(site.0).bind(mode.as_str())
        .fetch_optional(&mut **c).await)?;
    Ok(row)
}

/// Any site's subscription `id`: for the billing worker only, never for a request.
pub async fn by_id(db: &Db, id: &str) -> Result<Option<SubscriptionRow>, StoreError> {
    let sql = select!("WHERE id = $1");
    let row = on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)?;
    Ok(row)
}

/// Every subscription of an account (`subscriptions/find`), all statuses, oldest first, at most
/// `limit`.
pub async fn find_by_account(
    db: &Db,
    site: SiteId,
    mode: Mode,
    account_id: &str,
    limit: i64,
) -> Result<Vec<SubscriptionRow>, StoreError> {
    let sql = select!(
        "WHERE site_id = $1 AND mode = $2 AND account_id = $3 ORDER BY created_at, id LIMIT $4"
    );
    let rows = on_db!(db, pool => sqlx::query_as(sql)
        .bind(site.0).bind(mode.as_str()).bind(account_id).bind(limit).fetch_all(pool).await)?;
    Ok(rows)
}

/// A site's subscriptions in one mode, newest first, a page at a time (the CLI).
pub async fn list(
    db: &Db,
    site: SiteId,
    mode: Mode,
    limit: i64,
    offset: i64,
) -> Result<Vec<SubscriptionRow>, StoreError> {
    let sql =
        select!("WHERE site_id = $1 AND mode = $2 ORDER BY created_at DESC, id LIMIT $3 OFFSET $4");
    let rows = on_db!(db, pool => sqlx::query_as(sql)
        .bind(site.0).bind(mode.as_str()).bind(limit).bind(offset).fetch_all(pool).await)?;
    Ok(rows)
}

/// Records on payment `transaction_id` the subscription it set up (its `SubscriptionId`).
pub async fn link_transaction(
    tx: &mut Tx,
    transaction_id: i64,
    subscription_id: &str,
) -> Result<(), StoreError> {
    let sql = "UPDATE transactions SET subscription_id = $1 WHERE id = $2";
    on_tx!(tx, c => sqlx::query(sql).bind(subscription_id).bind(transaction_id)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

macro_rules! remind {
    ($lock:literal) => {
        sqlx::AssertSqlSafe(format!(
            "UPDATE subscriptions SET reminded_index = period_index WHERE id IN (\
               SELECT id FROM subscriptions q WHERE status IN ('Active', 'PastDue') AND failed = 0 \
               AND next_at > $1 + {offset} AND next_at <= $2 + {offset} \
               AND (reminded_index IS NULL OR reminded_index < period_index) \
               ORDER BY next_at, id LIMIT $3{}) RETURNING {COLUMNS}",
            $lock,
            offset = $crate::site_offset!("q.site_id"),
        ))
    };
}

/// Marks, and returns, up to `limit` subscriptions whose next scheduled charge (not a retry) falls
/// after `now_ms` and by `until_ms` (wall clock, moved by each site's offset) and whose payer was not yet reminded of it: each slot is
/// returned once, to one node.
pub async fn claim_reminders(
    db: &Db,
    now_ms: i64,
    until_ms: i64,
    limit: i64,
) -> Result<Vec<SubscriptionRow>, StoreError> {
    let rows = match db {
        Db::Sqlite(_) => in_write!(db, c => sqlx::query_as(remind!(""))
            .bind(now_ms).bind(until_ms).bind(limit).fetch_all(&mut **c).await),
        Db::Postgres(_) => in_write!(db, c => sqlx::query_as(remind!(" FOR UPDATE SKIP LOCKED"))
            .bind(now_ms).bind(until_ms).bind(limit).fetch_all(&mut **c).await),
    };
    Ok(rows)
}

/// [`claim_reminders`] inside `tx`, so the reminders queued in the same transaction commit with
/// the mark (a crash loses neither).
pub async fn claim_reminders_in(
    tx: &mut Tx,
    now_ms: i64,
    until_ms: i64,
    limit: i64,
) -> Result<Vec<SubscriptionRow>, StoreError> {
    let rows = match tx {
        Tx::Sqlite(c) => {
            sqlx::query_as(remind!(""))
                .bind(now_ms)
                .bind(until_ms)
                .bind(limit)
                .fetch_all(&mut **c)
                .await
        }
        Tx::Postgres(c) => {
            sqlx::query_as(remind!(" FOR UPDATE SKIP LOCKED"))
                .bind(now_ms)
                .bind(until_ms)
                .bind(limit)
                .fetch_all(&mut **c)
                .await
        }
    }?;
    Ok(rows)
}

/// [`by_id`] for many ids in one read; ids not found are left out.
pub async fn by_ids(db: &Db, ids: &[&str]) -> Result<Vec<SubscriptionRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE id IN ({})",
        params::Marks::on_db(db).list(ids.len())
    ));
    let rows = on_db!(db, pool => {
        let mut q = sqlx::query_as(sql).persistent(false);
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(pool).await
    })?;
    Ok(rows)
}

/// Subscriptions `ids` inside `tx`, locked on PostgreSQL (the billing round, which serves every
/// site, as [`by_id`]); ids not found are left out.
pub async fn lock_many(tx: &mut Tx, ids: &[&str]) -> Result<Vec<SubscriptionRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE id IN ({}){}",
        params::Marks::on_tx(tx).list(ids.len()),
        tx.row_lock()
    ));
    let rows = on_tx!(tx, c => {
        let mut q = sqlx::query_as(sql).persistent(false);
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut **c).await
    })?;
    Ok(rows)
}

/// Writes the billing fields (status, counters, dates, slot) of every row in `rows` in one
/// statement, inside `tx`: what a charge's outcome changes. Fails if any row is gone.
pub async fn save_billing_many(tx: &mut Tx, rows: &[SubscriptionRow]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    const TYPES: [&str; 11] = [
        "TEXT", "TEXT", "BIGINT", "BIGINT", "BIGINT", "BIGINT", "BIGINT", "BIGINT", "BIGINT",
        "BIGINT", "BIGINT",
    ];
    let values = params::Marks::on_tx(tx).typed_rows(rows.len(), &TYPES);
    let sql = sqlx::AssertSqlSafe(format!(
        "WITH v(v_id, v_status, v_successful, v_failed, v_last_at, v_next_at, v_anchor_at, \
           v_anchor_index, v_period_index, v_max_periods, v_updated_at) AS (VALUES {values}) \
         UPDATE subscriptions SET status = v_status, successful = v_successful, \
           failed = v_failed, last_at = v_last_at, next_at = v_next_at, anchor_at = v_anchor_at, \
           anchor_index = v_anchor_index, period_index = v_period_index, \
           max_periods = v_max_periods, updated_at = v_updated_at \
         FROM v WHERE id = v_id"
    ));
    let changed = on_tx!(tx, c => {
        let mut q = sqlx::query(sql).persistent(false);
        for s in rows {
            q = q
                .bind(&s.id)
                .bind(s.status.as_str())
                .bind(s.successful)
                .bind(s.failed)
                .bind(s.last_at)
                .bind(s.next_at)
                .bind(s.anchor_at)
                .bind(s.anchor_index)
                .bind(s.period_index)
                .bind(s.max_periods)
                .bind(s.updated_at);
        }
        q.execute(&mut **c).await.map(|r| r.rows_affected())
    })?;
    if changed != rows.len() as u64 {
        return Err(StoreError::Corrupt(format!(
            "{changed} of {} subscriptions saved",
            rows.len()
        )));
    }
    Ok(())
}
