//! A card authorization's two commits when nothing else has to join them: the payment with its
//! acquirer intent (RELIABILITY M5: committed before the bank is called), and the bank's answer
//! with the intent marked done. On PostgreSQL each is one statement in autocommit (a
//! data-modifying `WITH`), which saves the `BEGIN` and `COMMIT` round trips and a statement;
//! SQLite has no data-modifying `WITH`, so there each is two statements in one write
//! transaction of the writer's batch. Either way both rows commit together or not at all.
//!
//! A payment whose commit must also hold something else (an idempotency key, an order, a new
//! token, a subscription, a notification) uses [`super::insert_returning`],
//! [`super::transition_returning`] and `acquirer` inside its own [`crate::Tx`] instead.

use super::{COLUMNS, Change, INSERT, NewTransaction, TRANSITION, TransactionRow};
use crate::{Db, StoreError, acquirer};

/// The acquirer reference of transaction `id`'s authorization.
pub fn auth_reference(id: i64) -> String {
    format!("auth:{id}")
}

/// Inserts a payment and, in the same commit, the intent of its authorization (reference
/// [`auth_reference`], operation `auth`, the payment's amount); answers the row as stored.
pub async fn insert_with_intent(
    db: &Db,
    t: &NewTransaction<'_>,
) -> Result<TransactionRow, StoreError> {
    match db {
        Db::Sqlite(_) => {
            let mut tx = db.begin_write().await?;
            let row = super::insert_returning(&mut tx, t).await?;
            let reference = auth_reference(row.id);
            acquirer::record_intent(&mut tx, &reference, row.id, "auth", t.amount, t.created_at)
                .await?;
            tx.commit().await?;
            Ok(row)
        }
        Db::Postgres(pool) => {
            // The reference is spelled here as `auth_reference` spells it.
            let sql = sqlx::AssertSqlSafe(format!(
                "WITH t AS ({INSERT} RETURNING {COLUMNS}), \
                 i AS (INSERT INTO acquirer_operations (reference, transaction_id, operation, \
                   amount, state, created_at, updated_at) \
                   SELECT 'auth:' || id, id, 'auth', amount, 'intent', created_at, created_at \
                   FROM t) \
                 SELECT {COLUMNS} FROM t"
            ));
            let row = bind_new!(sqlx::query_as(sql), t).fetch_one(pool).await?;
            Ok(row)
        }
    }
}

/// Applies `change` to transaction `id` if it is still in `from` (compare-and-set) and, in the
/// same commit, settles the intent `reference` with the bank's `reason_code`. `None` when
/// another finisher changed the transaction first; then the intent is left as it was.
pub async fn settle_with_intent(
    db: &Db,
    id: i64,
    from: &str,
    change: &Change<'_>,
    reference: &str,
    reason_code: i64,
) -> Result<Option<TransactionRow>, StoreError> {
    match db {
        Db::Sqlite(_) => {
            let mut tx = db.begin_write().await?;
            let Some(row) = super::transition_returning(&mut tx, id, from, change).await? else {
                return Ok(None);
            };
            acquirer::settle(&mut tx, reference, reason_code, change.updated_at).await?;
            tx.commit().await?;
            Ok(Some(row))
        }
        Db::Postgres(pool) => {
            let sql = sqlx::AssertSqlSafe(format!(
                "WITH t AS ({TRANSITION} RETURNING {COLUMNS}), \
                 a AS (UPDATE acquirer_operations SET state = 'done', reason_code = $13, \
                   updated_at = $10 \
                   WHERE reference = $14 AND state <> 'done' AND EXISTS (SELECT 1 FROM t)) \
                 SELECT {COLUMNS} FROM t"
            ));
            let row = bind_change!(sqlx::query_as(sql), change, id, from)
                .bind(reason_code)
                .bind(reference)
                .fetch_optional(pool)
                .await?;
            Ok(row)
        }
    }
}
