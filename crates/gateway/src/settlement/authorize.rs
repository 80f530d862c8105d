//! The last steps of a card authorization, once its intent is committed: the site's Check, the
//! bank, and the outcome recorded with its token, notification and what follows it
//! (`approval`); also finishing a payment that a crash or a lost answer left in `Processing`.
//! Single payments (`payments::pay`, `post3ds`), the billing worker's
//! one-by-one charges and the sweeper all end here.

use oblako_core::card::{CardExpiry, Pan};
use oblako_core::payment::apply;
use oblako_core::reason::ReasonCode;
use oblako_core::test_bank::Channel;
use oblako_store::acquirer;
use oblako_store::tokens;
use oblako_store::transactions::{self, TransactionRow};

use crate::FlowError;
use crate::Gateway;
use crate::bank;
use crate::notify::check;
use crate::notify::outbox::{NoticeSettings, announce};
use crate::secrets::random_hex;
use crate::settlement::approval;
use crate::settlement::outcome::PaymentOutcome;
use crate::settlement::{Payee, event_of, expiry_of, payment_of, settled};
use crate::vault;

/// The card an authorization charges.
#[derive(Debug, Clone, Copy)]
pub struct Charged<'a> {
    pub pan: &'a Pan,
    pub expiry: CardExpiry,
    pub channel: Channel,
    pub card_id: i64,
    pub amount: i64,
}

/// What the request that committed a payment with its intent knows of it: the row as committed,
/// and whether an order rests on it (whose settling must join the payment's commit).
#[derive(Debug)]
pub struct Known {
    pub row: TransactionRow,
    pub order: bool,
}

/// The last steps of a payment whose intent `reference` is committed: the site's Check, if it
/// has one, then the bank, then the outcome recorded and answered. A Check decline is settled
/// without asking the bank. `known` is what this request committed with the intent, when it
/// has it (see [`settle_authorization`]).
#[allow(clippy::too_many_arguments)] // the payment's parts, each named at the call site
pub async fn check_then_authorize(
    state: &Gateway,
    payee: Payee<'_>,
    id: i64,
    reference: &str,
    card: Charged<'_>,
    now: i64,
    known: Option<Known>,
) -> Result<PaymentOutcome, FlowError> {
    let answer = match check::ask(state, payee.site.id, payee.mode, id).await? {
        Some(reason) => bank::BankAnswer {
            reason,
            auth_code: None,
        },
        None => {
            bank::authorize(
                &state.db,
                reference,
                card.pan,
                card.expiry,
                card.channel,
                card.amount,
                now,
            )
            .await?
        }
    };
    settle_authorization(state, payee, id, reference, &answer, card.card_id, known).await
}

/// Payment `id` as stored now.
pub async fn stored(
    state: &Gateway,
    payee: Payee<'_>,
    id: i64,
) -> Result<TransactionRow, FlowError> {
    let row = transactions::get(&state.db, payee.site.id, payee.mode, id).await?;
    Ok(row.ok_or_else(|| anyhow::anyhow!("transaction {id} vanished"))?)
}

/// Finishes a transaction left in `Processing`: asks the bank for the outcome under the
/// transaction's reference (calling it, idempotently, if it never heard of it) and records it.
pub async fn finish_authorization(
    state: &Gateway,
    payee: Payee<'_>,
    row: &TransactionRow,
) -> Result<PaymentOutcome, FlowError> {
    let reference = format!("auth:{}", row.id);
    let card_id = row
        .card_id
        .ok_or_else(|| anyhow::anyhow!("transaction {} has no card", row.id))?;
    let answer = match acquirer::bank_lookup(&state.db, &reference).await? {
        Some((reason, auth_code)) => bank::BankAnswer {
            reason: ReasonCode(i32::try_from(reason).map_err(anyhow::Error::from)?),
            auth_code,
        },
        None => {
            let (pan, _) = vault::load_pan(
                &state.db,
                &state.secrets,
                payee.site.id,
                payee.mode,
                card_id,
            )
            .await?
            .ok_or_else(|| anyhow::anyhow!("card {card_id} missing from the vault"))?;
            let channel = if row.token.is_some() {
                Channel::Token
            } else {
                Channel::Card
            };
            bank::authorize(
                &state.db,
                &reference,
                &pan,
                expiry_of(row)?,
                channel,
                row.amount,
                state.now_ms(),
            )
            .await?
        }
    };
    settle_authorization(state, payee, row.id, &reference, &answer, card_id, None).await
}

