//! Orders (payment links): created with a per-site number, read by the merchant within its site
//! and mode or by the payer through the link's id, cancelled, and paid at most once.
//!
//! A payment attempt claims the order with [`attach_transaction`] inside the transaction that
//! creates the payment: the claim succeeds only while the order is `Created` and its previous
//! attempt, if any, ended `Declined` or `Cancelled`. Racing attempts serialize on the order row
//! (PostgreSQL's row lock, SQLite's single writer), so of two attempts one fails its claim and
//! never reaches the bank. [`settle_paid`] marks the order `Paid` in the commit that records the
//! approval.

use oblako_core::ids::{Mode, SiteId};
use oblako_core::money::Currency;
use oblako_core::order::OrderStatus;

use crate::{Db, StoreError, Tx, in_write, on_db, on_tx};

pub mod search;

/// An order to insert.
#[derive(Debug, Clone)]
pub struct NewOrder<'a> {
    /// The 16-character id in the link.
    pub public_id: &'a str,
    /// Owning site.
    pub site: SiteId,
    /// Mode of the credentials that created it.
    pub mode: Mode,
    /// Amount, minor units.
    pub amount: i64,
    /// Currency code.
    pub currency: &'a str,
    /// Purpose.
    pub description: &'a str,
    /// Payer e-mail.
    pub email: Option<&'a str>,
    /// Payer phone.
    pub phone: Option<&'a str>,
    /// Two-stage payment.
    pub require_confirmation: bool,
    /// Merchant order number.
    pub invoice_id: Option<&'a str>,
    /// Merchant payer id.
    pub account_id: Option<&'a str>,
    /// Terms link.
    pub offer_uri: Option<&'a str>,
    /// `CultureName`.
    pub culture: &'a str,
    /// `CreateWeekly` or `CreateMonthly`.
    pub subscription_behavior: Option<&'a str>,
    /// Where the payer goes after paying.
    pub success_redirect_url: Option<&'a str>,
    /// Where the payer goes after a decline.
    pub fail_redirect_url: Option<&'a str>,
    /// Merchant JSON text.
    pub json_data: Option<&'a str>,
    /// E-mail the link.
    pub send_email: bool,
    /// Text the link.
    pub send_sms: bool,
    /// Send the link by Viber.
    pub send_viber: bool,
    /// Send the link by WhatsApp.
    pub send_whatsapp: bool,
    /// Now, Unix ms.
    pub created_at: i64,
}

/// A stored order.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrderRow {
    /// The gateway's numeric id (`InternalId`).
    pub internal_id: i64,
    /// The id in the link (`Id`).
    pub public_id: String,
    /// Owning site.
    #[sqlx(try_from = "i64")]
    pub site_id: SiteId,
    /// Test or live.
    #[sqlx(try_from = "crate::spelled::Spelled<Mode>")]
    pub mode: Mode,
    /// Per-site sequential number (`Number`).
    pub number: i64,
    /// Where it is in its life.
    #[sqlx(try_from = "crate::spelled::Spelled<OrderStatus>")]
    pub status: OrderStatus,
    /// Amount, minor units.
    pub amount: i64,
    /// The currency.
    #[sqlx(try_from = "crate::spelled::Spelled<Currency>")]
    pub currency: Currency,
    /// Purpose.
    pub description: String,
    /// Payer e-mail.
    pub email: Option<String>,
    /// Payer phone.
    pub phone: Option<String>,
    /// Two-stage payment.
    pub require_confirmation: bool,
    /// Merchant order number.
    pub invoice_id: Option<String>,
    /// Merchant payer id.
    pub account_id: Option<String>,
    /// Terms link.
    pub offer_uri: Option<String>,
    /// `CultureName`.
    pub culture: String,
    /// `CreateWeekly` or `CreateMonthly`.
    pub subscription_behavior: Option<String>,
    /// Where the payer goes after paying.
    pub success_redirect_url: Option<String>,
    /// Where the payer goes after a decline.
    pub fail_redirect_url: Option<String>,
    /// Merchant JSON text.
    pub json_data: Option<String>,
    /// E-mail the link.
    pub send_email: bool,
    /// Text the link.
    pub send_sms: bool,
    /// Send the link by Viber.
    pub send_viber: bool,
    /// Send the link by WhatsApp.
    pub send_whatsapp: bool,
    /// The latest payment attempt; the paying one once `Paid`.
    pub transaction_id: Option<i64>,
    /// Creation, Unix ms.
    pub created_at: i64,
    /// Payment, Unix ms.
    pub paid_at: Option<i64>,
    /// Cancellation, Unix ms.
    pub cancelled_at: Option<i64>,
    /// Last change, Unix ms.
    pub updated_at: i64,
}

