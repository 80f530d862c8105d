//! What the Oblako gateway does, apart from any face that asks for it (the CloudPayments API,
//! the payment form, the payer pages, the command line). Nothing here answers HTTP requests:
//! flows take a [`Gateway`] context and end in typed outcomes that each face renders its own way.
//!
//! - `context` is the [`Gateway`] every flow and worker takes: database, clock, keys, caches,
//!   the outboxes' bells and the [`context::Settings`] the flows read.
//! - `error` is a flow's failure ([`FlowError`]): refused with the protocol's words, or internal.
//! - `recovery` is idempotency as the flows see it: the claimed key and what to resume; `once`
//!   runs work once per key for every face (claim, run, store or release) in a typed [`once::Once`].
//! - `payments` takes money (cryptogram, token, 3-D Secure) and confirms, voids and refunds it,
//!   ending in `payments::outcome`; `bank` is the emulated acquirer and its durable intent.
//! - `settlement` is what payments and billing share once a transaction exists: the
//!   authorization's tail (Check, bank, recorded outcome) and, in one place, what follows an
//!   answer in its commit (order paid, subscription created or moved on, card changed);
//!   `payments` and `subscriptions` build on it and do not import each other.
//! - `orders` are payment links; `subscriptions` are recurring charges and their billing round.
//! - `notify` is the notification outbox, the site's Check and delivery; `mail` is the outbox of
//!   messages to payers; `receipts` are 54-FZ receipts, queued in the commit that settles a
//!   payment and fiscalised by an emulated cash register; `sweeper` expires holds and 3-D Secure and reconciles with the bank.
//! - `secrets` derives every key from the master key and seals values at rest; `keyring` holds
//!   the cryptogram RSA keys; `vault` keeps card numbers behind tokens; `sites` issues sites and
//!   their credentials.
//! - `outbound` is the one HTTP client to merchants' servers, guarded against SSRF.
//! - `site_clock` is sandbox sites' test clocks: a site's own now and moving it forward.
//! - `ttl` is the one small cache of recently read values ([`ttl::TtlCache`]).
//! - `stop` is the one cancellation that ends every background loop at shutdown.
//! - `faults` holds deliberate faults that tests switch on.

pub mod bank;
pub mod context;
pub mod error;
pub mod faults;
pub mod keyring;
pub mod mail;
pub mod notify;
pub mod once;
pub mod orders;
pub mod outbound;
pub mod payments;
pub mod receipts;
pub mod recovery;
pub mod secrets;
pub mod settlement;
pub mod site_clock;
pub mod sites;
pub mod stop;
pub mod subscriptions;
pub mod sweeper;
pub mod ttl;
pub mod vault;

pub use context::Gateway;
pub use error::FlowError;
