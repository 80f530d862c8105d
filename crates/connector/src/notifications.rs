//! `/check` and `/pay`: the two notifications the connector answers, by GET or POST, signed with
//! the site's API secret.
//!
//! Check asks the backend `GET {CHECK_URL}?account=…`: HTTP 200 (any body) accepts the account.
//! A 4xx answer means the backend does not know the account: code 11 (`InvalidAccountId`). A 5xx,
//! a timeout or no connection means we cannot tell: code 13 (`NotAccepted`), so the payer
//! is not told their account is wrong when the backend is merely down. Either stops the payment.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use oblako_protocol::notification::{FormEncoding, url_encode};
use rust_decimal::Decimal;
use serde_json::json;

use crate::app::AppState;
use crate::clock;
use crate::db::NewPayment;
use crate::incoming::{Incoming, param};

/// Check answer: the account is unknown.
pub const CODE_INVALID_ACCOUNT: i64 = 11;
/// Check answer: the payment cannot be accepted now.
pub const CODE_NOT_ACCEPTED: i64 = 13;

fn answer(code: i64) -> Response {
    Json(json!({ "code": code })).into_response()
}

/// Logs the request and refuses it unless it is signed; `Err` carries the response to send.
async fn admit(state: &AppState, incoming: &Incoming, log_now: bool) -> Result<(), Response> {
    if log_now && let Err(e) = state.db.log_request(&incoming.log_row(), &now()).await {
        tracing::error!(error = %e, "cannot log a request");
        return Err(StatusCode::SERVICE_UNAVAILABLE.into_response());
    }
    if let Some(secret) = &state.config.api_secret
        && !incoming.signed_by(secret)
    {
        if !log_now {
            // Pay logs together with its row; a refused one is logged alone.
            let _ = state.db.log_request(&incoming.log_row(), &now()).await;
        }
        tracing::warn!(peer = %incoming.peer, uri = %incoming.uri,
            "refused a notification: Content-HMAC and X-Content-HMAC missing or wrong");
        return Err((StatusCode::UNAUTHORIZED, "bad or missing Content-HMAC\n").into_response());
    }
    Ok(())
}

fn now() -> String {
    clock::format_utc(clock::now_ms())
}

/// `/check`.
pub async fn check(State(state): State<Arc<AppState>>, incoming: Incoming) -> Response {
    if let Err(refused) = admit(&state, &incoming, true).await {
        return refused;
    }
    let Some(check_url) = &state.config.check_url else {
        return answer(0);
    };
    let params = incoming.params();
    let account = param(&params, "AccountId").unwrap_or("");
    let separator = if check_url.contains('?') { '&' } else { '?' };
    let url = format!(
        "{check_url}{separator}account={}",
        url_encode(account, FormEncoding::Utf8)
    );
    let reply = state
        .client
        .get(&url)
        .timeout(state.config.backend_timeout)
        .send()
        .await;
    let code = match reply {
        Ok(reply) if reply.status() == StatusCode::OK => 0,
        Ok(reply) if reply.status().is_client_error() => CODE_INVALID_ACCOUNT,
        Ok(reply) => {
            tracing::warn!(status = %reply.status(), "the backend's check failed");
            CODE_NOT_ACCEPTED
        }
        Err(e) => {
            tracing::warn!(error = %e, "the backend's check is unreachable");
            CODE_NOT_ACCEPTED
        }
    };
    answer(code)
}

/// `/pay`: `{"code":0}` only once the payment is committed.
pub async fn pay(State(state): State<Arc<AppState>>, incoming: Incoming) -> Response {
    if let Err(refused) = admit(&state, &incoming, false).await {
        return refused;
    }
    let params = incoming.params();
    let code = param(&params, "TransactionId");
    let sum = param(&params, "Amount").and_then(|a| a.parse::<Decimal>().ok());
    let (Some(code), Some(sum)) = (code, sum) else {
        let _ = state.db.log_request(&incoming.log_row(), &now()).await;
        return (
            StatusCode::BAD_REQUEST,
            "TransactionId and a decimal Amount are required\n",
        )
            .into_response();
    };
    let account = param(&params, "AccountId").unwrap_or("");
    let payment = NewPayment {
        account: account.to_owned(),
        code: code.to_owned(),
        sum: sum.to_string(),
    };
    let recorded = state.payments.record(incoming.log_row(), payment).await;
    match recorded {
        Ok(added) => {
            if added {
                state.forwarder_wake.notify_one();
            }
            answer(0)
        }
        Err(e) => {
            // No {"code":0}: the gateway retries.
            tracing::error!(error = %e, "cannot record a payment");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