const COLUMNS: &str = "internal_id, public_id, site_id, mode, number, status, amount, currency, \
     description, email, phone, require_confirmation, invoice_id, account_id, offer_uri, culture, \
     subscription_behavior, success_redirect_url, fail_redirect_url, json_data, send_email, \
     send_sms, send_viber, send_whatsapp, transaction_id, created_at, paid_at, cancelled_at, \
     updated_at";

macro_rules! select {
    ($tail:literal) => {
        sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM orders {}", $tail))
    };
}

/// No attempt yet, or the last one ended without taking money.
const NO_LIVE_ATTEMPT: &str = "(transaction_id IS NULL OR EXISTS (SELECT 1 FROM transactions t \
     WHERE t.id = orders.transaction_id AND t.status IN ('Declined', 'Cancelled')))";

/// Inserts an order with the site's next number and returns it as stored.
pub async fn insert(tx: &mut Tx, o: &NewOrder<'_>) -> Result<OrderRow, StoreError> {
    let number = "INSERT INTO order_numbers (site_id, last_number) VALUES ($1, 1) \
         ON CONFLICT (site_id) DO UPDATE SET last_number = order_numbers.last_number + 1 \
         RETURNING last_number";
    let insert = sqlx::AssertSqlSafe(format!(
        "INSERT INTO orders (public_id, site_id, mode, number, status, amount, currency, \
           description, email, phone, require_confirmation, invoice_id, account_id, offer_uri, \
           culture, subscription_behavior, success_redirect_url, fail_redirect_url, json_data, \
           send_email, send_sms, send_viber, send_whatsapp, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'Created', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
           $16, $17, $18, $19, $20, $21, $22, $23, $23) RETURNING {COLUMNS}"
    ));
    let row = on_tx!(tx, c => {
        let n: i64 = sqlx::query_scalar(number).bind(o.site.0).fetch_one(&mut **c).await?;
        sqlx::query_as(insert)
            .bind(o.public_id).bind(o.site.0).bind(o.mode.as_str()).bind(n).bind(o.amount)
            .bind(o.currency).bind(o.description).bind(o.email).bind(o.phone)
            .bind(o.require_confirmation).bind(o.invoice_id).bind(o.account_id).bind(o.offer_uri)
            .bind(o.culture).bind(o.subscription_behavior).bind(o.success_redirect_url)
            .bind(o.fail_redirect_url).bind(o.json_data).bind(o.send_email).bind(o.send_sms)
            .bind(o.send_viber).bind(o.send_whatsapp).bind(o.created_at)
            .fetch_one(&mut **c).await
    })?;
    Ok(row)
}

/// The order `public_id` of `site` in `mode`; another site's order is simply not found.
pub async fn get(
    db: &Db,
    site: SiteId,
    mode: Mode,
    public_id: &str,
) -> Result<Option<OrderRow>, StoreError> {
    let sql = select!("WHERE public_id = $1 AND site_id = $2 AND mode = $3");
    let row = on_db!(db, pool => sqlx::query_as(sql)
        .bind(public_id).bind(site.0).bind(mode.as_str()).fetch_optional(pool).await)?;
    Ok(row)
}

/// The order behind a payment link: the id is the payer's only credential.
pub async fn by_link(db: &Db, public_id: &str) -> Result<Option<OrderRow>, StoreError> {
    let sql = select!("WHERE public_id = $1");
    let row = on_db!(db, pool => sqlx::query_as(sql).bind(public_id).fetch_optional(pool).await)?;
    Ok(row)
}

