//! Notifications: what a transaction's status change announces and how it reaches the
//! merchant. The wire format is `oblako_protocol::notification`; the outbound client with its
//! SSRF guard is [`crate::outbound`].

pub mod check;
pub mod deliver;
pub mod notice;
pub mod outbox;
pub mod sample;
pub mod send;
pub mod signing;
pub mod site_cache;
pub mod withheld;
