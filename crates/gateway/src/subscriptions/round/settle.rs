//! Steps 2 and 3 of a billing round (`round`): the bank asked for every started charge in one
//! write of its ledger, then one commit that settles every payment (compare-and-set from
//! `Processing`, intent done, Pay or Fail notification), ends its job and moves its subscription
//! on (`settlement::approval::jobs_in`), one statement per step for the whole round.

use std::collections::HashMap;

use oblako_core::payment::{Status as PaymentStatus, apply};
use oblako_core::test_bank::Channel;
use oblako_store::acquirer;
use oblako_store::transactions::{self, TransactionRow, Transition};

use super::{Outcomes, Started};
use crate::Gateway;
use crate::bank::{self, Authorization};
use crate::notify::outbox::announce;
use crate::settlement::approval::{self, RoundPayment};
use crate::settlement::{event_of, payment_of, settled};
use crate::subscriptions::charge::Ran;
use crate::subscriptions::outcome::ran_of;

/// Steps 2 and 3 for the started charges.
pub(super) async fn charge(
    state: &Gateway,
    started: Vec<Started>,
    out: &mut Outcomes,
) -> anyhow::Result<()> {
    let now = state.now_ms();
    let references: Vec<String> = started
        .iter()
        .map(|s| transactions::auth_reference(s.row.id))
        .collect();
    let asks: Vec<Authorization<'_>> = started
        .iter()
        .zip(&references)
        .map(|(s, reference)| Authorization {
            reference,
            pan: &s.plain.payer.card.pan,
            expiry: s.plain.payer.card.expiry,
            channel: Channel::Token,
            amount: s.row.amount,
        })
        .collect();
    let answers = bank::authorize_many(&state.db, &asks, now).await?;
    let now = state.now_ms();
    let mut tx = state.db.begin_write().await?;
    let mut nexts = Vec::with_capacity(started.len());
    for (s, answer) in started.iter().zip(&answers) {
        let (next, notice) = apply(payment_of(&s.row), event_of(answer))
            .map_err(|refusal| anyhow::anyhow!("transaction {}: {refusal}", s.row.id))?;
        nexts.push((next, notice));
    }
    let transitions: Vec<Transition<'_>> = started
        .iter()
        .zip(&answers)
        .zip(&nexts)
        .map(|((s, answer), (next, _))| Transition {
            id: s.row.id,
            from: PaymentStatus::Processing,
            change: settled(next, answer, s.row.token.as_deref(), s.plain.payee(), now),
        })
        .collect();
    let changed: HashMap<i64, TransactionRow> =
        transactions::transition_many_returning(&mut tx, &transitions)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
    let settles: Vec<(&str, i64)> = started
        .iter()
        .zip(&references)
        .zip(&answers)
        .filter(|((s, _), _)| changed.contains_key(&s.row.id))
        .map(|((_, reference), answer)| (reference.as_str(), i64::from(answer.reason.0)))
        .collect();
    acquirer::settle_many(&mut tx, &settles, now).await?;
    let mut queued = false;
    for (s, (_, notice)) in started.iter().zip(&nexts) {
        if changed.contains_key(&s.row.id) {
            let (settings, mode) = (&s.plain.payer.settings, s.plain.payer.mode);
            queued |= announce(settings, &mut tx, mode, s.row.id, *notice, now).await?;
        }
    }
    let mut ran = Vec::with_capacity(started.len());
    let mut settled = Vec::with_capacity(changed.len());
    for s in &started {
        let Some(payment) = changed.get(&s.row.id) else {
            // Another finisher settled it first, and applied its outcome in that commit.
            ran.push((s, None));
            continue;
        };
        let approved = crate::subscriptions::outcome::approved(payment.status);
        ran.push((
            s,
            Some(if approved {
                Ran::Approved
            } else {
                Ran::Declined
            }),
        ));
        settled.push(RoundPayment {
            payee: s.plain.payee(),
            settings: &s.plain.payer.settings,
            payment,
        });
    }
    // The jobs end and their subscriptions move on in the same commit.
    let (q, mailed) = approval::jobs_in(state, &mut tx, &settled, now).await?;
    queued |= q;
    tx.commit().await?;
    if queued {
        state.delivery.ring();
    }
    if mailed {
        state.mail.ring();
    }
    for (s, ran) in ran {
        out.ended.push(match ran {
            Some(ran) => Ok(ran),
            None => ran_of(state, s.plain.payee(), s.row.id).await,
        });
    }
    Ok(())
}
