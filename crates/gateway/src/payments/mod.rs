//! Payments: taking money by card cryptogram or token (`pay`), and confirming, voiding and
//! refunding it (`manage`), each ending in a typed outcome (`outcome`) that the faces render, on
//! top of the core lifecycle (`oblako_core::payment::apply`) and the settling shared with
//! billing (`settlement`).
//!
//! Each operation that reaches the bank commits an intent row first, calls the bank with that
//! row's reference, then records the answer and the new state in a second transaction with a
//! compare-and-set on the old status.

pub mod manage;
pub mod model;
pub mod pay;
pub mod post3ds;
pub mod three_ds;

// The faces name the outcomes under `payments`; they are the settling's, shared with billing.
pub use crate::settlement::outcome;

/// The wire's "not found": `{"Success":false,"Message":"Not found"}` with no `Model` key.
pub const NOT_FOUND: &str = "Not found";
