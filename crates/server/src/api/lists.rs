//! Listing operations (spec §3.13, §3.14, §3.16): one day in a time zone, a period a page at a
//! time, and the site's saved-card tokens.

use std::str::FromStr;

use axum::extract::State;
use jiff::civil::{Date, DateTime};
use jiff::tz::Offset;
use jiff::{Timestamp, ToSpan};
use oblako_core::ids::Mode;
use oblako_protocol::dates::time_zone_offset;
use oblako_protocol::envelope::Envelope;
use oblako_protocol::params::Params;
use oblako_store::tokens;
use oblako_store::transactions::{self, StatusFilter, TransactionRow};

use crate::api::auth::Principal;
use crate::api::body::ApiRequest;
use crate::api::reply::{ApiError, ApiReply};
use crate::payments::model::{Terminal, transaction_model};
use crate::state::AppState;

/// Items per page of `v2/payments/list` and `payments/tokens/list`.
pub const PAGE_SIZE: i64 = 100;
/// Most operations `payments/list` returns for one day.
const DAY_LIMIT: i64 = 100_000;

fn offset(params: &Params) -> Result<Offset, ApiError> {
    match params.string_max("TimeZone", 16)? {
        None => Ok(Offset::UTC),
        Some(code) => time_zone_offset(&code)
            .ok_or_else(|| ApiError::Refused(format!("Unknown TimeZone {code}"))),
    }
}

fn models(
    principal: &Principal,
    rows: &[TransactionRow],
    offset: Offset,
) -> Result<ApiReply, ApiError> {
    let terminal = Terminal {
        public_id: &principal.public_id,
        terminal_url: &principal.site.terminal_url,
        test_mode: principal.mode == Mode::Test,
        offset,
    };
    let list: Vec<_> = rows
        .iter()
        .map(|row| transaction_model(row, terminal))
        .collect();
    Ok(ApiReply::envelope(Envelope::ok(
        serde_json::to_value(list).map_err(anyhow::Error::from)?,
    )))
}

fn millis(at: Timestamp) -> i64 {
    at.as_millisecond()
}

/// `POST /payments/list`: every operation created on `Date` in `TimeZone`.
pub async fn payments_list(
    State(state): State<AppState>,
    principal: Principal,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let params = &request.params;
    let day = params.required_string("Date", 32)?;
    let date =
        Date::from_str(day.trim()).map_err(|_| ApiError::Refused("Invalid Date value".into()))?;
    let offset = offset(params)?;
    let start = date
        .to_datetime(jiff::civil::Time::midnight())
        .to_zoned(offset.to_time_zone());
    let start = start.map_err(anyhow::Error::from)?;
    let end = start.checked_add(1.day()).map_err(anyhow::Error::from)?;
    let rows = transactions::list_created(
        &state.db,
        principal.site.id,
        principal.mode,
        millis(start.timestamp()),
        millis(end.timestamp()),
        StatusFilter::default(),
        DAY_LIMIT,
        0,
    )
    .await?;
    models(&principal, &rows, offset)
}

fn instant(params: &Params, name: &str, offset: Offset) -> Result<Timestamp, ApiError> {
    let text = params.required_string(name, 64)?;
    let text = text.trim();
    Timestamp::from_str(text)
        .or_else(|_| {
            DateTime::from_str(text)
                .and_then(|dt| dt.to_zoned(offset.to_time_zone()).map(|z| z.timestamp()))
        })
        .map_err(|_| ApiError::Refused(format!("Invalid {name} value")))
}

fn statuses(params: &Params) -> Result<StatusFilter, ApiError> {
    let Some(names) = params.string_list("Statuses")? else {
        return Ok(StatusFilter::default());
    };
    if names.is_empty() {
        return Ok(StatusFilter::default());
    }
    let mut filter = StatusFilter {
        authorized: false,
        completed: false,
        cancelled: false,
        declined: false,
        pending: false,
    };
    for name in names {
        match name.to_ascii_lowercase().as_str() {
            "authorized" => filter.authorized = true,
            "completed" => filter.completed = true,
            "cancelled" => filter.cancelled = true,
            "declined" => filter.declined = true,
            _ => return Err(ApiError::Refused(format!("Unknown status {name}"))),
        }
    }
    Ok(filter)
}

fn page(params: &Params, required: bool) -> Result<i64, ApiError> {
    match params.i64("PageNumber")? {
        Some(n) if n >= 1 => Ok(n),
        Some(_) => Err(ApiError::Refused("PageNumber must be 1 or more".into())),
        None if required => Err(ApiError::Refused("PageNumber is required".into())),
        None => Ok(1),
    }
}

/// `POST /v2/payments/list`: operations created in `[CreatedDateGte, CreatedDateLte]`, 100 a page.
pub async fn v2_payments_list(
    State(state): State<AppState>,
    principal: Principal,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let params = &request.params;
    let offset = offset(params)?;
    let from = instant(params, "CreatedDateGte", offset)?;
    let to = instant(params, "CreatedDateLte", offset)?;
    let page = page(params, true)?;
    let filter = statuses(params)?;
    let rows = transactions::list_created(
        &state.db,
        principal.site.id,
        principal.mode,
        millis(from),
        millis(to).saturating_add(1),
        filter,
        PAGE_SIZE,
        (page - 1).saturating_mul(PAGE_SIZE),
    )
    .await?;
    models(&principal, &rows, offset)
}

/// `POST /payments/tokens/list`: the site's saved cards, 100 a page.
pub async fn payments_tokens_list(
    State(state): State<AppState>,
    principal: Principal,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let page = page(&request.params, false)?;
    let rows = tokens::list(
        &state.db,
        principal.site.id,
        principal.mode,
        PAGE_SIZE,
        (page - 1).saturating_mul(PAGE_SIZE),
    )
    .await?;
    let list: Vec<_> = rows
        .into_iter()
        .map(|(token, account, first_six, last_four, month, year)| {
            serde_json::json!({
                "Token": token,
                "AccountId": account,
                "CardMask": format!("{} {}****** {}", &first_six[..4.min(first_six.len())], &first_six[4.min(first_six.len())..], last_four),
                "ExpirationDateMonth": month,
                "ExpirationDateYear": year,
            })
        })
        .collect();
    Ok(ApiReply::envelope(Envelope::ok(serde_json::Value::Array(
        list,
    ))))
}
