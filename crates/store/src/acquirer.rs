//! The acquirer operations log and the emulated bank's ledger.
//!
//! Before the gateway calls a bank it commits an `intent` row under a unique reference; after
//! the answer it marks the row `done` in the same transaction as the payment's new state. A row
//! left `intent` (a crash or timeout between the two) is found by the reconciler, which asks the
//! bank for the outcome of that reference. The emulated bank keeps its own ledger keyed by the
//! same reference, which makes its operations idempotent.

use crate::{Db, StoreError, Tx, in_write, on_db, on_tx, params};

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

/// An intent of [`record_intents`]: reference, transaction, operation, amount.
pub type Intent<'a> = (&'a str, i64, &'a str, i64);

/// [`record_intent`] for many operations in one statement.
pub async fn record_intents(
    tx: &mut Tx,
    intents: &[Intent<'_>],
    now_ms: i64,
) -> Result<(), StoreError> {
    if intents.is_empty() {
        return Ok(());
    }
    let values = params::Marks::on_tx(tx)
        .rows(intents.len(), 6)
        .replace(')', ", 'intent')");
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO acquirer_operations (reference, transaction_id, operation, amount, \
           created_at, updated_at, state) VALUES {values}"
    ));
    on_tx!(tx, c => {
        let mut q = sqlx::query(sql).persistent(false);
        for (reference, id, operation, amount) in intents {
            q = q.bind(*reference).bind(*id).bind(*operation).bind(*amount).bind(now_ms)
                .bind(now_ms);
        }
        q.execute(&mut **c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// [`settle`] for many operations in one statement: each `(reference, reason code)` not yet
/// settled. Answers how many were settled by this call.
pub async fn settle_many(
    tx: &mut Tx,
    answers: &[(&str, i64)],
    now_ms: i64,
) -> Result<u64, StoreError> {
    if answers.is_empty() {
        return Ok(0);
    }
    let mut marks = params::Marks::on_tx(tx);
    let values = marks.typed_rows(answers.len(), &["TEXT", "BIGINT"]);
    let now = marks.one();
    let sql = sqlx::AssertSqlSafe(format!(
        "WITH v(v_reference, v_reason) AS (VALUES {values}) \
         UPDATE acquirer_operations SET state = 'done', reason_code = v_reason, \
           updated_at = {now} \
         FROM v WHERE reference = v_reference AND state <> 'done'"
    ));
    let done = on_tx!(tx, c => {
        let mut q = sqlx::query(sql).persistent(false);
        for (reference, reason) in answers {
            q = q.bind(*reference).bind(*reason);
        }
        let q = q.bind(now_ms);
        q.execute(&mut **c).await.map(|r| r.rows_affected())
    })?;
    Ok(done)
}

/// The emulated bank's ledger rows `values` (reference, operation, amount, reason code, auth
/// code, time) inserted, answering (reference, reason code, auth code) for each: the stored one,
/// which for a reference seen before is the first (the no-op update makes the conflicting row
/// come back).
pub(crate) fn ledger_rows_sql(values: &str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(format!(
        "INSERT INTO bank_ledger (reference, operation, amount, reason_code, auth_code, \
           created_at) VALUES {values} \
         ON CONFLICT (reference) DO UPDATE SET reference = bank_ledger.reference \
         RETURNING reference, reason_code, auth_code"
    ))
}

/// An operation of [`bank_record_many`]: reference, operation, amount, outcome.
pub type BankOperation<'a> = (&'a str, &'a str, i64, BankOutcome);

/// [`bank_record`] for many operations in one commit (the bank's own, as each single one is):
/// answers, by reference, the outcome stored for each (the one given, or the first one for a
/// reference seen before). The references must differ.
pub async fn bank_record_many(
    db: &Db,
    operations: &[BankOperation<'_>],
    now_ms: i64,
) -> Result<std::collections::HashMap<String, BankOutcome>, StoreError> {
    if operations.is_empty() {
        return Ok(Default::default());
    }
    let values = params::Marks::on_db(db).rows(operations.len(), 6);
    let sql = ledger_rows_sql(&values);
    let stored: Vec<(String, i64, Option<String>)> = in_write!(db, c => {
        let mut q = sqlx::query_as(sql).persistent(false);
        for (reference, operation, amount, outcome) in operations {
            q = q.bind(*reference).bind(*operation).bind(*amount).bind(outcome.0)
                .bind(outcome.1.clone()).bind(now_ms);
        }
        q.fetch_all(&mut **c).await
    });
    Ok(stored
        .into_iter()
        .map(|(reference, reason, auth)| (reference, (reason, auth)))
        .collect())
}
