//! The emulated bank's ledger records of concurrent requests on PostgreSQL, written a batch at a
//! time ([`crate::group`]): one `INSERT … ON CONFLICT` statement per batch, in autocommit. Each
//! caller gets the outcome stored for its reference, by reference; no two rows of one reference
//! are written at once (the group keeps the second for a later batch), so a repeated reference
//! gets the first outcome, as it would one call after the other.

use std::collections::HashMap;

use sqlx::PgPool;

use super::BankOutcome;
use crate::group::Member;
use crate::{StoreError, params};

/// One bank operation to record, owned: its batch may outlive the caller.
#[derive(Debug)]
pub(crate) struct BankRecord {
    pub(crate) reference: String,
    pub(crate) operation: String,
    pub(crate) amount: i64,
    pub(crate) outcome: BankOutcome,
    pub(crate) now_ms: i64,
}

impl Member for BankRecord {
    type Key = String;
    type Output = BankOutcome;
    type Conn = PgPool;

    fn key(&self) -> Option<String> {
        Some(self.reference.clone())
    }

    async fn write(pool: PgPool, batch: Vec<BankRecord>) -> Result<Vec<BankOutcome>, StoreError> {
        let values = params::Marks::postgres().rows(batch.len(), 6);
        let sql = super::ledger_rows_sql(&values);
        // Prepared and cached, unlike other `params` statements: on PostgreSQL preparing is a
        // round trip of its own, and `db::connect_postgres` makes room for every batch size.
        let mut q = sqlx::query_as(sql);
        for r in &batch {
            q = q
                .bind(&r.reference)
                .bind(&r.operation)
                .bind(r.amount)
                .bind(r.outcome.0)
                .bind(&r.outcome.1)
                .bind(r.now_ms);
        }
        let stored: Vec<(String, i64, Option<String>)> = q.fetch_all(&pool).await?;
        let mut by_reference: HashMap<String, BankOutcome> = stored
            .into_iter()
            .map(|(reference, reason, auth)| (reference, (reason, auth)))
            .collect();
        batch
            .iter()
            .map(|r| {
                by_reference.remove(&r.reference).ok_or_else(|| {
                    StoreError::Corrupt(format!("no ledger row came back for {}", r.reference))
                })
            })
            .collect()
    }
}
