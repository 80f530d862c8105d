//! Bulk history for benchmarks: completed test payments written in large batches, with their
//! acquirer operations and bank-ledger rows, so a database can hold a million payments in
//! minutes and a benchmark can show the write path does not slow down as tables grow.

use oblako_core::ids::{Mode, SiteId};

use crate::{Db, StoreError, on_tx};

/// Rows written per transaction.
const CHUNK: u64 = 20_000;

/// Writes `count` completed 1-RUB payments of `site` in `mode`, spread over the 30 days before
/// `now_ms`, each with a settled `auth` operation and its bank-ledger entry. Returns the count.
pub async fn completed_payments(
    db: &Db,
    site: SiteId,
    mode: Mode,
    count: u64,
    now_ms: i64,
) -> Result<u64, StoreError> {
    const MONTH_MS: i64 = 30 * 24 * 3600 * 1000;
    let payments = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO transactions (site_id, mode, kind, status, stage, amount, currency, captured, \
           invoice_id, account_id, culture, ip_address, card_first_six, card_last_four, card_exp, \
           card_brand, auth_code, created_at, auth_at, confirm_at, updated_at) \
         SELECT $2, $3, 'payment', 'Completed', 'one', 100, 'RUB', 100, \
           'seed-' || CAST(($4 + i) AS TEXT), 'seed', 'ru-RU', '127.0.0.1', '400000', '3055', \
           '12/30', 'Visa', 'A1B2C3', $5 + (i * 7919) % $6, $5 + (i * 7919) % $6, \
           $5 + (i * 7919) % $6, $5 + (i * 7919) % $6 FROM n";
    let operations = "INSERT INTO acquirer_operations (reference, transaction_id, operation, amount, \
           state, reason_code, created_at, updated_at) \
         SELECT 'auth:' || CAST(id AS TEXT), id, 'auth', amount, 'done', 0, created_at, created_at \
         FROM transactions WHERE site_id = $1 AND mode = $2 AND id > $3";
    let ledger = "INSERT INTO bank_ledger (reference, operation, amount, reason_code, auth_code, \
           created_at) \
         SELECT 'auth:' || CAST(id AS TEXT), 'auth', amount, 0, auth_code, created_at \
         FROM transactions WHERE site_id = $1 AND mode = $2 AND id > $3";
    let last = "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM transactions";
    let mut written = 0;
    while written < count {
        let chunk = CHUNK.min(count - written);
        let mut tx = db.begin_write().await?;
        on_tx!(&mut tx, c => {
            let before: i64 = sqlx::query_scalar(last).fetch_one(&mut **c).await?;
            sqlx::query(payments)
                .bind(chunk as i64).bind(site.0).bind(mode.as_str()).bind(written as i64)
                .bind(now_ms - MONTH_MS).bind(MONTH_MS)
                .execute(&mut **c).await?;
            for sql in [operations, ledger] {
                sqlx::query(sql).bind(site.0).bind(mode.as_str()).bind(before)
                    .execute(&mut **c).await?;
            }
            Ok::<(), sqlx::Error>(())
        })?;
        tx.commit().await?;
        written += chunk;
    }
    Ok(written)
}
