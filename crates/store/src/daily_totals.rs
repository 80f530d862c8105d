//! Per-day totals of transactions: table `daily_totals`, one bucket per (site, mode, UTC day of
//! creation, currency, kind, status) with the count, SUM(amount), SUM(captured) and
//! SUM(refunded) of its transactions, so totals over long periods read a few rows a day instead
//! of every transaction.
//!
//! `day` is the day number `created_at / 86400000` (UTC days since 1970-01-01, [`day_of`]).
//! The buckets are kept exact by triggers on `transactions` (migration `0015_daily_totals`), in
//! the statement that writes a transaction and so in its commit: an insert adds to its bucket, a
//! status change (or a new captured or refunded amount) moves the transaction from its old
//! bucket to its new one. Triggers rather than a call after each write because every path that
//! writes transactions is covered by construction (single payments, the grouped statements of
//! `group` that run in autocommit, the set-wise billing writes, the seeder), and because a
//! compare-and-set knows the row's old status but not its old captured and refunded amounts.
//! On PostgreSQL a bucket is spread over up to 16 `shard` rows (one per backend modulo 16) so
//! concurrent commits do not queue on one hot row; every read here sums over the shards.
//!
//! The cabinet's totals ([`totals`]) come from here whenever the search has only site, mode,
//! status, kind, currency and a period ([`answers`]): whole days from the buckets, the partial
//! days at a period's edges from `transactions` (just those slices), in one statement.

use oblako_core::ids::AccountId;

use crate::bind_args;
use crate::params::Arg;
use crate::transactions::search::{Search, Totals};
use crate::{Db, StoreError, on_db};

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// The day number of a Unix-ms time: UTC days since 1970-01-01.
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// One bucket, summed over its shards.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, sqlx::FromRow)]
pub struct Bucket {
    /// Site.
    pub site_id: i64,
    /// `test` or `live`.
    pub mode: String,
    /// Day number ([`day_of`]).
    pub day: i64,
    /// Currency code.
    pub currency: String,
    /// `payment` or `refund`.
    pub kind: String,
    /// Status spelling.
    pub status: String,
    /// Transactions.
    pub count: i64,
    /// SUM(amount), minor units.
    pub amount: i64,
    /// SUM(captured), minor units.
    pub captured: i64,
    /// SUM(refunded), minor units.
    pub refunded: i64,
}

/// The non-empty buckets of `site` from day `from_day` (inclusive) to `to_day` (exclusive),
/// in key order.
pub async fn buckets(
    db: &Db,
    site: i64,
    from_day: i64,
    to_day: i64,
) -> Result<Vec<Bucket>, StoreError> {
    let sql = "SELECT site_id, mode, day, currency, kind, status, \
         CAST(SUM(count) AS BIGINT) AS count, CAST(SUM(amount) AS BIGINT) AS amount, \
         CAST(SUM(captured) AS BIGINT) AS captured, CAST(SUM(refunded) AS BIGINT) AS refunded \
         FROM daily_totals WHERE site_id = $1 AND day >= $2 AND day < $3 \
         GROUP BY site_id, mode, day, currency, kind, status \
         HAVING SUM(count) <> 0 OR SUM(amount) <> 0 OR SUM(captured) <> 0 OR SUM(refunded) <> 0 \
         ORDER BY site_id, mode, day, currency, kind, status";
    let rows = on_db!(db, pool => sqlx::query_as(sql)
        .bind(site).bind(from_day).bind(to_day).fetch_all(pool).await)?;
    Ok(rows)
}

/// The same buckets computed from `transactions` itself (what [`buckets`] must equal; for
/// tests and for checking a database by hand).
pub async fn buckets_from_transactions(
    db: &Db,
    site: i64,
    from_day: i64,
    to_day: i64,
) -> Result<Vec<Bucket>, StoreError> {
    let sql = "SELECT site_id, mode, created_at / 86400000 AS day, currency, kind, status, \
         CAST(COUNT(*) AS BIGINT) AS count, CAST(SUM(amount) AS BIGINT) AS amount, \
         CAST(SUM(captured) AS BIGINT) AS captured, CAST(SUM(refunded) AS BIGINT) AS refunded \
         FROM transactions WHERE site_id = $1 AND created_at >= $2 AND created_at < $3 \
         GROUP BY site_id, mode, created_at / 86400000, currency, kind, status \
         ORDER BY site_id, mode, day, currency, kind, status";
    let rows = on_db!(db, pool => sqlx::query_as(sql)
        .bind(site)
        .bind(from_day.saturating_mul(DAY_MS))
        .bind(to_day.saturating_mul(DAY_MS))
        .fetch_all(pool).await)?;
    Ok(rows)
}

/// Whether [`totals`] can answer `s` from the buckets: it filters by nothing but site, mode,
/// status, kind, currency and a period.
pub fn answers(s: &Search) -> bool {
    s.id.is_none()
        && s.invoice_id.is_none()
        && s.payer_account.is_none()
        && s.email.is_none()
        && s.first_six.is_none()
        && s.last_four.is_none()
        && s.min_amount.is_none()
        && s.max_amount.is_none()
        && s.original.is_none()
}

/// Which days a period `[from, to)` reads from the buckets (`[first, end)`, either side open
/// when the period is) and which slices of `transactions` at its edges it reads directly.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Split {
    first_day: Option<i64>,
    end_day: Option<i64>,
    /// `false` when the period has no whole day: then it is read directly, all of it.
    whole_days: bool,
    slices: Vec<(i64, i64)>,
}

