//! The replies of the receipt API (spec §3.28): `kkt/receipt`'s queued receipt and
//! `kkt/receipt/get`'s fiscalised receipt. (`kkt/receipt/status/get` answers with a bare status
//! word as the model.)

use serde::Serialize;
use serde_json::Value;

/// `kkt/receipt`'s model: `{"Id":"…","ErrorCode":0}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReceiptQueued {
    /// The receipt's id.
    pub id: String,
    /// 0.
    pub error_code: i64,
}

/// The fiscal data of a processed receipt.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AdditionalData {
    /// The receipt's id.
    pub id: String,
    /// Total, rubles.
    pub amount: Value,
    /// Issue time, `2026-09-21T17:13:20` Moscow time.
    pub date_time: String,
    /// The register's serial.
    pub device_number: String,
    /// Fiscal document number (ФД).
    pub document_number: i64,
    /// Fiscal drive's serial (ФН).
    pub fiscal_number: String,
    /// Fiscal sign (ФП).
    pub fiscal_sign: String,
    /// Fiscal data operator.
    pub ofd: String,
    /// The receipt on the operator's site.
    pub ofd_receipt_url: String,
    /// The seller's INN.
    pub organization_inn: String,
    /// The register's registration number.
    pub reg_number: String,
    /// Receipt number within the shift.
    pub session_check_number: i64,
    /// Shift number.
    pub session_number: i64,
    /// `Income`, `IncomeReturn`, `Expense` or `ExpenseReturn`.
    #[serde(rename = "Type")]
    pub receipt_type: String,
    /// The QR string.
    pub qr_code_string: String,
    /// The public receipt page.
    pub url: String,
}

/// `kkt/receipt/get`'s model: the receipt's content (the canonical `CustomerReceipt` with its
/// keys in PascalCase, as CloudKassir answers and client libraries read: `Items[].Label`,
/// `TaxationSystem`, `Amounts.Electronic`) and its fiscal data.
#[derive(Debug, Clone)]
pub struct ReceiptGet {
    /// Canonical `CustomerReceipt` JSON.
    pub receipt: Value,
    /// Fiscal data, once processed.
    pub additional: Option<AdditionalData>,
}

impl ReceiptGet {
    /// The model as JSON.
    pub fn to_json(&self) -> Value {
        let mut model = match pascal(&self.receipt) {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        model.insert(
            "AdditionalData".into(),
            self.additional
                .as_ref()
                .and_then(|a| serde_json::to_value(a).ok())
                .unwrap_or(Value::Null),
        );
        Value::Object(model)
    }
}

/// `value` with every object key's first letter upper-cased, at every depth.
fn pascal(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, v)| {
                    let mut chars = key.chars();
                    let key = chars
                        .next()
                        .map(|first| first.to_uppercase().chain(chars).collect())
                        .unwrap_or_default();
                    (key, pascal(v))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(pascal).collect()),
        other => other.clone(),
    }
}
