//! Set-wise writes of many payments in one statement each, for the billing round that charges a
//! batch of subscriptions together (`server::subscriptions::round`): the payments inserted,
//! and their settling compare-and-sets, each as one statement instead of one per payment. On
//! SQLite every statement is a hop to the write connection's thread and back, which is what
//! bounds a round, not the work inside SQLite.

use oblako_core::payment::Status;

use super::{COLUMNS, Change, NewTransaction, TransactionRow};
use crate::{StoreError, Tx, on_tx, params};

/// Inserts `rows` and answers the stored rows in the order given (ids are assigned in `VALUES`
/// order on both backends; the answer is sorted by id to match).
pub async fn insert_many_returning(
    tx: &mut Tx,
    rows: &[NewTransaction<'_>],
) -> Result<Vec<TransactionRow>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    if rows.len() > params::MAX_ROWS {
        return Err(StoreError::Corrupt(format!(
            "{} rows in one insert",
            rows.len()
        )));
    }
    let values = params::Marks::on_tx(tx).rows(rows.len(), 26);
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO transactions (site_id, mode, kind, original_id, status, stage, \
           amount, currency, invoice_id, account_id, email, description, json_data, culture, \
           ip_address, name, card_id, card_first_six, card_last_four, card_exp, card_brand, token, \
           subscription_id, created_at, expires_at, updated_at) VALUES {values} \
         RETURNING {COLUMNS}"
    ));
    let mut stored: Vec<TransactionRow> = on_tx!(tx, c => {
        let mut q = sqlx::query_as(sql).persistent(false);
        for t in rows {
            // `updated_at` is `created_at`, as in `INSERT`.
            q = bind_new!(q, t).bind(t.created_at);
        }
        q.fetch_all(&mut **c).await
    })?;
    stored.sort_by_key(|r| r.id);
    if stored.len() != rows.len() {
        return Err(StoreError::Corrupt(format!(
            "{} of {} payments inserted",
            stored.len(),
            rows.len()
        )));
    }
    Ok(stored)
}

/// One payment's compare-and-set: `change` if it is still in `from`.
#[derive(Debug, Clone)]
pub struct Transition<'a> {
    /// The transaction.
    pub id: i64,
    /// The status it must still have.
    pub from: Status,
    /// Its new values.
    pub change: Change<'a>,
}

/// Applies every transition whose transaction is still in its `from` (as
/// [`super::transition_returning`], each row on its own), answering the changed rows by id; a
/// transaction another request changed first is left out.
pub async fn transition_many_returning(
    tx: &mut Tx,
    all: &[Transition<'_>],
) -> Result<Vec<TransactionRow>, StoreError> {
    if all.is_empty() {
        return Ok(Vec::new());
    }
    if all.len() > params::MAX_ROWS {
        return Err(StoreError::Corrupt(format!(
            "{} rows in one update",
            all.len()
        )));
    }
    // In `bind_change!`'s order: the change, then the id and the status it must still have.
    const TYPES: [&str; 12] = [
        "TEXT", "BIGINT", "BIGINT", "BIGINT", "TEXT", "BIGINT", "BIGINT", "TEXT", "BIGINT",
        "BIGINT", "BIGINT", "TEXT",
    ];
    let values = params::Marks::on_tx(tx).typed_rows(all.len(), &TYPES);
    // The CTE's names differ from the table's so every name in `SET`, `WHERE` and `RETURNING`
    // is unambiguous on both backends.
    let sql = sqlx::AssertSqlSafe(format!(
        "WITH v(v_status, v_captured, v_refunded, v_reason, v_auth_code, v_auth_at, \
           v_confirm_at, v_token, v_expires_at, v_updated_at, v_id, v_from) AS (VALUES {values}) \
         UPDATE transactions SET status = v_status, captured = v_captured, \
           refunded = v_refunded, reason_code = v_reason, \
           auth_code = COALESCE(v_auth_code, auth_code), auth_at = COALESCE(v_auth_at, auth_at), \
           confirm_at = COALESCE(v_confirm_at, confirm_at), token = COALESCE(v_token, token), \
           expires_at = v_expires_at, updated_at = v_updated_at \
         FROM v WHERE id = v_id AND status = v_from RETURNING {COLUMNS}"
    ));
    let rows = on_tx!(tx, c => {
        let mut q = sqlx::query_as(sql).persistent(false);
        for t in all {
            q = bind_change!(q, &t.change, t.id, t.from);
        }
        q.fetch_all(&mut **c).await
    })?;
    Ok(rows)
}
