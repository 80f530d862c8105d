//! Configuration: defaults, then an optional TOML file, then `OBLAKO_*` environment variables.
//!
//! Every key is listed in `docs/configuration.md`. A bad value stops start-up with a message that
//! names the key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use oblako_core::ids::Mode;
use serde::{Deserialize, Serialize};

mod test_private;
mod validate;
pub use test_private::TestPrivate;

/// Environment variables read as configuration (`OBLAKO_` + the upper-cased key).
const ENV_KEYS: &[&str] = &[
    "listen",
    "database_url",
    "data_dir",
    "public_url",
    "log_format",
    "master_key_file",
    "durability",
    "database_connections",
    "idempotency_retention_secs",
    "shutdown_grace_secs",
    "test_in_flight",
    "live_in_flight",
    "trusted_proxies",
    "max_connections",
    "header_read_timeout_secs",
    "request_body_timeout_secs",
    "allow_subnets",
    "test_notifications_private",
    "notification_connect_timeout_ms",
    "notification_timeout_ms",
    "notification_endpoint_parallel",
    "deliver_notifications",
    "widget_frame_ancestors",
    "widget_charge_per_minute",
    "order_pay_per_minute",
    "hosted_public_id",
    "smtp_url",
    "mail_from",
    "notification_lease_secs",
    "reconcile_after_secs",
    "cabinet_listen",
    "cabinet_public_url",
];

/// Shortest notification lease: a claim must outlive at least a fast attempt.
const MIN_LEASE_SECS: u64 = 2;
/// Longest notification lease or reconciler delay: a day.
const MAX_WAIT_SECS: u64 = 24 * 3600;

