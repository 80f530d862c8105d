//! Oblako's storage: one SQL text over SQLite and PostgreSQL.
//!
//! [`Db`] is a closed enum of the two pools, and [`on_db!`] runs the same code against either, so
//! each store function is written once with `$n` placeholders (both dialects accept them) and
//! compiled for both backends. Where the dialects disagree a function has two explicit arms.
//! Timestamps are stored as Unix milliseconds (`BIGINT`), integers as `BIGINT`, bytes as
//! `BLOB`/`BYTEA`. This is the only crate that knows SQL.

mod db;
mod error;

pub mod acquirer;
pub mod cards;
pub mod cryptogram_keys;
pub mod idempotency;
pub mod sites;
pub mod test_db;
pub mod tokens;
pub mod transactions;

pub use db::{Backend, Db, DbOptions, Durability, Tx};
pub use error::StoreError;

/// Runs `$e` with `$p` bound to the SQLite or the PostgreSQL pool.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $p:ident => $e:expr) => {
        match $db {
            $crate::Db::Sqlite($p) => $e,
            $crate::Db::Postgres($p) => $e,
        }
    };
}

/// Runs `$e` with `$c` bound to the open transaction's connection, on either backend.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $c:ident => $e:expr) => {
        match $tx {
            $crate::Tx::Sqlite($c) => $e,
            $crate::Tx::Postgres($c) => $e,
        }
    };
}
