//! `POST /sandbox/clock`: a sandbox site's test clock. `{"Advance": <seconds>}` or `{"To": "<ISO
//! datetime>"}` moves the site's time forward (never back); with neither it only reads it. The
//! answer is `{"Success":true,"Message":null,"Model":{"Now":"yyyy-MM-ddTHH:mm:ss"}}` (UTC). Live
//! keys, and every site in production, are refused and nothing changes. See
//! `docs/test-clocks.md`.

use axum::extract::State;
use axum::http::HeaderMap;
use jiff::Timestamp;
use jiff::tz::Offset;
use oblako_core::ids::Mode;
use oblako_protocol::dates::iso_date;
use oblako_protocol::envelope::Envelope;
use oblako_protocol::subscription::parse_start_date;
use serde_json::json;

use crate::api::auth::Principal;
use crate::api::body::ApiRequest;
use crate::api::idempotency::{request_key, run_once};
use crate::api::reply::{ApiError, ApiReply};
use crate::site_clock::{Move, Refused, move_clock};
use crate::state::AppState;

/// The longest single advance, in seconds (about ten years): keeps the arithmetic far from
/// overflow and a typo from moving a site past every card's expiry.
pub const MAX_ADVANCE_SECS: i64 = 10 * 366 * 24 * 3600;

/// What the request asks, from its parameters.
fn requested(request: &ApiRequest) -> Result<Move, ApiError> {
    let params = &request.params;
    let advance = params.i64("Advance")?;
    let to = params.string_max("To", 64)?;
    match (advance, to) {
        (Some(_), Some(_)) => Err(ApiError::Refused("Give Advance or To, not both".into())),
        (Some(secs), None) if !(0..=MAX_ADVANCE_SECS).contains(&secs) => Err(ApiError::Refused(
            format!("Advance must be from 0 to {MAX_ADVANCE_SECS} seconds"),
        )),
        (Some(secs), None) => Ok(Move::Advance(secs * 1000)),
        (None, Some(text)) => parse_start_date(&text)
            .map(Move::To)
            .ok_or_else(|| ApiError::Refused("To must be an ISO 8601 date and time".into())),
        (None, None) => Ok(Move::Read),
    }
}

fn refused(why: Refused) -> ApiReply {
    ApiReply::envelope(Envelope {
        model: None,
        success: false,
        message: Some(why.message().into()),
    })
}

/// `POST /sandbox/clock`.
pub async fn sandbox_clock(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let key = request_key(&headers)?;
    let how = requested(&request)?;
    if principal.mode == Mode::Live || principal.site.production {
        return Ok(refused(Refused::Production));
    }
    run_once(&state, &principal, key.as_deref(), &request, |_| async {
        let now = match move_clock(&state, principal.site.id, how).await? {
            Ok(now) => now,
            Err(why) => return Ok(refused(why)),
        };
        let now = Timestamp::from_millisecond(now).map_err(anyhow::Error::from)?;
        Ok(ApiReply::envelope(Envelope {
            model: Some(json!({ "Now": iso_date(now, Offset::UTC) })),
            success: true,
            message: None,
        }))
    })
    .await
}
