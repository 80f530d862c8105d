//! `orders/create` and `orders/cancel` (spec §3.22–3.23): payment links.

use axum::extract::State;
use axum::http::HeaderMap;
use oblako_protocol::envelope::Envelope;
use oblako_protocol::order::CreateOrder;
use oblako_store::orders::{self, Cancelled};

use crate::api::auth::Principal;
use crate::api::body::ApiRequest;
use crate::api::idempotency::{request_key, run_once};
use crate::api::reply::{ApiError, ApiReply};
use crate::orders::{create_order, order_model};
use crate::payments::NOT_FOUND;
use crate::state::AppState;

/// The refusal to cancel an order that is paid, cancelled, or being paid.
pub const NOT_CANCELLABLE: &str =
    "The order cannot be cancelled: it is paid, cancelled, or a payment of it is in progress";

/// `POST /orders/create`: the order model with its `Url`.
pub async fn orders_create(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let key = request_key(&headers)?;
    let order = CreateOrder::from_params(&request.params)?;
    run_once(&state, &principal, key.as_deref(), &request, |_| async {
        let row = create_order(&state, &principal.site, principal.mode, &order).await?;
        let model = serde_json::to_value(order_model(&state, &row)).map_err(anyhow::Error::from)?;
        Ok(ApiReply::envelope(Envelope::ok(model)))
    })
    .await
}

/// `POST /orders/cancel`: `{"Success":true,"Message":null}` once the order is cancelled.
pub async fn orders_cancel(
    State(state): State<AppState>,
    principal: Principal,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let id = request.params.required_string("Id", 64)?;
    let outcome = orders::cancel(
        &state.db,
        principal.site.id,
        principal.mode,
        id.trim(),
        state.site_now_ms(principal.site.id).await?,
    )
    .await?;
    match outcome {
        Cancelled::Done => Ok(ApiReply::envelope(Envelope {
            model: None,
            success: true,
            message: None,
        })),
        Cancelled::NotFound => Err(ApiError::Refused(NOT_FOUND.into())),
        Cancelled::Refused => Err(ApiError::Refused(NOT_CANCELLABLE.into())),
    }
}
