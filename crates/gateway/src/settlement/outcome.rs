//! What a payment flow ends in, before any face renders it: the API turns it into the
//! protocol's envelope (`api::render`), the payer pages into their own words.

use oblako_core::payment::Status;
use oblako_protocol::reasons::{Culture, cardholder_message};
use oblako_protocol::transaction::Secure3dModel;
use oblako_store::transactions::TransactionRow;

/// The end of a payment, of its 3-D Secure step, or of a replay of either.
#[derive(Debug)]
pub enum PaymentOutcome {
    /// The payment stands: authorized or completed (or, for a replay of an older request,
    /// whatever it became since, short of a decline).
    Approved(Box<TransactionRow>),
    /// The bank (or the site's Check, or 3-D Secure) declined; the row names the reason.
    Declined(Box<TransactionRow>),
    /// The payer must pass 3-D Secure first.
    ThreeDs(Box<Secure3dModel>),
}

impl PaymentOutcome {
    /// The outcome a stored payment stands for: a decline exactly when it is `Declined` with a
    /// reason (as the protocol's `Success` reads it).
    pub fn of(row: TransactionRow) -> PaymentOutcome {
        let declined = row.status == Status::Declined && row.reason_code != 0;
        if declined {
            PaymentOutcome::Declined(Box::new(row))
        } else {
            PaymentOutcome::Approved(Box::new(row))
        }
    }

    /// The transaction this outcome is about.
    pub fn transaction_id(&self) -> i64 {
        match self {
            PaymentOutcome::Approved(row) | PaymentOutcome::Declined(row) => row.id,
            PaymentOutcome::ThreeDs(model) => model.transaction_id,
        }
    }

    /// The payer's words for a decline, in the payment's language.
    pub fn decline_message(row: &TransactionRow) -> &'static str {
        let reason = i32::try_from(row.reason_code).unwrap_or(5204);
        cardholder_message(reason, Culture::from_name(&row.culture))
    }
}

/// The end of a confirmation, void or refund: done, with the refund's own transaction for a
/// refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Managed {
    /// The refund transaction, for a refund.
    pub refund_id: Option<i64>,
}
