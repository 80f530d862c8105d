//! 54-FZ receipts: the receipt rows (jobs with a lease, like messages) and their lookups. The
//! emulated registers that number and sign them are in [`registers`].
//!
//! [`enqueue`] writes a Queued receipt inside the caller's transaction (the one that settles the
//! payment or refund); a second receipt of the same type for the same transaction is ignored.
//! [`claim_due`] leases due receipts to a worker; [`record`] applies only for the worker that
//! still holds the lease, inside the transaction that also moves the register's counters.

pub mod registers;

use oblako_core::ids::{AccountId, Mode, SiteId};

use crate::lease::Queue;
use crate::{Db, StoreError, Tx, on_db, on_tx};

/// A receipt to fiscalise.
#[derive(Debug, Clone)]
pub struct NewReceipt<'a> {
    /// Its id (a GUID).
    pub id: &'a str,
    /// The site.
    pub site: SiteId,
    /// Test or live.
    pub mode: Mode,
    /// The seller's INN; `None` for the site's default register.
    pub inn: Option<&'a str>,
    /// `Income`, `IncomeReturn`, `Expense` or `ExpenseReturn`.
    pub receipt_type: &'a str,
    /// The payment or refund it is for.
    pub transaction_id: Option<i64>,
    /// `InvoiceId`.
    pub invoice_id: Option<&'a str>,
    /// `AccountId`.
    pub account_id: Option<&'a str>,
    /// Total, minor units.
    pub amount: i64,
    /// Canonical `CustomerReceipt` JSON.
    pub content: &'a str,
    /// Where to e-mail it.
    pub email: Option<&'a str>,
    /// `Queued`, or `Error` for receipt data that cannot be fiscalised.
    pub state: &'a str,
    /// Why it is in error.
    pub error: Option<&'a str>,
    /// Now, Unix ms.
    pub created_at: i64,
}

/// A stored receipt.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReceiptRow {
    /// Creation order.
    pub seq: i64,
    /// Its id.
    pub id: String,
    /// The site.
    #[sqlx(try_from = "i64")]
    pub site_id: SiteId,
    /// Test or live.
    #[sqlx(try_from = "crate::spelled::Spelled<Mode>")]
    pub mode: Mode,
    /// The seller's INN, once known.
    pub inn: Option<String>,
    /// Receipt type.
    pub receipt_type: String,
    /// The payment or refund.
    pub transaction_id: Option<i64>,
    /// `InvoiceId`.
    pub invoice_id: Option<String>,
    /// `AccountId`.
    pub account_id: Option<String>,
    /// Total, minor units.
    pub amount: i64,
    /// Canonical `CustomerReceipt` JSON.
    pub content: String,
    /// Where it is e-mailed.
    pub email: Option<String>,
    /// `Queued`, `Processed` or `Error`.
    pub state: String,
    /// Why it is in error.
    pub error: Option<String>,
    /// Fiscalisation attempts.
    pub attempts: i64,
    /// When the next attempt is due, Unix ms.
    pub next_attempt_at: i64,
    /// Until when a worker holds it.
    pub locked_until: Option<i64>,
    /// Which worker.
    pub locked_by: Option<String>,
    /// The register that fiscalised it.
    pub register_id: Option<i64>,
    /// Fiscal document number.
    pub document_number: Option<i64>,
    /// Shift number.
    pub session_number: Option<i64>,
    /// Number within the shift.
    pub session_check_number: Option<i64>,
    /// Fiscal sign.
    pub fiscal_sign: Option<String>,
    /// The QR string.
    pub qr_string: Option<String>,
    /// When it was fiscalised, Unix ms.
    pub fiscalised_at: Option<i64>,
    /// Creation, Unix ms.
    pub created_at: i64,
}

/// What the register did to a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fiscalised<'a> {
    /// Numbered and signed.
    Processed {
        /// The seller's INN.
        inn: &'a str,
        /// The register.
        register_id: i64,
        /// Fiscal document number.
        document_number: i64,
        /// Shift.
        session_number: i64,
        /// Number within the shift.
        session_check_number: i64,
        /// Fiscal sign.
        fiscal_sign: &'a str,
        /// QR string.
        qr_string: &'a str,
    },
    /// Cannot be fiscalised (no register set up for it): final.
    Error {
        /// Why.
        reason: &'a str,
    },
}

const COLUMNS: &str = "seq, id, site_id, mode, inn, receipt_type, transaction_id, invoice_id, \
     account_id, amount, content, email, state, error, attempts, next_attempt_at, locked_until, \
     locked_by, register_id, document_number, session_number, session_check_number, fiscal_sign, \
     qr_string, fiscalised_at, created_at";

