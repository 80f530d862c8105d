//! Bulk history for benchmarks: a site's payments written in large batches, with the mix a real
//! shop's history has (completed, declined and voided payments, partial refunds, three
//! currencies, several card ranges, repeat payers) and their acquirer operations and bank-ledger
//! rows, so a database can hold a million payments in minutes for the cabinet's and the write
//! path's figures.

use oblako_core::ids::{Mode, SiteId};

use crate::{Db, StoreError, on_db, on_tx};

/// Payments written per transaction.
const CHUNK: u64 = 20_000;
/// The history spans the year before `now`.
const YEAR_MS: i64 = 365 * 24 * 3600 * 1000;

/// The payments, one row per `g` (1 to the count, over all chunks): every tenth declined (with
/// code 5051 or 5005), every fiftieth voided, the rest completed; every twenty-fifth refunded by
/// half; one in seventeen in USD and one in seventeen in EUR; 50,000 payers; four card ranges.
/// `$1` rows, `$2` site, `$3` mode, `$4` rows before this chunk, `$5` the first `created_at`,
/// `$6` ms between payments.
const PAYMENTS: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1), \
     s AS (SELECT $4 + i AS g, 100 + (($4 + i) * 7919) % 500000 AS amt, $5 + ($4 + i) * $6 AS made FROM n) \
     INSERT INTO transactions (site_id, mode, kind, status, stage, amount, currency, captured, \
       refunded, reason_code, invoice_id, account_id, email, description, culture, ip_address, \
       card_first_six, card_last_four, card_exp, card_brand, auth_code, created_at, auth_at, \
       confirm_at, updated_at) \
     SELECT $2, $3, 'payment', \
       CASE WHEN g % 10 = 7 THEN 'Declined' WHEN g % 50 = 3 THEN 'Cancelled' ELSE 'Completed' END, \
       'one', amt, CASE g % 17 WHEN 1 THEN 'USD' WHEN 2 THEN 'EUR' ELSE 'RUB' END, \
       CASE WHEN g % 10 = 7 OR g % 50 = 3 THEN 0 ELSE amt END, \
       CASE WHEN g % 25 = 0 THEN amt / 2 ELSE 0 END, \
       CASE g % 20 WHEN 7 THEN 5051 WHEN 17 THEN 5005 ELSE 0 END, \
       'INV-' || CAST(g AS TEXT), 'user-' || CAST(g % 50000 AS TEXT), \
       'payer' || CAST(g % 50000 AS TEXT) || '@example.com', 'Order ' || CAST(g AS TEXT), 'ru-RU', \
       '10.' || CAST(g % 250 AS TEXT) || '.' || CAST((g / 250) % 250 AS TEXT) || '.1', \
       CASE g % 4 WHEN 0 THEN '424242' WHEN 1 THEN '555555' WHEN 2 THEN '220000' ELSE '400000' END, \
       CAST(1000 + (g * 31) % 9000 AS TEXT), \
       CASE g % 3 WHEN 0 THEN '12/27' WHEN 1 THEN '06/28' ELSE '03/29' END, \
       CASE g % 4 WHEN 1 THEN 'MasterCard' WHEN 2 THEN 'Mir' ELSE 'Visa' END, \
       CASE WHEN g % 10 = 7 THEN NULL ELSE 'A' || CAST(100000 + g % 900000 AS TEXT) END, \
       made, CASE WHEN g % 10 = 7 THEN NULL ELSE made END, \
       CASE WHEN g % 10 = 7 OR g % 50 = 3 THEN NULL ELSE made END, made FROM s";

/// A completed refund of the refunded half of each payment of this chunk, an hour after it.
const REFUNDS: &str = "INSERT INTO transactions (site_id, mode, kind, original_id, status, stage, \
       amount, currency, invoice_id, account_id, email, description, culture, ip_address, \
       card_first_six, card_last_four, card_exp, card_brand, created_at, updated_at) \
     SELECT site_id, mode, 'refund', id, 'Completed', 'one', refunded, currency, invoice_id, \
       account_id, email, description, culture, ip_address, card_first_six, card_last_four, \
       card_exp, card_brand, created_at + 3600000, created_at + 3600000 \
     FROM transactions WHERE site_id = $1 AND mode = $2 AND id > $3 AND kind = 'payment' \
       AND refunded > 0";

/// The settled acquirer operation of each row of this chunk.
const OPERATIONS: &str = "INSERT INTO acquirer_operations (reference, transaction_id, operation, \
       amount, state, reason_code, created_at, updated_at) \
     SELECT CASE kind WHEN 'refund' THEN 'refund:' ELSE 'auth:' END || CAST(id AS TEXT), id, \
       CASE kind WHEN 'refund' THEN 'refund' ELSE 'auth' END, amount, 'done', reason_code, \
       created_at, created_at \
     FROM transactions WHERE site_id = $1 AND mode = $2 AND id > $3";

/// The emulated bank's ledger entry of each row of this chunk.
const LEDGER: &str = "INSERT INTO bank_ledger (reference, operation, amount, reason_code, \
       auth_code, created_at) \
     SELECT CASE kind WHEN 'refund' THEN 'refund:' ELSE 'auth:' END || CAST(id AS TEXT), \
       CASE kind WHEN 'refund' THEN 'refund' ELSE 'auth' END, amount, reason_code, auth_code, \
       created_at \
     FROM transactions WHERE site_id = $1 AND mode = $2 AND id > $3";

/// How many rows of one kind and status a seeding wrote.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Written {
    /// `payment` or `refund`.
    pub kind: String,
    /// The status spelling.
    pub status: String,
    /// How many.
    pub count: i64,
}

/// Writes `count` payments of `site` in `mode` (and their refunds), spread evenly over the year
/// before `now_ms`, oldest first, each with a settled acquirer operation and its bank-ledger
/// entry, in transactions of [`CHUNK`] payments. Answers what it wrote by kind and status.
pub async fn payments(
    db: &Db,
    site: SiteId,
    mode: Mode,
    count: u64,
    now_ms: i64,
) -> Result<Vec<Written>, StoreError> {
    let last = "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM transactions";
    let first: i64 = on_db!(db, pool => sqlx::query_scalar(last).fetch_one(pool).await)?;
    let step = (YEAR_MS / count.max(1) as i64).max(1);
    let start = now_ms - 2 * 3600 * 1000 - step * count as i64;
    let mut written = 0;
    while written < count {
        let chunk = CHUNK.min(count - written);
        let mut tx = db.begin_write().await?;
        on_tx!(&mut tx, c => {
            let before: i64 = sqlx::query_scalar(last).fetch_one(&mut **c).await?;
            sqlx::query(PAYMENTS)
                .bind(chunk as i64).bind(site.0).bind(mode.as_str()).bind(written as i64)
                .bind(start).bind(step)
                .execute(&mut **c).await?;
            for sql in [REFUNDS, OPERATIONS, LEDGER] {
                sqlx::query(sql).bind(site.0).bind(mode.as_str()).bind(before)
                    .execute(&mut **c).await?;
            }
            Ok::<(), sqlx::Error>(())
        })?;
        tx.commit().await?;
        written += chunk;
    }
    let summary = "SELECT kind, status, COUNT(*) AS count FROM transactions \
         WHERE site_id = $1 AND mode = $2 AND id > $3 GROUP BY kind, status ORDER BY kind, status";
    let rows = on_db!(db, pool => sqlx::query_as(summary)
        .bind(site.0).bind(mode.as_str()).bind(first).fetch_all(pool).await)?;
    Ok(rows)
}
