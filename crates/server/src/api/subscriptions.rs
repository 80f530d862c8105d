//! The subscription endpoints (spec §3.17–3.21): each handler validates its parameters, then
//! (for the writes) runs once per `X-Request-ID`. Each violated rule has its own message
//! (`subscriptions::manage`).

use axum::extract::State;
use axum::http::HeaderMap;
use oblako_core::money::{Currency, Money};
use oblako_protocol::envelope::Envelope;
use oblako_protocol::params::Params;
use oblako_protocol::subscription::{create as name, start_date};
use oblako_store::subscriptions::{self, SubscriptionRow};

use crate::api::auth::Principal;
use crate::api::body::ApiRequest;
use crate::api::idempotency::{request_key, run_once};
use crate::api::reply::{ApiError, ApiReply};
use crate::payments::NOT_FOUND;
use crate::state::AppState;
use crate::subscriptions::manage::{self, Changes, NewSubscription};
use crate::subscriptions::{model_of, money_of};

/// Most subscriptions `subscriptions/find` returns for one account.
pub const FIND_LIMIT: i64 = 1_000;

fn model_reply(row: &SubscriptionRow) -> Result<ApiReply, ApiError> {
    let model = serde_json::to_value(model_of(row)?).map_err(anyhow::Error::from)?;
    Ok(ApiReply::envelope(Envelope::ok(model)))
}

fn id_of(params: &Params) -> Result<String, ApiError> {
    Ok(params.required_string("Id", 64)?)
}

fn new_subscription(params: &Params, now_ms: i64) -> Result<NewSubscription, ApiError> {
    let token = params.required_string(name::TOKEN, 255)?;
    let account_id = params.required_string(name::ACCOUNT_ID, 255)?;
    let description = params.required_string(name::DESCRIPTION, 1000)?;
    let currency = params.currency()?;
    let amount = params.amount(name::AMOUNT, currency)?;
    let start = start_date(params)?
        .ok_or_else(|| ApiError::Refused(format!("{} is required", name::START_DATE)))?;
    let start_ms = manage::start(start.as_millisecond(), now_ms)?;
    let interval = manage::interval(&params.required_string(name::INTERVAL, 16)?)?;
    let period = params
        .i64(name::PERIOD)?
        .ok_or_else(|| ApiError::Refused(format!("{} is required", name::PERIOD)))?;
    Ok(NewSubscription {
        token,
        account_id,
        description: Some(description),
        email: params.string_max(name::EMAIL, 255)?,
        amount,
        require_confirmation: params.bool(name::REQUIRE_CONFIRMATION)?.unwrap_or(false),
        start_ms,
        interval,
        period: manage::period(period, interval)?,
        max_periods: manage::max_periods(params.i64(name::MAX_PERIODS)?)?,
        receipt: params.json_text(name::CUSTOMER_RECEIPT, 64 * 1024)?,
        culture: params
            .string_max(name::CULTURE_NAME, 16)?
            .unwrap_or_else(|| "ru-RU".to_owned()),
        source_transaction_id: None,
    })
}

/// The changes `params` ask of a subscription charged in `stored` (spec §3.20). An `Amount`
/// without `Currency` stays in the stored currency; a `Currency` without `Amount` keeps the
/// amount's value in the new currency.
fn changes(params: &Params, now_ms: i64, stored: &Money) -> Result<Changes, ApiError> {
    let given = params
        .get("Currency")
        .is_some_and(|v| v.as_str().is_none_or(|s| !s.trim().is_empty()))
        .then(|| params.currency())
        .transpose()?;
    let amount = match (params.get(name::AMOUNT), given) {
        (Some(_), currency) => {
            Some(params.amount(name::AMOUNT, currency.unwrap_or(stored.currency))?)
        }
        (None, Some(currency)) if currency != stored.currency => {
            Some(in_currency(stored, currency)?)
        }
        (None, _) => None,
    };
    let start_ms = match start_date(params)? {
        Some(at) => Some(manage::start(at.as_millisecond(), now_ms)?),
        None => None,
    };
    let interval = match params.string_max(name::INTERVAL, 16)? {
        Some(text) if !text.trim().is_empty() => Some(manage::interval(&text)?),
        _ => None,
    };
    let period = params.i64(name::PERIOD)?;
    if period.is_some_and(|p| p <= 0) {
        return Err(ApiError::Refused(manage::BAD_PERIOD.into()));
    }
    Ok(Changes {
        description: params.string_max(name::DESCRIPTION, 1000)?,
        email: params.string_max(name::EMAIL, 255)?,
        amount,
        require_confirmation: params.bool(name::REQUIRE_CONFIRMATION)?,
        start_ms,
        interval,
        period,
        max_periods: manage::max_periods(params.i64(name::MAX_PERIODS)?)?,
        receipt: params.json_text(name::CUSTOMER_RECEIPT, 64 * 1024)?,
        culture: params.string_max(name::CULTURE_NAME, 16)?,
    })
}

