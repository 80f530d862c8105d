//! The one rate limiter of the faces: requests (or failures) counted per key in fixed one-minute
//! windows, in a bounded in-memory map, per node. The payment form's charge budget per IP, the
//! order and card-change pages' attempts per IP, the cabinet's sign-ins per IP and the API's
//! authentication failures (per address, per address and Public ID) are all a [`RateLimit`].

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;

/// The length of a window.
pub const WINDOW_MS: i64 = 60_000;
/// Keys tracked at once; past this, expired windows are swept and, if the map is still full, a
/// key it does not know is refused ([`RateLimit::allow`]) or not counted ([`RateLimit::record`])
/// until windows expire.
const MAX_ENTRIES: usize = 100_000;

/// At most `limit` events per key per window.
#[derive(Debug)]
pub struct RateLimit<K = IpAddr> {
    limit: u32,
    windows: Mutex<HashMap<K, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started_ms: i64,
    count: u32,
}

impl<K: Eq + Hash> RateLimit<K> {
    /// A limit of `limit` events per key and window.
    pub fn new(limit: u32) -> RateLimit<K> {
        RateLimit {
            limit,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request from `key`; false when its budget for this window is spent (or the
    /// map is full of live windows and `key` is not among them).
    pub fn allow(&self, key: K, now_ms: i64) -> bool {
        self.count(key, now_ms)
            .is_some_and(|count| count <= self.limit)
    }

    /// Counts one failure of `key` (a throttle checked with [`RateLimit::spent`]).
    pub fn record(&self, key: K, now_ms: i64) {
        self.count(key, now_ms);
    }

    /// Whether `key` has used up this window's budget, without counting.
    pub fn spent(&self, key: &K, now_ms: i64) -> bool {
        let Ok(windows) = self.windows.lock() else {
            return true;
        };
        windows
            .get(key)
            .is_some_and(|w| now_ms - w.started_ms < WINDOW_MS && w.count >= self.limit)
    }

    /// Adds one event to `key`'s window (a new one once the old has ended); its count after, or
    /// `None` when the map has no room for `key`.
    fn count(&self, key: K, now_ms: i64) -> Option<u32> {
        let mut windows = self.windows.lock().ok()?;
        if windows.len() >= MAX_ENTRIES && !windows.contains_key(&key) {
            windows.retain(|_, w| now_ms - w.started_ms < WINDOW_MS);
            if windows.len() >= MAX_ENTRIES {
                return None;
            }
        }
        let window = windows.entry(key).or_insert(Window {
            started_ms: now_ms,
            count: 0,
        });
        if now_ms - window.started_ms >= WINDOW_MS {
            *window = Window {
                started_ms: now_ms,
                count: 0,
            };
        }
        window.count = window.count.saturating_add(1);
        Some(window.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_budget_per_window_and_others_are_apart() {
        let limit = RateLimit::new(3);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        assert!((0..3).all(|_| limit.allow(a, 1_000)));
        assert!(!limit.allow(a, 2_000));
        assert!(limit.allow(b, 2_000));
        assert!(limit.allow(a, 61_000));
    }

    #[test]
    fn failures_spend_a_budget_until_the_window_ends() {
        let limit = RateLimit::<&str>::new(2);
        limit.record("pk_x", 0);
        assert!(!limit.spent(&"pk_x", 0));
        limit.record("pk_x", 10);
        assert!(limit.spent(&"pk_x", 10));
        assert!(!limit.spent(&"pk_y", 10));
        assert!(!limit.spent(&"pk_x", WINDOW_MS));
    }
}
