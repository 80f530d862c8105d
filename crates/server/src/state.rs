//! What every request handler and worker shares.

use std::ops::Deref;
use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use oblako_core::clock::Clock;
use oblako_store::Db;

use crate::api::limits::Limits;
use crate::config::Config;
use crate::keyring::Keyring;
use crate::secrets::Secrets;

/// Shared state, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

/// The parts of [`AppState`].
pub struct Shared {
    /// The database.
    pub db: Db,
    /// The clock (the wall clock in production, a manual one in tests).
    pub clock: Arc<dyn Clock>,
    /// Keys derived from the master key.
    pub secrets: Arc<Secrets>,
    /// Cryptogram RSA keys.
    pub keyring: Arc<Keyring>,
    /// Throttles and in-flight limits.
    pub limits: Limits,
    /// Whose forwarding headers name the client (`trusted_proxies`).
    pub proxies: crate::client::TrustedProxies,
    /// Settings.
    pub config: Config,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// Deliberate faults (tests only).
    pub faults: crate::faults::Faults,
    /// Outbound HTTP for notifications, with the SSRF guard per mode.
    pub outbounds: crate::notify::deliver::Outbounds,
    /// Wakes the delivery worker when a commit queued notifications.
    pub delivery: crate::notify::deliver::Wake,
    /// Sites' notification settings, read recently.
    pub subscriptions: crate::notify::outbox::SettingsCache,
    /// API keys and their sites, read recently by Basic auth.
    pub keys: crate::api::key_cache::KeyCache,
    /// Sites' signing secrets and retry schedules, read recently by delivery.
    pub delivery_sites: crate::notify::site_cache::SiteCache,
    /// Browser charges per client IP (`widget_charge_per_minute`).
    pub widget_rate: crate::browser::rate::RateLimit,
    /// Messages to payers: where they go, and the bell that wakes their worker.
    pub mail: crate::mail::Mailer,
    /// Wakes the fiscalisation worker when receipts were queued.
    pub receipts: crate::receipts::fiscalise::Wake,
    /// Card payments of orders per client IP.
    pub order_pay_limits: crate::pages::order_pay::PayLimits,
}

impl AppState {
    /// Wraps the shared parts.
    pub fn new(shared: Shared) -> AppState {
        AppState {
            inner: Arc::new(shared),
        }
    }

    /// Now, in Unix milliseconds, from the state's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now().as_millisecond()
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.inner
    }
}
