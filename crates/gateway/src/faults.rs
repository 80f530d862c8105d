//! Deliberate faults, for tests of what happens when a request dies half-way
//! (failpoints). Production never arms them; an unarmed check is one atomic load.

use std::sync::atomic::{AtomicU32, Ordering};

/// Fault points, each armed for a number of hits.
#[derive(Debug, Default)]
pub struct Faults {
    after_intent: AtomicU32,
}

impl Faults {
    /// Makes the next `times` payments fail right after their bank intent commits, before the
    /// bank is called, as a crash there would.
    pub fn fail_after_intent(&self, times: u32) {
        self.after_intent.store(times, Ordering::SeqCst);
    }

    /// Whether this payment should fail now (consumes one armed hit).
    pub fn trip_after_intent(&self) -> bool {
        self.after_intent
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}
