//! Check (spec §4.3.2, §5.3–5.4): the one notification that can stop a payment. It is sent
//! synchronously, after the payment is recorded and before the bank is asked. `{"code":0}` lets
//! the payment proceed; codes 10, 11, 12, 13 and 20 decline it with ReasonCodes 3001, 3002, 3003,
//! 3008 and 3004; an unreadable answer, an HTTP error, no connection or no answer in time decline
//! it with 3005–3007. A declined payment then produces Fail like any decline.
//!
//! Check is not queued: it is never retried, and the payment's answer waits for it.

use oblako_core::ids::{Mode, SiteId};
use oblako_core::reason::ReasonCode;
use oblako_protocol::notification::{
    CheckFailure, CheckOutcome, FormEncoding, Notification, NotificationKind, check_outcome,
};
use oblako_store::transactions;

use crate::Gateway;
use crate::notify::notice::payment_notice;
use crate::notify::outbox::NoticeSettings;
use crate::notify::send::{Target, send_signed};
use crate::notify::signing;
use crate::outbound::SendError;

/// Asks the site's Check handler about transaction `id`, if the site has Check enabled.
/// Returns the decline reason, or `None` when the payment may proceed (or Check is off).
pub async fn ask(
    state: &Gateway,
    site: SiteId,
    mode: Mode,
    id: i64,
) -> anyhow::Result<Option<ReasonCode>> {
    let subscriptions = NoticeSettings::load(state, site, mode).await?;
    let Some(settings) = subscriptions.wanted(NotificationKind::Check) else {
        return Ok(None);
    };
    let row = transactions::get(&state.db, site, mode, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("transaction {id} vanished before its Check"))?;
    let now_ms = state.now_ms();
    let now = jiff::Timestamp::from_millisecond(now_ms)?;
    let encoding = FormEncoding::from_name(&settings.encoding).unwrap_or(FormEncoding::Utf8);
    let body =
        Notification::Check(payment_notice(&row, NotificationKind::Check, now)).body(encoding);
    let secret = signing::site_secret(&state.db, &state.secrets, site, mode).await?;
    let target = Target {
        mode,
        url: &settings.url,
        method: &settings.method,
        encoding,
    };
    let sent = send_signed(
        state,
        target,
        &secret,
        &format!("chk_{id}"),
        now,
        &body,
        &[],
    )
    .await;
    let outcome = match &sent {
        Ok(answer) => check_outcome(answer.status, &answer.body),
        Err(SendError::Timeout(_)) => CheckFailure::Timeout.outcome(),
        Err(_) => CheckFailure::NoConnection.outcome(),
    };
    match (&sent, outcome) {
        (_, CheckOutcome::Proceed) => Ok(None),
        (Ok(answer), CheckOutcome::Decline(reason)) => {
            tracing::info!(
                transaction = id,
                status = answer.status,
                reason = reason.0,
                "Check declined the payment"
            );
            Ok(Some(reason))
        }
        (Err(error), CheckOutcome::Decline(reason)) => {
            tracing::warn!(transaction = id, %error, reason = reason.0, "Check handler unreachable: payment declined");
            Ok(Some(reason))
        }
    }
}
