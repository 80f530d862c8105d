//! Billing jobs: "charge subscription S for slot P, attempt A" (RELIABILITY M6).
//!
//! [`enqueue_due`] turns every billing subscription whose `next_at` has come into a job, in one
//! statement, with `ON CONFLICT DO NOTHING` on the unique `(subscription_id, period_index,
//! attempt)`: however many nodes tick, a slot's attempt exists once. [`claim_due`] leases jobs to
//! a worker (`FOR UPDATE SKIP LOCKED` on PostgreSQL, one statement on SQLite's single writer);
//! the worker then [`lock`]s its job inside each write transaction, [`attach`]es the charge's
//! transaction in the commit that creates it, and [`finish`]es the job in the commit that applies
//! the outcome to the subscription.

use oblako_core::ids::SiteId;

use crate::{Db, StoreError, Tx, in_write, on_tx, params};

/// A billing job.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChargeJob {
    /// Row id.
    pub id: i64,
    /// The subscription.
    pub subscription_id: String,
    /// Its slot.
    pub period_index: i64,
    /// 0 for the scheduled charge, 1 and 2 for the retries after failures.
    pub attempt: i64,
    /// When it became due, Unix ms.
    pub due_at: i64,
    /// `pending`, `done` or `stale` (the subscription moved on before it ran).
    pub state: String,
    /// The charge's transaction, once created.
    pub transaction_id: Option<i64>,
}

const COLUMNS: &str = "id, subscription_id, period_index, attempt, due_at, state, transaction_id";

/// Enqueues a job for every Active or PastDue subscription due at `now_ms`; returns how many
/// were new.
pub async fn enqueue_due(db: &Db, now_ms: i64) -> Result<u64, StoreError> {
    let sql = "INSERT INTO subscription_charges (subscription_id, period_index, attempt, due_at, \
           state, created_at) \
         SELECT id, period_index, failed, next_at, 'pending', $1 FROM subscriptions \
         WHERE status IN ('Active', 'PastDue') AND next_at <= $1 \
         ON CONFLICT (subscription_id, period_index, attempt) DO NOTHING";
    let added = in_write!(db, c => sqlx::query(sql)
        .bind(now_ms).execute(&mut **c).await.map(|r| r.rows_affected()));
    Ok(added)
}

/// The earliest `next_at` after `now_ms` of an Active or PastDue subscription: when the next tick
/// has something new to enqueue.
pub async fn next_due_after(db: &Db, now_ms: i64) -> Result<Option<i64>, StoreError> {
    let sql = "SELECT MIN(next_at) FROM subscriptions \
         WHERE status IN ('Active', 'PastDue') AND next_at > $1";
    let at = crate::on_db!(db, pool => sqlx::query_scalar(sql).bind(now_ms).fetch_one(pool).await)?;
    Ok(at)
}

macro_rules! claim {
    ($lock:literal) => {
        concat!(
            "UPDATE subscription_charges SET locked_until = $2, locked_by = $3 WHERE id IN (",
            "SELECT id FROM subscription_charges WHERE state = 'pending' AND due_at <= $1 \
               AND (locked_until IS NULL OR locked_until < $1) ORDER BY due_at, id LIMIT $4",
            $lock,
            ") RETURNING id, subscription_id, period_index, attempt, due_at, state, transaction_id"
        )
    };
}

/// Leases up to `limit` pending due jobs to `worker` until `now_ms + lease_ms`. A job whose
/// worker died is taken again once its lease ran out.
pub async fn claim_due(
    db: &Db,
    now_ms: i64,
    lease_ms: i64,
    worker: &str,
    limit: i64,
) -> Result<Vec<ChargeJob>, StoreError> {
    let sql = match db {
        Db::Sqlite(_) => claim!(""),
        Db::Postgres(_) => claim!(" FOR UPDATE SKIP LOCKED"),
    };
    let until = now_ms.saturating_add(lease_ms);
    let mut jobs: Vec<ChargeJob> = in_write!(db, c => sqlx::query_as(sql)
        .bind(now_ms).bind(until).bind(worker).bind(limit)
        .fetch_all(&mut **c).await);
    jobs.sort_by_key(|j| (j.due_at, j.id));
    Ok(jobs)
}

/// Job `id` inside `tx` if it is still pending and leased to `worker`, locked on PostgreSQL.
pub async fn lock(tx: &mut Tx, id: i64, worker: &str) -> Result<Option<ChargeJob>, StoreError> {
    let job = match tx {
        Tx::Sqlite(c) => {
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM subscription_charges \
                 WHERE id = $1 AND locked_by = $2 AND state = 'pending'"
            ));
            sqlx::query_as(sql)
                .bind(id)
                .bind(worker)
                .fetch_optional(&mut **c)
                .await?
        }
        Tx::Postgres(c) => {
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM subscription_charges \
                 WHERE id = $1 AND locked_by = $2 AND state = 'pending' FOR UPDATE"
            ));
            sqlx::query_as(sql)
                .bind(id)
                .bind(worker)
                .fetch_optional(&mut **c)
                .await?
        }
    };
    Ok(job)
}

