//! Payments and refunds: one row per transaction, looked up only within a site and mode.
//!
//! Status changes are compare-and-set on the old status ([`transition`]): zero rows changed means
//! another request won the race. Writes that belong together take a [`Tx`] so the caller can
//! commit them with the idempotency record and the outbox in one transaction. The merchant-facing
//! searches (`payments/find`, the lists) are in `lists`.

use oblako_core::ids::{Mode, SiteId};
use oblako_core::money::Currency;
use oblako_core::payment::{Kind, Stage, Status};

use crate::{Db, StoreError, Tx, on_db, on_tx};

/// A transaction to insert.
#[derive(Debug, Clone)]
pub struct NewTransaction<'a> {
    /// Owning site.
    pub site: SiteId,
    /// Mode of the credentials.
    pub mode: Mode,
    /// A payment or a refund.
    pub kind: Kind,
    /// For a refund: the payment.
    pub original_id: Option<i64>,
    /// Initial status.
    pub status: Status,
    /// One- or two-stage.
    pub stage: Stage,
    /// Amount, minor units.
    pub amount: i64,
    /// The currency.
    pub currency: Currency,
    /// Merchant order number.
    pub invoice_id: Option<&'a str>,
    /// Merchant payer id.
    pub account_id: Option<&'a str>,
    /// Payer e-mail.
    pub email: Option<&'a str>,
    /// Purpose.
    pub description: Option<&'a str>,
    /// Merchant JSON text.
    pub json_data: Option<&'a str>,
    /// `CultureName` as sent (default `ru-RU`).
    pub culture: &'a str,
    /// Payer IP.
    pub ip_address: &'a str,
    /// Cardholder name.
    pub name: Option<&'a str>,
    /// Vault card.
    pub card_id: Option<i64>,
    /// BIN.
    pub card_first_six: &'a str,
    /// Last four.
    pub card_last_four: &'a str,
    /// `MM/YY`.
    pub card_exp: &'a str,
    /// `CardType`.
    pub card_brand: &'a str,
    /// Token used or issued.
    pub token: Option<&'a str>,
    /// Recurring subscription.
    pub subscription_id: Option<&'a str>,
    /// Creation time, Unix ms.
    pub created_at: i64,
    /// When a 3-D Secure wait or a hold runs out, Unix ms.
    pub expires_at: Option<i64>,
}

/// A stored transaction.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TransactionRow {
    /// `TransactionId`.
    pub id: i64,
    /// Owning site.
    #[sqlx(try_from = "i64")]
    pub site_id: SiteId,
    /// Test or live.
    #[sqlx(try_from = "crate::spelled::Spelled<Mode>")]
    pub mode: Mode,
    /// A payment or a refund.
    #[sqlx(try_from = "crate::spelled::Spelled<Kind>")]
    pub kind: Kind,
    /// For a refund: the payment.
    pub original_id: Option<i64>,
    /// Where it is in its lifecycle.
    #[sqlx(try_from = "crate::spelled::Spelled<Status>")]
    pub status: Status,
    /// One- or two-stage.
    #[sqlx(try_from = "crate::spelled::Spelled<Stage>")]
    pub stage: Stage,
    /// Amount, minor units.
    pub amount: i64,
    /// The currency of every amount.
    #[sqlx(try_from = "crate::spelled::Spelled<Currency>")]
    pub currency: Currency,
    /// Captured, minor units.
    pub captured: i64,
    /// Refunded so far, minor units.
    pub refunded: i64,
    /// 0 or the decline reason.
    pub reason_code: i64,
    /// Merchant order number.
    pub invoice_id: Option<String>,
    /// Merchant payer id.
    pub account_id: Option<String>,
    /// Payer e-mail.
    pub email: Option<String>,
    /// Purpose.
    pub description: Option<String>,
    /// Merchant JSON text.
    pub json_data: Option<String>,
    /// `CultureName`.
    pub culture: String,
    /// Payer IP.
    pub ip_address: String,
    /// Cardholder name.
    pub name: Option<String>,
    /// Vault card.
    pub card_id: Option<i64>,
    /// BIN.
    pub card_first_six: String,
    /// Last four.
    pub card_last_four: String,
    /// `MM/YY`.
    pub card_exp: String,
    /// `CardType`.
    pub card_brand: String,
    /// Token used or issued.
    pub token: Option<String>,
    /// Recurring subscription.
    pub subscription_id: Option<String>,
    /// Issuer approval code.
    pub auth_code: Option<String>,
    /// Creation, Unix ms.
    pub created_at: i64,
    /// Authorization, Unix ms.
    pub auth_at: Option<i64>,
    /// Capture, Unix ms.
    pub confirm_at: Option<i64>,
    /// Last change, Unix ms.
    pub updated_at: i64,
    /// When a 3-D Secure wait or a hold runs out, Unix ms.
    pub expires_at: Option<i64>,
}

