//! A fresh gateway per test: its own database, data directory, demo site and manual clock.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use base64::Engine;
use jiff::Timestamp;
use oblako_core::clock::ManualClock;
use oblako_server::app;
use oblako_server::config::Config;
use oblako_server::sites::{self, CreatedSite};
use oblako_server::state::AppState;
use oblako_store::test_db::TestDb;
use tower::ServiceExt;

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub clock: ManualClock,
    pub site: CreatedSite,
    pub config: Config,
    pub _dir: tempfile::TempDir,
    pub db: TestDb,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

pub fn start_time() -> Timestamp {
    Timestamp::from_second(1_790_000_000).unwrap()
}

impl TestApp {
    pub async fn new() -> TestApp {
        TestApp::with_config(|_| {}).await
    }

    /// A gateway whose configuration `adjust` changes first.
    pub async fn with_config(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let db = TestDb::new().await.expect("test database");
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config {
            data_dir: dir.path().to_path_buf(),
            database_url: db.url.clone(),
            ..Config::default()
        };
        adjust(&mut config);
        let clock = ManualClock::new(start_time());
        let state = app::build_state(config.clone(), db.db.clone(), Arc::new(clock.clone()))
            .await
            .expect("state");
        let account = sites::default_account(&state.db, state.now_ms())
            .await
            .unwrap();
        let site = sites::create_site(
            &state.db,
            &state.secrets,
            account,
            "Test shop",
            state.now_ms(),
        )
        .await
        .unwrap();
        let router = app::app(state.clone());
        TestApp {
            state,
            router,
            clock,
            site,
            config,
            _dir: dir,
            db,
        }
    }

    /// A second node on the same database, master key and clock: its own state (pools, limits,
    /// writer) and router, as another process would have.
    pub async fn another_node(&self) -> Router {
        let db = oblako_store::Db::connect(&self.db.url, &oblako_store::DbOptions::default())
            .await
            .unwrap();
        let state = app::build_state(self.config.clone(), db, Arc::new(self.clock.clone()))
            .await
            .unwrap();
        app::app(state)
    }

    /// Switches on the site's test-mode notifications of `kinds`, sent to `url` by POST in UTF-8.
    pub async fn notify(&self, kinds: &[&str], url: &str) -> oblako_core::ids::SiteId {
        let site = oblako_core::ids::SiteId(self.site.site_id);
        for kind in kinds {
            let settings = oblako_store::notifications::settings::Settings {
                kind: (*kind).to_owned(),
                enabled: true,
                url: url.to_owned(),
                method: "POST".to_owned(),
                encoding: "UTF8".to_owned(),
                format: "CloudPayments".to_owned(),
            };
            oblako_store::notifications::settings::upsert(
                &self.state.db,
                site,
                oblako_core::ids::Mode::Test,
                &settings,
                self.state.now_ms(),
            )
            .await
            .unwrap();
        }
        self.state.notification_settings.forget(site);
        site
    }

    /// Authorizations the emulated bank has recorded.
    pub async fn bank_auths(&self) -> i64 {
        oblako_store::acquirer::bank_totals(&self.state.db)
            .await
            .unwrap()
            .iter()
            .find(|(op, _, _)| op == "auth")
            .map_or(0, |t| t.1)
    }

    pub async fn another_site(&self, name: &str) -> CreatedSite {
        let account = sites::default_account(&self.state.db, self.state.now_ms())
            .await
            .unwrap();
        sites::create_site(
            &self.state.db,
            &self.state.secrets,
            account,
            name,
            self.state.now_ms(),
        )
        .await
        .unwrap()
    }

    pub async fn call(&self, req: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(req).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    /// POST with the demo site's test keys and a JSON body.
    pub async fn post(&self, path: &str, json: &str) -> Reply {
        self.call(
            request("POST", path)
                .auth(&self.site.test.public_id, &self.site.test.api_secret)
                .json(json),
        )
        .await
    }
}

pub fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// A small request builder.
pub struct Req {
    builder: axum::http::request::Builder,
    ip: Option<SocketAddr>,
}

pub fn request(method: &str, path: &str) -> Req {
    Req {
        builder: Request::builder().method(method).uri(path),
        ip: None,
    }
}

impl Req {
    pub fn auth(mut self, user: &str, password: &str) -> Req {
        self.builder = self.builder.header("authorization", basic(user, password));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.builder = self.builder.header(name, value);
        self
    }

    pub fn peer_ip(mut self, ip: &str) -> Req {
        self.ip = Some(format!("{ip}:40000").parse().unwrap());
        self
    }

    pub fn json(self, body: &str) -> Request<Body> {
        self.header("content-type", "application/json")
            .body(body.to_owned())
    }

    pub fn form(self, body: &str) -> Request<Body> {
        self.header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned())
    }

    pub fn body(self, body: impl Into<Body>) -> Request<Body> {
        let mut req = self.builder.body(body.into()).unwrap();
        if let Some(ip) = self.ip {
            req.extensions_mut().insert(ConnectInfo(ip));
        }
        req
    }

    pub fn empty(self) -> Request<Body> {
        self.body(Body::empty())
    }
}

impl From<Req> for Request<Body> {
    fn from(req: Req) -> Request<Body> {
        req.empty()
    }
}

/// The `value` of the hidden input `name` in a rendered page, HTML-unescaped where the ACS
/// hand-off pages escape (`+` in base64).
pub fn hidden_field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} in {html}"))
        + marker.len();
    html[at..at + html[at..].find('"').unwrap()]
        .replace("&#43;", "+")
        .replace("&#x2b;", "+")
}

pub fn is_guid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// An `application/x-www-form-urlencoded` body of `pairs`, every byte but the unreserved ones
/// percent-encoded.
pub fn form(pairs: &[(&str, &str)]) -> String {
    let encode = |text: &str| {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Passes the emulated ACS page for a challenge (`PaReq`, `MD`, `TermUrl` as the payment's
/// hand-off page gave them) and answers the `PaRes` its return page posts back.
pub async fn pass_acs(app: &TestApp, pa_req: &str, md: &str, term_url: &str) -> String {
    let submit = app
        .call(request("POST", "/acs/submit").form(&form(&[
            ("PaReq", pa_req),
            ("MD", md),
            ("TermUrl", term_url),
            ("code", "1234"),
            ("outcome", "pass"),
        ])))
        .await;
    assert_eq!(submit.status, StatusCode::OK);
    hidden_field(&String::from_utf8(submit.body).unwrap(), "PaRes")
}
