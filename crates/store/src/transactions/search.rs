//! The cabinet's search over an account's transactions: exact keys (id, InvoiceId, AccountId,
//! e-mail, card first six and last four), an amount range and filters (site, mode, status, kind,
//! currency, period), newest first a page at a time by key (`before` an id, never `OFFSET`),
//! and the filtered set's totals per currency.

use oblako_core::ids::AccountId;

use super::{COLUMNS, TransactionRow};
use crate::{Db, StoreError, on_db};

/// What to look for; `None` leaves a field out.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// `TransactionId`.
    pub id: Option<i64>,
    /// `InvoiceId`.
    pub invoice_id: Option<String>,
    /// The payer's `AccountId`.
    pub payer_account: Option<String>,
    /// Payer e-mail.
    pub email: Option<String>,
    /// Card BIN.
    pub first_six: Option<String>,
    /// Card last four.
    pub last_four: Option<String>,
    /// Smallest amount, minor units.
    pub min_amount: Option<i64>,
    /// Largest amount, minor units.
    pub max_amount: Option<i64>,
    /// One site.
    pub site: Option<i64>,
    /// `test` or `live`.
    pub mode: Option<String>,
    /// Status spelling.
    pub status: Option<String>,
    /// `payment` or `refund`.
    pub kind: Option<String>,
    /// Currency code.
    pub currency: Option<String>,
    /// Created at or after, Unix ms.
    pub from_ms: Option<i64>,
    /// Created before, Unix ms.
    pub to_ms: Option<i64>,
}

/// The filter every query here shares; `$1` is the account, `$2`–`$16` the search.
const WHERE: &str = "WHERE t.site_id IN (SELECT id FROM sites WHERE account_id = $1) \
    AND ($2 IS NULL OR t.id = $2) AND ($3 IS NULL OR t.invoice_id = $3) \
    AND ($4 IS NULL OR t.account_id = $4) AND ($5 IS NULL OR t.email = $5) \
    AND ($6 IS NULL OR t.card_first_six = $6) AND ($7 IS NULL OR t.card_last_four = $7) \
    AND ($8 IS NULL OR t.amount >= $8) AND ($9 IS NULL OR t.amount <= $9) \
    AND ($10 IS NULL OR t.site_id = $10) AND ($11 IS NULL OR t.mode = $11) \
    AND ($12 IS NULL OR t.status = $12) AND ($13 IS NULL OR t.kind = $13) \
    AND ($14 IS NULL OR t.currency = $14) AND ($15 IS NULL OR t.created_at >= $15) \
    AND ($16 IS NULL OR t.created_at < $16)";

macro_rules! bind_search {
    ($q:expr, $account:expr, $s:expr) => {{
        let s = $s;
        $q.bind($account.0)
            .bind(s.id)
            .bind(s.invoice_id.as_deref())
            .bind(s.payer_account.as_deref())
            .bind(s.email.as_deref())
            .bind(s.first_six.as_deref())
            .bind(s.last_four.as_deref())
            .bind(s.min_amount)
            .bind(s.max_amount)
            .bind(s.site)
            .bind(s.mode.as_deref())
            .bind(s.status.as_deref())
            .bind(s.kind.as_deref())
            .bind(s.currency.as_deref())
            .bind(s.from_ms)
            .bind(s.to_ms)
    }};
}

/// A page of matches with ids below `before`, newest first.
pub async fn search(
    db: &Db,
    account: AccountId,
    s: &Search,
    before: i64,
    limit: i64,
) -> Result<Vec<TransactionRow>, StoreError> {
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("t.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {columns} FROM transactions t {WHERE} AND t.id < $17 ORDER BY t.id DESC LIMIT $18"
    );
    let rows = on_db!(db, pool => bind_search!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), account, s)
        .bind(before).bind(limit).fetch_all(pool).await)?;
    Ok(rows)
}

/// Totals of the matches per currency.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Totals {
    /// Currency code.
    pub currency: String,
    /// Approved payments (authorized or completed): how many.
    pub approved_count: i64,
    /// Their sum, minor units.
    pub approved_sum: i64,
    /// Declined payments: how many.
    pub declined_count: i64,
    /// Their sum, minor units.
    pub declined_sum: i64,
}

/// The matches' totals per currency (refunds are not counted as approvals).
pub async fn totals(db: &Db, account: AccountId, s: &Search) -> Result<Vec<Totals>, StoreError> {
    let sql = format!(
        "SELECT t.currency, \
         CAST(SUM(CASE WHEN t.kind = 'payment' AND t.status IN ('Authorized', 'Completed') THEN 1 ELSE 0 END) AS BIGINT) AS approved_count, \
         CAST(SUM(CASE WHEN t.kind = 'payment' AND t.status IN ('Authorized', 'Completed') THEN t.amount ELSE 0 END) AS BIGINT) AS approved_sum, \
         CAST(SUM(CASE WHEN t.status = 'Declined' THEN 1 ELSE 0 END) AS BIGINT) AS declined_count, \
         CAST(SUM(CASE WHEN t.status = 'Declined' THEN t.amount ELSE 0 END) AS BIGINT) AS declined_sum \
         FROM transactions t {WHERE} GROUP BY t.currency ORDER BY t.currency"
    );
    let rows = on_db!(db, pool => bind_search!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), account, s).fetch_all(pool).await)?;
    Ok(rows)
}

/// The transaction `id` if it belongs to a site of `account`.
pub async fn of_account(
    db: &Db,
    account: AccountId,
    id: i64,
) -> Result<Option<TransactionRow>, StoreError> {
    let search = Search {
        id: Some(id),
        ..Search::default()
    };
    Ok(self::search(db, account, &search, i64::MAX, 1)
        .await?
        .into_iter()
        .next())
}
