//! Scheduled transitions and the reconciler, run by every node on a timer.
//!
//! - A 3-D Secure wait past its deadline becomes `Cancelled`.
//! - An authorization past its hold becomes `Cancelled` (the bank releases it), or `Completed`
//!   for the full amount when the site confirms automatically after N days (never the card
//!   check of a change of card on the payer's subscription page).
//! - An acquirer intent with no recorded outcome after a minute (`reconcile_after_secs`; a crash
//!   or lost answer between the bank call and the commit) is settled by asking the bank under
//!   the same reference; the bank's ledger makes that call idempotent, so nothing is charged
//!   twice.
//!
//! Time comes from the state's clock, so tests move it instead of sleeping; a row is due on its
//! own site's clock (a sandbox site's test clock moves its holds and 3-D Secure waits). Several nodes may
//! sweep at once: every change is a compare-and-set under a row lock, and the loser skips.

use std::time::Duration;

use oblako_core::payment::{Event, Status, apply};
use oblako_store::transactions::{self, Change, TransactionRow};
use oblako_store::{acquirer, sites};

use crate::Gateway;
use crate::bank::{self, BankAnswer, FollowUp};
use crate::settlement::authorize::finish_authorization;
use crate::settlement::{Payee, change_to, payment_of};
use crate::stop::Stop;

/// How long an intent may stay open before the reconciler asks the bank, by default
/// (`reconcile_after_secs`).
pub const RECONCILE_AFTER_MS: i64 = 60_000;
const BATCH: i64 = 200;

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sweep {
    /// 3-D Secure waits cancelled.
    pub abandoned: u32,
    /// Holds expired and released.
    pub expired: u32,
    /// Authorizations confirmed automatically.
    pub auto_confirmed: u32,
    /// Open intents settled.
    pub reconciled: u32,
}

/// Runs [`sweep_once`] every `every` until the process stops.
pub async fn run(state: Gateway, every: Duration, stop: Stop) {
    let mut tick = tokio::time::interval(every);
    loop {
        if stop.interrupts(tick.tick()).await {
            break;
        }
        match sweep_once(&state).await {
            Ok(s) if s == Sweep::default() => {}
            Ok(s) => tracing::info!(?s, "sweep"),
            Err(e) => tracing::warn!(error = format!("{e:#}"), "sweep failed"),
        }
    }
}

/// One pass over everything due now.
pub async fn sweep_once(state: &Gateway) -> anyhow::Result<Sweep> {
    let mut sweep = Sweep::default();
    let now = state.now_ms();
    for row in transactions::due(&state.db, Status::AwaitingAuthentication, now, BATCH).await? {
        if resolve(state, &row, Event::AuthenticationAbandoned, None, When::Due).await? {
            sweep.abandoned += 1;
        }
    }
    for row in transactions::due(&state.db, Status::Authorized, now, BATCH).await? {
        let Some(site) = sites::site(&state.db, row.site_id).await? else {
            continue;
        };
        if site.auto_confirm_days.is_some() && !is_card_check(state, row.id).await? {
            if resolve(
                state,
                &row,
                Event::Confirm(row.amount),
                Some(FollowUp::Capture),
                When::Due,
            )
            .await?
            {
                sweep.auto_confirmed += 1;
            }
        } else if resolve(
            state,
            &row,
            Event::HoldExpired,
            Some(FollowUp::Void),
            When::Due,
        )
        .await?
        {
            sweep.expired += 1;
        }
    }
    let reconcile_before = now - state.settings.reconcile_after_ms;
    for open in acquirer::open_before(&state.db, reconcile_before, BATCH).await? {
        if reconcile(state, &open).await? {
            sweep.reconciled += 1;
        }
    }
    Ok(sweep)
}

/// Whether authorization `id` is the card check of a subscription page's change of card, which is
/// never captured: if its void was lost, its hold simply expires.
async fn is_card_check(state: &Gateway, id: i64) -> anyhow::Result<bool> {
    let change = oblako_store::subscriptions::card_changes::find(&state.db, id).await?;
    Ok(change.is_some_and(|c| c.purpose == "verify"))
}

/// Cancels the 3-D Secure wait of `row` now, before its deadline: its payer closed the payment
/// form. `false` when the wait had already ended (the payer answered the bank first).
pub async fn abandon_authentication(state: &Gateway, row: &TransactionRow) -> anyhow::Result<bool> {
    resolve(state, row, Event::AuthenticationAbandoned, None, When::Now).await
}