fn split(from_ms: Option<i64>, to_ms: Option<i64>) -> Split {
    let first_day = from_ms.map(|f| day_of(f) + i64::from(f.rem_euclid(DAY_MS) != 0));
    let end_day = to_ms.map(day_of);
    if let (Some(f), Some(t), Some(a), Some(b)) = (from_ms, to_ms, first_day, end_day)
        && a >= b
    {
        return Split {
            first_day: None,
            end_day: None,
            whole_days: false,
            slices: vec![(f, t)],
        };
    }
    let mut slices = Vec::new();
    if let (Some(f), Some(a)) = (from_ms, first_day)
        && f < a * DAY_MS
    {
        slices.push((f, a * DAY_MS));
    }
    if let (Some(t), Some(b)) = (to_ms, end_day)
        && b * DAY_MS < t
    {
        slices.push((b * DAY_MS, t));
    }
    Split {
        first_day,
        end_day,
        whole_days: true,
        slices,
    }
}

/// ` AND` conditions on the columns the buckets share with `transactions`, for table `alias`,
/// with placeholders numbered after those already in `args`.
fn shared_filter<'a>(alias: &str, s: &'a Search, args: &mut Vec<Arg<'a>>) -> String {
    let mut sql = String::new();
    if let Some(site) = s.site {
        args.push(Arg::Int(site));
        sql.push_str(&format!(" AND {alias}.site_id = ${}", args.len()));
    }
    for (column, value) in [
        ("mode", &s.mode),
        ("status", &s.status),
        ("kind", &s.kind),
        ("currency", &s.currency),
    ] {
        if let Some(v) = value {
            args.push(Arg::Text(v));
            sql.push_str(&format!(" AND {alias}.{column} = ${}", args.len()));
        }
    }
    sql
}

/// The totals of `s` (which [`answers`] must accept) per currency, as
/// `transactions::search::totals` counts them: whole days from the buckets, the edges of the
/// period from `transactions`.
pub async fn totals(db: &Db, account: AccountId, s: &Search) -> Result<Vec<Totals>, StoreError> {
    let split = split(s.from_ms, s.to_ms);
    let mut args = vec![Arg::Int(account.0)];
    let mut parts = Vec::new();
    if split.whole_days {
        let mut sql = format!(
            "SELECT d.currency, d.kind, d.status, d.count AS n, d.amount AS amount \
             FROM daily_totals d WHERE d.site_id IN (SELECT id FROM sites WHERE account_id = $1){}",
            shared_filter("d", s, &mut args)
        );
        for (bound, op) in [(split.first_day, ">="), (split.end_day, "<")] {
            if let Some(day) = bound {
                args.push(Arg::Int(day));
                sql.push_str(&format!(" AND d.day {op} ${}", args.len()));
            }
        }
        parts.push(sql);
    }
    for (from, to) in split.slices {
        let mut sql = format!(
            "SELECT t.currency, t.kind, t.status, 1 AS n, t.amount AS amount \
             FROM transactions t WHERE t.site_id IN (SELECT id FROM sites WHERE account_id = $1){}",
            shared_filter("t", s, &mut args)
        );
        args.push(Arg::Int(from));
        args.push(Arg::Int(to));
        sql.push_str(&format!(
            " AND t.created_at >= ${} AND t.created_at < ${}",
            args.len() - 1,
            args.len()
        ));
        parts.push(sql);
    }
    let sql = format!(
        "SELECT x.currency, \
         CAST(SUM(CASE WHEN x.kind = 'payment' AND x.status IN ('Authorized', 'Completed') THEN x.n ELSE 0 END) AS BIGINT) AS approved_count, \
         CAST(SUM(CASE WHEN x.kind = 'payment' AND x.status IN ('Authorized', 'Completed') THEN x.amount ELSE 0 END) AS BIGINT) AS approved_sum, \
         CAST(SUM(CASE WHEN x.status = 'Declined' THEN x.n ELSE 0 END) AS BIGINT) AS declined_count, \
         CAST(SUM(CASE WHEN x.status = 'Declined' THEN x.amount ELSE 0 END) AS BIGINT) AS declined_sum \
         FROM ({}) x GROUP BY x.currency HAVING SUM(x.n) > 0 ORDER BY x.currency",
        parts.join(" UNION ALL ")
    );
    let rows = on_db!(db, pool => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &args)
        .fetch_all(pool).await)?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: i64 = DAY_MS;

    #[test]
    fn split_periods() {
        // Whole days only.
        let s = split(Some(10 * D), Some(12 * D));
        assert_eq!(
            (s.first_day, s.end_day, s.whole_days),
            (Some(10), Some(12), true)
        );
        assert!(s.slices.is_empty());
        // Partial days at both edges.
        let s = split(Some(10 * D + 5), Some(12 * D + 7));
        assert_eq!((s.first_day, s.end_day), (Some(11), Some(12)));
        assert_eq!(s.slices, vec![(10 * D + 5, 11 * D), (12 * D, 12 * D + 7)]);
        // Inside one day, or two partial days with no whole one between: all direct.
        let s = split(Some(10 * D + 5), Some(10 * D + 9));
        assert!(!s.whole_days);
        assert_eq!(s.slices, vec![(10 * D + 5, 10 * D + 9)]);
        let s = split(Some(10 * D + 5), Some(11 * D + 9));
        assert!(!s.whole_days);
        // Open sides.
        let s = split(None, Some(3 * D + 1));
        assert_eq!((s.first_day, s.end_day), (None, Some(3)));
        assert_eq!(s.slices, vec![(3 * D, 3 * D + 1)]);
        let s = split(None, None);
        assert!(s.whole_days && s.slices.is_empty());
    }

    #[test]
    fn days_are_utc_day_numbers() {
        assert_eq!(day_of(0), 0);
        assert_eq!(day_of(D - 1), 0);
        assert_eq!(day_of(D), 1);
        assert_eq!(day_of(-1), -1);
    }
}
