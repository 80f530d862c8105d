//! `payments/confirm`, `payments/void` and `payments/refund`.
//!
//! The new state and the bank intent are committed together, under a row lock (PostgreSQL
//! `FOR UPDATE`, SQLite `BEGIN IMMEDIATE`) and a compare-and-set on the old status, so of two
//! racing requests exactly one wins and only the winner reaches the bank.
//! The bank call follows, and its answer settles the intent.

use jiff::Timestamp;
use oblako_core::ids::Mode;
use oblako_core::payment::{Event, Kind, Payment, Stage, Status, apply};
use oblako_store::transactions::{self, Change, NewTransaction, TransactionRow};
use oblako_store::{Tx, acquirer};

use crate::FlowError;
use crate::Gateway;
use crate::bank::{self, FollowUp};
use crate::notify::outbox::{NoticeSettings, announce};
use crate::payments::NOT_FOUND;
use crate::receipts::Settled;
use crate::recovery::Recovery;
use crate::settlement::outcome::Managed;
use crate::settlement::{NO_LIVE_ACQUIRER, Payee, change_to, payment_of};

/// What to do to a payment.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    /// Capture this many minor units of an authorization.
    Confirm(i64),
    /// Release an authorization.
    Void,
    /// Return this many minor units of a captured payment.
    Refund(i64),
}

async fn locked(
    tx: &mut Tx,
    payee: Payee<'_>,
    id: i64,
) -> Result<Option<TransactionRow>, FlowError> {
    let row = transactions::get_for_update(tx, payee.site.id, payee.mode, id).await?;
    Ok(row.filter(|r| r.kind == Kind::Payment))
}

fn timestamp(ms: i64) -> Result<Timestamp, FlowError> {
    Ok(Timestamp::from_millisecond(ms).map_err(anyhow::Error::from)?)
}

fn change(next: &Payment, now: i64, confirm: bool) -> Change<'static> {
    // Confirm, void and refund all leave nothing to expire.
    Change {
        confirm_at: confirm.then_some(now),
        ..change_to(next, now)
    }
}

/// Confirms, voids or refunds payment `id`.
pub async fn manage(
    state: &Gateway,
    payee: Payee<'_>,
    id: i64,
    action: Action,
    recovery: Recovery,
) -> Result<Managed, FlowError> {
    if payee.mode == Mode::Live {
        return Err(FlowError::Refused(NO_LIVE_ACQUIRER.into()));
    }
    if let Some(done) = recovery.resume {
        // An earlier copy committed this operation and died before answering: answer for it;
        // the sweeper settles its bank call.
        return Ok(Managed {
            refund_id: matches!(action, Action::Refund(_)).then_some(done),
        });
    }
    let now = state.site_now_ms(payee.site.id).await?;
    let subscriptions = NoticeSettings::load(state, payee.site.id, payee.mode).await?;
    let mut tx = state.db.begin_write().await?;
    let Some(row) = locked(&mut tx, payee, id).await? else {
        return Err(FlowError::Refused(NOT_FOUND.into()));
    };
    let event = match action {
        Action::Confirm(minor) => Event::Confirm(minor),
        Action::Void => Event::Void {
            now: timestamp(now)?,
            // Every approved authorization records when; the creation time stands in (earlier,
            // so never stricter) for a row that somehow lacks it.
            authorized_at: timestamp(row.auth_at.unwrap_or(row.created_at))?,
        },
        Action::Refund(minor) => Event::Refund(minor),
    };
    // A refusal (including a void too soon after a small authorization) leaves before anything
    // is written or sent to the bank.
    let (next, notice) =
        apply(payment_of(&row), event).map_err(|r| FlowError::Refused(r.to_string()))?;
    let confirm = matches!(action, Action::Confirm(_));
    if !transactions::transition(&mut tx, id, row.status, &change(&next, now, confirm)).await? {
        return Err(anyhow::anyhow!("transaction {id} changed while locked").into());
    }
    if matches!(action, Action::Void) {
        // A voided authorization took no money: its order, if any, is payable again.
        oblako_store::orders::reopen_unpaid(&mut tx, id, now).await?;
    }
    let (operation, amount, refund_id) = match action {
        Action::Confirm(minor) => (FollowUp::Capture, minor, None),
        Action::Void => (FollowUp::Void, row.amount, None),
        Action::Refund(minor) => (
            FollowUp::Refund,
            minor,
            Some(insert_refund(&mut tx, payee, &row, minor, now).await?),
        ),
    };
    recovery.attach(&mut tx, refund_id.unwrap_or(id)).await?;
    let reference = format!("{}:{}", operation.as_str(), refund_id.unwrap_or(id));
    acquirer::record_intent(
        &mut tx,
        &reference,
        refund_id.unwrap_or(id),
        operation.as_str(),
        amount,
        state.now_ms(),
    )
    .await?;
    let target = refund_id.unwrap_or(id);
    let receipted = match settled(action, refund_id) {
        Some(money) => crate::receipts::queue_in(&mut tx, &row, Some(money), now).await?,
        None => false,
    };
    let queued = announce(&subscriptions, &mut tx, payee.mode, target, notice, now).await?;
    tx.commit().await?;
    if queued {
        state.delivery.ring();
    }
    if receipted {
        state.receipts.ring();
    }

    let answer = bank::follow_up(&state.db, &reference, operation, amount, now).await?;
    let mut tx = state.db.begin_write().await?;
    acquirer::settle(&mut tx, &reference, i64::from(answer.reason.0), now).await?;
    tx.commit().await?;
    Ok(Managed { refund_id })
}

/// The money a confirmation or refund moved, for its receipt; nothing for a void.
fn settled(action: Action, refund_id: Option<i64>) -> Option<Settled> {
    match (action, refund_id) {
        (Action::Confirm(amount), _) => Some(Settled::Captured(amount)),
        (Action::Refund(amount), Some(refund_id)) => Some(Settled::Refunded { refund_id, amount }),
        _ => None,
    }
}

async fn insert_refund(
    tx: &mut Tx,
    payee: Payee<'_>,
    payment: &TransactionRow,
    amount: i64,
    now: i64,
) -> Result<i64, FlowError> {
    let refund = NewTransaction {
        site: payee.site.id,
        mode: payee.mode,
        kind: Kind::Refund,
        original_id: Some(payment.id),
        status: Status::Completed,
        stage: Stage::OneStage,
        amount,
        currency: payment.currency,
        invoice_id: payment.invoice_id.as_deref(),
        account_id: payment.account_id.as_deref(),
        email: payment.email.as_deref(),
        description: payment.description.as_deref(),
        json_data: None,
        culture: &payment.culture,
        ip_address: &payment.ip_address,
        name: payment.name.as_deref(),
        card_id: payment.card_id,
        card_first_six: &payment.card_first_six,
        card_last_four: &payment.card_last_four,
        card_exp: &payment.card_exp,
        card_brand: &payment.card_brand,
        token: None,
        subscription_id: payment.subscription_id.as_deref(),
        created_at: now,
        expires_at: None,
    };
    Ok(transactions::insert(tx, &refund).await?)
}