/// Whether an event waits for the row's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    Due,
    Now,
}

/// Applies an event if the row is still in the status read (and, for scheduled events, due);
/// `false` when another node or request got there first.
async fn resolve(
    state: &Gateway,
    due: &TransactionRow,
    event: Event,
    bank_op: Option<FollowUp>,
    when: When,
) -> anyhow::Result<bool> {
    let (site, mode) = (due.site_id, due.mode);
    // The row's deadline is in its site's time; intents age on the wall clock.
    let now = state.site_now_ms_fresh(site).await?;
    let wall = state.now_ms();
    let subscriptions = crate::notify::outbox::NoticeSettings::load(state, site, mode).await?;
    let mut tx = state.db.begin_write().await?;
    let Some(row) = transactions::get_for_update(&mut tx, site, mode, due.id).await? else {
        return Ok(false);
    };
    let waiting = when == When::Due && row.expires_at.is_none_or(|at| at > now);
    if row.status != due.status || waiting {
        return Ok(false);
    }
    let payment = payment_of(&row);
    let (next, notice) =
        apply(payment, event).map_err(|r| anyhow::anyhow!("transaction {}: {r}", row.id))?;
    let confirm_at = (next.status == Status::Completed).then_some(now);
    let change = Change {
        confirm_at,
        ..change_to(&next, now)
    };
    if !transactions::transition(&mut tx, row.id, row.status, &change).await? {
        return Ok(false);
    }
    if next.status == Status::Cancelled {
        // A released hold took no money: its order, if any, is payable again.
        oblako_store::orders::reopen_unpaid(&mut tx, row.id, now).await?;
    }
    let reference = bank_op.map(|op| (op, format!("{}:{}", op.as_str(), row.id)));
    if let Some((op, reference)) = &reference {
        acquirer::record_intent(&mut tx, reference, row.id, op.as_str(), row.amount, wall).await?;
    }
    let captured = crate::receipts::Settled::Captured(next.captured);
    crate::receipts::queue_in(&mut tx, &row, Some(captured), now).await?;
    // Hold expiry announces Cancel, auto-confirm Confirm, through the same outbox.
    let queued =
        crate::notify::outbox::announce(&subscriptions, &mut tx, mode, row.id, notice, now).await?;
    tx.commit().await?;
    if queued {
        state.delivery.ring();
    }
    if let Some((op, reference)) = reference {
        let answer = bank::follow_up(&state.db, &reference, op, row.amount, now).await?;
        settle(state, &reference, &answer).await?;
    }
    Ok(true)
}

async fn settle(state: &Gateway, reference: &str, answer: &BankAnswer) -> anyhow::Result<()> {
    let mut tx = state.db.begin_write().await?;
    acquirer::settle(
        &mut tx,
        reference,
        i64::from(answer.reason.0),
        state.now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Settles one open intent by asking the bank under the same reference.
async fn reconcile(state: &Gateway, open: &acquirer::OpenOperation) -> anyhow::Result<bool> {
    let now = state.now_ms();
    if open.operation != "auth" {
        let op = match open.operation.as_str() {
            "capture" => FollowUp::Capture,
            "void" => FollowUp::Void,
            _ => FollowUp::Refund,
        };
        let answer = bank::follow_up(&state.db, &open.reference, op, open.amount, now).await?;
        settle(state, &open.reference, &answer).await?;
        return Ok(true);
    }
    let Some(row) = transactions::by_id(&state.db, open.transaction_id).await? else {
        return Ok(false);
    };
    let (site_id, mode) = (row.site_id, row.mode);
    let Some(site) = sites::site(&state.db, site_id).await? else {
        return Ok(false);
    };
    let keys = sites::keys_of(&state.db, site_id).await?;
    let public_id = keys
        .iter()
        .find(|k| k.mode == mode)
        .map(|k| k.public_id.clone())
        .unwrap_or_default();
    let payee = Payee {
        site: &site,
        mode,
        public_id: &public_id,
    };
    if row.status == Status::Processing {
        finish_authorization(state, payee, &row)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    } else {
        // The payment moved on (a resumed request finished it): only the log entry is open.
        let reason = acquirer::bank_lookup(&state.db, &open.reference)
            .await?
            .map_or(0, |o| o.0);
        let answer = BankAnswer {
            reason: oblako_core::reason::ReasonCode(i32::try_from(reason)?),
            auth_code: None,
        };
        settle(state, &open.reference, &answer).await?;
    }
    Ok(true)
}