/// The gateway's settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server binds.
    pub listen: String,
    /// `sqlite://…` or `postgres://…`; empty means `sqlite://{data_dir}/oblako.db`.
    pub database_url: String,
    /// Where the SQLite file and the master key live.
    pub data_dir: PathBuf,
    /// Base URL used in links the gateway hands out; empty means `http://{listen}`.
    pub public_url: String,
    /// `text` or `json`.
    pub log_format: String,
    /// The 32-byte master key file; empty means `{data_dir}/master.key`, created on first start.
    pub master_key_file: String,
    /// `full` (SQLite `synchronous=FULL`) or `relaxed` (`NORMAL`, warns at start-up).
    pub durability: String,
    /// Pooled connections: readers on SQLite (writes have one connection of their own), every
    /// connection on PostgreSQL.
    pub database_connections: u32,
    /// How long an `X-Request-ID` response is replayed.
    pub idempotency_retention_secs: u64,
    /// How long shutdown waits for in-flight requests and the background loops' current rounds.
    pub shutdown_grace_secs: u64,
    /// Requests a site may have in flight on test keys (CloudPayments: 5); more get 429.
    pub test_in_flight: usize,
    /// Requests a site may have in flight on live keys (CloudPayments: 30); more get 429.
    pub live_in_flight: usize,
    /// Reverse proxies (subnets) whose `Forwarded` / `X-Forwarded-For` name the client; every
    /// other peer is taken at its socket address.
    pub trusted_proxies: Vec<String>,
    /// Client connections open at once; past it, new connections are closed at once.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers, counted from the connection's
    /// start or its previous response: it is also the idle keep-alive timeout.
    pub header_read_timeout_secs: u64,
    /// How long a client may take to send a request's body.
    pub request_body_timeout_secs: u64,
    /// Subnets notifications and Check may reach although the SSRF guard forbids their range
    /// (e.g. `["10.1.0.0/16"]` for a merchant backend on a private network).
    pub allow_subnets: Vec<String>,
    /// Whether test mode may reach loopback and private addresses (`auto`: while `listen` is a
    /// loopback address).
    pub test_notifications_private: TestPrivate,
    /// How long a notification attempt or a Check may take to connect, in milliseconds.
    pub notification_connect_timeout_ms: u64,
    /// How long a whole notification attempt or Check may take, in milliseconds (CloudPayments:
    /// 30 s); the answer must be complete by then.
    pub notification_timeout_ms: u64,
    /// Attempts running at once to one receiver URL, across all nodes, so a slow
    /// receiver never takes the slots other merchants' notifications need.
    pub notification_endpoint_parallel: usize,
    /// Whether this node runs the delivery worker; `false` makes an API-only node.
    pub deliver_notifications: bool,
    /// Who may frame the widget's payment form: the CSP `frame-ancestors` sources (`*` = any).
    pub widget_frame_ancestors: String,
    /// Browser charges (`POST /widget/charge`) allowed per client IP per minute, per node.
    pub widget_charge_per_minute: u32,
    /// Card payments from the order and subscription pages (`/d/{Id}/pay`, `/d/{Id}/3ds`,
    /// `/my/{token}/card`, `/my/{token}/3ds`) allowed per client IP per minute, per node.
    pub order_pay_per_minute: u32,
    /// The Public ID that `/pub/card` and `/demo` charge; empty means the oldest site's test key.
    pub hosted_public_id: String,
    /// The SMTP server for e-mail to payers (`smtp://host:port`, `smtps://…`); empty: e-mails are
    /// written as `.eml` files under `{data_dir}/mail/`.
    pub smtp_url: String,
    /// The sender of e-mail to payers, `Name <address>`.
    pub mail_from: String,
    /// How long a node's claim on a notification lasts before another node may take it over;
    /// longer than `notification_timeout_ms`.
    pub notification_lease_secs: u64,
    /// How long a bank call may stay without a recorded outcome before the reconciler asks the
    /// bank.
    pub reconcile_after_secs: u64,
    /// Address the merchant cabinet binds on its own; empty: the cabinet is served under
    /// `/cabinet/` on `listen`. When set, `listen` no longer serves `/cabinet/`.
    pub cabinet_listen: String,
    /// The cabinet's base URL (its links, the origin its forms must come from, `Secure`
    /// cookies); empty means `public_url`, or `http://{cabinet_listen}` when that is set.
    pub cabinet_public_url: String,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: "127.0.0.1:8080".into(),
            database_url: String::new(),
            data_dir: PathBuf::from("data"),
            public_url: String::new(),
            log_format: "text".into(),
            master_key_file: String::new(),
            durability: "full".into(),
            database_connections: 16,
            idempotency_retention_secs: 24 * 3600,
            shutdown_grace_secs: 30,
            test_in_flight: Mode::Test.concurrency_limit(),
            live_in_flight: Mode::Live.concurrency_limit(),
            trusted_proxies: Vec::new(),
            max_connections: 10_000,
            header_read_timeout_secs: 20,
            request_body_timeout_secs: 30,
            allow_subnets: Vec::new(),
            test_notifications_private: TestPrivate::Auto,
            notification_connect_timeout_ms: 10_000,
            notification_timeout_ms: 30_000,
            notification_endpoint_parallel: 16,
            deliver_notifications: true,
            widget_frame_ancestors: "*".into(),
            widget_charge_per_minute: 60,
            order_pay_per_minute: crate::pages::order_pay::ATTEMPTS_PER_IP,
            hosted_public_id: String::new(),
            smtp_url: String::new(),
            mail_from: "Oblako <noreply@oblako.localhost>".into(),
            notification_lease_secs: (crate::notify::deliver::LEASE_MS / 1000) as u64,
            reconcile_after_secs: (crate::sweeper::RECONCILE_AFTER_MS / 1000) as u64,
            cabinet_listen: String::new(),
            cabinet_public_url: String::new(),
        }
    }
}

