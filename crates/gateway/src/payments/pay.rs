//! `payments/cards/charge|auth` and `payments/tokens/charge|auth`.

use oblako_core::card::{CardExpiry, Pan};
use oblako_core::ids::Mode;
use oblako_core::money::Money;
use oblako_core::payment::{Kind, Stage, Status};
use oblako_core::test_bank::{self, Channel};
use oblako_protocol::payment_request::PaymentFields;
use oblako_protocol::transaction::Secure3dModel;
use oblako_store::acquirer;
use oblako_store::transactions::{self, NewTransaction, TransactionRow};

use crate::FlowError;
use crate::Gateway;
use crate::payments::three_ds;
use crate::recovery::Recovery;
use crate::secrets::random_hex;
use crate::settlement::NO_LIVE_ACQUIRER;
pub use crate::settlement::Payee;
use crate::settlement::authorize::{
    Charged, Known, check_then_authorize, finish_authorization, stored,
};
use crate::settlement::claims::{Claims, ForSubscription, claim_in};
use crate::settlement::outcome::PaymentOutcome;
use crate::vault;

/// How long a payer has for 3-D Secure.
pub const THREE_DS_WINDOW_MS: i64 = 20 * 60 * 1000;
/// Where the card comes from.
#[derive(Debug)]
pub enum Source {
    /// A decrypted cryptogram.
    Card {
        /// The card number.
        pan: Pan,
        /// Its expiry.
        expiry: CardExpiry,
    },
    /// A saved-card token.
    Token(String),
}

/// A payment request, validated: what to charge and how, and the merchant's fields as the
/// protocol reads them (`protocol::payment_request`).
#[derive(Debug)]
pub struct PaymentRequest {
    /// One- or two-stage.
    pub stage: Stage,
    /// The card.
    pub source: Source,
    /// The amount and the merchant's fields.
    pub fields: PaymentFields,
    /// `IpAddress`, or the payer's address as the server saw it.
    pub ip_address: String,
    /// The order (`InternalId`) this payment pays, claimed in the commit that creates it.
    pub order: Option<i64>,
    /// The subscription whose card the payer changes on the self-service page, claimed in the
    /// commit that creates this payment (`settlement::claims`).
    pub subscription: Option<ForSubscription>,
}

impl PaymentRequest {
    /// A request as the wire gave it, paying no order or subscription.
    pub fn of(stage: Stage, source: Source, fields: PaymentFields, ip_address: String) -> Self {
        PaymentRequest {
            stage,
            source,
            fields,
            ip_address,
            order: None,
            subscription: None,
        }
    }

    /// What the payment claims in the commit that creates it.
    pub fn claims(&self) -> Claims<'_> {
        Claims {
            order: self.order,
            subscription: self.subscription.as_ref(),
        }
    }
}

/// Runs one payment to its outcome.
pub async fn pay(
    state: &Gateway,
    payee: Payee<'_>,
    request: PaymentRequest,
    recovery: Recovery,
) -> Result<PaymentOutcome, FlowError> {
    if recovery.resume.is_some() {
        return pay_resumed(state, payee, recovery).await;
    }
    if payee.mode == Mode::Live {
        return Err(FlowError::Refused(NO_LIVE_ACQUIRER.into()));
    }
    let (site, mode) = (payee.site.id, payee.mode);
    // The site's own time (its test clock, if it has one) stamps the payment and its deadlines.
    let now = state.site_now_ms(site).await?;
    let (pan, expiry, card_id, channel, token) = match &request.source {
        Source::Card { pan, expiry } => {
            let id =
                vault::save_card(&state.db, &state.secrets, site, mode, pan, *expiry, now).await?;
            (pan.clone(), *expiry, id, Channel::Card, None)
        }
        Source::Token(token) => {
            let found =
                vault::load_token_card(&state.db, &state.secrets, site, mode, token).await?;
            let Some((_, card_id, pan, expiry)) =
                found.filter(|(account, ..)| Some(account) == request.fields.account_id.as_ref())
            else {
                return Err(FlowError::Refused("Token not found".into()));
            };
            (pan, expiry, card_id, Channel::Token, Some(token.clone()))
        }
    };
    let three_ds = channel == Channel::Card && test_bank::rule(pan.expose()).three_ds;
    let status = if three_ds {
        Status::AwaitingAuthentication
    } else {
        Status::Processing
    };
    let new = NewTransaction {
        site,
        mode,
        kind: Kind::Payment,
        original_id: None,
        status,
        stage: request.stage,
        amount: request.fields.amount.minor,
        currency: request.fields.amount.currency,
        invoice_id: request.fields.invoice_id.as_deref(),
        account_id: request.fields.account_id.as_deref(),
        email: request.fields.email.as_deref(),
        description: request.fields.description.as_deref(),
        json_data: request.fields.json_data.as_deref(),
        culture: &request.fields.culture,
        ip_address: &request.ip_address,
        name: request.fields.name.as_deref(),
        card_id: Some(card_id),
        card_first_six: pan.first_six(),
        card_last_four: pan.last_four(),
        card_exp: &expiry.mm_yy(),
        card_brand: pan.brand().name(),
        token: token.as_deref(),
        subscription_id: request.subscription.as_ref().map(|s| s.id.as_str()),
        created_at: now,
        expires_at: three_ds.then_some(now + THREE_DS_WINDOW_MS),
    };
    // With nothing else to claim in the same commit, the row and its intent go in one
    // statement (see `transactions::insert_with_intent`).
    let alone = !three_ds && request.claims().none() && !recovery.is_keyed();
    let inserted = if alone {
        transactions::insert_with_intent(&state.db, &new).await?
    } else {
        commit_with_claims(state, &new, &request, &recovery, three_ds, now).await?
    };
    let id = inserted.id;
    let reference = transactions::auth_reference(id);
    if three_ds {
        return challenge(state, payee, &inserted);
    }
    if state.faults.trip_after_intent() {
        return Err(anyhow::anyhow!("injected fault after the intent of transaction {id}").into());
    }
    let card = Charged {
        pan: &pan,
        expiry,
        channel,
        card_id,
        amount: request.fields.amount.minor,
    };
    let known = Known {
        row: inserted,
        order: request.order.is_some(),
    };
    check_then_authorize(state, payee, id, &reference, card, now, Some(known)).await
}

