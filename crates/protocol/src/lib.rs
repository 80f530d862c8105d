//! The CloudPayments wire format.
//!
//! What merchants' existing code and client libraries see and send: request parameters matched
//! case-insensitively from JSON or form bodies (`params`) and the payment requests read from them
//! once (`payment_request`), exact decimal amounts (`amount`), the
//! `{Success, Message, Model}` envelope (`envelope`), the payment models it carries
//! (`transaction`: transaction, 3-D Secure challenge, refund), decline reasons with their
//! localized cardholder messages (`reasons`), the protocol's date formats (`dates`), card
//! cryptograms (`cryptogram`) and the notifications sent to merchants, with their form encoding,
//! signatures and answers (`notification`), orders, the payment links (`order`), and the
//! receipt data of 54-FZ online receipts with the receipt API's replies (`receipt`). This crate
//! changes only when the protocol does.

pub mod amount;
pub mod cryptogram;
pub mod dates;
pub mod envelope;
pub mod notification;
pub mod order;
pub mod params;
pub mod payment_request;
pub mod reasons;
pub mod receipt;
pub mod subscription;
pub mod transaction;
