//! The Receipt notification's input: a fiscal receipt issued by the online cash register
//! (CloudKassir; spec §5.5, §9).
//!
//! The parameter list comes from client libraries, not the docs (spec §15 item 9). Every
//! parameter is sent, in the spec table's order, an empty one as `Key=`.

use jiff::Timestamp;
use oblako_core::money::Money;

use super::layout::RECEIPT;
use super::payment::two_decimals;
use crate::dates::notification_date;

/// What a Receipt notification says. The fiscal numbers are text: they are identifiers, printed
/// as the cash register reports them.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiptNotice {
    /// `Id`: the receipt.
    pub id: String,
    /// `DocumentNumber`: the fiscal document number (ФД).
    pub document_number: String,
    /// `SessionNumber`: the shift.
    pub session_number: String,
    /// `Number`: the receipt's number within the shift.
    pub number: String,
    /// `FiscalSign` (ФП/ФПД).
    pub fiscal_sign: String,
    /// `DeviceNumber`: the cash register's serial.
    pub device_number: String,
    /// `RegNumber`: the cash register's registration number.
    pub reg_number: String,
    /// `FiscalNumber`: the fiscal storage's serial (ФН).
    pub fiscal_number: String,
    /// `Inn`: the merchant's taxpayer number.
    pub inn: String,
    /// `Type`: `Income`, `IncomeReturn`, `Expense` or `ExpenseReturn`.
    pub receipt_type: String,
    /// `Ofd`: the fiscal data operator (spec §4.9).
    pub ofd: String,
    /// `Url`: the public receipt page.
    pub url: String,
    /// `QrCodeUrl`.
    pub qr_code_url: String,
    /// `Amount`: the receipt total.
    pub amount: Money,
    /// `DateTime`: when it was issued.
    pub date_time: Timestamp,
    /// `Receipt`: the receipt content (`CustomerReceipt`) as JSON text.
    pub receipt: String,
    /// `CalculationPlace`.
    pub calculation_place: Option<String>,
    /// `SettlePlace`.
    pub settle_place: Option<String>,
    /// `TransactionId` of the linked payment.
    pub transaction_id: Option<i64>,
    /// `InvoiceId` of the linked payment.
    pub invoice_id: Option<String>,
    /// `AccountId` of the linked payment.
    pub account_id: Option<String>,
}

impl ReceiptNotice {
    /// The `(name, value)` pairs, in order.
    pub(super) fn params(&self) -> Vec<(&'static str, String)> {
        RECEIPT
            .iter()
            .map(|&name| (name, self.value(name)))
            .collect()
    }

    fn value(&self, name: &str) -> String {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        match name {
            "Id" => self.id.clone(),
            "DocumentNumber" => self.document_number.clone(),
            "SessionNumber" => self.session_number.clone(),
            "Number" => self.number.clone(),
            "FiscalSign" => self.fiscal_sign.clone(),
            "DeviceNumber" => self.device_number.clone(),
            "RegNumber" => self.reg_number.clone(),
            "FiscalNumber" => self.fiscal_number.clone(),
            "Inn" => self.inn.clone(),
            "Type" => self.receipt_type.clone(),
            "Ofd" => self.ofd.clone(),
            "Url" => self.url.clone(),
            "QrCodeUrl" => self.qr_code_url.clone(),
            "Amount" => two_decimals(self.amount),
            "DateTime" => notification_date(self.date_time),
            "Receipt" => self.receipt.clone(),
            "CalculationPlace" => text(&self.calculation_place),
            "SettlePlace" => text(&self.settle_place),
            "TransactionId" => self
                .transaction_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            "InvoiceId" => text(&self.invoice_id),
            "AccountId" => text(&self.account_id),
            _ => String::new(),
        }
    }
}
