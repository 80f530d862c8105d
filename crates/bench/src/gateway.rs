//! The server under load: a base URL that must be a loopback address, one HTTP client that
//! follows no redirects and no proxies and sends the scenario's credentials (a site's Basic
//! credentials, or a Stripe secret key as a Bearer token), and a call that sorts each reply into
//! OK, throttled (HTTP 429) or failed. OK is HTTP 200 with `"Success":true` for the CloudPayments
//! API ([`Gateway::post`]), and HTTP 200 with a JSON body for the Stripe API
//! ([`Gateway::post_form`]), whose scenario then checks the body itself.

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
    /// HTTP 200 and a JSON body (for the CloudPayments API, with `"Success":true`); the body.
    Ok(Value),
    /// HTTP 429: a limit of the server, counted apart from errors.
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

/// How each request says who sends it.
#[derive(Debug)]
pub enum Auth {
    /// HTTP Basic with a site's Public ID and API Secret (the CloudPayments API).
    Site { public_id: String, secret: String },
    /// `Authorization: Bearer` with a secret key (the Stripe API).
    Bearer(String),
}

/// A payment API on loopback, with the credentials of one site or account.
#[derive(Debug)]
pub struct Gateway {
    client: Client,
    base: String,
    auth: Auth,
}

/// What a reply with HTTP 200 and a JSON body must also say to be OK.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// `"Success":true`, as every CloudPayments reply says.
    Success,
    /// Nothing more: the caller judges the body.
    AnyJson,
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
        auth: Auth,
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
        Ok(Gateway { client, base, auth })
    }

    /// The base URL, without a trailing `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The site's Public ID, when the credentials are a site's.
    pub fn public_id(&self) -> Option<&str> {
        match &self.auth {
            Auth::Site { public_id, .. } => Some(public_id),
            Auth::Bearer(_) => None,
        }
    }

    /// `POST {base}{path}` with a JSON body to the CloudPayments API: OK is HTTP 200 with
    /// `"Success":true`. The latency runs from sending to the last body byte.
    pub async fn post(&self, path: &str, body: &Value) -> Call {
        self.call(path, "application/json", body.to_string(), Rule::Success)
            .await
    }

    /// `POST {base}{path}` with an `application/x-www-form-urlencoded` body (already encoded) to
    /// the Stripe API: OK is HTTP 200 with a JSON body, which the caller then judges.
    pub async fn post_form(&self, path: &str, form: String) -> Call {
        let content_type = "application/x-www-form-urlencoded";
        self.call(path, content_type, form, Rule::AnyJson).await
    }

    /// `GET {base}{path}` without credentials (the server's `/metrics`): the body of an HTTP 200.
    pub async fn get_text(&self, path: &str) -> anyhow::Result<String> {
        let reply = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = reply.status();
        let text = reply.text().await.with_context(|| format!("GET {path}"))?;
        if status != StatusCode::OK {
            bail!("GET {path}: HTTP {status}");
        }
        Ok(text)
    }

    async fn call(&self, path: &str, content_type: &str, body: String, rule: Rule) -> Call {
        let started = Instant::now();
        let outcome = self.send(path, content_type, body, rule).await;
        Call {
            outcome,
            latency: started.elapsed(),
        }
    }

    async fn send(&self, path: &str, content_type: &str, body: String, rule: Rule) -> Outcome {
        let request = self.client.post(format!("{}{path}", self.base));
        let request = match &self.auth {
            Auth::Site { public_id, secret } => request.basic_auth(public_id, Some(secret)),
            Auth::Bearer(key) => request.bearer_auth(key),
        };
        let sent = request
            .header(CONTENT_TYPE, content_type)
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
        match (serde_json::from_slice::<Value>(&bytes), rule) {
            (Ok(json), Rule::AnyJson) => Outcome::Ok(json),
            (Ok(json), Rule::Success) if json["Success"] == true => Outcome::Ok(json),
            (Ok(_), Rule::Success) => {
                Outcome::Failed(format!("{path}: Success is not true: {}", quoted()))
            }
            (Err(e), _) => {
                Outcome::Failed(format!("{path}: the reply is not JSON ({e}): {}", quoted()))
            }
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
