//! A new payment of an order ends the order's earlier attempt that still waits at the 3-D Secure
//! page (the payer left it: back button, closed tab), in the transaction that claims the order.
//! That attempt took no money (the bank hears of it only after the ACS answers), so it is
//! abandoned as the sweeper would abandon it 20 minutes later, and its late ACS answer is refused.

use oblako_core::ids::{Mode, SiteId};
use oblako_core::payment::{Event, Status, apply};
use oblako_store::{Tx, orders, transactions};

use crate::FlowError;
use crate::settlement::{change_to, payment_of};

/// Abandons the attempt of order `order` (internal id) that waits for 3-D Secure, if any.
/// `true` when one was abandoned.
pub async fn release_unanswered_three_ds(
    tx: &mut Tx,
    site: SiteId,
    mode: Mode,
    order: i64,
    now: i64,
) -> Result<bool, FlowError> {
    let Some(previous) = orders::current_transaction(tx, order).await? else {
        return Ok(false);
    };
    let Some(row) = transactions::get_for_update(tx, site, mode, previous).await? else {
        return Ok(false);
    };
    if row.status != Status::AwaitingAuthentication {
        return Ok(false);
    }
    // Abandonment announces nothing (no notification), as in the sweeper.
    let (next, _) = apply(payment_of(&row), Event::AuthenticationAbandoned)
        .map_err(|r| anyhow::anyhow!("transaction {previous}: {r}"))?;
    Ok(transactions::transition(tx, previous, row.status, &change_to(&next, now)).await?)
}
