//! The receipt API (CloudKassir, spec §3.28): `kkt/receipt` queues a receipt,
//! `kkt/receipt/status/get` tells where it is, `kkt/receipt/get` returns it with its fiscal data.
//! Receipts are fiscalised asynchronously by `receipts::fiscalise`.

use axum::extract::State;
use axum::http::HeaderMap;
use oblako_core::receipt::ReceiptType;
use oblako_protocol::envelope::Envelope;
use oblako_protocol::receipt::{CustomerReceipt, ReceiptQueued};
use oblako_store::receipts;
use serde_json::{Value, json};

use crate::api::auth::Principal;
use crate::api::body::ApiRequest;
use crate::api::idempotency::{request_key, run_once};
use crate::api::reply::{ApiError, ApiReply};
use crate::receipts::printed::Printed;
use crate::receipts::{Requested, create, registers as setup};
use crate::state::AppState;

/// The answer for an id no receipt of the site has (spec §3.30).
pub const RECEIPT_NOT_FOUND: &str = "Receipt not found";

fn invalid(message: String) -> ApiError {
    ApiError::Refused(message)
}

/// `POST /kkt/receipt`: `{"Success":true,"Message":"Queued","Model":{"Id":…,"ErrorCode":0}}`.
pub async fn kkt_receipt(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let key = request_key(&headers)?;
    let params = &request.params;
    let inn = params.required_string("Inn", 12)?.trim().to_owned();
    let type_name = params.required_string("Type", 32)?;
    let receipt_type = ReceiptType::from_name(&type_name).ok_or_else(|| {
        invalid("Type must be Income, IncomeReturn, Expense or ExpenseReturn".into())
    })?;
    let receipt = match params.get("CustomerReceipt") {
        None => return Err(invalid("CustomerReceipt is required".into())),
        Some(value) => CustomerReceipt::parse(value).map_err(|e| invalid(e.to_string()))?,
    };
    let invoice_id = params.string("InvoiceId")?;
    let account_id = params.string("AccountId")?;
    let (site, mode) = (principal.site.id, principal.mode);
    if !setup::accepts(&state.db, site, mode, &inn).await? {
        return Ok(ApiReply::envelope(Envelope {
            model: Some(json!({"ErrorCode": -1})),
            success: false,
            message: Some(format!("Компания с ИНН {inn} не найдена")),
        }));
    }
    run_once(&state, &principal, key.as_deref(), &request, |_| async {
        let requested = Requested {
            inn: &inn,
            receipt_type,
            receipt: &receipt,
            invoice_id: invoice_id.as_deref(),
            account_id: account_id.as_deref(),
        };
        let id = create(&state.db, site, mode, &requested, state.now_ms()).await?;
        state.receipts.ring();
        let model = serde_json::to_value(ReceiptQueued { id, error_code: 0 })
            .map_err(anyhow::Error::from)?;
        Ok(ApiReply::envelope(Envelope {
            model: Some(model),
            success: true,
            message: Some("Queued".into()),
        }))
    })
    .await
}

async fn find(
    state: &AppState,
    principal: &Principal,
    request: &ApiRequest,
) -> Result<Option<Printed>, ApiError> {
    let id = request.params.required_string("Id", 64)?;
    let Some(row) = receipts::get(&state.db, principal.site.id, principal.mode, id.trim()).await?
    else {
        return Ok(None);
    };
    let url = state.config.public_url();
    Ok(Some(Printed::load(&state.db, row, &url).await?))
}

/// `POST /kkt/receipt/status/get`: `{"Success":true,"Model":"Queued"|"Processed"|"Error"|"NotFound"}`
/// (an `Error` carries its reason as the message).
pub async fn kkt_receipt_status_get(
    State(state): State<AppState>,
    principal: Principal,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let found = find(&state, &principal, &request).await?;
    let (status, message) = match &found {
        Some(p) => (p.row.state.clone(), p.row.error.clone()),
        None => ("NotFound".to_owned(), None),
    };
    Ok(ApiReply::envelope(Envelope {
        model: Some(Value::String(status)),
        success: true,
        message,
    }))
}

/// `POST /kkt/receipt/get`: the receipt's content with its `AdditionalData` (fiscal data, `null`
/// until processed).
pub async fn kkt_receipt_get(
    State(state): State<AppState>,
    principal: Principal,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    match find(&state, &principal, &request).await? {
        Some(printed) => Ok(ApiReply::envelope(Envelope::ok(printed.get_model()))),
        None => Err(ApiError::Refused(RECEIPT_NOT_FOUND.into())),
    }
}
