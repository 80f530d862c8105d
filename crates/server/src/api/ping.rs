//! `POST /test` (and GET): a credentials ping answering `{"Success":true,"Message":"<request id>"}`.

use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use oblako_protocol::envelope::Envelope;

use crate::api::auth::Principal;
use crate::api::body::ApiRequest;
use crate::api::idempotency::{request_key, run_once};
use crate::api::reply::{ApiError, ApiReply};
use crate::observe::RequestId;
use crate::state::AppState;

/// `POST /test`.
pub async fn test(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    principal: Principal,
    headers: HeaderMap,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let key = request_key(&headers)?;
    run_once(&state, &principal, key.as_deref(), &request, |_| async {
        Ok(ApiReply::envelope(Envelope::ok_message(
            request_id.0.clone(),
        )))
    })
    .await
}
