//! The payment models as they travel in an envelope's `Model`: the transaction (spec §2.1), the
//! 3-D Secure challenge (§2.2) and the refund answer, with the status names of §4.1.
//!
//! Each struct emits every key, `null` when empty, in the order of the spec's examples: typed
//! clients index keys rather than test for them (CROSS_PARSE.md). Reading is lenient, because
//! the same structs parse client-library fixtures, which leave most keys out: a missing key takes
//! its empty value and only the ids are required. Amounts are `serde_json::Number`s, which keep
//! their exact text (`10.0` stays `10.0`; the workspace enables `arbitrary_precision`). Dates are
//! the text [`crate::dates`] produces.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Number, Value};

/// A transaction: what charge, auth, post3ds, token payments, payouts, get, find and list return.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TransactionModel {
    /// 0 when approved, otherwise the decline code (spec §4.3).
    #[serde(default)]
    pub reason_code: i32,
    /// The site's Public ID.
    #[serde(default)]
    pub public_id: String,
    /// The site's URL.
    #[serde(default)]
    pub terminal_url: String,
    /// The transaction number; the one key a model must have.
    pub transaction_id: i64,
    /// The amount the merchant asked for.
    #[serde(default = "zero")]
    pub amount: Number,
    /// `Amount`'s currency code (`RUB`).
    #[serde(default)]
    pub currency: String,
    /// `Currency`'s numeric code (RUB = 0).
    #[serde(default)]
    pub currency_code: i32,
    /// The amount debited after conversion.
    #[serde(default = "zero")]
    pub payment_amount: Number,
    /// The currency debited.
    #[serde(default)]
    pub payment_currency: String,
    /// `PaymentCurrency`'s numeric code.
    #[serde(default)]
    pub payment_currency_code: i32,
    /// The merchant's order number; a JSON number is read as its text.
    #[serde(default, deserialize_with = "text_or_number")]
    pub invoice_id: Option<String>,
    /// The merchant's payer id; a JSON number is read as its text.
    #[serde(default, deserialize_with = "text_or_number")]
    pub account_id: Option<String>,
    /// The payer's e-mail.
    pub email: Option<String>,
    /// The payment purpose.
    pub description: Option<String>,
    /// The merchant's data as JSON text; an object is read as its compact text.
    #[serde(default, deserialize_with = "json_text")]
    pub json_data: Option<String>,
    /// Creation time, `/Date(ms)/`.
    #[serde(default)]
    pub created_date: String,
    /// Creation time, ISO text.
    #[serde(default)]
    pub created_date_iso: String,
    /// Settlement to the merchant, `/Date(ms)/`.
    pub payout_date: Option<String>,
    /// Settlement to the merchant, ISO text.
    pub payout_date_iso: Option<String>,
    /// The amount settled to the merchant after fees.
    pub payout_amount: Option<Number>,
    /// Authorization time, `/Date(ms)/`; none when declined.
    pub auth_date: Option<String>,
    /// Authorization time, ISO text.
    pub auth_date_iso: Option<String>,
    /// Capture time, `/Date(ms)/`.
    pub confirm_date: Option<String>,
    /// Capture time, ISO text.
    pub confirm_date_iso: Option<String>,
    /// The issuer's approval code.
    pub auth_code: Option<String>,
    /// Whether the site is in test mode.
    #[serde(default)]
    pub test_mode: bool,
    /// Retrieval reference number.
    pub rrn: Option<String>,
    /// For refunds and other derived operations: the payment they derive from.
    pub original_transaction_id: Option<i64>,
    /// The first, declined attempt when a backup acquirer took over.
    pub fall_back_scenario_declined_transaction_id: Option<i64>,
    /// The payer's IP address.
    #[serde(default)]
    pub ip_address: String,
    /// The payer's country by GeoIP, ISO alpha-2; empty when unknown.
    #[serde(default)]
    pub ip_country: String,
    /// The payer's city by GeoIP.
    pub ip_city: Option<String>,
    /// The payer's region by GeoIP.
    pub ip_region: Option<String>,
    /// The payer's district by GeoIP.
    pub ip_district: Option<String>,
    /// GeoIP latitude.
    pub ip_latitude: Option<Number>,
    /// GeoIP longitude.
    pub ip_longitude: Option<Number>,
    /// The card's first six digits.
    #[serde(default)]
    pub card_first_six: String,
    /// The card's last four digits.
    #[serde(default)]
    pub card_last_four: String,
    /// The card's expiry, `MM/YY`.
    #[serde(default)]
    pub card_exp_date: String,
    /// The card scheme (`Visa`, `MasterCard`, …).
    #[serde(default)]
    pub card_type: String,
    /// The card product code (`C`, `I`).
    pub card_product: Option<String>,
    /// The card product in words.
    pub card_category: Option<String>,
    /// The safe-deal accumulation (spec §12.6).
    pub escrow_accumulation_id: Option<String>,
    /// The issuer's country, ISO alpha-2.
    #[serde(default)]
    pub issuer_bank_country: String,
    /// The issuing bank.
    pub issuer: Option<String>,
    /// The card scheme's numeric code (Visa = 0).
    #[serde(default)]
    pub card_type_code: i32,
    /// The status name (spec §4.1).
    #[serde(default)]
    pub status: String,
    /// The status number (spec §4.1).
    #[serde(default)]
    pub status_code: i32,
    /// The language of the texts (`ru`, `en-US`, …).
    #[serde(default)]
    pub culture_name: String,
    /// The decline name, `Approved` when approved ([`crate::reasons::reason_name`]).
    #[serde(default)]
    pub reason: String,
    /// The text for the payer ([`crate::reasons::cardholder_message`]).
    #[serde(default)]
    pub card_holder_message: String,
    /// The operation: 0 payment, 1 refund, 2 card payout.
    #[serde(default, rename = "Type")]
    pub operation_type: i32,
    /// Payouts: whether an asynchronous payout is still in progress.
    #[serde(default)]
    pub transaction_is_in_process: bool,
    /// Whether the payment has been (partly) refunded.
    #[serde(default)]
    pub refunded: bool,
    /// The cardholder's name.
    pub name: Option<String>,
    /// The saved card's token; a JSON number is read as its text.
    #[serde(default, deserialize_with = "text_or_number")]
    pub token: Option<String>,
    /// The subscription (`sc_…`) a recurring charge belongs to.
    pub subscription_id: Option<String>,
    /// The acquirer's name (`Test` in test mode).
    #[serde(default)]
    pub gateway_name: String,
    /// The acquirer's number.
    #[serde(default)]
    pub gateway: i32,
    /// Paid with Apple Pay.
    #[serde(default)]
    pub apple_pay: bool,
    /// Paid with Google Pay.
    #[serde(default)]
    pub android_pay: bool,
    /// Paid with Masterpass.
    #[serde(default)]
    pub master_pass: bool,
    /// The wallet used; empty for a plain card.
    #[serde(default)]
    pub wallet_type: String,
    /// The total fee.
    #[serde(default = "zero")]
    pub total_fee: Number,
    /// VAT charged on top of the fee.
    pub vat_above_total_fee: Option<Number>,
    /// The agent's (processor and partner) fee.
    pub processor_and_partner_fee: Option<Number>,
    /// VAT included in the processor's fee.
    pub vat_within_processor_fee: Option<Number>,
    /// Whether the order is a local one (list and get models).
    #[serde(default)]
    pub is_local_order: bool,
    /// Whether the invoice number is hidden from the payer (list and get models).
    #[serde(default)]
    pub hide_invoice_id: bool,
    /// SBP payouts: the shop's data, as sent.
    pub info_shop_data: Option<Value>,
    /// Payouts: the receiver, shaped like `Payer`.
    pub receiver: Option<Value>,
}

