//! One cancellation for every background loop (the sweeper, notification delivery, messages to
//! payers, billing, the faces' own housekeeping). A loop checks it only where it would wait, so
//! the round it is in finishes (its commits, its bank calls) before it stops.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::watch;

/// The stop signal, cheap to clone; every clone sees the same cancellation.
#[derive(Debug, Clone)]
pub struct Stop {
    at: Arc<watch::Sender<Option<Instant>>>,
}

impl Default for Stop {
    fn default() -> Stop {
        Stop::new()
    }
}

impl Stop {
    /// A signal not yet given.
    pub fn new() -> Stop {
        Stop {
            at: Arc::new(watch::Sender::new(None)),
        }
    }

    /// Gives the signal (again is a no-op).
    pub fn cancel(&self) {
        self.at.send_if_modified(|at| {
            let first = at.is_none();
            if first {
                *at = Some(Instant::now());
            }
            first
        });
    }

    /// Whether the signal was given.
    pub fn is_cancelled(&self) -> bool {
        self.at.borrow().is_some()
    }

    /// When the signal was given.
    pub fn cancelled_at(&self) -> Option<Instant> {
        *self.at.borrow()
    }

    /// Resolves once the signal is given.
    pub async fn cancelled(&self) {
        let mut seen = self.at.subscribe();
        // The sender lives as long as `self`, so this cannot fail.
        let _ = seen.wait_for(Option::is_some).await;
    }

    /// Waits for `idle` (a tick, a sleep, a wake-up) unless the signal comes first; true when
    /// the loop should stop.
    pub async fn interrupts<F: Future>(&self, idle: F) -> bool {
        tokio::select! {
            _ = idle => self.is_cancelled(),
            () = self.cancelled() => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_cancel_interrupts_every_clone_waiting() {
        let stop = Stop::new();
        let waiter = stop.clone();
        let waiting = tokio::spawn(async move {
            waiter
                .interrupts(tokio::time::sleep(Duration::from_secs(60)))
                .await
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!stop.is_cancelled());
        stop.cancel();
        let stopped = tokio::time::timeout(Duration::from_secs(5), waiting).await;
        assert!(stopped.unwrap().unwrap(), "the wait ended with the signal");
        assert!(stop.cancelled_at().is_some());
        assert!(stop.interrupts(std::future::pending::<()>()).await);
    }
}
