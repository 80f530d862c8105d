//! The merchant-side connector (`oblako connector`): it sits in the merchant's network next to
//! their backend, takes the gateway's Check and Pay notifications, and turns them into two plain
//! calls the backend understands. It is a client of the protocol only (Oblako or CloudPayments
//! itself may be the gateway), with its own tables and migrations.
//!
//! - `config`: the environment it reads, and its refusal to run unsigned;
//! - `incoming`: a notification's signature, parameters and masked log copy;
//! - `notifications`: `/check` (asks the backend about the account) and `/pay` (records it);
//! - `forward`: POSTs each recorded payment to the backend until it takes it;
//! - `card`: `/pub/card`, the widget page payers are sent to;
//! - `db`: the three tables on SQLite or PostgreSQL; `writer`: group commit for Pay;
//! - `app`: routes and wiring; `clock`: the wall clock, read in one place.

pub mod app;
pub mod card;
pub mod clock;
pub mod config;
pub mod db;
pub mod forward;
pub mod incoming;
pub mod notifications;
pub mod writer;

pub use app::run;
pub use config::{Config, ConfigError};
