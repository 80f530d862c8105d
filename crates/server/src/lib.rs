//! The faces of the Oblako gateway: the CloudPayments HTTP API, the payment form, the payer
//! pages, operator endpoints and the `oblako` command. What they ask for is done by
//! `oblako_gateway`, whose modules are re-exported here under the names the faces use.
//!
//! - `app` builds the state and the routes and serves them; `listener` is the accept loop;
//!   `state` is the [`state::AppState`]: the gateway's context and the faces' own parts;
//!   `workers` starts and drains the node's background loops and runs housekeeping.
//! - `api` is the CloudPayments API: authentication, bodies, idempotency keys, limits, the key
//!   cache, and `api::render`, where outcomes become the envelope.
//! - `browser` is the payment form, its scripts and its charge; `pages` are the payer's pages
//!   (the ACS, orders, the self-service subscription page) in the payer's language.
//! - `ops` is health and metrics; `observe` the request span and metrics; `logging` the log
//!   set-up; `client` finds the client's address behind trusted proxies.
//! - `config` is the configuration and its checks; `cli` the `oblako` command.
//! - `rate` is the one rate limiter (fixed windows per key) behind every per-IP budget and the
//!   API's authentication throttles.

pub mod api;
pub mod app;
pub mod browser;
pub mod cabinet;
pub mod cli;
pub mod client;
pub mod config;
pub mod listener;
pub mod logging;
pub mod observe;
pub mod ops;
pub mod pages;
pub mod rate;
pub mod state;
pub mod workers;

// What moved to the gateway crate, under the names the faces already use.
pub use oblako_gateway::{
    bank, faults, keyring, mail, notify, orders, outbound, payments, receipts, secrets, site_clock,
    sites, stop, subscriptions, sweeper, vault,
};
