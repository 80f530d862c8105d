//! The gateway under load: a base URL that must be a loopback address, one HTTP client that sends
//! Basic credentials and follows no redirects and no proxies, and a call that sorts each reply
//! into OK (HTTP 200 with `"Success":true`), throttled (HTTP 429) or failed.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Client, StatusCode, Url, redirect};
use serde_json::Value;

/// How much of an unexpected reply body an error message quotes.
const QUOTED_BODY: usize = 300;

/// What one HTTP call came to.
#[derive(Debug)]
pub enum Outcome {
    /// HTTP 200 and `"Success":true`; the parsed body.
    Ok(Value),
    /// HTTP 429: a limit of the gateway, counted apart from errors.
    Throttled,
    /// Anything else: transport error, timeout, another status, `"Success":false`, bad JSON.
    Failed(String),
}

/// One call and how long it took, reply body included.
#[derive(Debug)]
pub struct Call {
    pub outcome: Outcome,
    pub latency: Duration,
}

/// The gateway's payment API on loopback, with one site's credentials.
#[derive(Debug)]
pub struct Gateway {
    client: Client,
    base: String,
    public_id: String,
    secret: String,
}

/// Checks that `base_url` is an `http(s)` URL whose host is a loopback IP address, and returns it
/// without a trailing `/`. Host names are refused, `localhost` included: a name could resolve
/// anywhere, and this tool must not load anything but the machine it runs on.
pub fn loopback_base(base_url: &str) -> anyhow::Result<String> {
    let url =
        Url::parse(base_url).with_context(|| format!("--base-url {base_url:?} is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!(
            "--base-url must be http:// or https://, not {:?}",
            url.scheme()
        );
    }
    let host = url.host_str().unwrap_or_default();
    let ip = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok();
    if !ip.is_some_and(|ip| ip.is_loopback()) {
        bail!(
            "--base-url must name a loopback address such as http://127.0.0.1:8080, not {host:?}"
        );
    }
    if !url.username().is_empty() || url.password().is_some() {
        bail!("--base-url must not carry credentials: use --public-id and --secret");
    }
    if url.query().is_some() || url.fragment().is_some() {
        bail!("--base-url must not have a query or a fragment");
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl Gateway {
    /// A client for `base` (already checked by [`loopback_base`]) keeping up to `connections`
    /// idle keep-alive connections, each request bounded by `timeout`.
    pub fn new(
        base: String,
        public_id: String,
        secret: String,
        connections: usize,
        timeout: Duration,
    ) -> anyhow::Result<Gateway> {
        let client = Client::builder()
            .no_proxy()
            .redirect(redirect::Policy::none())
            .pool_max_idle_per_host(connections)
            .tcp_nodelay(true)
            .connect_timeout(timeout)
            .timeout(timeout)
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Gateway {
            client,
            base,
            public_id,
            secret,
        })
    }

    /// The base URL, without a trailing `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The site's Public ID.
    pub fn public_id(&self) -> &str {
        &self.public_id
    }

    /// `POST {base}{path}` with a JSON body; the latency runs from sending to the last body byte.
    pub async fn post(&self, path: &str, body: &Value) -> Call {
        let body = body.to_string();
        let started = Instant::now();
        let outcome = self.send(path, body).await;
        Call {
            outcome,
            latency: started.elapsed(),
        }
    }

    async fn send(&self, path: &str, body: String) -> Outcome {
        let sent = self
            .client
            .post(format!("{}{path}", self.base))
            .basic_auth(&self.public_id, Some(&self.secret))
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await;
        let reply = match sent {
            Ok(reply) => reply,
            Err(e) => return Outcome::Failed(format!("{path}: {:#}", anyhow::Error::from(e))),
        };
        let status = reply.status();
        let bytes = match reply.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => return Outcome::Failed(format!("{path}: {:#}", anyhow::Error::from(e))),
        };
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Outcome::Throttled;
        }
        let quoted = || {
            String::from_utf8_lossy(&bytes)
                .chars()
                .take(QUOTED_BODY)
                .collect::<String>()
        };
        if status != StatusCode::OK {
            return Outcome::Failed(format!("{path}: HTTP {status}: {}", quoted()));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(json) if json["Success"] == true => Outcome::Ok(json),
            Ok(_) => Outcome::Failed(format!("{path}: Success is not true: {}", quoted())),
            Err(e) => Outcome::Failed(format!("{path}: the reply is not JSON ({e}): {}", quoted())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_are_accepted() {
        assert_eq!(
            loopback_base("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            loopback_base("http://127.0.0.9:1").unwrap(),
            "http://127.0.0.9:1"
        );
        assert_eq!(
            loopback_base("http://[::1]:8080").unwrap(),
            "http://[::1]:8080"
        );
        assert_eq!(
            loopback_base("http://127.0.0.1:8080/prefix/").unwrap(),
            "http://127.0.0.1:8080/prefix"
        );
        for refused in [
            "http://localhost:8080",
            "http://10.0.0.1:8080",
            "http://0.0.0.0:8080",
            "https://api.cloudpayments.ru",
            "http://[::ffff:127.0.0.1]:8080",
            "ftp://127.0.0.1",
            "http://user:pw@127.0.0.1:8080",
            "http://127.0.0.1:8080/?x=1",
            "127.0.0.1:8080",
        ] {
            assert!(loopback_base(refused).is_err(), "{refused}");
        }
    }
}
