//! The `{Success, Message, Model}` envelope every API reply travels in (spec §1.4).
//!
//! "Not found" leaves the `Model` key out entirely; a method that carries no payload leaves it out
//! too; `Message` is always present, `null` when unused.

use serde::Serialize;
use serde_json::Value;

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

    /// The JSON bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serializing a struct of plain values cannot fail; an empty body would be caught by tests.
        serde_json::to_vec(self).unwrap_or_default()
    }
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
}
