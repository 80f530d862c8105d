//! Putting notifications into the outbox inside the transaction that makes the change they
//! announce (RELIABILITY W1), when the site has that kind switched on. The body is built and
//! encoded here, once; every attempt sends the same bytes.
//!
//! Notifications are ordered per payment (W3): a refund's notification queues behind its
//! payment's, so the outbox's ordering key is the payment's id while the body names the refund.

use oblako_core::ids::{Mode, SiteId};
use oblako_core::payment::Notice;
use oblako_protocol::notification::{FormEncoding, Notification, NotificationKind, PaymentNotice};
use oblako_store::notifications::{self, NewNotification};
use oblako_store::{Tx, transactions};

use crate::notify::notice::payment_notice;
use crate::state::AppState;

/// The notification of `kind` saying `notice`.
pub fn payment_notification(kind: NotificationKind, notice: PaymentNotice) -> Option<Notification> {
    Some(match kind {
        NotificationKind::Check => Notification::Check(notice),
        NotificationKind::Pay => Notification::Pay(notice),
        NotificationKind::Fail => Notification::Fail(notice),
        NotificationKind::Confirm => Notification::Confirm(notice),
        NotificationKind::Refund => Notification::Refund(notice),
        NotificationKind::Cancel => Notification::Cancel(notice),
        NotificationKind::Recurrent | NotificationKind::Receipt => return None,
    })
}

/// Queues the notification `notice` calls for about transaction `id` of `site`, inside `tx`
/// after the change is written there, if the site has that kind enabled. `at_ms` is when the
/// change happened. Returns whether a notification was queued.
pub async fn announce(
    state: &AppState,
    tx: &mut Tx,
    site: SiteId,
    mode: Mode,
    id: i64,
    notice: Option<Notice>,
    at_ms: i64,
) -> anyhow::Result<bool> {
    let Some(notice) = notice else {
        return Ok(false);
    };
    let kind = NotificationKind::from(notice);
    let settings = notifications::settings::get(&state.db, site, kind.name()).await?;
    if !settings.enabled || settings.url.is_empty() {
        return Ok(false);
    }
    let row = transactions::get_for_update(tx, site, mode, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("transaction {id} vanished inside its own change"))?;
    let at = jiff::Timestamp::from_millisecond(at_ms)?;
    let encoding = FormEncoding::from_name(&settings.encoding).unwrap_or(FormEncoding::Utf8);
    let body = payment_notification(kind, payment_notice(&row, kind, at))
        .ok_or_else(|| anyhow::anyhow!("{kind} is not a payment notification"))?
        .body(encoding);
    notifications::enqueue(
        tx,
        &NewNotification {
            site,
            mode,
            transaction_id: Some(row.original_id.unwrap_or(row.id)),
            kind: kind.name(),
            body: &body,
            url: &settings.url,
            method: &settings.method,
            encoding: &settings.encoding,
            created_at: at_ms,
        },
    )
    .await?;
    Ok(true)
}
