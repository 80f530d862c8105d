//! The one place where the gateway's outcomes become the protocol's envelope (spec §1.4, §2.1,
//! §2.2): a payment's model with `Success:false` only for a decline, the 3-D Secure challenge
//! with `Success:false` and no message, and a confirmation, void or refund as a bare success.

use oblako_protocol::envelope::Envelope;
use oblako_protocol::transaction::RefundModel;

use crate::api::reply::{ApiError, ApiReply};
use crate::payments::model::transaction_model;
use crate::payments::outcome::{Managed, PaymentOutcome};
use crate::payments::pay::Payee;

/// A payment's outcome as the API answers it.
pub fn payment(outcome: &PaymentOutcome, payee: Payee<'_>) -> Result<ApiReply, ApiError> {
    Ok(ApiReply::envelope(payment_envelope(outcome, payee)?))
}

/// A payment's outcome in the envelope.
pub fn payment_envelope(outcome: &PaymentOutcome, payee: Payee<'_>) -> Result<Envelope, ApiError> {
    let envelope = match outcome {
        PaymentOutcome::Approved(row) | PaymentOutcome::Declined(row) => {
            Envelope::transaction(&transaction_model(row, payee.terminal()))
        }
        PaymentOutcome::ThreeDs(model) => serde_json::to_value(model).map(Envelope::declined),
    };
    Ok(envelope.map_err(anyhow::Error::from)?)
}

/// `{"Success":true,"Message":null}`, with the refund's id as the model for a refund.
pub fn managed(done: Managed) -> Result<ApiReply, ApiError> {
    Ok(ApiReply::envelope(match done.refund_id {
        Some(refund) => {
            let model = serde_json::to_value(RefundModel {
                transaction_id: refund,
            })
            .map_err(anyhow::Error::from)?;
            Envelope::ok(model)
        }
        None => Envelope {
            model: None,
            success: true,
            message: None,
        },
    }))
}
