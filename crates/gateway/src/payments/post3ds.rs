//! `payments/cards/post3ds`: finishing a payment after the payer's 3-D Secure check.
//!
//! The `PaRes` must be one the gateway's ACS issued for this transaction, inside the 3-D Secure
//! window. A passed check moves the transaction back to `Processing` together with the bank
//! intent (so a second `post3ds` finds it no longer waiting), then the bank decides as for any
//! card payment. A failed, forged or late `PaRes` declines the payment with 5206.

use oblako_core::payment::{Event, Kind, Status, apply};
use oblako_core::reason::ReasonCode;
use oblako_core::test_bank::Channel;
use oblako_store::acquirer;
use oblako_store::transactions;

use crate::FlowError;
use crate::Gateway;
use crate::notify::outbox::{NoticeSettings, announce};
use crate::payments::{NOT_FOUND, three_ds};
use crate::settlement::authorize::{Charged, check_then_authorize};
use crate::settlement::outcome::PaymentOutcome;
use crate::settlement::{NO_LIVE_ACQUIRER, Payee, change_to, expiry_of, payment_of};
use crate::vault;

/// The refusal for a transaction that is not waiting for 3-D Secure (finished, or never asked).
pub const NOT_WAITING: &str = "Transaction is not awaiting 3-D Secure authentication";

/// Completes 3-D Secure for transaction `id` with the ACS's `PaRes`.
pub async fn post3ds(
    state: &Gateway,
    payee: Payee<'_>,
    id: i64,
    pa_res: &str,
) -> Result<PaymentOutcome, FlowError> {
    if payee.mode == oblako_core::ids::Mode::Live {
        return Err(FlowError::Refused(NO_LIVE_ACQUIRER.into()));
    }
    let now = state.now_ms();
    let (site, mode) = (payee.site.id, payee.mode);
    let site_now = state.site_now_ms(site).await?;
    let subscriptions = NoticeSettings::load(state, site, mode).await?;
    let mut tx = state.db.begin_write().await?;
    let Some(row) = transactions::get_for_update(&mut tx, site, mode, id)
        .await?
        .filter(|r| r.kind == Kind::Payment)
    else {
        return Err(FlowError::Refused(NOT_FOUND.into()));
    };
    if row.status != Status::AwaitingAuthentication {
        return Err(FlowError::Refused(NOT_WAITING.into()));
    }
    let passed = three_ds::read_pa_res(&state.secrets, pa_res, id, now).unwrap_or(false)
        && row.expires_at.is_some_and(|deadline| site_now <= deadline);
    let event = if passed {
        Event::Authenticated
    } else {
        Event::Declined(ReasonCode::AUTHENTICATION_FAILED)
    };
    let (next, notice) =
        apply(payment_of(&row), event).map_err(|r| anyhow::anyhow!("transaction {id}: {r}"))?;
    let change = change_to(&next, site_now);
    if !transactions::transition(&mut tx, id, row.status, &change).await? {
        return Err(anyhow::anyhow!("transaction {id} changed while locked").into());
    }
    let reference = format!("auth:{id}");
    if passed {
        acquirer::record_intent(&mut tx, &reference, id, "auth", row.amount, now).await?;
    }
    // A passed check announces nothing yet (the bank decides); a failed one is the Fail.
    let queued = announce(&subscriptions, &mut tx, mode, id, notice, site_now).await?;
    tx.commit().await?;
    if queued {
        state.delivery.ring();
    }

    if !passed {
        let row = transactions::get(&state.db, site, mode, id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("vanished"))?;
        return Ok(PaymentOutcome::of(row));
    }
    let card_id = row
        .card_id
        .ok_or_else(|| anyhow::anyhow!("transaction {id} has no card"))?;
    let (pan, _) = vault::load_pan(&state.db, &state.secrets, site, mode, card_id)
        .await?
        .ok_or_else(|| {
            anyhow::anyhow!("transaction {id}: card {card_id} missing from the vault")
        })?;
    let card = Charged {
        pan: &pan,
        expiry: expiry_of(&row)?,
        channel: Channel::Card,
        card_id,
        amount: row.amount,
    };
    check_then_authorize(state, payee, id, &reference, card, now, None).await
}
