//! The Oblako gateway: the CloudPayments HTTP API, operator endpoints, and the `oblako` command.
//!
//! `app` builds and serves everything; `api` holds the wire endpoints with authentication,
//! body parsing, idempotency and limits; `secrets`, `keyring` and `vault` keep keys and card
//! numbers; `sites` issues credentials; `config` and `cli` are the operator's side.

pub mod api;
pub mod app;
pub mod bank;
pub mod browser;
pub mod cli;
pub mod client;
pub mod config;
pub mod faults;
pub mod keyring;
pub mod listener;
pub mod logging;
pub mod mail;
pub mod notify;
pub mod observe;
pub mod ops;
pub mod orders;
pub mod outbound;
pub mod pages;
pub mod payments;
pub mod receipts;
pub mod secrets;
pub mod sites;
pub mod state;
pub mod subscriptions;
pub mod sweeper;
pub mod vault;
