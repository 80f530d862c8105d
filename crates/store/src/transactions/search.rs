//! The cabinet's search over an account's transactions: exact keys (id, InvoiceId, AccountId,
//! e-mail, card first six and last four), an amount range and filters (site, mode, status, kind,
//! currency, period), newest first a page at a time by key (`before` an id, never `OFFSET`),
//! and the filtered set's totals per currency (from `daily_totals` when the filter allows).

use oblako_core::ids::AccountId;

use super::{COLUMNS, TransactionRow};
use crate::bind_args;
use crate::params::Arg;
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
    /// Refunds of this payment.
    pub original: Option<i64>,
}

/// The filter every query here shares, with only the fields `s` sets (so each backend plans the
/// query for the index those fields have), and its values in placeholder order; `$1` is the
/// account.
fn filter<'a>(account: AccountId, s: &'a Search) -> (String, Vec<Arg<'a>>) {
    let mut sql = String::from("WHERE t.site_id IN (SELECT id FROM sites WHERE account_id = $1)");
    let mut args = vec![Arg::Int(account.0)];
    let ints = [
        ("t.id =", s.id),
        ("t.amount >=", s.min_amount),
        ("t.amount <=", s.max_amount),
        ("t.site_id =", s.site),
        ("t.created_at >=", s.from_ms),
        ("t.created_at <", s.to_ms),
        ("t.original_id =", s.original),
    ];
    let texts = [
        ("t.invoice_id =", &s.invoice_id),
        ("t.account_id =", &s.payer_account),
        ("t.email =", &s.email),
        ("t.card_first_six =", &s.first_six),
        ("t.card_last_four =", &s.last_four),
        // Columns that match most rows are compared through `|| ''`, which no index serves: an
        // index on them (`transactions_created` starts with the mode) would make SQLite sort
        // every match by id instead of walking `transactions_site_id` newest first.
        ("t.mode || '' =", &s.mode),
        ("t.status || '' =", &s.status),
        ("t.kind || '' =", &s.kind),
        ("t.currency || '' =", &s.currency),
    ];
    let set = ints
        .into_iter()
        .filter_map(|(c, v)| Some((c, Arg::Int(v?))))
        .chain(
            texts
                .into_iter()
                .filter_map(|(c, v)| Some((c, Arg::Text(v.as_deref()?)))),
        );
    for (column, arg) in set {
        args.push(arg);
        sql.push_str(&format!(" AND {column} ${}", args.len()));
    }
    (sql, args)
}

/// A page of matches with ids below `before`, newest first.
pub async fn search(
    db: &Db,
    account: AccountId,
    s: &Search,
    before: i64,
    limit: i64,
) -> Result<Vec<TransactionRow>, StoreError> {
    let columns = crate::params::qualified(COLUMNS, "t");
    let (filter, args) = filter(account, s);
    let n = args.len();
    let sql = format!(
        "SELECT {columns} FROM transactions t {filter} AND t.id < ${} ORDER BY t.id DESC LIMIT ${}",
        n + 1,
        n + 2
    );
    let rows = on_db!(db, pool => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &args)
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

/// The matches' totals per currency (refunds are not counted as approvals): from the per-day
/// totals when they can answer ([`crate::daily_totals::answers`]), else by [`scan_totals`].
pub async fn totals(db: &Db, account: AccountId, s: &Search) -> Result<Vec<Totals>, StoreError> {
    if crate::daily_totals::answers(s) {
        return crate::daily_totals::totals(db, account, s).await;
    }
    scan_totals(db, account, s).await
}

/// The matches' totals per currency read from the matching transactions themselves.
pub async fn scan_totals(
    db: &Db,
    account: AccountId,
    s: &Search,
) -> Result<Vec<Totals>, StoreError> {
    let (filter, args) = filter(account, s);
    let sql = format!(
        "SELECT t.currency, \
         CAST(SUM(CASE WHEN t.kind = 'payment' AND t.status IN ('Authorized', 'Completed') THEN 1 ELSE 0 END) AS BIGINT) AS approved_count, \
         CAST(SUM(CASE WHEN t.kind = 'payment' AND t.status IN ('Authorized', 'Completed') THEN t.amount ELSE 0 END) AS BIGINT) AS approved_sum, \
         CAST(SUM(CASE WHEN t.status = 'Declined' THEN 1 ELSE 0 END) AS BIGINT) AS declined_count, \
         CAST(SUM(CASE WHEN t.status = 'Declined' THEN t.amount ELSE 0 END) AS BIGINT) AS declined_sum \
         FROM transactions t {filter} GROUP BY t.currency ORDER BY t.currency"
    );
    let rows = on_db!(db, pool => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &args).fetch_all(pool).await)?;
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