/// Answers a retried payment whose first copy died after creating transaction `resume`: the
/// transaction is finished (its bank call made or looked up under the same reference) and
/// reported, never paid a second time.
pub async fn pay_resumed(
    state: &Gateway,
    payee: Payee<'_>,
    recovery: Recovery,
) -> Result<PaymentOutcome, FlowError> {
    let id = recovery
        .resume
        .ok_or_else(|| anyhow::anyhow!("nothing to resume"))?;
    let row = stored(state, payee, id).await?;
    match row.status {
        Status::Processing => finish_authorization(state, payee, &row).await,
        Status::AwaitingAuthentication => challenge(state, payee, &row),
        _ => Ok(PaymentOutcome::of(row)),
    }
}

/// Commits a new payment with what must join its commit: the request's idempotency record, the
/// order it pays (claimed here), the subscription whose card it changes (claimed here), and the intent of its bank call (none while 3-D Secure waits).
async fn commit_with_claims(
    state: &Gateway,
    new: &NewTransaction<'_>,
    request: &PaymentRequest,
    recovery: &Recovery,
    three_ds: bool,
    now: i64,
) -> Result<TransactionRow, FlowError> {
    let mut tx = state.db.begin_write().await?;
    let inserted = transactions::insert_returning(&mut tx, new).await?;
    let id = inserted.id;
    recovery.attach(&mut tx, id).await?;
    // Dropping `tx` on a lost claim undoes the transaction: the bank never hears of it.
    claim_in(&mut tx, new.site, new.mode, request.claims(), id, now).await?;
    if !three_ds {
        let reference = transactions::auth_reference(id);
        // Intents run on the wall clock: the reconciler ages them across sites.
        let wall = state.now_ms();
        acquirer::record_intent(&mut tx, &reference, id, "auth", new.amount, wall).await?;
    }
    tx.commit().await?;
    Ok(inserted)
}

/// The 3-D Secure challenge (spec §2.2) whose `AcsUrl` is the gateway's emulated ACS page.
pub fn challenge(
    state: &Gateway,
    payee: Payee<'_>,
    row: &TransactionRow,
) -> Result<PaymentOutcome, FlowError> {
    let currency = row.currency;
    let pa_req = three_ds::PaReq {
        merchant_name: Some(payee.site.name.clone()),
        first_six: row.card_first_six.clone(),
        last_four: row.card_last_four.clone(),
        amount: oblako_protocol::amount::amount_json(Money::new(row.amount, currency)),
        currency_code: currency.code().to_owned(),
        culture_name: row.culture.clone(),
        transaction_id: row.id,
        signature: String::new(),
    };
    let model = Secure3dModel {
        transaction_id: row.id,
        pa_req: three_ds::encode_pa_req(&state.secrets, pa_req),
        go_req: None,
        acs_url: format!("{}/acs", state.settings.public_url),
        three_ds_session_data: None,
        iframe_is_allowed: true,
        frame_width: None,
        frame_height: None,
        three_ds_callback_id: Some(random_hex(16)?),
        escrow_accumulation_id: None,
    };
    Ok(PaymentOutcome::ThreeDs(Box::new(model)))
}
