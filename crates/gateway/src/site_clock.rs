//! Test clocks: a site's own now (the wall clock plus the site's offset) and moving it forward.
//!
//! The offsets live in the database (`oblako_store::clocks`), so every node and every restart
//! sees them. Flows read a site's now through [`Gateway::site_now_ms`], which uses a snapshot of
//! all offsets read at most [`SNAPSHOT_FOR`] ago (the table holds a row per sandbox site that ever
//! moved its clock, so one read serves every site); the node that moves a clock drops its
//! snapshot at once, other nodes within [`SNAPSHOT_FOR`]. Queries that pick due rows across sites
//! do not use the snapshot: they compare each row against its site's offset in SQL.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use oblako_core::ids::SiteId;
use oblako_store::{Db, StoreError, clocks, sites};
use tokio::sync::Notify;

use crate::Gateway;
use crate::ttl::TtlCache;

/// How long a node reuses the offsets it read.
pub const SNAPSHOT_FOR: Duration = Duration::from_secs(1);

/// Every site's offset, read recently, and the bell rung when a clock moved.
#[derive(Debug)]
pub struct SiteClocks {
    offsets: TtlCache<(), Arc<HashMap<i64, i64>>>,
    moved: Notify,
}

impl Default for SiteClocks {
    fn default() -> SiteClocks {
        SiteClocks {
            offsets: TtlCache::new(SNAPSHOT_FOR, 1),
            moved: Notify::new(),
        }
    }
}

impl SiteClocks {
    /// Waits until a clock on this node moved (the billing loop sleeps on it).
    pub async fn moved(&self) {
        self.moved.notified().await;
    }
}

impl Gateway {
    /// `site`'s now in Unix ms: the context's clock plus the site's test-clock offset (0 for a
    /// site without one, and for every site in production).
    pub async fn site_now_ms(&self, site: SiteId) -> Result<i64, StoreError> {
        let offsets = match self.site_clocks.offsets.fresh(&()) {
            Some(offsets) => offsets,
            None => {
                let read: HashMap<i64, i64> = clocks::offsets(&self.db)
                    .await?
                    .into_iter()
                    .map(|(s, o)| (s.0, o))
                    .collect();
                let read = Arc::new(read);
                self.site_clocks.offsets.keep((), read.clone());
                read
            }
        };
        let offset = offsets.get(&site.0).copied().unwrap_or(0);
        Ok(self.now_ms().saturating_add(offset))
    }

    /// [`Gateway::site_now_ms`] with the offset read from the database now, for background work
    /// that must agree with the queries that found it due (a job enqueued on another node just
    /// after that node moved the clock is never judged "not yet due" here).
    pub async fn site_now_ms_fresh(&self, site: SiteId) -> Result<i64, StoreError> {
        let offset = clocks::offset(&self.db, site).await?;
        Ok(self.now_ms().saturating_add(offset))
    }
}

/// What to do with a site's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Only read it.
    Read,
    /// Move it forward by this many ms.
    Advance(i64),
    /// Move it to this instant.
    To(Timestamp),
}

/// Why a clock did not move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The site is in production (or gone): it runs on the wall clock.
    Production,
    /// The clock only moves forward.
    Backwards,
}

impl Refused {
    /// The refusal in words, for the API's `Message`.
    pub fn message(self) -> &'static str {
        match self {
            Refused::Production => "Test clocks are for sandbox sites with test keys only",
            Refused::Backwards => "A test clock only moves forward",
        }
    }
}

/// Reads or moves `site`'s clock in `db`, with `wall` the wall clock (Unix ms), and answers the
/// site's now. The command line calls this directly: a running server sees the move in its
/// queries at once and in its flows within [`SNAPSHOT_FOR`]; [`move_clock`] also wakes the workers.
pub async fn move_offset(
    db: &Db,
    site: SiteId,
    wall: i64,
    how: Move,
) -> anyhow::Result<Result<i64, Refused>> {
    let Some(row) = sites::site(db, site).await? else {
        return Ok(Err(Refused::Production));
    };
    if row.production {
        return Ok(Err(Refused::Production));
    }
    let current = clocks::offset(db, site).await?;
    let wanted = match how {
        Move::Read => return Ok(Ok(wall.saturating_add(current))),
        Move::Advance(ms) if ms < 0 => return Ok(Err(Refused::Backwards)),
        Move::Advance(ms) => current.saturating_add(ms),
        Move::To(at) => {
            let offset = at.as_millisecond().saturating_sub(wall);
            if offset < current {
                return Ok(Err(Refused::Backwards));
            }
            offset
        }
    };
    match clocks::advance_to(db, site, wanted, wall).await? {
        Some(stored) => Ok(Ok(wall.saturating_add(stored))),
        None => Ok(Err(Refused::Production)),
    }
}

/// [`move_offset`] on the context's database and clock; after a move the outboxes' workers and
/// the billing loop on this node are woken, so what fell due runs at once, not at the next tick
/// (other nodes find it at their next tick, within seconds).
pub async fn move_clock(
    state: &Gateway,
    site: SiteId,
    how: Move,
) -> anyhow::Result<Result<i64, Refused>> {
    let moved = move_offset(&state.db, site, state.now_ms(), how).await?;
    if moved.is_ok() && how != Move::Read {
        state.site_clocks.offsets.forget(&());
        state.delivery.ring();
        state.mail.ring();
        state.receipts.ring();
        state.site_clocks.moved.notify_waiters();
    }
    Ok(moved)
}
