//! The payment requests (spec §3.2–3.4), read once from their [`Params`]: the fields every
//! payment shares ([`PaymentFields`]), a charge by card cryptogram ([`CardCharge`],
//! `payments/cards/charge|auth`) and a charge by token ([`TokenCharge`],
//! `payments/tokens/charge|auth`). Each parameter is checked in the order the protocol lists it,
//! so the first bad one is the one named.

use oblako_core::money::Money;

use crate::params::{ParamError, Params};

/// Longest cryptogram packet accepted.
pub const MAX_PACKET: usize = 16 * 1024;
/// Longest `JsonData` accepted.
pub const MAX_JSON_DATA: usize = 64 * 1024;

/// What every payment request carries besides its card: the amount and the merchant's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentFields {
    /// `Amount` in `Currency` (RUB when absent).
    pub amount: Money,
    /// `InvoiceId`.
    pub invoice_id: Option<String>,
    /// `AccountId`.
    pub account_id: Option<String>,
    /// `Email`.
    pub email: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `JsonData` as text (an object is re-serialized).
    pub json_data: Option<String>,
    /// `CultureName`, `ru-RU` when absent.
    pub culture: String,
    /// `Name` (the cardholder's).
    pub name: Option<String>,
}

impl PaymentFields {
    /// Reads the shared fields: `Currency`, `Amount`, then the optional ones.
    pub fn from_params(params: &Params) -> Result<PaymentFields, ParamError> {
        let currency = params.currency()?;
        Ok(PaymentFields {
            amount: params.amount("Amount", currency)?,
            invoice_id: params.string_max("InvoiceId", 255)?,
            account_id: params.string_max("AccountId", 255)?,
            email: params.string_max("Email", 255)?,
            description: params.string_max("Description", 1000)?,
            json_data: params.json_text("JsonData", MAX_JSON_DATA)?,
            culture: params
                .string_max("CultureName", 16)?
                .unwrap_or_else(|| "ru-RU".to_owned()),
            name: params.string_max("Name", 255)?,
        })
    }
}

/// `payments/cards/charge` and `payments/cards/auth`.
#[derive(Debug, Clone, PartialEq)]
pub struct CardCharge {
    /// `CardCryptogramPacket`, still sealed.
    pub packet: String,
    /// The shared fields.
    pub payment: PaymentFields,
    /// `IpAddress`, in its usual text (empty when absent).
    pub ip_address: String,
}

impl CardCharge {
    /// Reads a card charge: the cryptogram first, then the shared fields, then `IpAddress`.
    pub fn from_params(params: &Params) -> Result<CardCharge, ParamError> {
        let packet = params.required_string("CardCryptogramPacket", MAX_PACKET)?;
        let payment = PaymentFields::from_params(params)?;
        let ip_address = params.ip_address("IpAddress")?.unwrap_or_default();
        Ok(CardCharge {
            packet,
            payment,
            ip_address,
        })
    }
}

/// `payments/tokens/charge` and `payments/tokens/auth`.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenCharge {
    /// `Token`.
    pub token: String,
    /// The shared fields; `account_id` is present (a token belongs to an `AccountId`).
    pub payment: PaymentFields,
    /// `IpAddress`, in its usual text (empty when absent).
    pub ip_address: String,
    /// `TrInitiatorCode`, checked and not otherwise used.
    pub initiator_code: Option<i64>,
    /// `PaymentScheduled`, checked and not otherwise used.
    pub payment_scheduled: Option<i64>,
}

impl TokenCharge {
    /// Reads a token charge: `Token`, the required `AccountId`, the shared fields, `IpAddress`,
    /// then the recurring-payment markers.
    pub fn from_params(params: &Params) -> Result<TokenCharge, ParamError> {
        let token = params.required_string("Token", 255)?;
        params.required_string("AccountId", 255)?;
        let payment = PaymentFields::from_params(params)?;
        let ip_address = params.ip_address("IpAddress")?.unwrap_or_default();
        Ok(TokenCharge {
            token,
            payment,
            ip_address,
            initiator_code: params.i64("TrInitiatorCode")?,
            payment_scheduled: params.i64("PaymentScheduled")?,
        })
    }
}