/// The 3-D Secure challenge a card payment answers with when the payer must authenticate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Secure3dModel {
    /// The transaction awaiting authentication; the ACS form's `MD`.
    pub transaction_id: i64,
    /// The request for the issuer's ACS.
    pub pa_req: String,
    /// 3-D Secure 2 data.
    pub go_req: Option<String>,
    /// Where the payer is sent.
    pub acs_url: String,
    /// 3-D Secure 2 session data.
    pub three_ds_session_data: Option<String>,
    /// Whether the ACS page may be shown in an iframe.
    #[serde(default, rename = "IFrameIsAllowed")]
    pub iframe_is_allowed: bool,
    /// Suggested frame width.
    pub frame_width: Option<i32>,
    /// Suggested frame height.
    pub frame_height: Option<i32>,
    /// The id the widget's callback flow uses (32 hex characters).
    pub three_ds_callback_id: Option<String>,
    /// The safe-deal accumulation.
    pub escrow_accumulation_id: Option<String>,
}

/// What `payments/refund` returns: the new refund transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RefundModel {
    /// The refund's transaction number.
    pub transaction_id: i64,
}

/// The `Status` of a `StatusCode` (spec §4.1): 1 `AwaitingAuthentication` … 5 `Declined`.
pub fn status_name(code: i32) -> Option<&'static str> {
    match code {
        1 => Some("AwaitingAuthentication"),
        2 => Some("Authorized"),
        3 => Some("Completed"),
        4 => Some("Cancelled"),
        5 => Some("Declined"),
        _ => None,
    }
}

