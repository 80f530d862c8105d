//! What every request handler and worker shares.

use std::ops::Deref;
use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use oblako_gateway::Gateway;

use crate::api::limits::Limits;
use crate::config::Config;

/// Shared state, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

/// The parts of [`AppState`]: the gateway's context (reached through `Deref`, so `state.db`
/// reads the gateway's database) and what only the faces need: limiters, the key cache, the
/// configuration and the metrics handle.
pub struct Shared {
    /// The gateway's context: database, clock, keys, caches, outboxes, faults.
    pub gateway: Gateway,
    /// Throttles and in-flight limits.
    pub limits: Limits,
    /// Whose forwarding headers name the client (`trusted_proxies`).
    pub proxies: crate::client::TrustedProxies,
    /// Settings.
    pub config: Config,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// API keys and their sites, read recently by Basic auth.
    pub keys: crate::api::key_cache::KeyCache,
    /// Browser charges per client IP (`widget_charge_per_minute`).
    pub widget_rate: crate::rate::RateLimit,
    /// Card payments of orders per client IP.
    pub order_pay_limits: crate::rate::RateLimit,
    /// Cabinet sign-in attempts per client IP.
    pub cabinet_sign_in_rate: crate::rate::RateLimit,
}

impl AppState {
    /// Wraps the shared parts.
    pub fn new(shared: Shared) -> AppState {
        AppState {
            inner: Arc::new(shared),
        }
    }

    /// Now, in Unix milliseconds, from the gateway's clock.
    pub fn now_ms(&self) -> i64 {
        self.gateway.now_ms()
    }

    /// How the faces run work once per key (`once::run`): finished keys kept for
    /// `idempotency_retention`, a duplicate waiting up to `wait` for the first copy.
    pub fn once_policy(&self, wait: std::time::Duration) -> oblako_gateway::once::Policy {
        oblako_gateway::once::Policy {
            retention_ms: i64::try_from(self.config.idempotency_retention().as_millis())
                .unwrap_or(i64::MAX),
            wait,
        }
    }
}

impl Deref for Shared {
    type Target = Gateway;

    fn deref(&self) -> &Gateway {
        &self.gateway
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.inner
    }
}
