//! The emulated bank's ledger records of concurrent requests, written a batch at a time
//! ([`crate::group`]): one `INSERT … ON CONFLICT` statement per batch, the same text on both
//! backends (on PostgreSQL in autocommit, on SQLite as one member of the writer's batch). Each
//! caller gets the outcome stored for its reference, by reference; a batch never holds one
//! reference twice (the group leaves the second for the next batch), so a repeated reference
//! gets the first outcome, as it would one call after the other.

use std::collections::HashMap;

use super::BankOutcome;
use crate::group::Member;
use crate::{Db, StoreError, in_write, params};

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

    fn key(&self) -> Option<String> {
        Some(self.reference.clone())
    }

    async fn write(db: Db, batch: Vec<BankRecord>) -> Result<Vec<BankOutcome>, StoreError> {
        let values = params::rows(batch.len(), 6, 1);
        // The no-op update makes a repeated reference return the first outcome.
        let sql = sqlx::AssertSqlSafe(format!(
            "INSERT INTO bank_ledger (reference, operation, amount, reason_code, auth_code, \
               created_at) VALUES {values} \
             ON CONFLICT (reference) DO UPDATE SET reference = bank_ledger.reference \
             RETURNING reference, reason_code, auth_code"
        ));
        let persistent = db.backend() == crate::Backend::Postgres;
        let stored: Vec<(String, i64, Option<String>)> = in_write!(&db, c => {
            // Every batch size is another text: worth caching on PostgreSQL, where preparing
            // is a round trip (`db::connect_postgres` makes room), not on SQLite's writer.
            let mut q = sqlx::query_as(sql).persistent(persistent);
            for r in &batch {
                q = q
                    .bind(&r.reference)
                    .bind(&r.operation)
                    .bind(r.amount)
                    .bind(r.outcome.0)
                    .bind(&r.outcome.1)
                    .bind(r.now_ms);
            }
            q.fetch_all(&mut **c).await
        });
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