/// The new values of a status change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change<'a> {
    /// New status.
    pub status: Status,
    /// Captured, minor units.
    pub captured: i64,
    /// Refunded, minor units.
    pub refunded: i64,
    /// Decline reason or 0.
    pub reason_code: i64,
    /// Issuer approval code.
    pub auth_code: Option<&'a str>,
    /// Authorization time.
    pub auth_at: Option<i64>,
    /// Capture time.
    pub confirm_at: Option<i64>,
    /// Token issued.
    pub token: Option<&'a str>,
    /// Next deadline (hold expiry), or none.
    pub expires_at: Option<i64>,
    /// Now, Unix ms.
    pub updated_at: i64,
}

const COLUMNS: &str = "id, site_id, mode, kind, original_id, status, stage, amount, currency, \
     captured, refunded, reason_code, invoice_id, account_id, email, description, json_data, \
     culture, ip_address, name, card_id, card_first_six, card_last_four, card_exp, card_brand, \
     token, subscription_id, auth_code, created_at, auth_at, confirm_at, updated_at, expires_at";

macro_rules! select {
    ($tail:expr) => {
        sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM transactions {}", $tail))
    };
}

const INSERT: &str = "INSERT INTO transactions (site_id, mode, kind, original_id, status, stage, \
       amount, currency, invoice_id, account_id, email, description, json_data, culture, \
       ip_address, name, card_id, card_first_six, card_last_four, card_exp, card_brand, token, \
       subscription_id, created_at, updated_at, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
       $19, $20, $21, $22, $23, $24, $24, $25)";

macro_rules! bind_new {
    ($q:expr, $t:expr) => {{
        let t = $t;
        $q.bind(t.site.0)
            .bind(t.mode.as_str())
            .bind(t.kind.as_str())
            .bind(t.original_id)
            .bind(t.status.as_str())
            .bind(t.stage.as_str())
            .bind(t.amount)
            .bind(t.currency.code())
            .bind(t.invoice_id)
            .bind(t.account_id)
            .bind(t.email)
            .bind(t.description)
            .bind(t.json_data)
            .bind(t.culture)
            .bind(t.ip_address)
            .bind(t.name)
            .bind(t.card_id)
            .bind(t.card_first_six)
            .bind(t.card_last_four)
            .bind(t.card_exp)
            .bind(t.card_brand)
            .bind(t.token)
            .bind(t.subscription_id)
            .bind(t.created_at)
            .bind(t.expires_at)
    }};
}

mod lists;
pub mod search;
pub use lists::{StatusFilter, find_by_invoice, list_created};

/// Inserts a transaction and returns its `TransactionId`.
pub async fn insert(tx: &mut Tx, t: &NewTransaction<'_>) -> Result<i64, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!("{INSERT} RETURNING id"));
    let id: i64 = on_tx!(tx, c => bind_new!(sqlx::query_scalar(sql), t).fetch_one(&mut **c).await)?;
    Ok(id)
}

/// Like [`insert`], answering the whole row as stored, so the caller needs no second read.
pub async fn insert_returning(
    tx: &mut Tx,
    t: &NewTransaction<'_>,
) -> Result<TransactionRow, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!("{INSERT} RETURNING {COLUMNS}"));
    let row = on_tx!(tx, c => bind_new!(sqlx::query_as(sql), t).fetch_one(&mut **c).await)?;
    Ok(row)
}

