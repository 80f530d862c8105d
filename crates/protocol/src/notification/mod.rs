//! CloudPayments notifications on the wire (spec §5): what the gateway sends to a merchant's
//! Check, Pay, Fail, Confirm, Refund, Recurrent, Cancel and Receipt URLs, and how the answer is
//! read. Pure: no I/O, no clock; the server delivers what this builds.
//!
//! - `kind`: [`NotificationKind`], the eight types and their names in the API paths;
//! - `payment`, `recurrent`, `receipt`: the typed inputs ([`PaymentNotice`] for the six payment
//!   kinds, [`SubscriptionNotice`], [`ReceiptNotice`]) and the text of each parameter;
//! - `layout`: which parameters each kind sends, in which order;
//! - `form`, `cp1251`: the .NET-style form encoding, UTF-8 or Windows-1251, and its decoding;
//! - `signature`: `Content-HMAC` and `X-Content-HMAC`;
//! - `timestamped`: the extra replay-safe `X-Webhook-*` signature;
//! - `answer`: Check outcomes and the `{"code":0}` acknowledgement.
//!
//! [`Notification`] ties them together: `notification.body(encoding)` is the POST body or GET
//! query, and [`signature_headers`] signs it.

mod answer;
mod cp1251;
mod form;
mod kind;
mod layout;
mod payment;
mod receipt;
mod recurrent;
mod signature;
mod timestamped;

pub use answer::{
    CHECK_FORMAT_ERROR, CHECK_UNABLE_TO_CONNECT, CHECK_UNAVAILABLE, CheckFailure, CheckOutcome,
    answer_code, check_decline, check_outcome, is_acknowledged,
};
pub use form::{FormEncoding, encode_form, parse_form, percent_decode, url_decode, url_encode};
pub use kind::NotificationKind;
pub use layout::Presence;
pub use payment::{OperationType, PaymentNotice};
pub use receipt::ReceiptNotice;
pub use recurrent::{SubscriptionInterval, SubscriptionNotice, SubscriptionStatus};
pub use signature::{
    CONTENT_HMAC, X_CONTENT_HMAC, content_hmac, signature_headers, verify_hmac, x_content_hmac,
};
pub use timestamped::{
    WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP, WebhookSignatureError,
    verify_webhook_signature, webhook_headers, webhook_signature,
};

/// One notification: its kind and what it says.
#[derive(Debug, Clone, PartialEq)]
pub enum Notification {
    /// Before authorization.
    Check(PaymentNotice),
    /// Authorized or completed.
    Pay(PaymentNotice),
    /// Declined.
    Fail(PaymentNotice),
    /// Two-stage payment captured.
    Confirm(PaymentNotice),
    /// Refund made.
    Refund(PaymentNotice),
    /// Authorization voided.
    Cancel(PaymentNotice),
    /// Subscription status changed.
    Recurrent(SubscriptionNotice),
    /// Fiscal receipt issued.
    Receipt(ReceiptNotice),
}

impl Notification {
    /// The kind, which picks the URL and the parameters.
    pub fn kind(&self) -> NotificationKind {
        match self {
            Notification::Check(_) => NotificationKind::Check,
            Notification::Pay(_) => NotificationKind::Pay,
            Notification::Fail(_) => NotificationKind::Fail,
            Notification::Confirm(_) => NotificationKind::Confirm,
            Notification::Refund(_) => NotificationKind::Refund,
            Notification::Cancel(_) => NotificationKind::Cancel,
            Notification::Recurrent(_) => NotificationKind::Recurrent,
            Notification::Receipt(_) => NotificationKind::Receipt,
        }
    }

    /// The `(name, value)` parameters this notification sends, in order, values unencoded.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Notification::Check(notice)
            | Notification::Pay(notice)
            | Notification::Fail(notice)
            | Notification::Confirm(notice)
            | Notification::Refund(notice)
            | Notification::Cancel(notice) => notice.params(self.kind()),
            Notification::Recurrent(notice) => notice.params(),
            Notification::Receipt(notice) => notice.params(),
        }
    }

    /// The form-encoded parameters: the POST body, or the GET query without `?`.
    pub fn body(&self, encoding: FormEncoding) -> String {
        encode_form(&self.params(), encoding)
    }
}

#[cfg(test)]
mod tests;
