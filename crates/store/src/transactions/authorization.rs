//! A card authorization's two commits when nothing else has to join them: the payment with its
//! acquirer intent (RELIABILITY M5: committed before the bank is called), and the bank's answer
//! with the intent marked done. Both rows of each commit together or not at all.
//!
//! Concurrent requests share these commits ([`crate::group`], group commit): each call queues
//! its rows, and what has queued is written as one statement (`super::grouped`). The call
//! returns once its batch is durable, so the intent is still committed before the bank is
//! called.
//!
//! A payment whose commit must also hold something else (an idempotency key, an order, a new
//! token, a subscription, a notification) uses [`super::insert_returning`],
//! [`super::transition_returning`] and `acquirer` inside its own [`crate::Tx`] instead.

use super::grouped::{Pay, Settle};
use super::{Change, NewTransaction, TransactionRow};
use crate::{Db, StoreError};

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
    db.groups().pay.write(db, Pay::new(t)).await
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
    let settle = Settle::new(id, from, change, reference, reason_code);
    db.groups().settle.write(db, settle).await
}
