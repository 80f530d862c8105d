//! What the payer of a subscription is told (spec §10): a reminder before a charge, a failed
//! charge with a way to pay with another card, and a cancellation. [`queue`] renders the notice
//! (`mail::billing`, in the subscription's language) and puts it in the messages outbox inside
//! the caller's transaction, the one that changes the subscription, so no notice is lost.

use oblako_core::money::{Currency, Money};
use oblako_store::Tx;
use oblako_store::subscriptions::SubscriptionRow;

use crate::Gateway;
use crate::mail::billing::{BillingNotice, Subscription, billing_email};
use crate::mail::{manage_link, queue_email};

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
    /// Its currency.
    pub currency: Currency,
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
        currency: row.currency,
        description: row.description.clone().unwrap_or_default(),
        next_at: row.next_at,
    })
}

/// The payer's self-service link for `row`, valid from `now_ms`.
pub fn manage_url(state: &Gateway, row: &SubscriptionRow, now_ms: i64) -> String {
    let token = manage_link::token(&state.secrets, row.site_id, &row.id, now_ms);
    manage_link::url(&state.settings.public_url, &token)
}

/// `2026-10-01`, UTC, as the payer reads a charge date.
fn day_of(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Queues the notice of `kind` about `row` (of the site named `merchant`) to the payer inside
/// `tx`; ring `state.mail` after the commit when it returns `Some`. A subscription without an
/// e-mail gets nothing, with a log line.
pub async fn queue(
    state: &Gateway,
    tx: &mut Tx,
    merchant: &str,
    kind: NoticeKind,
    row: &SubscriptionRow,
    now_ms: i64,
) -> anyhow::Result<Option<PayerNotice>> {
    let Some(notice) = payer_notice(kind, row) else {
        tracing::info!(subscription = %row.id, ?kind, "payer notice skipped: no e-mail");
        return Ok(None);
    };
    let currency = notice.currency;
    let manage = manage_url(state, row, now_ms);
    let what = match kind {
        NoticeKind::UpcomingCharge => BillingNotice::Upcoming {
            date: day_of(notice.next_at.unwrap_or(now_ms)),
        },
        // The self-service page is where the payer acts on a failed charge.
        NoticeKind::FailedCharge => BillingNotice::Failed {
            pay_url: manage.clone(),
        },
        NoticeKind::Cancelled => BillingNotice::Cancelled,
    };
    let email = billing_email(
        &what,
        Subscription {
            merchant,
            description: &notice.description,
            amount: Money::new(notice.amount, currency),
            culture: &notice.culture,
            manage_url: (kind == NoticeKind::UpcomingCharge).then_some(manage.as_str()),
        },
    )?;
    let reference = format!("subscription:{}", row.id);
    queue_email(
        tx,
        Some(row.site_id),
        &notice.email,
        &email,
        &reference,
        now_ms,
    )
    .await?;
    Ok(Some(notice))
}