/// Records the bank's answer to an authorization; the outcome is the row as recorded.
///
/// With `known` (what this request inserted and committed with the intent) the row is not
/// read again: the compare-and-set on its status is the guard, as it is after a locked read, and
/// a finisher that got there first makes it fail, so the answer is re-read and reported.
pub async fn settle_authorization(
    state: &Gateway,
    payee: Payee<'_>,
    id: i64,
    reference: &str,
    answer: &bank::BankAnswer,
    card_id: i64,
    known: Option<Known>,
) -> Result<PaymentOutcome, FlowError> {
    let (site, mode) = (payee.site.id, payee.mode);
    let now = state.site_now_ms(site).await?;
    let subscriptions = NoticeSettings::load(state, site, mode).await?;
    let known = known.filter(|k| k.row.id == id);
    if let Some(Known { row, order: false }) = &known
        && let Some(outcome) = settle_alone(
            state,
            payee,
            row,
            reference,
            answer,
            card_id,
            &subscriptions,
            now,
        )
        .await?
    {
        return Ok(outcome);
    }
    let mut tx = state.db.begin_write().await?;
    let row = match known {
        Some(known) => known.row,
        None => transactions::get_for_update(&mut tx, site, mode, id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("transaction {id} vanished"))?,
    };
    let (next, notice) = apply(payment_of(&row), event_of(answer))
        .map_err(|refusal| anyhow::anyhow!("transaction {id}: {refusal}"))?;
    let token = match (&row.token, &row.account_id) {
        // A card change on the payer's page exists to get a token, whatever the site's setting.
        (None, Some(account))
            if answer.approved() && (payee.site.save_tokens || row.subscription_id.is_some()) =>
        {
            Some(issue_token(&mut tx, payee, account, card_id, now).await?)
        }
        (existing, _) => existing.clone(),
    };
    let change = settled(&next, answer, token.as_deref(), payee, now);
    // Losing the compare-and-set means another finisher (the sweeper, or a resumed copy of the
    // request) recorded the same bank answer first: report what it recorded.
    let Some(mut changed) =
        transactions::transition_returning(&mut tx, id, row.status, &change).await?
    else {
        drop(tx);
        return Ok(PaymentOutcome::of(stored(state, payee, id).await?));
    };
    acquirer::settle(&mut tx, reference, i64::from(answer.reason.0), now).await?;
    let recurrent = if answer.approved() {
        let token = token.as_deref();
        approval::approved_in(
            &mut tx,
            payee,
            &subscriptions,
            &row,
            &mut changed,
            token,
            now,
        )
        .await?
    } else {
        false
    };
    let receipted = crate::receipts::queue_in(&mut tx, &changed, None, now).await?;
    let queued = announce(&subscriptions, &mut tx, mode, id, notice, now).await?;
    // A subscription's scheduled charge moves its subscription on in the same commit.
    let billed = approval::job_in(state, &mut tx, payee, &subscriptions, &changed, now).await?;
    tx.commit().await?;
    if queued || recurrent {
        state.delivery.ring();
    }
    if receipted {
        state.receipts.ring();
    }
    if let Some(billed) = billed {
        billed.ring(state);
    }
    Ok(PaymentOutcome::of(changed))
}

/// The common authorization, settled in one commit of the payment and its intent alone (see
/// `transactions::settle_with_intent`): the row this request committed, no order on it, no new
/// token to issue (an account's existing token for the card is found outside the commit: tokens
/// never change), no subscription to start and no notification to queue. `None`, with nothing
/// written, when any of those must join the commit.
#[allow(clippy::too_many_arguments)] // as `settle_authorization`'s, passed on
async fn settle_alone(
    state: &Gateway,
    payee: Payee<'_>,
    row: &TransactionRow,
    reference: &str,
    answer: &bank::BankAnswer,
    card_id: i64,
    subscriptions: &NoticeSettings,
    now: i64,
) -> Result<Option<PaymentOutcome>, FlowError> {
    // A payment that names a subscription (a scheduled charge, a change of card) moves that
    // subscription on in its settling commit.
    if row.subscription_id.is_some() {
        return Ok(None);
    }
    let (next, notice) = apply(payment_of(row), event_of(answer))
        .map_err(|refusal| anyhow::anyhow!("transaction {}: {refusal}", row.id))?;
    if subscriptions.announces(notice) || crate::receipts::may_want(row) {
        return Ok(None);
    }
    let token = match (&row.token, &row.account_id) {
        (None, Some(account)) if answer.approved() && payee.site.save_tokens => {
            let (site, mode) = (payee.site.id, payee.mode);
            match tokens::find_for_card(&state.db, site, mode, account, card_id).await? {
                Some(existing) => Some(existing),
                None => return Ok(None),
            }
        }
        (existing, _) => existing.clone(),
    };
    let subscribes = answer.approved()
        && token
            .as_deref()
            .is_some_and(|token| approval::starts_subscription(row, token, now));
    if subscribes {
        return Ok(None);
    }
    let change = settled(&next, answer, token.as_deref(), payee, now);
    let reason = i64::from(answer.reason.0);
    let changed =
        transactions::settle_with_intent(&state.db, row.id, row.status, &change, reference, reason)
            .await?;
    // As in `settle_authorization`: a finisher that got there first recorded the same answer.
    let changed = match changed {
        Some(changed) => changed,
        None => stored(state, payee, row.id).await?,
    };
    Ok(Some(PaymentOutcome::of(changed)))
}

/// The account's token for this card, issued now if it has none.
async fn issue_token(
    tx: &mut oblako_store::Tx,
    payee: Payee<'_>,
    account: &str,
    card_id: i64,
    now: i64,
) -> Result<String, FlowError> {
    let (site, mode) = (payee.site.id, payee.mode);
    if let Some(existing) = tokens::for_card(tx, site, mode, account, card_id).await? {
        return Ok(existing);
    }
    let token = format!("tk_{}", &random_hex(15)?[..29]);
    tokens::insert(tx, &token, site, mode, account, card_id, now).await?;
    Ok(token)
}
