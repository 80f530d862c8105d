//! Oblako's storage: one SQL text over SQLite and PostgreSQL.
//!
//! [`Db`] is a closed enum of the two pools, and [`on_db!`] runs the same code against either, so
//! each store function is written once with `$n` placeholders (both dialects accept them) and
//! compiled for both backends. Where the dialects disagree a function has two explicit arms.
//! Timestamps are stored as Unix milliseconds (`BIGINT`), integers as `BIGINT`, bytes as
//! `BLOB`/`BYTEA`. This is the only crate that knows SQL.

mod db;
mod error;
pub mod group;
pub mod params;
pub mod writer;

pub mod acquirer;
pub mod audit;
pub mod cards;
pub mod clocks;
pub mod cryptogram_keys;
pub mod daily_totals;
pub mod idempotency;
pub mod lease;
pub mod messages;
pub mod notifications;
pub mod orders;
pub mod receipts;
pub mod seed;
pub mod sessions;
pub mod sites;
pub mod spelled;
pub mod staff;
pub mod subscriptions;
pub mod test_db;
pub mod tokens;
pub mod transactions;

pub use db::{Backend, Db, DbOptions, Durability, PgDb, SqliteDb, Tx, Visits};
pub use error::StoreError;

/// Runs `$e` with `$p` bound to the SQLite or the PostgreSQL pool.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $p:ident => $e:expr) => {
        match $db {
            $crate::Db::Sqlite(sqlite) => {
                let $p = &sqlite.pool;
                $e
            }
            $crate::Db::Postgres(pg) => {
                let $p = &pg.pool;
                $e
            }
        }
    };
}

/// Runs `$e` (a `Result<T, sqlx::Error>`) with `$c` bound to a connection that may write, and
/// evaluates to `T` once the write is durable; `?` returns a [`StoreError`] from the enclosing
/// function. For writes whose statements are each correct on their own: on SQLite they run as a
/// member of the writer's batch (every write must go through the writer), on PostgreSQL in
/// autocommit on a pooled connection, which saves the `BEGIN` and `COMMIT` round trips.
#[macro_export]
macro_rules! in_write {
    ($db:expr, $c:ident => $e:expr) => {{
        match $db {
            $crate::Db::Sqlite(sqlite) => {
                sqlite.visits.add();
                let mut tx = sqlite.writer.begin().await?;
                let value = {
                    let $c = &mut tx;
                    $e
                }?;
                tx.commit().await?;
                value
            }
            $crate::Db::Postgres(pg) => {
                let $c = &mut pg.pool.acquire().await?;
                $e?
            }
        }
    }};
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
