//! The connector's configuration, read from the environment (the names CloudPayments' own
//! connectors use), checked once at start-up.

use std::net::SocketAddr;
use std::time::Duration;

/// CloudPayments' widget script, the default of `CLOUDPAYMENTS_WIDGET_URL`.
pub const DEFAULT_WIDGET_URL: &str = "https://widget.cloudpayments.ru/bundles/cloudpayments.js";

/// What the connector needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The site's Public ID, for the card page's widget.
    pub public_id: String,
    /// The backend's account check (`GET {url}?account=…`); `None` accepts every account.
    pub check_url: Option<String>,
    /// The backend's payment receiver; `None` records payments without forwarding them.
    pub webhook_url: Option<String>,
    /// The site's API secret, which signs every notification; `None` only when insecure.
    pub api_secret: Option<String>,
    /// The widget script the card page loads.
    pub widget_url: String,
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// The address to bind.
    pub listen: SocketAddr,
    /// Forwarding attempts in flight at once.
    pub forward_concurrency: usize,
    /// The longest wait between two attempts for one payment.
    pub retry_cap: Duration,
    /// How long the backend has to answer a Check or a forwarded payment.
    pub backend_timeout: Duration,
}

/// Why the connector will not start.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is missing.
    #[error("{0} is required")]
    Missing(&'static str),
    /// A variable does not parse.
    #[error("{name} is not valid: {why}")]
    Invalid { name: &'static str, why: String },
    /// No API secret and no explicit opt-out.
    #[error(
        "CLOUDPAYMENTS_API_SECRET is not set: without it anyone who can reach the connector could \
         forge a Pay notification and credit an account. Set it to the site's API secret, or set \
         CLOUDPAYMENTS_INSECURE_NO_SIGNATURE=1 to accept unsigned notifications (tests only)"
    )]
    NoSecret,
}

/// The variable that lets the connector run without a secret.
pub const INSECURE_VAR: &str = "CLOUDPAYMENTS_INSECURE_NO_SIGNATURE";

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup`; empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let public_id = get("CLOUDPAYMENTS_PUBLIC_ID")
            .ok_or(ConfigError::Missing("CLOUDPAYMENTS_PUBLIC_ID"))?;
        let api_secret = get("CLOUDPAYMENTS_API_SECRET");
        let insecure = get(INSECURE_VAR).is_some_and(|v| v == "1" || v == "true");
        if api_secret.is_none() && !insecure {
            return Err(ConfigError::NoSecret);
        }
        let check_url = get("CLOUDPAYMENTS_CHECK_URL").map(http_url("CLOUDPAYMENTS_CHECK_URL"));
        let webhook_url =
            get("CLOUDPAYMENTS_WEBHOOK_URL").map(http_url("CLOUDPAYMENTS_WEBHOOK_URL"));
        let listen = get("LISTEN").unwrap_or_else(|| "127.0.0.1:8090".to_owned());
        let listen = listen.parse().map_err(|e| ConfigError::Invalid {
            name: "LISTEN",
            why: format!("{listen:?}: {e}"),
        })?;
        Ok(Config {
            public_id,
            check_url: check_url.transpose()?,
            webhook_url: webhook_url.transpose()?,
            api_secret,
            widget_url: get("CLOUDPAYMENTS_WIDGET_URL")
                .unwrap_or_else(|| DEFAULT_WIDGET_URL.to_owned()),
            database_url: get("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://connector.sqlite".to_owned()),
            listen,
            forward_concurrency: number(&get, "CONNECTOR_FORWARD_CONCURRENCY", 16)?.max(1),
            retry_cap: Duration::from_secs(number(&get, "CONNECTOR_RETRY_CAP_SECS", 60)?.max(1)),
            backend_timeout: Duration::from_secs(
                number(&get, "CONNECTOR_BACKEND_TIMEOUT_SECS", 10)?.max(1),
            ),
        })
    }
}

fn http_url(name: &'static str) -> impl Fn(String) -> Result<String, ConfigError> {
    move |url| {
        if url.starts_with("http://") || url.starts_with("https://") {
            Ok(url)
        } else {
            Err(ConfigError::Invalid {
                name,
                why: format!("{url:?} is not an http(s) URL"),
            })
        }
    }
}

fn number<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    match get(name) {
        None => Ok(default),
        Some(text) => text.trim().parse().map_err(|_| ConfigError::Invalid {
            name,
            why: format!("{text:?} is not a number"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn refuses_to_start_without_a_secret_unless_told() {
        let err = config(&[("CLOUDPAYMENTS_PUBLIC_ID", "pk")]).unwrap_err();
        assert!(matches!(err, ConfigError::NoSecret), "{err}");
        assert!(err.to_string().contains("forge a Pay"));
        let ok = config(&[("CLOUDPAYMENTS_PUBLIC_ID", "pk"), (INSECURE_VAR, "1")]).unwrap();
        assert!(ok.api_secret.is_none());
    }

    #[test]
    fn public_id_is_required_and_urls_are_checked() {
        assert!(matches!(config(&[]), Err(ConfigError::Missing(_))));
        let bad = config(&[
            ("CLOUDPAYMENTS_PUBLIC_ID", "pk"),
            ("CLOUDPAYMENTS_API_SECRET", "s"),
            ("CLOUDPAYMENTS_WEBHOOK_URL", "ftp://x"),
        ]);
        assert!(matches!(bad, Err(ConfigError::Invalid { .. })));
    }
}
