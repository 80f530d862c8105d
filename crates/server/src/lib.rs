//! The Oblako gateway: the CloudPayments HTTP API, operator endpoints, and the `oblako` command.
//!
//! `app` builds and serves everything; `api` holds the wire endpoints with authentication,
//! body parsing, idempotency and limits; `secrets`, `keyring` and `vault` keep keys and card
//! numbers; `sites` issues credentials; `config` and `cli` are the operator's side.

pub mod api;
pub mod app;
pub mod browser;
pub mod cli;
pub mod client;
pub mod config;
pub mod listener;
pub mod logging;
pub mod observe;
pub mod ops;
pub mod pages;
pub mod state;

// What moved to the gateway crate, under the names the faces already use.
pub use oblako_gateway::{
    bank, faults, keyring, mail, notify, orders, outbound, payments, secrets, sites, subscriptions,
    sweeper, vault,
};
