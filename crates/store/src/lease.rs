//! The one lease queue: claim due rows for a worker for a while, and finish them only while the
//! lease is still the worker's.
//!
//! The outboxes (notifications, messages to payers, receipts) and the billing jobs are tables of
//! jobs with `locked_until` (wall-clock Unix ms) and `locked_by`. [`Queue::claim`] leases due rows
//! in one statement and nothing stays locked while the worker works; a worker that dies loses its
//! rows when the lease runs out. On PostgreSQL rows another node is claiming are skipped (`FOR
//! UPDATE SKIP LOCKED`), never waited for and never taken twice; SQLite has one writer, so the
//! statement alone is atomic. A row is due when its due time has come on its own site's clock
//! ([`site_due!`](crate::site_due)); leases run on the wall clock. The finishing update of each
//! queue sets its own columns, and guards and releases with [`held_by!`](crate::held_by) and
//! [`release!`](crate::release).

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use crate::{Db, StoreError, in_write};

/// SQL that ends a lease, for a finishing update's `SET`.
#[macro_export]
macro_rules! release {
    () => {
        "locked_until = NULL, locked_by = NULL"
    };
}

/// SQL true when nobody's lease on the row (columns qualified by `$alias`) still runs at the wall
/// clock `$now`.
#[macro_export]
macro_rules! lease_free {
    ($alias:literal, $now:literal) => {
        concat!(
            "(",
            $alias,
            ".locked_until IS NULL OR ",
            $alias,
            ".locked_until < ",
            $now,
            ")"
        )
    };
}

/// SQL true when the row's lease is `$worker`'s: a finishing update applies only then, so a
/// worker whose lease ran out (and whose row another worker took) overwrites nothing.
#[macro_export]
macro_rules! held_by {
    ($worker:literal) => {
        concat!("locked_by = ", $worker)
    };
}

/// A table of leased jobs.
#[derive(Debug, Clone, Copy)]
pub struct Queue {
    /// The table.
    pub table: &'static str,
    /// The key the claim selects by (`id`).
    pub key: &'static str,
    /// SQL true for a row still waiting to be worked (`state = 'pending'`).
    pub waiting: &'static str,
    /// The column of the due time, in its site's time.
    pub due: &'static str,
    /// SQL naming the row's site (`site_id`, or a subquery).
    pub site: &'static str,
    /// The order claims take rows in.
    pub order: &'static str,
    /// More of the claim's `SET` (`, attempts = attempts + 1`), or empty.
    pub also_set: &'static str,
    /// The columns the claim answers.
    pub returning: &'static str,
}

impl Queue {
    /// The claim statement for `db`'s backend.
    fn claim_sql(&self, db: &Db) -> String {
        let lock = match db {
            Db::Sqlite(_) => "",
            Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        };
        let Queue {
            table,
            key,
            waiting,
            due,
            site,
            order,
            also_set,
            returning,
        } = *self;
        format!(
            "UPDATE {table} SET locked_until = $2, locked_by = $3{also_set} WHERE {key} IN (\
               SELECT {key} FROM {table} q WHERE {waiting} AND {free} \
                 AND q.{due} <= $1 + (SELECT COALESCE(MAX(k.offset_ms), 0) FROM site_clocks k) \
                 AND q.{due} <= $1 + COALESCE(\
                   (SELECT k.offset_ms FROM site_clocks k WHERE k.site_id = {site}), 0) \
               ORDER BY {order} LIMIT $4{lock}) RETURNING {returning}",
            free = lease_free!("q", "$1"),
        )
    }

    /// Leases up to `limit` rows due at the wall clock `now_ms` (each on its site's clock) to
    /// `worker` until `now_ms + lease_ms`, in the queue's order, and answers them (in no promised
    /// order). `worker` must be unique to the claiming loop: it is how the finishing update knows
    /// the lease is still its own.
    pub async fn claim<R>(
        &self,
        db: &Db,
        now_ms: i64,
        lease_ms: i64,
        worker: &str,
        limit: i64,
    ) -> Result<Vec<R>, StoreError>
    where
        R: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin,
    {
        let sql = sqlx::AssertSqlSafe(self.claim_sql(db));
        let until = now_ms.saturating_add(lease_ms);
        let rows: Vec<R> = in_write!(db, c => sqlx::query_as(sql)
            .bind(now_ms).bind(until).bind(worker).bind(limit)
            .fetch_all(&mut **c).await);
        Ok(rows)
    }
}