/// `amount`'s value in `currency` (10.00 RUB is 10.00 USD, and 10 BYR, which has no minor
/// units); refused when the value cannot be written in it.
fn in_currency(amount: &Money, currency: Currency) -> Result<Money, ApiError> {
    let (from, to) = (amount.currency.minor_units(), currency.minor_units());
    let minor = if to >= from {
        10_i64
            .checked_pow(u32::from(to - from))
            .and_then(|f| amount.minor.checked_mul(f))
    } else {
        let f = 10_i64.pow(u32::from(from - to));
        (amount.minor % f == 0).then(|| amount.minor / f)
    };
    minor.map(|m| Money::new(m, currency)).ok_or_else(|| {
        ApiError::Refused(format!(
            "The amount cannot be written in {}: send Amount with Currency",
            currency.code()
        ))
    })
}

/// `POST /subscriptions/create`.
pub async fn subscriptions_create(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let key = request_key(&headers)?;
    let new = new_subscription(&request.params, state.site_now_ms(principal.site.id).await?)?;
    run_once(&state, &principal, key.as_deref(), &request, |_| async {
        let row = manage::create(&state, principal.site.id, principal.mode, new).await?;
        model_reply(&row)
    })
    .await
}

/// `POST /subscriptions/get`.
pub async fn subscriptions_get(
    State(state): State<AppState>,
    principal: Principal,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let id = id_of(&request.params)?;
    match subscriptions::get(&state.db, principal.site.id, principal.mode, &id).await? {
        Some(row) => model_reply(&row),
        None => Err(ApiError::Refused(NOT_FOUND.into())),
    }
}

/// `POST /subscriptions/find`: every subscription of an `AccountId`, all statuses.
pub async fn subscriptions_find(
    State(state): State<AppState>,
    principal: Principal,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let account = request.params.required_string("AccountId", 255)?;
    let rows = subscriptions::find_by_account(
        &state.db,
        principal.site.id,
        principal.mode,
        &account,
        FIND_LIMIT,
    )
    .await?;
    let models = rows
        .iter()
        .map(model_of)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let value = serde_json::to_value(models).map_err(anyhow::Error::from)?;
    Ok(ApiReply::envelope(Envelope::ok(value)))
}

/// `POST /subscriptions/update`.
pub async fn subscriptions_update(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let key = request_key(&headers)?;
    let id = id_of(&request.params)?;
    let (site, mode) = (principal.site.id, principal.mode);
    let Some(row) = subscriptions::get(&state.db, site, mode, &id).await? else {
        return Err(ApiError::Refused(NOT_FOUND.into()));
    };
    let changes = changes(
        &request.params,
        state.site_now_ms(site).await?,
        &money_of(&row)?,
    )?;
    run_once(&state, &principal, key.as_deref(), &request, |_| async {
        match manage::update(&state, principal.site.id, principal.mode, &id, changes).await? {
            Some(row) => model_reply(&row),
            None => Err(ApiError::Refused(NOT_FOUND.into())),
        }
    })
    .await
}

/// `POST /subscriptions/cancel`: `{"Success":true,"Message":null}`.
pub async fn subscriptions_cancel(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let key = request_key(&headers)?;
    let id = id_of(&request.params)?;
    run_once(&state, &principal, key.as_deref(), &request, |_| async {
        match manage::cancel(&state, principal.site.id, principal.mode, &id).await? {
            Some(_) => Ok(ApiReply::envelope(Envelope {
                model: None,
                success: true,
                message: None,
            })),
            None => Err(ApiError::Refused(NOT_FOUND.into())),
        }
    })
    .await
}
