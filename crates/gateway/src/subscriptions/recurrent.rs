//! The Recurrent notification (spec §5.5): queued in the outbox inside the transaction that
//! changes a subscription's status, when the site has Recurrent switched on.
//! `subscriptions/update` never calls this, even when it re-activates (spec §3.20).

use oblako_protocol::notification::{
    FormEncoding, Notification, NotificationKind, SubscriptionInterval, SubscriptionNotice,
    SubscriptionStatus,
};
use oblako_store::Tx;
use oblako_store::notifications::{self, NewNotification};
use oblako_store::subscriptions::SubscriptionRow;

use crate::notify::outbox::NoticeSettings;
use crate::subscriptions::{at, money_of};

fn wire_status(status: oblako_core::subscription::Status) -> SubscriptionStatus {
    use oblako_core::subscription::Status;
    match status {
        Status::Active => SubscriptionStatus::Active,
        Status::PastDue => SubscriptionStatus::PastDue,
        Status::Cancelled => SubscriptionStatus::Cancelled,
        Status::Rejected => SubscriptionStatus::Rejected,
        Status::Expired => SubscriptionStatus::Expired,
    }
}

fn wire_interval(interval: oblako_core::subscription::Interval) -> SubscriptionInterval {
    use oblako_core::subscription::Interval;
    match interval {
        Interval::Day => SubscriptionInterval::Day,
        Interval::Week => SubscriptionInterval::Week,
        Interval::Month => SubscriptionInterval::Month,
    }
}

/// What the Recurrent notification says about `row`.
pub fn notice_of(row: &SubscriptionRow) -> anyhow::Result<SubscriptionNotice> {
    Ok(SubscriptionNotice {
        id: row.id.clone(),
        account_id: row.account_id.clone(),
        description: row.description.clone().unwrap_or_default(),
        email: row.email.clone().unwrap_or_default(),
        amount: money_of(row)?,
        require_confirmation: row.require_confirmation,
        start_date: at(row.start_at)?,
        interval: wire_interval(row.unit),
        period: u32::try_from(row.period)?,
        status: wire_status(row.status),
        successful_transactions_number: u32::try_from(row.successful)?,
        failed_transactions_number: u32::try_from(row.failed)?,
        max_periods: row.max_periods.map(u32::try_from).transpose()?,
        last_transaction_date: row.last_at.map(at).transpose()?,
        next_transaction_date: row.next_at.map(at).transpose()?,
    })
}

/// Queues the Recurrent notification of `row`'s new status inside `tx`, where the settings of
/// the subscription's mode say; returns whether one was queued (then the caller rings the
/// delivery worker after the commit).
pub async fn announce_status(
    settings: &NoticeSettings,
    tx: &mut Tx,
    row: &SubscriptionRow,
    at_ms: i64,
) -> anyhow::Result<bool> {
    let Some(wanted) = settings.wanted(NotificationKind::Recurrent) else {
        return Ok(false);
    };
    let mode = row.mode;
    anyhow::ensure!(
        settings.mode() == mode,
        "{} settings loaded to announce a {mode} subscription",
        settings.mode()
    );
    let encoding = FormEncoding::from_name(&wanted.encoding).unwrap_or(FormEncoding::Utf8);
    let body = Notification::Recurrent(notice_of(row)?).body(encoding);
    notifications::enqueue(
        tx,
        &NewNotification {
            site: row.site_id,
            mode,
            transaction_id: None,
            kind: NotificationKind::Recurrent.name(),
            body: &body,
            url: &wanted.url,
            method: &wanted.method,
            encoding: &wanted.encoding,
            created_at: at_ms,
        },
    )
    .await?;
    Ok(true)
}
