//! The checks of [`Config`] that figment's types cannot express: ranges, formats and the
//! settings that depend on each other. Each refusal names its key.

use super::{Config, ConfigError, MAX_WAIT_SECS, MIN_LEASE_SECS};

impl Config {
    /// Checks the values figment cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.listen_addr()?;
        let url = self.database_url();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres:")
            || url.starts_with("postgresql:"))
        {
            return Err(ConfigError(format!(
                "key `database_url`: {url:?} is neither sqlite://… nor postgres://…"
            )));
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(ConfigError(format!(
                "key `log_format`: {:?} is not `text` or `json`",
                self.log_format
            )));
        }
        if !matches!(self.durability.as_str(), "full" | "relaxed") {
            return Err(ConfigError(format!(
                "key `durability`: {:?} is not `full` or `relaxed`",
                self.durability
            )));
        }
        for (key, url) in [
            ("public_url", &self.public_url),
            ("cabinet_public_url", &self.cabinet_public_url),
        ] {
            if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError(format!(
                    "key `{key}`: {url:?} must start with http:// or https://"
                )));
            }
        }
        if self.cabinet_listen_addr()? == Some(self.listen_addr()?) {
            return Err(ConfigError(
                "key `cabinet_listen`: the same address as `listen`; leave it empty to serve the \
                 cabinet on `listen`"
                    .into(),
            ));
        }
        for (key, value) in [
            ("test_in_flight", self.test_in_flight),
            ("live_in_flight", self.live_in_flight),
            ("database_connections", self.database_connections as usize),
        ] {
            if !(1..=10_000).contains(&value) {
                return Err(ConfigError(format!(
                    "key `{key}`: {value} is not between 1 and 10000"
                )));
            }
        }
        for (key, value) in [
            (
                "notification_connect_timeout_ms",
                self.notification_connect_timeout_ms,
            ),
            ("notification_timeout_ms", self.notification_timeout_ms),
        ] {
            if !(100..=120_000).contains(&value) {
                return Err(ConfigError(format!(
                    "key `{key}`: {value} is not between 100 and 120000 ms"
                )));
            }
        }
        if !(1..=1_000).contains(&self.notification_endpoint_parallel) {
            return Err(ConfigError(format!(
                "key `notification_endpoint_parallel`: {} is not between 1 and 1000",
                self.notification_endpoint_parallel
            )));
        }
        self.allowed_subnets()?;
        self.trusted_proxy_nets()?;
        if !(16..=1_000_000).contains(&self.max_connections) {
            return Err(ConfigError(format!(
                "key `max_connections`: {} is not between 16 and 1000000",
                self.max_connections
            )));
        }
        for (key, value) in [
            ("header_read_timeout_secs", self.header_read_timeout_secs),
            ("request_body_timeout_secs", self.request_body_timeout_secs),
        ] {
            if !(1..=3600).contains(&value) {
                return Err(ConfigError(format!(
                    "key `{key}`: {value} is not between 1 and 3600"
                )));
            }
        }
        crate::browser::check_config(self)?;
        self.mail_from()?;
        let smtp = self.smtp_url.trim();
        if !(smtp.is_empty() || smtp.starts_with("smtp://") || smtp.starts_with("smtps://")) {
            return Err(ConfigError(format!(
                "key `smtp_url`: {smtp:?} must start with smtp:// or smtps://"
            )));
        }
        for (key, value, min) in [
            (
                "notification_lease_secs",
                self.notification_lease_secs,
                MIN_LEASE_SECS,
            ),
            ("reconcile_after_secs", self.reconcile_after_secs, 1),
        ] {
            if !(min..=MAX_WAIT_SECS).contains(&value) {
                return Err(ConfigError(format!(
                    "key `{key}`: {value} is not between {min} and {MAX_WAIT_SECS}"
                )));
            }
        }
        if self.notification_lease_secs.saturating_mul(1000) <= self.notification_timeout_ms {
            return Err(ConfigError(format!(
                "key `notification_lease_secs`: {} s must outlive an attempt \
                 (notification_timeout_ms = {})",
                self.notification_lease_secs, self.notification_timeout_ms
            )));
        }
        if self.idempotency_retention_secs < 3600 {
            return Err(ConfigError(
                "key `idempotency_retention_secs`: must be at least 3600 (CloudPayments keeps 1 h)"
                    .into(),
            ));
        }
        Ok(())
    }
}
