//! What a new payment claims in the commit that creates it, so that the bank never hears of a
//! payment whose claim was lost (the caller drops the commit on a refusal): the order it pays
//! (`orders`), and the subscription whose card the payer changes on the self-service page
//! (`subscriptions::card_change`). The matching steps on approval are in `approval`.

use oblako_core::ids::{Mode, SiteId};
use oblako_core::subscription::Status as SubscriptionStatus;
use oblako_store::Tx;

use crate::FlowError;

/// Refusal for a payment of an order that is paid, cancelled or being paid.
pub const ORDER_TAKEN: &str = "This order is paid, cancelled, or being paid right now";

/// What the payment on the payer's page does for the subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A PastDue subscription: the payment is the due charge.
    Charge,
    /// An Active subscription: an authorization, voided at once, that proves the new card.
    Verify,
}

impl Purpose {
    /// The purpose a subscription in `status` allows, if any (Cancelled, Rejected and Expired
    /// subscriptions take no card).
    pub fn of(status: SubscriptionStatus) -> Option<Purpose> {
        match status {
            SubscriptionStatus::PastDue => Some(Purpose::Charge),
            SubscriptionStatus::Active => Some(Purpose::Verify),
            _ => None,
        }
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Charge => "charge",
            Purpose::Verify => "verify",
        }
    }
}

/// The subscription a card payment on the payer's page is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForSubscription {
    /// `sc_…`.
    pub id: String,
    /// What the page offered (from the status it showed).
    pub purpose: Purpose,
}

/// What a payment claims: the order (`InternalId`) it pays, the subscription whose card it
/// changes.
#[derive(Debug, Clone, Copy)]
pub struct Claims<'a> {
    pub order: Option<i64>,
    pub subscription: Option<&'a ForSubscription>,
}

impl Claims<'_> {
    /// Whether the payment claims nothing (its commit may then go alone).
    pub fn none(&self) -> bool {
        self.order.is_none() && self.subscription.is_none()
    }
}

/// Inside the commit that creates payment `transaction_id`: takes its claims, or refuses with
/// the reason (the caller drops the commit, which undoes the payment).
pub async fn claim_in(
    tx: &mut Tx,
    site: SiteId,
    mode: Mode,
    claims: Claims<'_>,
    transaction_id: i64,
    now: i64,
) -> Result<(), FlowError> {
    if let Some(order) = claims.order {
        crate::orders::release::release_unanswered_three_ds(tx, site, mode, order, now).await?;
        if !oblako_store::orders::attach_transaction(tx, order, transaction_id, now).await? {
            return Err(FlowError::Refused(ORDER_TAKEN.into()));
        }
    }
    if let Some(target) = claims.subscription {
        let claim = crate::subscriptions::card_change::claim_in(
            tx,
            site,
            mode,
            target,
            transaction_id,
            now,
        );
        if let Some(why) = claim.await? {
            return Err(FlowError::Refused(why.into()));
        }
    }
    Ok(())
}