fn zero() -> Number {
    Number::from(0)
}

/// A string, or a number taken as its exact text; `null` is none.
fn text_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(other) => Err(serde::de::Error::custom(format!(
            "expected a string or a number, found {other}"
        ))),
    }
}

/// `JsonData`: a string is kept as sent; any other JSON value becomes its compact text.
fn json_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text),
        Some(other) => Some(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_model_fills_every_key() {
        let model: TransactionModel = serde_json::from_str(r#"{"TransactionId":7}"#).unwrap();
        let json = serde_json::to_value(&model).unwrap();
        let object = json.as_object().unwrap();
        assert_eq!(object.len(), 71);
        let text = serde_json::to_string(&model).unwrap();
        assert!(
            text.starts_with(
                r#"{"ReasonCode":0,"PublicId":"","TerminalUrl":"","TransactionId":7,"#
            )
        );
        assert_eq!(json["TransactionId"], 7);
        assert_eq!(json["Amount"], 0);
        assert_eq!(json["Type"], 0);
        assert!(json["Token"].is_null() && json["JsonData"].is_null());
        assert!(serde_json::from_str::<TransactionModel>("{}").is_err());
    }

    #[test]
    fn ids_and_json_data_are_read_leniently_and_amounts_exactly() {
        let model: TransactionModel = serde_json::from_str(
            r#"{"TransactionId":1,"InvoiceId":1234567,"AccountId":"u","Token":null,
                "JsonData":{"a":[1,2.50]},"Amount":10.0,"IpLatitude":39.92890,"Type":2}"#,
        )
        .unwrap();
        assert_eq!(model.invoice_id.as_deref(), Some("1234567"));
        assert_eq!(model.account_id.as_deref(), Some("u"));
        assert_eq!(model.token, None);
        assert_eq!(model.json_data.as_deref(), Some(r#"{"a":[1,2.50]}"#));
        assert_eq!(model.operation_type, 2);
        let json = serde_json::to_string(&model).unwrap();
        assert!(json.contains(r#""Amount":10.0,"#), "{json}");
        assert!(json.contains(r#""IpLatitude":39.92890,"#), "{json}");
        assert!(json.contains(r#""JsonData":"{\"a\":[1,2.50]}""#), "{json}");
        let bad = r#"{"TransactionId":1,"InvoiceId":[1]}"#;
        assert!(serde_json::from_str::<TransactionModel>(bad).is_err());
    }

    #[test]
    fn secure3d_and_refund_models_have_the_wire_shape() {
        let model: Secure3dModel =
            serde_json::from_str(r#"{"TransactionId":5,"PaReq":"eJx","AcsUrl":"https://a/acs"}"#)
                .unwrap();
        assert_eq!(
            serde_json::to_string(&model).unwrap(),
            r#"{"TransactionId":5,"PaReq":"eJx","GoReq":null,"AcsUrl":"https://a/acs","ThreeDsSessionData":null,"IFrameIsAllowed":false,"FrameWidth":null,"FrameHeight":null,"ThreeDsCallbackId":null,"EscrowAccumulationId":null}"#
        );
        assert!(serde_json::from_str::<Secure3dModel>(r#"{"TransactionId":5}"#).is_err());
        let refund = RefundModel {
            transaction_id: 568,
        };
        assert_eq!(
            serde_json::to_string(&refund).unwrap(),
            r#"{"TransactionId":568}"#
        );
    }

    #[test]
    fn status_codes_have_names() {
        let names: Vec<_> = (0..=6).map(status_name).collect();
        assert_eq!(
            names,
            [
                None,
                Some("AwaitingAuthentication"),
                Some("Authorized"),
                Some("Completed"),
                Some("Cancelled"),
                Some("Declined"),
                None
            ]
        );
    }
}