/// Adds a receipt inside the caller's transaction; `false` when its transaction already has a
/// receipt of that type.
pub async fn enqueue(tx: &mut Tx, r: &NewReceipt<'_>) -> Result<bool, StoreError> {
    let sql = "INSERT INTO receipts (id, site_id, mode, inn, receipt_type, transaction_id, \
           invoice_id, account_id, amount, content, email, state, error, next_attempt_at, \
           created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) \
         ON CONFLICT (transaction_id, receipt_type) DO NOTHING";
    let done = on_tx!(tx, c => sqlx::query(sql)
        .bind(r.id).bind(r.site.0).bind(r.mode.as_str()).bind(r.inn).bind(r.receipt_type)
        .bind(r.transaction_id).bind(r.invoice_id).bind(r.account_id).bind(r.amount)
        .bind(r.content).bind(r.email).bind(r.state).bind(r.error).bind(r.created_at)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// The receipts as a lease queue; a claim counts an attempt.
const QUEUE: Queue = Queue {
    table: "receipts",
    key: "id",
    waiting: "state = 'Queued'",
    due: "next_attempt_at",
    site: "q.site_id",
    order: "next_attempt_at, seq",
    also_set: ", attempts = attempts + 1",
    returning: COLUMNS,
};

/// Leases up to `limit` due receipts to `worker` until `now_ms + lease_ms`, in creation order.
pub async fn claim_due(
    db: &Db,
    now_ms: i64,
    lease_ms: i64,
    worker: &str,
    limit: i64,
) -> Result<Vec<ReceiptRow>, StoreError> {
    let mut rows: Vec<ReceiptRow> = QUEUE.claim(db, now_ms, lease_ms, worker, limit).await?;
    rows.sort_by_key(|r| r.seq);
    Ok(rows)
}

/// Records what the register did to receipt `id`, held by `worker`, and ends the lease; `false`,
/// with nothing written, when the lease is no longer `worker`'s.
pub async fn record(
    tx: &mut Tx,
    id: &str,
    worker: &str,
    now_ms: i64,
    outcome: &Fiscalised<'_>,
) -> Result<bool, StoreError> {
    let done = match *outcome {
        Fiscalised::Processed {
            inn,
            register_id,
            document_number,
            session_number,
            session_check_number,
            fiscal_sign,
            qr_string,
        } => {
            let sql = "UPDATE receipts SET state = 'Processed', inn = $1, register_id = $2, \
                   document_number = $3, session_number = $4, session_check_number = $5, \
                   fiscal_sign = $6, qr_string = $7, fiscalised_at = $8, locked_until = NULL, \
                   locked_by = NULL \
                 WHERE id = $9 AND locked_by = $10 AND state = 'Queued'";
            on_tx!(tx, c => sqlx::query(sql)
                .bind(inn).bind(register_id).bind(document_number).bind(session_number)
                .bind(session_check_number).bind(fiscal_sign).bind(qr_string).bind(now_ms)
                .bind(id).bind(worker)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?
        }
        Fiscalised::Error { reason } => {
            let sql = "UPDATE receipts SET state = 'Error', error = $1, locked_until = NULL, \
                   locked_by = NULL WHERE id = $2 AND locked_by = $3 AND state = 'Queued'";
            on_tx!(tx, c => sqlx::query(sql).bind(reason).bind(id).bind(worker)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?
        }
    };
    Ok(done == 1)
}

/// Receipt `id` of `site` in `mode` (the API's lookup).
pub async fn get(
    db: &Db,
    site: SiteId,
    mode: Mode,
    id: &str,
) -> Result<Option<ReceiptRow>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM receipts WHERE id = $1 AND site_id = $2 AND mode = $3"
    ));
    let row = on_db!(db, pool => sqlx::query_as(sql)
        .bind(id).bind(site.0).bind(mode.as_str()).fetch_optional(pool).await)?;
    Ok(row)
}

/// Receipt `id`, whoever's (the public receipt page: the GUID is the capability).
pub async fn get_public(db: &Db, id: &str) -> Result<Option<ReceiptRow>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM receipts WHERE id = $1"));
    let row = on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)?;
    Ok(row)
}

/// The receipts of transaction `id` (a payment or a refund), oldest first.
pub async fn for_transaction(db: &Db, id: i64) -> Result<Vec<ReceiptRow>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM receipts WHERE transaction_id = $1 ORDER BY seq"
    ));
    let rows = on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_all(pool).await)?;
    Ok(rows)
}

/// `site`'s receipts in `mode`, newest first, at most `limit`.
pub async fn list(
    db: &Db,
    site: SiteId,
    mode: Mode,
    limit: i64,
) -> Result<Vec<ReceiptRow>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM receipts WHERE site_id = $1 AND mode = $2 \
         ORDER BY seq DESC LIMIT $3"
    ));
    let rows = on_db!(db, pool => sqlx::query_as(sql)
        .bind(site.0).bind(mode.as_str()).bind(limit).fetch_all(pool).await)?;
    Ok(rows)
}

/// What the cabinet's receipts list asks for; `None` is "any".
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// One site of the account.
    pub site: Option<SiteId>,
    /// `test` or `live`.
    pub mode: Option<Mode>,
    /// `Queued`, `Processed` or `Error`.
    pub state: Option<String>,
    /// One payment or refund.
    pub transaction: Option<i64>,
}

/// Receipts of `account`'s sites that match `filter`, newest first, older than `before` (a
/// `seq`; `i64::MAX` for the first page), at most `limit`.
pub async fn of_account(
    db: &Db,
    account: AccountId,
    filter: &ListFilter,
    before: i64,
    limit: i64,
) -> Result<Vec<ReceiptRow>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM receipts \
         WHERE site_id IN (SELECT id FROM sites WHERE account_id = $1) \
         AND ($2 IS NULL OR site_id = $2) AND ($3 IS NULL OR mode = $3) \
         AND ($4 IS NULL OR state = $4) AND ($5 IS NULL OR transaction_id = $5) \
         AND seq < $6 ORDER BY seq DESC LIMIT $7"
    ));
    let rows = on_db!(db, pool => sqlx::query_as(sql)
        .bind(account.0)
        .bind(filter.site.map(|s| s.0))
        .bind(filter.mode.map(|m| m.as_str()))
        .bind(filter.state.as_deref())
        .bind(filter.transaction)
        .bind(before)
        .bind(limit)
        .fetch_all(pool).await)?;
    Ok(rows)
}

/// How many receipts are in each state, over all sites (tests, benchmarks).
pub async fn count_by_state(db: &Db) -> Result<Vec<(String, i64)>, StoreError> {
    let sql = "SELECT state, COUNT(*) FROM receipts GROUP BY state ORDER BY state";
    let rows = on_db!(db, pool => sqlx::query_as(sql).fetch_all(pool).await)?;
    Ok(rows)
}
