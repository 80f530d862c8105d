//! The acquirer operations log (RELIABILITY M5) and the emulated bank's ledger.
//!
//! Before the gateway calls a bank it commits an `intent` row under a unique reference; after
//! the answer it marks the row `done` in the same transaction as the payment's new state. A row
//! left `intent` (a crash or timeout between the two) is found by the reconciler, which asks the
//! bank for the outcome of that reference. The emulated bank keeps its own ledger keyed by the
//! same reference, which makes its operations idempotent.

use crate::{Db, StoreError, Tx, in_write, on_db, on_tx};

mod grouped;
pub(crate) use grouped::BankRecord;

/// An operation whose outcome the gateway has not recorded.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenOperation {
    /// Our unique reference.
    pub reference: String,
    /// The transaction it belongs to.
    pub transaction_id: i64,
    /// `auth`, `capture`, `void` or `refund`.
    pub operation: String,
    /// Minor units.
    pub amount: i64,
    /// When the intent was written.
    pub created_at: i64,
}

/// Commits to calling the bank: the intent row.
pub async fn record_intent(
    tx: &mut Tx,
    reference: &str,
    transaction_id: i64,
    operation: &str,
    amount: i64,
    now_ms: i64,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO acquirer_operations (reference, transaction_id, operation, amount, state, \
               created_at, updated_at) VALUES ($1, $2, $3, $4, 'intent', $5, $5)";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(reference).bind(transaction_id).bind(operation).bind(amount).bind(now_ms)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records the bank's answer; `false` if the operation was settled already.
pub async fn settle(
    tx: &mut Tx,
    reference: &str,
    reason_code: i64,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let sql = "UPDATE acquirer_operations SET state = 'done', reason_code = $1, updated_at = $2 \
               WHERE reference = $3 AND state <> 'done'";
    let done = on_tx!(tx, c => sqlx::query(sql)
        .bind(reason_code).bind(now_ms).bind(reference)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Intents older than `before_ms` still waiting for an outcome, oldest first.
pub async fn open_before(
    db: &Db,
    before_ms: i64,
    limit: i64,
) -> Result<Vec<OpenOperation>, StoreError> {
    let sql = "SELECT reference, transaction_id, operation, amount, created_at FROM acquirer_operations \
               WHERE state <> 'done' AND updated_at < $1 ORDER BY updated_at LIMIT $2";
    let rows =
        on_db!(db, pool => sqlx::query_as(sql).bind(before_ms).bind(limit).fetch_all(pool).await)?;
    Ok(rows)
}

/// The emulated bank's outcome of an operation: (reason code, auth code).
pub type BankOutcome = (i64, Option<String>);

/// Records an emulated bank operation once; returns the outcome stored for the reference (the
/// one given, or the first one if the reference was seen before). On PostgreSQL concurrent
/// calls share one statement and commit (`grouped`).
pub async fn bank_record(
    db: &Db,
    reference: &str,
    operation: &str,
    amount: i64,
    outcome: &BankOutcome,
    now_ms: i64,
) -> Result<BankOutcome, StoreError> {
    if let Db::Postgres(pg) = db {
        let record = BankRecord {
            reference: reference.to_owned(),
            operation: operation.to_owned(),
            amount,
            outcome: outcome.clone(),
            now_ms,
        };
        return pg.groups.bank.write(&pg.pool, record).await;
    }
    // The no-op update makes a repeated reference return the first outcome in the same statement.
    let sql = "INSERT INTO bank_ledger (reference, operation, amount, reason_code, auth_code, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6) \
               ON CONFLICT (reference) DO UPDATE SET reference = bank_ledger.reference \
               RETURNING reason_code, auth_code";
    let stored = in_write!(db, c => sqlx::query_as(sql)
        .bind(reference).bind(operation).bind(amount).bind(outcome.0).bind(&outcome.1).bind(now_ms)
        .fetch_one(&mut **c).await);
    Ok(stored)
}

/// The emulated bank's outcome for a reference, if it ever saw it (the reconciler's question).
pub async fn bank_lookup(db: &Db, reference: &str) -> Result<Option<BankOutcome>, StoreError> {
    let sql = "SELECT reason_code, auth_code FROM bank_ledger WHERE reference = $1";
    let row = on_db!(db, pool => sqlx::query_as(sql).bind(reference).fetch_optional(pool).await)?;
    Ok(row)
}

/// Totals of the emulated bank's ledger by operation: (operation, count, sum of approved amounts).
pub async fn bank_totals(db: &Db) -> Result<Vec<(String, i64, i64)>, StoreError> {
    let sql = "SELECT operation, COUNT(*), CAST(COALESCE(SUM(CASE WHEN reason_code = 0 THEN amount ELSE 0 END), 0) AS BIGINT) \
               FROM bank_ledger GROUP BY operation ORDER BY operation";
    let rows = on_db!(db, pool => sqlx::query_as(sql).fetch_all(pool).await)?;
    Ok(rows)
}
