//! The payment endpoints (spec §3.2–3.12): each handler validates its parameters, then runs the
//! operation once per `X-Request-ID`.

use axum::extract::State;
use axum::http::HeaderMap;
use oblako_core::money::Currency;
use oblako_core::payment::Stage;
use oblako_protocol::envelope::Envelope;
use oblako_protocol::params::Params;
use oblako_protocol::payment_request::{CardCharge, TokenCharge};
use oblako_store::transactions;

use crate::api::auth::Principal;
use crate::api::body::ApiRequest;
use crate::api::idempotency::{request_key, run_once};
use crate::api::render;
use crate::api::reply::{ApiError, ApiReply};
use crate::payments::NOT_FOUND;
use crate::payments::manage::{Action, manage};
use crate::payments::model::{Terminal, transaction_model};
use crate::payments::pay::pay_resumed;
use crate::payments::pay::{Payee, PaymentRequest, Source, pay};
use crate::state::AppState;

fn payee(principal: &Principal) -> Payee<'_> {
    Payee {
        site: &principal.site,
        mode: principal.mode,
        public_id: &principal.public_id,
    }
}

async fn card_payment(
    state: AppState,
    principal: Principal,
    headers: HeaderMap,
    request: ApiRequest,
    stage: Stage,
) -> Result<ApiReply, ApiError> {
    let key = request_key(&headers)?;
    let charge = CardCharge::from_params(&request.params)?;
    run_once(
        &state,
        &principal,
        key.as_deref(),
        &request,
        |recovery| async {
            let payee = payee(&principal);
            if recovery.resume.is_some() {
                return render::payment(&pay_resumed(&state, payee, recovery).await?, payee);
            }
            // An expired card opens and becomes a declined transaction (5054) in `pay`.
            let card = state
                .keyring
                .open(&charge.packet, &principal.public_id)
                .await
                .map_err(|e| ApiError::Refused(e.message().to_owned()))?;
            let source = Source::Card {
                pan: card.pan,
                expiry: card.expiry,
            };
            let request = PaymentRequest::of(stage, source, charge.payment, charge.ip_address);
            render::payment(&pay(&state, payee, request, recovery).await?, payee)
        },
    )
    .await
}

async fn token_payment(
    state: AppState,
    principal: Principal,
    headers: HeaderMap,
    request: ApiRequest,
    stage: Stage,
) -> Result<ApiReply, ApiError> {
    let key = request_key(&headers)?;
    let charge = TokenCharge::from_params(&request.params)?;
    let source = Source::Token(charge.token);
    let payment = PaymentRequest::of(stage, source, charge.payment, charge.ip_address);
    run_once(
        &state,
        &principal,
        key.as_deref(),
        &request,
        |recovery| async {
            let payee = payee(&principal);
            render::payment(&pay(&state, payee, payment, recovery).await?, payee)
        },
    )
    .await
}

/// `POST /payments/cards/charge`.
pub async fn cards_charge(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    card_payment(state, principal, headers, request, Stage::OneStage).await
}

/// `POST /payments/cards/auth`.
pub async fn cards_auth(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    card_payment(state, principal, headers, request, Stage::TwoStage).await
}

/// `POST /payments/tokens/charge`.
pub async fn tokens_charge(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    token_payment(state, principal, headers, request, Stage::OneStage).await
}

/// `POST /payments/tokens/auth`.
pub async fn tokens_auth(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    token_payment(state, principal, headers, request, Stage::TwoStage).await
}

fn transaction_id(params: &Params) -> Result<i64, ApiError> {
    params
        .i64("TransactionId")?
        .ok_or_else(|| ApiError::Refused("TransactionId is required".into()))
}

async fn managed(
    state: AppState,
    principal: Principal,
    headers: HeaderMap,
    request: ApiRequest,
    action: impl FnOnce(&Params) -> Result<Action, ApiError>,
) -> Result<ApiReply, ApiError> {
    let key = request_key(&headers)?;
    let id = transaction_id(&request.params)?;
    let action = action(&request.params)?;
    run_once(
        &state,
        &principal,
        key.as_deref(),
        &request,
        |recovery| async {
            render::managed(manage(&state, payee(&principal), id, action, recovery).await?)
        },
    )
    .await
}

// Confirm and refund amounts are read with two decimals (every accepted currency but the
// obsolete BYR) and applied in the payment's own currency.
fn minor_amount(params: &Params) -> Result<i64, ApiError> {
    Ok(params.amount("Amount", Currency::RUB)?.minor)
}

/// `POST /payments/confirm`.
pub async fn payments_confirm(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    managed(state, principal, headers, request, |p| {
        Ok(Action::Confirm(minor_amount(p)?))
    })
    .await
}

/// `POST /payments/void` (also served as `payments/cancel`).
pub async fn payments_void(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    managed(state, principal, headers, request, |_| Ok(Action::Void)).await
}

/// `POST /payments/refund`.
pub async fn payments_refund(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    managed(state, principal, headers, request, |p| {
        Ok(Action::Refund(minor_amount(p)?))
    })
    .await
}

fn model_reply(
    principal: &Principal,
    row: &transactions::TransactionRow,
) -> Result<ApiReply, ApiError> {
    let terminal = Terminal {
        public_id: &principal.public_id,
        terminal_url: &principal.site.terminal_url,
        test_mode: principal.mode == oblako_core::ids::Mode::Test,
        offset: jiff::tz::Offset::UTC,
    };
    let model = transaction_model(row, terminal);
    let envelope = Envelope::transaction(&model).map_err(anyhow::Error::from)?;
    Ok(ApiReply::envelope(envelope))
}

/// `POST /payments/get`.
pub async fn payments_get(
    State(state): State<AppState>,
    principal: Principal,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let id = transaction_id(&request.params)?;
    match transactions::get(&state.db, principal.site.id, principal.mode, id).await? {
        Some(row) => model_reply(&principal, &row),
        None => Err(ApiError::Refused(NOT_FOUND.into())),
    }
}

async fn find(
    state: &AppState,
    principal: &Principal,
    request: &ApiRequest,
    refunds: bool,
) -> Result<ApiReply, ApiError> {
    let invoice = request.params.required_string("InvoiceId", 255)?;
    let row = transactions::find_by_invoice(
        &state.db,
        principal.site.id,
        principal.mode,
        &invoice,
        refunds,
    )
    .await?;
    match row {
        Some(row) => model_reply(principal, &row),
        None => Err(ApiError::Refused(NOT_FOUND.into())),
    }
}

/// `POST /payments/find`: the newest payment with the `InvoiceId`.
pub async fn payments_find(
    State(state): State<AppState>,
    principal: Principal,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    find(&state, &principal, &request, false).await
}

/// `POST /v2/payments/find`: the newest operation of any kind with the `InvoiceId`.
pub async fn v2_payments_find(
    State(state): State<AppState>,
    principal: Principal,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    find(&state, &principal, &request, true).await
}

/// `POST /payments/cards/post3ds` (also the older `payments/post3ds`).
pub async fn cards_post3ds(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let key = request_key(&headers)?;
    let id = transaction_id(&request.params)?;
    let pa_res = request.params.required_string("PaRes", 4096)?;
    run_once(&state, &principal, key.as_deref(), &request, |_| async {
        let payee = payee(&principal);
        let outcome = crate::payments::post3ds::post3ds(&state, payee, id, &pa_res).await?;
        render::payment(&outcome, payee)
    })
    .await
}
