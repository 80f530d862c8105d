//! The cabinet's view of an account's orders: every site of the account (never another
//! account's), filtered by site and status, searched by the order's number, its link id, its
//! InvoiceId or the payer's e-mail, newest first a page at a time by key (`internal_id` below the
//! last row shown, never `OFFSET`).

use oblako_core::ids::AccountId;

use super::{COLUMNS, OrderRow};
use crate::{Db, StoreError, on_db};

/// What to look for; `None` leaves a field out.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// The link id (`Id`), `InvoiceId` or the payer's e-mail (any of them matches).
    pub key: Option<String>,
    /// The per-site `Number` (of any of the account's sites).
    pub number: Option<i64>,
    /// One site.
    pub site: Option<i64>,
    /// `Created`, `Paid` or `Cancelled`.
    pub status: Option<String>,
}

/// A page of matches with `internal_id` below `before`, newest first.
pub async fn search(
    db: &Db,
    account: AccountId,
    s: &Search,
    before: i64,
    limit: i64,
) -> Result<Vec<OrderRow>, StoreError> {
    let columns = crate::params::qualified(COLUMNS, "o");
    let mut sql = format!(
        "SELECT {columns} FROM orders o \
         WHERE o.site_id IN (SELECT id FROM sites WHERE account_id = $1) AND o.internal_id < $2"
    );
    let mut n = 2;
    let mut next = || {
        n += 1;
        n
    };
    // The key and the number are alternatives: a text that reads as a number may be either.
    let key = match (&s.key, s.number) {
        (Some(_), Some(_)) => {
            let (a, b) = (next(), next());
            format!(
                " AND (o.public_id = ${a} OR o.invoice_id = ${a} OR o.email = ${a} OR o.number = ${b})"
            )
        }
        (Some(_), None) => {
            let a = next();
            format!(" AND (o.public_id = ${a} OR o.invoice_id = ${a} OR o.email = ${a})")
        }
        (None, Some(_)) => format!(" AND o.number = ${}", next()),
        (None, None) => String::new(),
    };
    sql.push_str(&key);
    if s.site.is_some() {
        sql.push_str(&format!(" AND o.site_id = ${}", next()));
    }
    if s.status.is_some() {
        sql.push_str(&format!(" AND o.status = ${}", next()));
    }
    sql.push_str(&format!(" ORDER BY o.internal_id DESC LIMIT ${}", next()));
    let rows = on_db!(db, pool => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(account.0)
            .bind(before);
        if let Some(key) = &s.key {
            q = q.bind(key.as_str());
        }
        if let Some(number) = s.number {
            q = q.bind(number);
        }
        if let Some(site) = s.site {
            q = q.bind(site);
        }
        if let Some(status) = &s.status {
            q = q.bind(status.as_str());
        }
        q.bind(limit).fetch_all(pool).await
    })?;
    Ok(rows)
}

/// The order whose link id is `public_id` if it belongs to a site of `account`.
pub async fn of_account(
    db: &Db,
    account: AccountId,
    public_id: &str,
) -> Result<Option<OrderRow>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM orders \
         WHERE public_id = $1 AND site_id IN (SELECT id FROM sites WHERE account_id = $2)"
    ));
    let row = on_db!(db, pool => sqlx::query_as(sql)
        .bind(public_id).bind(account.0).fetch_optional(pool).await)?;
    Ok(row)
}