/// Ends, as `done`, the pending job whose charge is `transaction_id` (of `subscription_id`),
/// inside the commit that settles that payment, and returns it; `None` when no such job is
/// pending.
pub async fn finish_for(
    tx: &mut Tx,
    subscription_id: &str,
    transaction_id: i64,
    now_ms: i64,
) -> Result<Option<ChargeJob>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE subscription_charges SET state = 'done', finished_at = $3, locked_until = NULL, \
           locked_by = NULL \
         WHERE subscription_id = $1 AND transaction_id = $2 AND state = 'pending' \
         RETURNING {COLUMNS}"
    ));
    let job = on_tx!(tx, c => sqlx::query_as(sql).bind(subscription_id).bind(transaction_id)
        .bind(now_ms).fetch_optional(&mut **c).await)?;
    Ok(job)
}

/// Records the job's transaction, in the commit that creates it.
pub async fn attach(tx: &mut Tx, id: i64, transaction_id: i64) -> Result<(), StoreError> {
    let sql = "UPDATE subscription_charges SET transaction_id = $1 WHERE id = $2";
    on_tx!(tx, c => sqlx::query(sql).bind(transaction_id).bind(id)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ends job `id` as `done` or `stale`, releasing its lease.
pub async fn finish(tx: &mut Tx, id: i64, state: &str, now_ms: i64) -> Result<(), StoreError> {
    let sql = "UPDATE subscription_charges SET state = $1, finished_at = $2, locked_until = NULL, \
           locked_by = NULL WHERE id = $3";
    on_tx!(tx, c => sqlx::query(sql).bind(state).bind(now_ms).bind(id)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Every job of `site`'s subscriptions, oldest first (tests and the CLI).
pub async fn of_site(db: &Db, site: SiteId) -> Result<Vec<ChargeJob>, StoreError> {
    let sql = "SELECT j.id, j.subscription_id, j.period_index, j.attempt, j.due_at, j.state, \
           j.transaction_id FROM subscription_charges j \
         JOIN subscriptions s ON s.id = j.subscription_id WHERE s.site_id = $1 ORDER BY j.id";
    let jobs = crate::on_db!(db, pool => sqlx::query_as(sql).bind(site.0).fetch_all(pool).await)?;
    Ok(jobs)
}

/// [`lock`] for many jobs in one statement: those of `ids` still pending and leased to
/// `worker`, locked on PostgreSQL.
pub async fn lock_many(
    tx: &mut Tx,
    ids: &[i64],
    worker: &str,
) -> Result<Vec<ChargeJob>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut marks = params::Marks::on_tx(tx);
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM subscription_charges \
         WHERE locked_by = {} AND state = 'pending' AND id IN ({}){}",
        marks.one(),
        marks.list(ids.len()),
        tx.row_lock()
    ));
    let jobs = on_tx!(tx, c => {
        let mut q = sqlx::query_as(sql).persistent(false).bind(worker);
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut **c).await
    })?;
    Ok(jobs)
}

/// [`attach`] for many jobs in one statement: `(job id, transaction id)` pairs.
pub async fn attach_many(tx: &mut Tx, links: &[(i64, i64)]) -> Result<(), StoreError> {
    if links.is_empty() {
        return Ok(());
    }
    let values = params::Marks::on_tx(tx).typed_rows(links.len(), &["BIGINT", "BIGINT"]);
    let sql = sqlx::AssertSqlSafe(format!(
        "WITH v(v_id, v_transaction) AS (VALUES {values}) \
         UPDATE subscription_charges SET transaction_id = v_transaction FROM v WHERE id = v_id"
    ));
    on_tx!(tx, c => {
        let mut q = sqlx::query(sql).persistent(false);
        for (job, transaction) in links {
            q = q.bind(*job).bind(*transaction);
        }
        q.execute(&mut **c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// [`finish`] for many jobs in one statement, all ending in `state`.
pub async fn finish_many(
    tx: &mut Tx,
    ids: &[i64],
    state: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut marks = params::Marks::on_tx(tx);
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE subscription_charges SET state = {}, finished_at = {}, locked_until = NULL, \
           locked_by = NULL WHERE id IN ({})",
        marks.one(),
        marks.one(),
        marks.list(ids.len())
    ));
    on_tx!(tx, c => {
        let mut q = sqlx::query(sql).persistent(false).bind(state).bind(now_ms);
        for id in ids {
            q = q.bind(*id);
        }
        q.execute(&mut **c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// [`finish_for`] for many settled payments in one statement: `(subscription id, transaction
/// id)` pairs; answers the pending jobs it ended.
pub async fn finish_for_many(
    tx: &mut Tx,
    charges: &[(&str, i64)],
    now_ms: i64,
) -> Result<Vec<ChargeJob>, StoreError> {
    if charges.is_empty() {
        return Ok(Vec::new());
    }
    let mut marks = params::Marks::on_tx(tx);
    let values = marks.typed_rows(charges.len(), &["TEXT", "BIGINT"]);
    let now = marks.one();
    let sql = sqlx::AssertSqlSafe(format!(
        "WITH v(v_subscription, v_transaction) AS (VALUES {values}) \
         UPDATE subscription_charges SET state = 'done', finished_at = {now}, \
           locked_until = NULL, locked_by = NULL \
         FROM v WHERE subscription_id = v_subscription AND transaction_id = v_transaction \
           AND state = 'pending' \
         RETURNING {COLUMNS}"
    ));
    let jobs = on_tx!(tx, c => {
        let mut q = sqlx::query_as(sql).persistent(false);
        for (subscription, transaction) in charges {
            q = q.bind(*subscription).bind(*transaction);
        }
        q.bind(now_ms).fetch_all(&mut **c).await
    })?;
    Ok(jobs)
}
