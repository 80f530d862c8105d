//! Request limits: failed-authentication throttling and in-flight limits per site.
//!
//! Authentication failures are counted in fixed one-minute windows (`rate::RateLimit`) per client address (the
//! socket peer, or the address `trusted_proxies` forwarded) and per (client address, Public ID).
//! A pair that reached [`PAIR_FAILURES`] gets 429 for the rest of its window, whatever it sends;
//! a client address that reached [`SOURCE_FAILURES`] (one source trying many Public IDs) gets 429
//! for every wrong secret. A correct secret is refused only for its own pair's failures, so other
//! people's failures, from anywhere, never lock out a Public ID's owner (Public IDs are public:
//! every widget shows one). A site may have 5 requests in flight on test keys and 30 on live keys
//! (spec §1.2; `test_in_flight` and `live_in_flight` in the configuration); the next one gets 429
//! at once. Both are per node: a cluster of N nodes admits up to N times as much.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use oblako_core::ids::{Mode, SiteId};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::rate::RateLimit;

/// Failures allowed per (client address, Public ID) per window.
pub const PAIR_FAILURES: u32 = 20;
/// Failures allowed per client address per window, across Public IDs.
pub const SOURCE_FAILURES: u32 = 100;
/// The gateway's limits.
#[derive(Debug)]
pub struct Limits {
    by_source: RateLimit<IpAddr>,
    by_pair: RateLimit<(IpAddr, String)>,
    in_flight: Mutex<HashMap<(SiteId, Mode), Arc<Semaphore>>>,
    /// Slots per site on test keys and on live keys.
    slots: [usize; 2],
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::new(
            Mode::Test.concurrency_limit(),
            Mode::Live.concurrency_limit(),
        )
    }
}

impl Limits {
    /// Limits with `test` and `live` requests in flight per site.
    pub fn new(test: usize, live: usize) -> Limits {
        Limits {
            by_source: RateLimit::new(SOURCE_FAILURES),
            by_pair: RateLimit::new(PAIR_FAILURES),
            in_flight: Mutex::new(HashMap::new()),
            slots: [test, live],
        }
    }

    /// Whether `ip` is throttled for `public_id` by its own failures: then nothing it sends for
    /// that Public ID is checked until the window ends.
    pub fn pair_blocked(&self, ip: IpAddr, public_id: &str, now_ms: i64) -> bool {
        self.by_pair.spent(&(ip, public_id.to_owned()), now_ms)
    }

    /// Counts a failed authentication; answers whether the caller is throttled now (its pair, or
    /// its address across Public IDs).
    pub fn auth_failed(&self, ip: IpAddr, public_id: &str, now_ms: i64) -> bool {
        self.by_source.record(ip, now_ms);
        let pair = (ip, public_id.to_owned());
        self.by_pair.record(pair.clone(), now_ms);
        self.by_pair.spent(&pair, now_ms) || self.by_source.spent(&ip, now_ms)
    }

    /// Takes one in-flight slot of the site, or `None` when all are taken.
    pub fn enter(&self, site: SiteId, mode: Mode) -> Option<OwnedSemaphorePermit> {
        let semaphore = {
            let mut map = self.in_flight.lock().ok()?;
            map.entry((site, mode))
                .or_insert_with(|| {
                    Arc::new(Semaphore::new(match mode {
                        Mode::Test => self.slots[0],
                        Mode::Live => self.slots[1],
                    }))
                })
                .clone()
        };
        semaphore.try_acquire_owned().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate::WINDOW_MS;

    #[test]
    fn a_pair_is_blocked_by_its_own_failures_until_the_window_ends() {
        let limits = Limits::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for n in 1..=PAIR_FAILURES {
            assert!(!limits.pair_blocked(ip, "pk_x", 0));
            assert_eq!(limits.auth_failed(ip, "pk_x", 0), n == PAIR_FAILURES);
        }
        assert!(limits.pair_blocked(ip, "pk_x", 1));
        assert!(!limits.pair_blocked(ip, "pk_other", 1));
        assert!(!limits.pair_blocked("10.0.0.2".parse().unwrap(), "pk_x", 1));
        assert!(!limits.pair_blocked(ip, "pk_x", WINDOW_MS));
    }

    #[test]
    fn a_source_trying_many_ids_is_throttled_but_never_blocks_a_pair() {
        let limits = Limits::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for n in 0..SOURCE_FAILURES - 1 {
            assert!(!limits.auth_failed(ip, &format!("pk_{n}"), 0));
        }
        assert!(limits.auth_failed(ip, "pk_last", 0));
        assert!(!limits.pair_blocked(ip, "pk_owner", 1));
    }

    #[test]
    fn in_flight_slots_follow_the_mode() {
        let limits = Limits::default();
        let site = SiteId(1);
        let held: Vec<_> = (0..5)
            .map(|_| limits.enter(site, Mode::Test).unwrap())
            .collect();
        assert!(limits.enter(site, Mode::Test).is_none());
        assert!(limits.enter(SiteId(2), Mode::Test).is_some());
        drop(held);
        assert!(limits.enter(site, Mode::Test).is_some());
        let live: Vec<_> = (0..30)
            .map(|_| limits.enter(site, Mode::Live).unwrap())
            .collect();
        assert!(limits.enter(site, Mode::Live).is_none());
        drop(live);
    }
}