/// A configuration value that cannot be used; the text names the key.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Loads defaults, then `file` (if given, it must exist), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(ConfigError(format!(
                    "config file {} does not exist",
                    file.display()
                )));
            }
            figment = figment.merge(Toml::file(file));
        }
        figment = figment.merge(Env::prefixed("OBLAKO_").only(ENV_KEYS));
        let config: Config = figment.extract().map_err(|e| {
            let key = e.path.join(".");
            let mut text = e.kind.to_string();
            if !key.is_empty() {
                text = format!("key `{key}`: {text}");
            }
            ConfigError(text)
        })?;
        config.validate()?;
        Ok(config)
    }

    /// The bind address.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.listen
            .parse()
            .map_err(|_| ConfigError(format!("key `listen`: {:?} is not host:port", self.listen)))
    }

    /// The cabinet's own bind address, when it has one.
    pub fn cabinet_listen_addr(&self) -> Result<Option<SocketAddr>, ConfigError> {
        if self.cabinet_listen.is_empty() {
            return Ok(None);
        }
        self.cabinet_listen.parse().map(Some).map_err(|_| {
            ConfigError(format!(
                "key `cabinet_listen`: {:?} is not host:port",
                self.cabinet_listen
            ))
        })
    }

    /// The cabinet's base URL (no trailing slash).
    pub fn cabinet_url(&self) -> String {
        if !self.cabinet_public_url.is_empty() {
            self.cabinet_public_url.trim_end_matches('/').to_owned()
        } else if !self.cabinet_listen.is_empty() {
            format!("http://{}", self.cabinet_listen)
        } else {
            self.public_url()
        }
    }

    /// The database URL, defaulting to a SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("oblako.db").display())
        } else {
            self.database_url.clone()
        }
    }

    /// The base URL for links and for client libraries.
    pub fn public_url(&self) -> String {
        if self.public_url.is_empty() {
            format!("http://{}", self.listen)
        } else {
            self.public_url.trim_end_matches('/').to_owned()
        }
    }

    /// The master key file path.
    pub fn master_key_path(&self) -> PathBuf {
        if self.master_key_file.is_empty() {
            self.data_dir.join("master.key")
        } else {
            PathBuf::from(&self.master_key_file)
        }
    }

    /// `allow_subnets`, parsed.
    pub fn allowed_subnets(&self) -> Result<Vec<ipnet::IpNet>, ConfigError> {
        self.allow_subnets
            .iter()
            .map(|net| {
                net.trim().parse().map_err(|_| {
                    ConfigError(format!(
                        "key `allow_subnets`: {net:?} is not a subnet like 10.1.0.0/16"
                    ))
                })
            })
            .collect()
    }

    /// `trusted_proxies`, parsed (a bare address is a /32 or /128).
    pub fn trusted_proxy_nets(&self) -> Result<Vec<ipnet::IpNet>, ConfigError> {
        self.trusted_proxies
            .iter()
            .map(|net| {
                let text = net.trim();
                text.parse::<ipnet::IpNet>()
                    .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        ConfigError(format!(
                            "key `trusted_proxies`: {net:?} is not an address or subnet like 10.0.0.0/8"
                        ))
                    })
            })
            .collect()
    }

    /// `mail_from`, parsed.
    pub fn mail_from(&self) -> Result<lettre::message::Mailbox, ConfigError> {
        self.mail_from.trim().parse().map_err(|_| {
            ConfigError(format!(
                "key `mail_from`: {:?} is not an address like `Shop <pay@shop.example>`",
                self.mail_from
            ))
        })
    }

    /// Requests a site may have in flight in `mode`.
    pub fn in_flight(&self, mode: Mode) -> usize {
        match mode {
            Mode::Test => self.test_in_flight,
            Mode::Live => self.live_in_flight,
        }
    }

    /// What notifications, Check and the test notification of `mode` may reach: public
    /// addresses, `allow_subnets`, loopback and private ones in test mode where
    /// `test_notifications_private` allows it, and never this host on the `listen` port.
    pub fn outbound_policy(&self, mode: Mode) -> Result<crate::outbound::Policy, ConfigError> {
        let listen = self.listen_addr()?;
        Ok(crate::outbound::Policy {
            allow_subnets: self.allowed_subnets()?,
            allow_private: mode == Mode::Test && self.test_notifications_private.allows(listen),
            own_ports: vec![listen.port()],
        })
    }

    /// The outbound timeouts for notifications and Check.
    pub fn notification_timeouts(&self) -> crate::outbound::Timeouts {
        crate::outbound::Timeouts {
            connect: Duration::from_millis(self.notification_connect_timeout_ms),
            total: Duration::from_millis(self.notification_timeout_ms),
        }
    }

    /// The notification lease, in milliseconds.
    pub fn notification_lease_ms(&self) -> i64 {
        i64::try_from(self.notification_lease_secs.saturating_mul(1000)).unwrap_or(i64::MAX)
    }

    /// How old an open bank call must be before the reconciler settles it, in milliseconds.
    pub fn reconcile_after_ms(&self) -> i64 {
        i64::try_from(self.reconcile_after_secs.saturating_mul(1000)).unwrap_or(i64::MAX)
    }

    /// The idempotency retention.
    pub fn idempotency_retention(&self) -> Duration {
        Duration::from_secs(self.idempotency_retention_secs)
    }
}

#[cfg(test)]
mod tests;
