//! `GET /payments/publickey`: the RSA key cryptograms are made with (spec §13), unauthenticated
//! and not enveloped: `{"Pem":"-----BEGIN PUBLIC KEY-----…","Version":1}`.

use axum::extract::State;

use crate::api::reply::{ApiError, ApiReply};
use crate::state::AppState;

/// `GET /payments/publickey`.
pub async fn payments_publickey(State(state): State<AppState>) -> Result<ApiReply, ApiError> {
    let (pem, version) = state.keyring.current_public().await?;
    let body = serde_json::to_vec(&serde_json::json!({ "Pem": pem, "Version": version }))
        .map_err(anyhow::Error::from)?;
    Ok(ApiReply {
        status: axum::http::StatusCode::OK,
        body,
    })
}
