//! A card authorization's two commits when nothing else has to join them: the payment with its
//! acquirer intent (committed before the bank is called), and the bank's answer
//! with the intent marked done. Both rows of each commit together or not at all.
//!
//! On PostgreSQL concurrent requests share these commits ([`crate::group`]): each call queues
//! its rows and what has queued is written as one statement in autocommit, a data-modifying
//! `WITH` (`super::grouped`); the call returns once its batch committed, so the intent is still
//! committed before the bank is called. SQLite has no data-modifying `WITH` and its writer
//! already commits concurrent writes together: there each commit is two statements in one
//! write transaction of the writer's batch.
//!
//! A payment whose commit must also hold something else (an idempotency key, an order, a new
//! token, a subscription, a notification) uses [`super::insert_returning`],
//! [`super::transition_returning`] and `acquirer` inside its own [`crate::Tx`] instead.

use oblako_core::payment::Status;

use super::grouped::{Pay, Settle};
use super::{Change, NewTransaction, TransactionRow};
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
        Db::Postgres(pg) => pg.groups.pay.write(&pg.pool, Pay::new(t)).await,
    }
}

/// Applies `change` to transaction `id` if it is still in `from` (compare-and-set) and, in the
/// same commit, settles the intent `reference` with the bank's `reason_code`. `None` when
/// another finisher changed the transaction first; then the intent is left as it was.
pub async fn settle_with_intent(
    db: &Db,
    id: i64,
    from: Status,
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
        Db::Postgres(pg) => {
            let settle = Settle::new(id, from, change, reference, reason_code);
            pg.groups.settle.write(&pg.pool, settle).await
        }
    }
}