/// The transaction `id` of `site` in `mode`; a foreign id is simply not found.
pub async fn get(
    db: &Db,
    site: SiteId,
    mode: Mode,
    id: i64,
) -> Result<Option<TransactionRow>, StoreError> {
    let sql = select!("WHERE id = $1 AND site_id = $2 AND mode = $3");
    let row = on_db!(db, pool => sqlx::query_as(sql)
        .bind(id).bind(site.0).bind(mode.as_str()).fetch_optional(pool).await)?;
    Ok(row)
}

/// Like [`get`], inside a write transaction, locking the row on PostgreSQL (SQLite's
/// `BEGIN IMMEDIATE` already holds the database's write lock).
pub async fn get_for_update(
    tx: &mut Tx,
    site: SiteId,
    mode: Mode,
    id: i64,
) -> Result<Option<TransactionRow>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM transactions WHERE id = $1 AND site_id = $2 AND mode = $3{}",
        tx.row_lock()
    ));
    let row = on_tx!(tx, c => sqlx::query_as(sql)
        .bind(id).bind(site.0).bind(mode.as_str())
        .fetch_optional(&mut **c).await)?;
    Ok(row)
}

/// The compare-and-set of a status change: `$11` the id, `$12` the old status.
const TRANSITION: &str = "UPDATE transactions SET status = $1, captured = $2, refunded = $3, \
       reason_code = $4, auth_code = COALESCE($5, auth_code), auth_at = COALESCE($6, auth_at), \
       confirm_at = COALESCE($7, confirm_at), token = COALESCE($8, token), expires_at = $9, \
       updated_at = $10 \
     WHERE id = $11 AND status = $12";

macro_rules! bind_change {
    ($q:expr, $change:expr, $id:expr, $from:expr) => {{
        let change = $change;
        $q.bind(change.status.as_str())
            .bind(change.captured)
            .bind(change.refunded)
            .bind(change.reason_code)
            .bind(change.auth_code)
            .bind(change.auth_at)
            .bind(change.confirm_at)
            .bind(change.token)
            .bind(change.expires_at)
            .bind(change.updated_at)
            .bind($id)
            .bind($from.as_str())
    }};
}

mod authorization;
pub(crate) mod grouped;
mod many;
pub use authorization::{auth_reference, insert_with_intent, settle_with_intent};
pub use many::{Transition, insert_many_returning, transition_many_returning};

/// Applies `change` if the transaction is still in `from`; `false` when another request changed
/// it first.
pub async fn transition(
    tx: &mut Tx,
    id: i64,
    from: Status,
    change: &Change<'_>,
) -> Result<bool, StoreError> {
    let done = on_tx!(tx, c => bind_change!(sqlx::query(TRANSITION), change, id, from)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Like [`transition`], answering the row as changed (`None` when another request changed it
/// first), so the caller needs no second read.
pub async fn transition_returning(
    tx: &mut Tx,
    id: i64,
    from: Status,
    change: &Change<'_>,
) -> Result<Option<TransactionRow>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!("{TRANSITION} RETURNING {COLUMNS}"));
    let row = on_tx!(tx, c => bind_change!(sqlx::query_as(sql), change, id, from)
        .fetch_optional(&mut **c).await)?;
    Ok(row)
}

/// Payments in `status` whose deadline passed before `now_ms` (3-D Secure waits, holds).
pub async fn due(
    db: &Db,
    status: Status,
    now_ms: i64,
    limit: i64,
) -> Result<Vec<TransactionRow>, StoreError> {
    let sql = select!(concat!(
        "WHERE status = $1 AND ",
        crate::site_due!("expires_at", "site_id", "$2"),
        " ORDER BY expires_at LIMIT $3"
    ));
    let rows = on_db!(db, pool => sqlx::query_as(sql)
        .bind(status.as_str()).bind(now_ms).bind(limit).fetch_all(pool).await)?;
    Ok(rows)
}

/// A transaction by id alone, for background work that is not acting for a site (the
/// reconciler); request handlers use [`get`], which is scoped.
pub async fn by_id(db: &Db, id: i64) -> Result<Option<TransactionRow>, StoreError> {
    let sql = select!("WHERE id = $1");
    let row = on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)?;
    Ok(row)
}