/// What [`cancel`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancelled {
    /// The order is cancelled now.
    Done,
    /// No such order for this site and mode.
    NotFound,
    /// It was paid, already cancelled, or a payment of it is under way.
    Refused,
}

/// Cancels a `Created` order of `site` that no payment attempt is still working on.
pub async fn cancel(
    db: &Db,
    site: SiteId,
    mode: Mode,
    public_id: &str,
    now_ms: i64,
) -> Result<Cancelled, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE orders SET status = 'Cancelled', cancelled_at = $1, updated_at = $1 \
         WHERE public_id = $2 AND site_id = $3 AND mode = $4 AND status = 'Created' \
           AND {NO_LIVE_ATTEMPT}"
    ));
    let done = in_write!(db, c => sqlx::query(sql)
        .bind(now_ms).bind(public_id).bind(site.0).bind(mode.as_str())
        .execute(&mut **c).await.map(|r| r.rows_affected()));
    if done == 1 {
        return Ok(Cancelled::Done);
    }
    Ok(match get(db, site, mode, public_id).await? {
        None => Cancelled::NotFound,
        Some(_) => Cancelled::Refused,
    })
}

/// Claims order `internal_id` for payment `transaction_id`, inside the transaction that creates
/// the payment. `false`, and nothing written, when the order is not `Created` or an earlier
/// attempt is still under way or succeeded.
pub async fn attach_transaction(
    tx: &mut Tx,
    internal_id: i64,
    transaction_id: i64,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE orders SET transaction_id = $1, updated_at = $2 \
         WHERE internal_id = $3 AND status = 'Created' AND {NO_LIVE_ATTEMPT}"
    ));
    let done = on_tx!(tx, c => sqlx::query(sql)
        .bind(transaction_id).bind(now_ms).bind(internal_id)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Marks the order that payment `transaction_id` is paying as `Paid`, inside the commit that
/// records the approval. `false` when no `Created` order waits for that payment.
pub async fn settle_paid(
    tx: &mut Tx,
    transaction_id: i64,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let sql = "UPDATE orders SET status = 'Paid', paid_at = $1, updated_at = $1 \
         WHERE transaction_id = $2 AND status = 'Created'";
    let done = on_tx!(tx, c => sqlx::query(sql)
        .bind(now_ms).bind(transaction_id)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Makes the order that payment `transaction_id` paid payable again (`Created`), inside the
/// commit that voids the payment's authorization or releases its expired hold: no money was taken,
/// so the payer may pay again (CloudPayments' cabinet shows such an invoice as not paid). `false`
/// when no `Paid` order rests on that payment.
pub async fn reopen_unpaid(
    tx: &mut Tx,
    transaction_id: i64,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let sql = "UPDATE orders SET status = 'Created', paid_at = NULL, updated_at = $1 \
         WHERE transaction_id = $2 AND status = 'Paid'";
    let done = on_tx!(tx, c => sqlx::query(sql)
        .bind(now_ms).bind(transaction_id)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// The payment attempt order `internal_id` rests on now, read in the claiming transaction.
pub async fn current_transaction(tx: &mut Tx, internal_id: i64) -> Result<Option<i64>, StoreError> {
    let sql = "SELECT transaction_id FROM orders WHERE internal_id = $1";
    let found: Option<Option<i64>> = on_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(internal_id)
        .fetch_optional(&mut **c).await)?;
    Ok(found.flatten())
}

/// The `SubscriptionBehavior` of the order that payment `transaction_id` paid, inside `tx`.
pub async fn paid_behavior(tx: &mut Tx, transaction_id: i64) -> Result<Option<String>, StoreError> {
    let sql = "SELECT subscription_behavior FROM orders \
         WHERE transaction_id = $1 AND status = 'Paid'";
    let row: Option<(Option<String>,)> = on_tx!(tx, c => sqlx::query_as(sql)
        .bind(transaction_id).fetch_optional(&mut **c).await)?;
    Ok(row.and_then(|(b,)| b))
}
