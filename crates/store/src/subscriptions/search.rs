//! The cabinet's view of an account's subscriptions: every site of the account (never another
//! account's), filtered by status and site, searched by the subscription's id, the payer's
//! AccountId or e-mail, newest first a page at a time by key (`created_at` and `id` below the
//! last row shown, never `OFFSET`); the matches' count and monthly amount per status and currency
//! ([`summary`]); and one subscription's charges with their transactions ([`charges_of`]).

use oblako_core::ids::AccountId;

use super::{COLUMNS, SubscriptionRow};
use crate::bind_args;
use crate::params::Arg;
use crate::{Db, StoreError, on_db};

/// What to look for; `None` leaves a field out.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// The subscription's id, the payer's `AccountId` or e-mail (any of the three matches).
    pub key: Option<String>,
    /// One site.
    pub site: Option<i64>,
    /// Status spelling.
    pub status: Option<String>,
}

/// Where a page starts: below this row in the list's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The last row's `created_at`.
    pub created_at: i64,
    /// The last row's id.
    pub id: String,
}

/// The filter every query here shares, with its values in placeholder order; `$1` is the account.
fn filter<'a>(account: AccountId, s: &'a Search) -> (String, Vec<Arg<'a>>) {
    let mut sql = String::from("WHERE s.site_id IN (SELECT id FROM sites WHERE account_id = $1)");
    let mut args = vec![Arg::Int(account.0)];
    if let Some(key) = s.key.as_deref() {
        args.push(Arg::Text(key));
        let n = args.len();
        sql.push_str(&format!(
            " AND (s.id = ${n} OR s.account_id = ${n} OR s.email = ${n})"
        ));
    }
    if let Some(site) = s.site {
        args.push(Arg::Int(site));
        sql.push_str(&format!(" AND s.site_id = ${}", args.len()));
    }
    if let Some(status) = s.status.as_deref() {
        args.push(Arg::Text(status));
        sql.push_str(&format!(" AND s.status = ${}", args.len()));
    }
    (sql, args)
}

/// A page of matches after `after` (from the newest when `None`), newest first.
pub async fn search(
    db: &Db,
    account: AccountId,
    s: &Search,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<SubscriptionRow>, StoreError> {
    let columns = crate::params::qualified(COLUMNS, "s");
    let (mut filter, mut args) = filter(account, s);
    if let Some(cursor) = after {
        args.push(Arg::Int(cursor.created_at));
        args.push(Arg::Text(&cursor.id));
        let (a, b) = (args.len() - 1, args.len());
        filter.push_str(&format!(
            " AND (s.created_at < ${a} OR (s.created_at = ${a} AND s.id < ${b}))"
        ));
    }
    let sql = format!(
        "SELECT {columns} FROM subscriptions s {filter} \
         ORDER BY s.created_at DESC, s.id DESC LIMIT ${}",
        args.len() + 1
    );
    let rows = on_db!(db, pool => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &args)
        .bind(limit).fetch_all(pool).await)?;
    Ok(rows)
}

/// The subscription `id` if it belongs to a site of `account`.
pub async fn of_account(
    db: &Db,
    account: AccountId,
    id: &str,
) -> Result<Option<SubscriptionRow>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM subscriptions \
         WHERE id = $1 AND site_id IN (SELECT id FROM sites WHERE account_id = $2)"
    ));
    let row = on_db!(db, pool => sqlx::query_as(sql)
        .bind(id).bind(account.0).fetch_optional(pool).await)?;
    Ok(row)
}

/// The matches of one status and currency.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Summary {
    /// Status spelling.
    pub status: String,
    /// Currency code.
    pub currency: String,
    /// How many.
    pub count: i64,
    /// Their amounts normalised to a month, minor units (see [`MONTHLY_MINOR`]).
    pub monthly: i64,
}

/// One subscription's amount normalised to a month, in minor units, rounded half up:
/// a Day schedule × 30.4375 (= 487/16) ÷ period, a Week schedule × 4.348 (= 1087/250) ÷ period,
/// a Month schedule ÷ period. Integer arithmetic on both backends (amounts are positive, so
/// integer division is the floor); exact for amounts below 4 × 10¹⁵ minor units.
pub const MONTHLY_MINOR: &str = "CASE s.unit \
     WHEN 'Day' THEN (s.amount * 974 + 16 * s.period) / (32 * s.period) \
     WHEN 'Week' THEN (s.amount * 2174 + 250 * s.period) / (500 * s.period) \
     ELSE (s.amount * 2 + s.period) / (2 * s.period) END";

/// The matches' count and monthly amount (each subscription's, rounded, then summed) per status
/// and currency.
pub async fn summary(db: &Db, account: AccountId, s: &Search) -> Result<Vec<Summary>, StoreError> {
    let (filter, args) = filter(account, s);
    let sql = format!(
        "SELECT s.status, s.currency, CAST(COUNT(*) AS BIGINT) AS count, \
         CAST(SUM({MONTHLY_MINOR}) AS BIGINT) AS monthly \
         FROM subscriptions s {filter} GROUP BY s.status, s.currency \
         ORDER BY s.status, s.currency"
    );
    let rows = on_db!(db, pool => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &args)
        .fetch_all(pool).await)?;
    Ok(rows)
}

/// One charge of a subscription: a billing job and the payment it made, if any.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChargeLine {
    /// The slot charged.
    pub period_index: i64,
    /// 0 for the scheduled charge, 1 and 2 for the retries.
    pub attempt: i64,
    /// When it became due, Unix ms.
    pub due_at: i64,
    /// `pending`, `done` or `stale`.
    pub state: String,
    /// The payment.
    pub transaction_id: Option<i64>,
    /// The payment's status.
    pub transaction_status: Option<String>,
    /// The payment's amount, minor units.
    pub amount: Option<i64>,
}

/// Every charge of subscription `id`, newest first, at most `limit`.
pub async fn charges_of(db: &Db, id: &str, limit: i64) -> Result<Vec<ChargeLine>, StoreError> {
    let sql = "SELECT c.period_index, c.attempt, c.due_at, c.state, c.transaction_id, \
           t.status AS transaction_status, t.amount \
         FROM subscription_charges c LEFT JOIN transactions t ON t.id = c.transaction_id \
         WHERE c.subscription_id = $1 \
         ORDER BY c.period_index DESC, c.attempt DESC LIMIT $2";
    let rows = on_db!(db, pool => sqlx::query_as(sql)
        .bind(id).bind(limit).fetch_all(pool).await)?;
    Ok(rows)
}
