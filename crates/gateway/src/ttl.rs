//! The one small cache of values read recently: each entry is reused for a fixed time after it
//! was read, and past a fixed number of entries the cache starts afresh (no eviction order to
//! keep). A poisoned lock only makes every lookup a miss.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Values by key, each fresh for `ttl` after it was kept.
#[derive(Debug)]
pub struct TtlCache<K, V> {
    ttl: Duration,
    cap: usize,
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    /// An empty cache whose entries live `ttl` and which holds at most `cap` of them.
    pub fn new(ttl: Duration, cap: usize) -> TtlCache<K, V> {
        TtlCache {
            ttl,
            cap,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value kept for `key`, if it is still fresh.
    pub fn fresh(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        let (kept_at, value) = entries.get(key)?;
        (kept_at.elapsed() < self.ttl).then(|| value.clone())
    }

    /// Keeps `value` for `key`, from now.
    pub fn keep(&self, key: K, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.cap {
                entries.clear();
            }
            entries.insert(key, (Instant::now(), value));
        }
    }

    /// Drops `key`'s value, after it changed.
    pub fn forget(&self, key: &K) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_fresh_for_its_time_and_the_cap_starts_afresh() {
        let cache = TtlCache::new(Duration::from_millis(50), 2);
        cache.keep(1, "one");
        assert_eq!(cache.fresh(&1), Some("one"));
        cache.keep(2, "two");
        cache.keep(3, "three");
        assert_eq!(
            cache.fresh(&1),
            None,
            "past the cap the cache started afresh"
        );
        assert_eq!(cache.fresh(&3), Some("three"));
        cache.forget(&3);
        assert_eq!(cache.fresh(&3), None);
        cache.keep(4, "four");
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.fresh(&4), None, "stale after its time");
    }
}
