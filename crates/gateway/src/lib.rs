//! What the Oblako gateway does, apart from any face that asks for it (HTTP API, payer pages,
//! the command line). Nothing here speaks HTTP to callers or renders pages.
//!
//! - `context` is the [`Gateway`] every flow takes: database, clock, keys, faults.
//! - `error` is a flow's failure ([`FlowError`]): refused with a message, or internal.
//! - `recovery` is idempotency as the flows see it: the claimed key and what to resume.
//! - `secrets` derives every key from the master key and seals values at rest; `keyring` holds
//!   the cryptogram RSA keys; `vault` keeps card numbers behind tokens.
//! - `bank` is the emulated acquirer: it answers charges and keeps its intent durable.
//! - `sites` issues sites and their credentials.
//! - `outbound` is the one HTTP client to merchants' servers, guarded against SSRF.
//! - `faults` holds deliberate faults that tests switch on.

pub mod bank;
pub mod context;
pub mod error;
pub mod faults;
pub mod keyring;
pub mod outbound;
pub mod recovery;
pub mod secrets;
pub mod sites;
pub mod vault;

pub use context::Gateway;
pub use error::FlowError;
