//! A per-IP request budget for the browser-facing charge endpoint: fixed one-minute windows in a
//! bounded in-memory map (per node).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

const WINDOW_MS: i64 = 60_000;
/// Addresses tracked at once; past this, expired windows are swept and, if the map is still
/// full, unknown addresses are refused until windows expire.
const MAX_ENTRIES: usize = 100_000;

/// Requests allowed per client IP per minute.
#[derive(Debug)]
pub struct RateLimit {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (i64, u32)>>,
}

impl RateLimit {
    /// A budget of `per_minute` requests per IP.
    pub fn new(per_minute: u32) -> RateLimit {
        RateLimit {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request from `ip`; false when its budget for this minute is spent.
    pub fn allow(&self, ip: IpAddr, now_ms: i64) -> bool {
        let Ok(mut windows) = self.windows.lock() else {
            return false;
        };
        if windows.len() >= MAX_ENTRIES && !windows.contains_key(&ip) {
            windows.retain(|_, (started, _)| now_ms - *started < WINDOW_MS);
            if windows.len() >= MAX_ENTRIES {
                return false;
            }
        }
        let (started, count) = windows.entry(ip).or_insert((now_ms, 0));
        if now_ms - *started >= WINDOW_MS {
            (*started, *count) = (now_ms, 0);
        }
        if *count >= self.per_minute {
            return false;
        }
        *count += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ip_gets_its_budget_per_window_and_others_are_apart() {
        let limit = RateLimit::new(3);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        assert!((0..3).all(|_| limit.allow(a, 1_000)));
        assert!(!limit.allow(a, 2_000));
        assert!(limit.allow(b, 2_000));
        assert!(limit.allow(a, 61_000));
    }
}
