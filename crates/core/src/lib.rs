//! Oblako's pure domain.
//!
//! Everything here is plain data and pure functions: money in integer minor units and the
//! currencies the protocol accepts (`money`), card numbers, expiry dates and brands (`card`),
//! identifiers and the test/live mode split (`ids`), the payment lifecycle (`payment`), an order's status (`order`) with its
//! decline reasons (`reason`), fiscal receipts of an emulated cash register (`receipt`), the
//! emulated bank's rules (`test_bank`), the merchant's staff roles and password policy (`staff`),
//! how each enum reads back from its stored spelling (`stored`), and the clock as a parameter
//! (`clock`).
//! No I/O, no async runtime, no SQL, no wire format, and no wall clock outside `clock.rs`.

pub mod card;
pub mod clock;
pub mod ids;
pub mod money;
pub mod order;
pub mod payment;
pub mod reason;
pub mod receipt;
pub mod staff;
pub mod stored;
pub mod subscription;
pub mod test_bank;
