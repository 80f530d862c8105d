//! Payments the payer makes on the self-service page with another card (spec §10).
//!
//! [`insert`] records one in the commit that creates the payment, after [`charge_in_flight`] and
//! [`in_flight`] found neither a billing charge nor another such payment unsettled for the
//! subscription (both callers hold the subscription's row lock, so the two checks serialize).
//! [`get`] finds the record when the payment is approved.

use crate::{Db, StoreError, Tx, on_db, on_tx};

/// A card-change payment.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CardChange {
    /// The payment.
    pub transaction_id: i64,
    /// The subscription.
    pub subscription_id: String,
    /// `charge` (pays the due slot of a PastDue subscription) or `verify` (an authorization
    /// that only proves the card of an Active one).
    pub purpose: String,
    /// The slot due when the payment started.
    pub period_index: i64,
    /// Unix ms.
    pub created_at: i64,
}

/// Records `change`, in the commit that creates its payment.
pub async fn insert(tx: &mut Tx, change: &CardChange) -> Result<(), StoreError> {
    let sql = "INSERT INTO subscription_card_changes (transaction_id, subscription_id, purpose, \
           period_index, created_at) VALUES ($1, $2, $3, $4, $5)";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(change.transaction_id).bind(&change.subscription_id).bind(&change.purpose)
        .bind(change.period_index).bind(change.created_at)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The card change that payment `transaction_id` is, if it is one.
pub async fn get(tx: &mut Tx, transaction_id: i64) -> Result<Option<CardChange>, StoreError> {
    let sql = "SELECT transaction_id, subscription_id, purpose, period_index, created_at \
         FROM subscription_card_changes WHERE transaction_id = $1";
    let row = on_tx!(tx, c => sqlx::query_as(sql).bind(transaction_id)
        .fetch_optional(&mut **c).await)?;
    Ok(row)
}

/// Whether a card-change payment of `subscription_id` is still unsettled (waiting for 3-D
/// Secure or for the bank).
pub async fn in_flight(tx: &mut Tx, subscription_id: &str) -> Result<bool, StoreError> {
    let sql = "SELECT COUNT(*) FROM subscription_card_changes c \
         JOIN transactions t ON t.id = c.transaction_id \
         WHERE c.subscription_id = $1 AND t.status IN ('AwaitingAuthentication', 'Processing')";
    let n: i64 = on_tx!(tx, c => sqlx::query_scalar(sql).bind(subscription_id)
        .fetch_one(&mut **c).await)?;
    Ok(n > 0)
}

/// Whether a billing job of `subscription_id` has created its payment and not applied it yet.
pub async fn charge_in_flight(tx: &mut Tx, subscription_id: &str) -> Result<bool, StoreError> {
    let sql = "SELECT COUNT(*) FROM subscription_charges \
         WHERE subscription_id = $1 AND state = 'pending' AND transaction_id IS NOT NULL";
    let n: i64 = on_tx!(tx, c => sqlx::query_scalar(sql).bind(subscription_id)
        .fetch_one(&mut **c).await)?;
    Ok(n > 0)
}

/// Like [`get`], outside a transaction (the 3-D Secure return looks up what it finishes).
pub async fn find(db: &Db, transaction_id: i64) -> Result<Option<CardChange>, StoreError> {
    let sql = "SELECT transaction_id, subscription_id, purpose, period_index, created_at \
         FROM subscription_card_changes WHERE transaction_id = $1";
    let row = on_db!(db, pool => sqlx::query_as(sql).bind(transaction_id)
        .fetch_optional(pool).await)?;
    Ok(row)
}

/// [`in_flight`] for many subscriptions in one read: those of `ids` with a payment with another
/// card unsettled.
pub async fn in_flight_among(tx: &mut Tx, ids: &[&str]) -> Result<Vec<String>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT c.subscription_id FROM subscription_card_changes c \
         JOIN transactions t ON t.id = c.transaction_id \
         WHERE t.status IN ('AwaitingAuthentication', 'Processing') \
           AND c.subscription_id IN ({})",
        crate::params::Marks::on_tx(tx).list(ids.len())
    ));
    let rows = on_tx!(tx, c => {
        let mut q = sqlx::query_scalar(sql).persistent(false);
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut **c).await
    })?;
    Ok(rows)
}
