//! What the payer of a subscription is told (spec §10): a reminder before a charge, a failed
//! charge with a way to pay with another card, and a cancellation. The mail outbox that sends
//! these is not wired yet; billing and cancellation build the notice at the point it would be
//! sent and log it, so the sender can take it from there.

use oblako_store::subscriptions::SubscriptionRow;

/// Why the payer is written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// A charge is coming.
    UpcomingCharge,
    /// A charge failed; the payer may top up or link another card.
    FailedCharge,
    /// The subscription was cancelled or rejected.
    Cancelled,
}

/// A notice for one payer, as values (the mail outbox renders it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayerNotice {
    /// Why.
    pub kind: NoticeKind,
    /// The subscription.
    pub subscription_id: String,
    /// Where to (the subscription's e-mail).
    pub email: String,
    /// `CultureName`: the language to write in.
    pub culture: String,
    /// Charge amount, minor units, and its currency.
    pub amount: i64,
    /// ISO currency.
    pub currency: String,
    /// Purpose.
    pub description: String,
    /// The next charge's date, Unix ms, if any.
    pub next_at: Option<i64>,
}

/// The notice of `kind` for `row`, or `None` when the payer left no e-mail.
pub fn payer_notice(kind: NoticeKind, row: &SubscriptionRow) -> Option<PayerNotice> {
    let email = row.email.clone().filter(|e| !e.trim().is_empty())?;
    Some(PayerNotice {
        kind,
        subscription_id: row.id.clone(),
        email,
        culture: row.culture.clone(),
        amount: row.amount,
        currency: row.currency.clone(),
        description: row.description.clone().unwrap_or_default(),
        next_at: row.next_at,
    })
}

/// Hands a notice to the payer mail outbox. Until that exists (issue 6, items 6–7) it is logged
/// without the address.
pub fn send(notice: Option<PayerNotice>) {
    if let Some(n) = notice {
        tracing::info!(
            subscription = %n.subscription_id,
            kind = ?n.kind,
            "payer notice (mail outbox not wired yet)"
        );
    }
}
