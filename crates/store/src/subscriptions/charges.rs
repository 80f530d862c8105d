//! Billing jobs: "charge subscription S for slot P, attempt A".
//!
//! [`enqueue_due`] turns every billing subscription whose `next_at` has come into a job, in one
//! statement, with `ON CONFLICT DO NOTHING` on the unique `(subscription_id, period_index,
//! attempt)`: however many nodes tick, a slot's attempt exists once. [`claim_due`] leases jobs to
//! a worker (`FOR UPDATE SKIP LOCKED` on PostgreSQL, one statement on SQLite's single writer);
//! the worker then [`lock`]s its job inside each write transaction, [`attach`]es the charge's
//! transaction in the commit that creates it, and [`finish`]es the job in the commit that applies
//! the outcome to the subscription.

use oblako_core::ids::SiteId;

use crate::lease::Queue;
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

/// Enqueues a job for every Active or PastDue subscription due at the wall clock `now_ms` (each
/// on its site's clock); returns how many were new. One slot per subscription at a time: a site
/// whose clock jumped months ahead gets the next slot's job once this one's charge moved
/// `next_at` on, so missed periods are charged in order, once each.
pub async fn enqueue_due(db: &Db, now_ms: i64) -> Result<u64, StoreError> {
    let sql = concat!(
        "INSERT INTO subscription_charges (subscription_id, period_index, attempt, due_at, \
           state, created_at) \
         SELECT s.id, s.period_index, s.failed, s.next_at, 'pending', $1 FROM subscriptions s \
         WHERE s.status IN ('Active', 'PastDue') AND ",
        crate::site_due!("s.next_at", "s.site_id", "$1"),
        " ON CONFLICT (subscription_id, period_index, attempt) DO NOTHING"
    );
    let added = in_write!(db, c => sqlx::query(sql)
        .bind(now_ms).execute(&mut **c).await.map(|r| r.rows_affected()));
    Ok(added)
}

/// The earliest wall-clock time after `now_ms` at which an Active or PastDue subscription falls
/// due on its site's clock: when the next tick has something new to enqueue.
pub async fn next_due_after(db: &Db, now_ms: i64) -> Result<Option<i64>, StoreError> {
    let sql = concat!(
        "SELECT MIN(t.wall) FROM (SELECT s.next_at - ",
        crate::site_offset!("s.site_id"),
        " AS wall FROM subscriptions s WHERE s.status IN ('Active', 'PastDue')) t \
         WHERE t.wall > $1"
    );
    let at = crate::on_db!(db, pool => sqlx::query_scalar(sql).bind(now_ms).fetch_one(pool).await)?;
    Ok(at)
}

/// The billing jobs as a lease queue; a job's site is its subscription's.
const QUEUE: Queue = Queue {
    table: "subscription_charges",
    key: "id",
    waiting: "state = 'pending'",
    due: "due_at",
    site: "(SELECT s.site_id FROM subscriptions s WHERE s.id = q.subscription_id)",
    order: "due_at, id",
    also_set: "",
    returning: COLUMNS,
};

/// Leases up to `limit` pending due jobs (each on its subscription's site's clock) to `worker`
/// until `now_ms + lease_ms`. A job whose
/// worker died is taken again once its lease ran out.
pub async fn claim_due(
    db: &Db,
    now_ms: i64,
    lease_ms: i64,
    worker: &str,
    limit: i64,
) -> Result<Vec<ChargeJob>, StoreError> {
    let mut jobs: Vec<ChargeJob> = QUEUE.claim(db, now_ms, lease_ms, worker, limit).await?;
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
