//! The gateway's context: what every flow and worker needs, whichever face called it.

use std::ops::Deref;
use std::sync::Arc;

use oblako_core::clock::Clock;
use oblako_store::Db;

use crate::faults::Faults;
use crate::keyring::Keyring;
use crate::mail::Mailer;
use crate::notify::deliver::{Outbounds, Wake};
use crate::notify::outbox::SettingsCache;
use crate::notify::site_cache::SiteCache;
use crate::secrets::Secrets;

/// The settings the flows read (the server's configuration holds them among its own).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where payers reach this gateway (`public_url`): ACS, order and self-service links.
    pub public_url: String,
    /// Notifications in flight to one endpoint at once, per node.
    pub notification_endpoint_parallel: usize,
    /// How long a node's claim on a notification lasts.
    pub notification_lease_ms: i64,
    /// How old an unsettled bank call is before the reconciler asks the bank again.
    pub reconcile_after_ms: i64,
}

/// The gateway's context, cheap to clone.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Parts>,
}

/// The parts of a [`Gateway`].
pub struct Parts {
    /// The database.
    pub db: Db,
    /// The clock (the wall clock in production, a manual one in tests).
    pub clock: Arc<dyn Clock>,
    /// Keys derived from the master key.
    pub secrets: Arc<Secrets>,
    /// Cryptogram RSA keys.
    pub keyring: Arc<Keyring>,
    /// Deliberate faults (tests only).
    pub faults: Faults,
    /// The settings the flows read.
    pub settings: Settings,
    /// Outbound HTTP for notifications, with the SSRF guard per mode.
    pub outbounds: Outbounds,
    /// Wakes the delivery worker when a commit queued notifications.
    pub delivery: Wake,
    /// Sites' notification settings, read recently.
    pub notification_settings: SettingsCache,
    /// Sites' signing secrets and retry schedules, read recently by delivery.
    pub delivery_sites: SiteCache,
    /// Messages to payers: where they go, and the bell that wakes their worker.
    pub mail: Mailer,
    /// Wakes the fiscalisation worker when a commit queued receipts.
    pub receipts: crate::receipts::fiscalise::Wake,
    /// Sandbox sites' test clocks, read recently (see [`Gateway::site_now_ms`]).
    pub site_clocks: crate::site_clock::SiteClocks,
}

impl Gateway {
    /// Wraps the parts.
    pub fn new(parts: Parts) -> Gateway {
        Gateway {
            inner: Arc::new(parts),
        }
    }

    /// Now, in Unix milliseconds, from the context's clock: the wall clock, for leases and what is
    /// no site's time; a site's own work reads [`Gateway::site_now_ms`].
    pub fn now_ms(&self) -> i64 {
        self.clock.now().as_millisecond()
    }
}

impl Deref for Gateway {
    type Target = Parts;

    fn deref(&self) -> &Parts {
        &self.inner
    }
}
