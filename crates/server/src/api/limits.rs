//! Request limits: failed-login throttling and in-flight limits per site.
//!
//! Authentication failures are counted per client IP and per Public ID in fixed one-minute
//! windows; once either count reaches its threshold, further requests from that IP or for that
//! Public ID get 429 until the window ends, whatever credentials they carry. A site may have 5
//! requests in flight on test keys and 30 on live keys (spec §1.2; `test_in_flight` and
//! `live_in_flight` in the configuration); the next one gets 429 at once. Both are per node: a
//! cluster of N nodes admits up to N times as much.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use oblako_core::ids::{Mode, SiteId};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Failures allowed per client IP per window.
pub const IP_FAILURES: u32 = 20;
/// Failures allowed per Public ID per window.
pub const KEY_FAILURES: u32 = 50;
const WINDOW_MS: i64 = 60_000;
/// Entries kept per table before expired ones are swept.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    started_ms: i64,
    failures: u32,
}

#[derive(Debug)]
struct FailureTable<K> {
    limit: u32,
    windows: Mutex<HashMap<K, Window>>,
}

impl<K: Eq + Hash + Clone> FailureTable<K> {
    fn new(limit: u32) -> Self {
        FailureTable {
            limit,
            windows: Mutex::new(HashMap::new()),
        }
    }

    fn blocked(&self, key: &K, now_ms: i64) -> bool {
        let Ok(windows) = self.windows.lock() else {
            return true;
        };
        windows
            .get(key)
            .is_some_and(|w| now_ms - w.started_ms < WINDOW_MS && w.failures >= self.limit)
    }

    fn record(&self, key: &K, now_ms: i64) {
        let Ok(mut windows) = self.windows.lock() else {
            return;
        };
        if windows.len() >= MAX_ENTRIES {
            windows.retain(|_, w| now_ms - w.started_ms < WINDOW_MS);
        }
        let window = windows.entry(key.clone()).or_insert(Window {
            started_ms: now_ms,
            failures: 0,
        });
        if now_ms - window.started_ms >= WINDOW_MS {
            *window = Window {
                started_ms: now_ms,
                failures: 0,
            };
        }
        window.failures = window.failures.saturating_add(1);
    }
}

/// The gateway's limits.
#[derive(Debug)]
pub struct Limits {
    by_ip: FailureTable<IpAddr>,
    by_key: FailureTable<String>,
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
            by_ip: FailureTable::new(IP_FAILURES),
            by_key: FailureTable::new(KEY_FAILURES),
            in_flight: Mutex::new(HashMap::new()),
            slots: [test, live],
        }
    }

    /// Whether authentication attempts from `ip` or for `public_id` are throttled now.
    pub fn auth_blocked(&self, ip: IpAddr, public_id: &str, now_ms: i64) -> bool {
        self.by_ip.blocked(&ip, now_ms) || self.by_key.blocked(&public_id.to_owned(), now_ms)
    }

    /// Counts a failed authentication.
    pub fn auth_failed(&self, ip: IpAddr, public_id: &str, now_ms: i64) {
        self.by_ip.record(&ip, now_ms);
        if !public_id.is_empty() {
            self.by_key.record(&public_id.to_owned(), now_ms);
        }
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

    #[test]
    fn failures_block_until_the_window_ends() {
        let limits = Limits::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..IP_FAILURES {
            assert!(!limits.auth_blocked(ip, "pk_x", 0));
            limits.auth_failed(ip, &format!("pk_{}", rand_suffix()), 0);
        }
        assert!(limits.auth_blocked(ip, "pk_other", 1));
        let other_ip: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(!limits.auth_blocked(other_ip, "pk_other", 1));
        assert!(!limits.auth_blocked(ip, "pk_other", WINDOW_MS));
    }

    fn rand_suffix() -> u64 {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    #[test]
    fn a_public_id_under_attack_is_throttled_from_every_ip() {
        let limits = Limits::default();
        for i in 0..KEY_FAILURES {
            let ip = IpAddr::from([10, 1, (i / 256) as u8, (i % 256) as u8]);
            limits.auth_failed(ip, "pk_target", 5);
        }
        assert!(limits.auth_blocked("10.9.9.9".parse().unwrap(), "pk_target", 6));
        assert!(!limits.auth_blocked("10.9.9.9".parse().unwrap(), "pk_else", 6));
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
