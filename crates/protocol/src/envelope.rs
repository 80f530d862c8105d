//! The `{Success, Message, Model}` envelope every API reply travels in (spec §1.4).
//!
//! "Not found" leaves the `Model` key out entirely; a method that carries no payload leaves it out
//! too; `Message` is always present, `null` when unused. A reply whose model is a transaction
//! takes its `Success` from [`transaction_succeeded`], the one rule for every such reply.

use serde::Serialize;
use serde_json::Value;

use crate::transaction::TransactionModel;

/// One API reply body.
#[derive(Debug, Clone, Serialize)]
pub struct Envelope {
    /// The payload; left out of the JSON when `None`.
    #[serde(rename = "Model", skip_serializing_if = "Option::is_none")]
    pub model: Option<Value>,
    /// Whether the request succeeded (for payments: approved).
    #[serde(rename = "Success")]
    pub success: bool,
    /// Error or informational text; `null` when a model carries the outcome.
    #[serde(rename = "Message")]
    pub message: Option<String>,
}

impl Envelope {
    /// `{"Success":true,"Message":null}` with a model.
    pub fn ok(model: Value) -> Envelope {
        Envelope {
            model: Some(model),
            success: true,
            message: None,
        }
    }

    /// `{"Success":true,"Message":<text>}` and no model (as `/test` answers).
    pub fn ok_message(message: impl Into<String>) -> Envelope {
        Envelope {
            model: None,
            success: true,
            message: Some(message.into()),
        }
    }

    /// `{"Success":false,"Message":<text>}` and no model: a refused request.
    pub fn error(message: impl Into<String>) -> Envelope {
        Envelope {
            model: None,
            success: false,
            message: Some(message.into()),
        }
    }

    /// `{"Success":false,"Message":null}` with a model: a declined payment or a 3-DS challenge.
    pub fn declined(model: Value) -> Envelope {
        Envelope {
            model: Some(model),
            success: false,
            message: None,
        }
    }

    /// A reply whose model is a transaction (payments, post3ds, get, find), `Message` null and
    /// `Success` as [`transaction_succeeded`] says.
    pub fn transaction(model: &TransactionModel) -> Result<Envelope, serde_json::Error> {
        Ok(Envelope {
            model: Some(serde_json::to_value(model)?),
            success: transaction_succeeded(model),
            message: None,
        })
    }

    /// The JSON bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serializing a struct of plain values cannot fail; an empty body would be caught by tests.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// `Success` of a reply that carries a transaction: false exactly when the model is a decline,
/// `Status` `Declined` with its non-zero `ReasonCode`; true for every other status, so
/// `Completed` (refunded or not), `Authorized`, `AwaitingAuthentication` and every `Cancelled`
/// (voided, expired hold, abandoned 3-D Secure) read back as `Success:true`.
///
/// The evidence (docs/protocol.md has it in full): CloudPayments' docs say `Success` "does not
/// reflect the transaction status, only whether the API request succeeded", the one exception
/// being "transaction declined: success false, model with the error code"; the Ruby gem's
/// fixtures answer `payments/get` with `Success:false` for `Declined` 5051 and `Success:true` for
/// a refunded payment. Every client reads `Success:false` plus a model as a decline and its
/// `ReasonCode` as the cause: aiocloudpayments raises `CpPaymentError("{ReasonCode}: {Reason}")`,
/// cloudpayments-sdk raises `ApiResponseError` on any `Success:false`, the Ruby gem looks up an
/// error class by `ReasonCode` (none exists for 0) and PyPI `find_payment` raises. So no reply
/// may say `Success:false` with `ReasonCode` 0: a `Declined` model always names its reason, and
/// one that did not (a damaged row) would still answer `Success:true`.
pub fn transaction_succeeded(model: &TransactionModel) -> bool {
    !(model.status == "Declined" && model.reason_code != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_have_the_wire_shape() {
        assert_eq!(
            String::from_utf8(Envelope::ok_message("abc").to_bytes()).unwrap(),
            r#"{"Success":true,"Message":"abc"}"#
        );
        assert_eq!(
            String::from_utf8(Envelope::error("Not found").to_bytes()).unwrap(),
            r#"{"Success":false,"Message":"Not found"}"#
        );
        assert_eq!(
            String::from_utf8(Envelope::declined(serde_json::json!({"A":1})).to_bytes()).unwrap(),
            r#"{"Model":{"A":1},"Success":false,"Message":null}"#
        );
    }

    #[test]
    fn only_a_decline_with_its_reason_says_success_false() {
        let model = |status: &str, reason_code: i32| {
            let mut m: TransactionModel =
                serde_json::from_value(serde_json::json!({"TransactionId": 1})).unwrap();
            m.status = status.to_owned();
            m.reason_code = reason_code;
            m
        };
        for (status, reason, success) in [
            ("Completed", 0, true),
            ("Authorized", 0, true),
            ("Cancelled", 0, true),
            ("AwaitingAuthentication", 0, true),
            ("Declined", 5051, false),
            ("Declined", 5206, false),
            ("Declined", 0, true),
        ] {
            let envelope = Envelope::transaction(&model(status, reason)).unwrap();
            assert_eq!(envelope.success, success, "{status} {reason}");
            assert_eq!(envelope.message, None);
            assert!(envelope.success || envelope.model.unwrap()["ReasonCode"] != 0);
        }
    }
}
