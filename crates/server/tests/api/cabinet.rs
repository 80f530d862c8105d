//! The merchant cabinet: set-up links, sign-in with lock-out and a second factor, sessions
//! (fixation, idle expiry, sign-out), CSRF and Origin guards, the role matrix, and two accounts
//! that cannot see each other.

use axum::http::StatusCode;
use oblako_server::cabinet::{session, totp};
use oblako_server::cli::users;

use crate::helpers::{Reply, TestApp, form, hidden_field, request};

const PASSWORD: &str = "correct horse battery";

/// A browser: its session cookie and the origin it posts from.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    cookie: String,
    origin: String,
}

fn set_cookie(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix(&format!("{name}="))
                .map(|rest| rest.split(';').next().unwrap().to_owned())
        })
}

pub(crate) fn location(reply: &Reply) -> &str {
    reply
        .headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

pub(crate) fn text(reply: &Reply) -> String {
    String::from_utf8_lossy(&reply.body).into_owned()
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Browser<'a> {
        Browser {
            app,
            cookie: String::new(),
            origin: session::own_origin(&app.state),
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        let cookie = format!("{}={}", session::COOKIE, self.cookie);
        self.app
            .call(request("GET", path).header("cookie", &cookie).empty())
            .await
    }

    async fn post_raw(
        &mut self,
        path: &str,
        body: &str,
        origin: &str,
        extra_cookie: &str,
    ) -> Reply {
        let cookie = format!("{}={}; {extra_cookie}", session::COOKIE, self.cookie);
        let reply = self
            .app
            .call(
                request("POST", path)
                    .header("cookie", &cookie)
                    .header("origin", origin)
                    .form(body),
            )
            .await;
        if let Some(id) = set_cookie(&reply, session::COOKIE) {
            self.cookie = id;
        }
        reply
    }

    /// Posts `pairs` with the CSRF token of the page at `from`.
    pub(crate) async fn post(&mut self, from: &str, path: &str, pairs: &[(&str, &str)]) -> Reply {
        let csrf = hidden_field(&text(&self.get(from).await), "csrf");
        let mut all = pairs.to_vec();
        all.push(("csrf", &csrf));
        let origin = self.origin.clone();
        self.post_raw(path, &form(&all), &origin, "").await
    }

    async fn set_up(&mut self, link: &str) -> Reply {
        let path = &link[link.find("/cabinet/").unwrap()..];
        let origin = self.origin.clone();
        self.post_raw(
            path,
            &form(&[("password", PASSWORD), ("repeat", PASSWORD)]),
            &origin,
            "",
        )
        .await
    }

    async fn sign_in(&mut self, email: &str, password: &str) -> Reply {
        let page = self
            .app
            .call(request("GET", "/cabinet/sign-in").empty())
            .await;
        let pre = set_cookie(&page, "oblako_pre").unwrap();
        let csrf = hidden_field(&text(&page), "csrf");
        let origin = self.origin.clone();
        let body = form(&[("email", email), ("password", password), ("csrf", &csrf)]);
        self.post_raw(
            "/cabinet/sign-in",
            &body,
            &origin,
            &format!("oblako_pre={pre}"),
        )
        .await
    }
}

/// Sets the test-mode address of notification `kind` of `site` from its Notifications page.
pub(crate) async fn set_address(browser: &mut Browser<'_>, site: i64, kind: &str, url: &str) {
    let page = format!("/cabinet/sites/{site}/notifications");
    let pairs = [
        ("mode", "test"),
        ("kind", kind),
        ("url", url),
        ("method", "POST"),
        ("encoding", "UTF8"),
        ("enabled", "1"),
    ];
    let saved = browser.post(&page, &page, &pairs).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", text(&saved));
}

/// A user of `role` in `account` (the first account when `None`), signed in.
pub(crate) async fn signed_in<'a>(
    app: &'a TestApp,
    email: &str,
    role: &str,
    account: Option<&str>,
) -> Browser<'a> {
    let link = users::create(
        &app.state.db,
        &app.state.config,
        email,
        role,
        account,
        app.state.now_ms(),
    )
    .await
    .unwrap();
    let mut browser = Browser::new(app);
    let reply = browser.set_up(&link).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", text(&reply));
    assert_eq!(location(&reply), "/cabinet/two-factor");
    browser
}

#[tokio::test]
async fn a_set_up_link_signs_the_owner_in_once_and_the_pages_answer() {
    let app = TestApp::new().await;
    let link = users::create(
        &app.state.db,
        &app.state.config,
        "Owner@Shop.example",
        "owner",
        None,
        app.state.now_ms(),
    )
    .await
    .unwrap();
    let mut owner = Browser::new(&app);
    let weak = owner
        .post_raw(
            &link[link.find("/cabinet/").unwrap()..],
            &form(&[("password", "password1234"), ("repeat", "password1234")]),
            &owner.origin.clone(),
            "",
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&weak).contains("распространённый"), "{}", text(&weak));
    assert_eq!(owner.set_up(&link).await.status, StatusCode::SEE_OTHER);
    let sites = owner.get("/cabinet/sites").await;
    assert_eq!(sites.status, StatusCode::OK, "{}", text(&sites));
    assert!(text(&sites).contains("Test shop"));
    let csp = sites
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'none'"));
    // The link works once.
    let mut again = Browser::new(&app);
    assert_eq!(again.set_up(&link).await.status, StatusCode::NOT_FOUND);
    // Every page of a signed-in owner answers.
    for path in [
        "/cabinet/transactions",
        "/cabinet/log",
        "/cabinet/users",
        &format!("/cabinet/sites/{}", app.site.site_id),
    ] {
        let page = owner.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", text(&page));
    }
    let empty = text(&owner.get("/cabinet/transactions").await);
    assert!(empty.contains("4242 4242 4242 4242"), "{empty}");
    // Sign out: the cookie no longer opens anything.
    let old = owner.cookie.clone();
    owner.post("/cabinet/sites", "/cabinet/sign-out", &[]).await;
    owner.cookie = old;
    let after = owner.get("/cabinet/sites").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&after), "/cabinet/sign-in");
}

#[tokio::test]
async fn the_stored_hash_is_argon2id_with_the_required_parameters() {
    let app = TestApp::new().await;
    let _owner = signed_in(&app, "hash@shop.example", "owner", None).await;
    let row = oblako_store::staff::by_email(&app.state.db, "hash@shop.example")
        .await
        .unwrap()
        .unwrap();
    let stored = row.password_hash.unwrap();
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
    assert!(!stored.contains(PASSWORD));
}

#[tokio::test]
async fn forms_need_our_origin_and_this_sessions_token() {
    let app = TestApp::new().await;
    let mut a = signed_in(&app, "a@shop.example", "owner", None).await;
    let b = signed_in(&app, "b@shop.example", "owner", None).await;
    let origin = a.origin.clone();
    let a_token = hidden_field(&text(&a.get("/cabinet/sites").await), "csrf");
    let b_token = hidden_field(&text(&b.get("/cabinet/sites").await), "csrf");
    let cases = [
        (form(&[("name", "No token")]), origin.clone()),
        (
            form(&[("name", "Foreign"), ("csrf", &a_token)]),
            "https://evil.example".to_owned(),
        ),
        (
            form(&[("name", "Other session"), ("csrf", &b_token)]),
            origin.clone(),
        ),
    ];
    for (body, from) in cases {
        let reply = a.post_raw("/cabinet/sites", &body, &from, "").await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{body} from {from}");
    }
    let ok = a
        .post_raw(
            "/cabinet/sites",
            &form(&[("name", "Mine"), ("csrf", &a_token)]),
            &origin,
            "",
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", text(&ok));
    let _ = b.get("/cabinet/sites").await;
    let names: Vec<String> = oblako_store::sites::list_sites(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["Test shop", "Mine"]);
}

#[tokio::test]
async fn sign_in_issues_a_new_session_id_and_a_planted_one_opens_nothing() {
    let app = TestApp::new().await;
    let _ = signed_in(&app, "fix@shop.example", "viewer", None).await;
    let mut browser = Browser::new(&app);
    browser.cookie = "a".repeat(64);
    assert_eq!(
        browser.get("/cabinet/sites").await.status,
        StatusCode::SEE_OTHER
    );
    let reply = browser.sign_in("fix@shop.example", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", text(&reply));
    assert_ne!(browser.cookie, "a".repeat(64));
    let cookie = reply
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(browser.get("/cabinet/sites").await.status, StatusCode::OK);
    let first = browser.cookie.clone();
    browser.sign_in("fix@shop.example", PASSWORD).await;
    assert_ne!(browser.cookie, first);
}

#[tokio::test]
async fn a_session_ends_after_fifteen_idle_minutes_and_twelve_hours_in_all() {
    let app = TestApp::new().await;
    let browser = signed_in(&app, "idle@shop.example", "viewer", None).await;
    for _ in 0..3 {
        app.clock.advance_millis(14 * 60 * 1000);
        assert_eq!(browser.get("/cabinet/sites").await.status, StatusCode::OK);
    }
    app.clock.advance_millis(15 * 60 * 1000 + 1);
    assert_eq!(
        browser.get("/cabinet/sites").await.status,
        StatusCode::SEE_OTHER
    );

    let busy = signed_in(&app, "busy@shop.example", "viewer", None).await;
    for _ in 0..(12 * 60 / 10) {
        app.clock.advance_millis(10 * 60 * 1000);
        let _ = busy.get("/cabinet/sites").await;
    }
    assert_eq!(
        busy.get("/cabinet/sites").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn ten_wrong_passwords_lock_the_user_for_thirty_minutes() {
    let app = TestApp::new().await;
    let _ = signed_in(&app, "lock@shop.example", "viewer", None).await;
    let mut browser = Browser::new(&app);
    for i in 0..10 {
        // Spread over minutes so the per-address budget is not what refuses.
        app.clock.advance_millis(61 * 1000);
        let reply = browser
            .sign_in("lock@shop.example", &format!("wrong password {i}"))
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let locked = browser.sign_in("lock@shop.example", PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::UNAUTHORIZED,
        "the right password while locked"
    );
    app.clock.advance_millis(30 * 60 * 1000);
    let open = browser.sign_in("lock@shop.example", PASSWORD).await;
    assert_eq!(open.status, StatusCode::SEE_OTHER, "{}", text(&open));
    let owner = signed_in(&app, "lockowner@shop.example", "owner", None).await;
    let log = text(&owner.get("/cabinet/log").await);
    assert!(log.contains("locked for 30 minutes"), "{log}");
    assert!(!log.contains("wrong password 3"), "a password in the log");
}

#[tokio::test]
async fn too_many_attempts_from_one_address_are_refused() {
    let app = TestApp::new().await;
    let mut browser = Browser::new(&app);
    let mut statuses = Vec::new();
    for _ in 0..25 {
        statuses.push(
            browser
                .sign_in("nobody@shop.example", "whatever whatever")
                .await
                .status,
        );
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert_eq!(statuses[24], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn two_factor_enrolment_then_sign_in_with_a_code_and_a_recovery_code() {
    let app = TestApp::new().await;
    let mut browser = signed_in(&app, "totp@shop.example", "owner", None).await;
    let page = text(&browser.get("/cabinet/two-factor").await);
    let secret =
        totp::from_base32(&page[page.find("id=\"totp-secret\">").unwrap() + 17..][..32]).unwrap();
    let now = app.state.now_ms();
    let code = totp::code(&secret, totp::step_at(now));
    let sealed = hidden_field(&page, "sealed");
    let csrf = hidden_field(&page, "csrf");
    let origin = browser.origin.clone();
    let done = browser
        .post_raw(
            "/cabinet/two-factor",
            &form(&[("sealed", &sealed), ("code", &code), ("csrf", &csrf)]),
            &origin,
            "",
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", text(&done));
    let body = text(&done);
    let recovery = body[body.find("<li>").unwrap() + 4..]
        .split('<')
        .next()
        .unwrap()
        .to_owned();

    let mut again = Browser::new(&app);
    let reply = again.sign_in("totp@shop.example", PASSWORD).await;
    assert_eq!(location(&reply), "/cabinet/sign-in/code");
    assert_eq!(
        again.get("/cabinet/sites").await.status,
        StatusCode::SEE_OTHER,
        "no pages before the code"
    );
    // The enrolment's code does not work twice.
    let reused = again
        .post(
            "/cabinet/sign-in/code",
            "/cabinet/sign-in/code",
            &[("code", &code)],
        )
        .await;
    assert_eq!(reused.status, StatusCode::UNAUTHORIZED);
    app.clock.advance_millis(30_000);
    let fresh = totp::code(&secret, totp::step_at(app.state.now_ms()));
    let before = again.cookie.clone();
    let ok = again
        .post(
            "/cabinet/sign-in/code",
            "/cabinet/sign-in/code",
            &[("code", &fresh)],
        )
        .await;
    assert_eq!(location(&ok), "/cabinet/", "{}", text(&ok));
    assert_ne!(
        again.cookie, before,
        "a new session id after the second factor"
    );
    assert_eq!(again.get("/cabinet/sites").await.status, StatusCode::OK);

    let mut third = Browser::new(&app);
    third.sign_in("totp@shop.example", PASSWORD).await;
    let ok = third
        .post(
            "/cabinet/sign-in/code",
            "/cabinet/sign-in/code",
            &[("code", &recovery)],
        )
        .await;
    assert_eq!(location(&ok), "/cabinet/", "recovery code {recovery}");
    let mut fourth = Browser::new(&app);
    fourth.sign_in("totp@shop.example", PASSWORD).await;
    let used = fourth
        .post(
            "/cabinet/sign-in/code",
            "/cabinet/sign-in/code",
            &[("code", &recovery)],
        )
        .await;
    assert_eq!(
        used.status,
        StatusCode::UNAUTHORIZED,
        "a recovery code works once"
    );
}

#[tokio::test]
async fn another_accounts_ids_answer_like_nonexistent_ones() {
    let app = TestApp::new().await;
    let mut mine = signed_in(&app, "mine@shop.example", "owner", None).await;
    let mut theirs = signed_in(
        &app,
        "theirs@other.example",
        "owner",
        Some("Other merchant"),
    )
    .await;
    theirs
        .post(
            "/cabinet/sites",
            "/cabinet/sites",
            &[("name", "Their shop")],
        )
        .await;
    let their_site = oblako_store::sites::list_sites(&app.state.db)
        .await
        .unwrap()
        .last()
        .unwrap()
        .id
        .0;
    assert!(!text(&theirs.get("/cabinet/sites").await).contains("Test shop"));
    let missing = 999_999;
    for (path, foreign) in [
        (
            format!("/cabinet/sites/{missing}"),
            format!("/cabinet/sites/{their_site}"),
        ),
        (
            format!("/cabinet/transactions/{missing}"),
            format!("/cabinet/transactions/{missing}"),
        ),
    ] {
        let (a, b) = (mine.get(&path).await, mine.get(&foreign).await);
        assert_eq!((a.status, text(&a)), (b.status, text(&b)), "{foreign}");
        assert_eq!(a.status, StatusCode::NOT_FOUND);
    }
    for action in ["rename", "go-live"] {
        let a = mine
            .post(
                "/cabinet/sites",
                &format!("/cabinet/sites/{missing}/{action}"),
                &[("name", "x")],
            )
            .await;
        let b = mine
            .post(
                "/cabinet/sites",
                &format!("/cabinet/sites/{their_site}/{action}"),
                &[("name", "Their shop")],
            )
            .await;
        assert_eq!((a.status, text(&a)), (b.status, text(&b)), "{action}");
    }
    let site = oblako_store::sites::site(&app.state.db, oblako_core::ids::SiteId(their_site))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(site.name, "Their shop");
    assert!(!site.production);
}

#[tokio::test]
async fn every_role_can_do_exactly_its_cells() {
    use crate::payments::{card, model};
    let app = TestApp::new().await;
    let site = app.site.site_id;
    let paid = card(
        &app,
        "/payments/cards/charge",
        "4000000000003055",
        serde_json::json!({"Amount": 10, "InvoiceId": "MATRIX-1"}),
    )
    .await;
    let id = model(&paid)["TransactionId"].as_i64().unwrap();
    for role in [
        "owner",
        "admin",
        "developer",
        "accountant",
        "support",
        "viewer",
    ] {
        let mut b = signed_in(&app, &format!("{role}@matrix.example"), role, None).await;
        let allowed = |action| {
            oblako_core::staff::Role::parse(role)
                .unwrap()
                .allows(action)
        };
        use oblako_core::staff::Action::*;
        let pages = [
            ("/cabinet/sites".to_owned(), Read),
            (format!("/cabinet/sites/{site}"), Read),
            (format!("/cabinet/sites/{site}/notifications"), Read),
            ("/cabinet/transactions".into(), Read),
            (format!("/cabinet/transactions/{id}"), Read),
            ("/cabinet/receipts".into(), Read),
            ("/cabinet/transactions.csv".into(), Export),
            ("/cabinet/transactions.xlsx".into(), Export),
            ("/cabinet/log".into(), ReadLog),
            ("/cabinet/users".into(), ManageUsers),
        ];
        for (path, action) in pages {
            let status = b.get(&path).await.status;
            assert_eq!(
                status == StatusCode::OK,
                allowed(action),
                "{role} GET {path}: {status}"
            );
        }
        let from = "/cabinet/sites";
        let posts: [(String, Vec<(&str, &str)>, _); 12] = [
            (
                "/cabinet/sites".into(),
                vec![("name", "By role")],
                EditSites,
            ),
            (
                format!("/cabinet/sites/{site}/rename"),
                vec![("name", "Test shop")],
                EditSites,
            ),
            (
                format!("/cabinet/sites/{site}/rotate"),
                vec![("mode", "test")],
                RotateKeys,
            ),
            (
                "/cabinet/users".into(),
                vec![("email", "x@y.example"), ("role", "viewer")],
                ManageUsers,
            ),
            ("/cabinet/account/two-factor".into(), vec![], ManageUsers),
            (
                format!("/cabinet/sites/{site}/options"),
                vec![("terminal_url", ""), ("auto_confirm_days", "")],
                EditSites,
            ),
            (
                format!("/cabinet/sites/{site}/notifications"),
                vec![
                    ("mode", "test"),
                    ("kind", "Pay"),
                    ("url", ""),
                    ("method", "POST"),
                    ("encoding", "UTF8"),
                ],
                EditNotifications,
            ),
            (
                format!("/cabinet/sites/{site}/retries"),
                vec![("intervals", "60"), ("max_attempts", "10")],
                EditNotifications,
            ),
            (
                format!("/cabinet/sites/{site}/test-webhook"),
                vec![("mode", "test"), ("kind", "Pay")],
                EditNotifications,
            ),
            (
                format!("/cabinet/transactions/{id}/notifications/1/resend"),
                vec![],
                EditNotifications,
            ),
            (
                format!("/cabinet/transactions/{id}/confirm"),
                vec![("amount", "1")],
                MoveMoney,
            ),
            (
                format!("/cabinet/transactions/{id}/void"),
                vec![],
                MoveMoney,
            ),
        ];
        for (path, pairs, action) in posts {
            let status = b.post(from, &path, &pairs).await.status;
            assert_eq!(
                status != StatusCode::FORBIDDEN,
                allowed(action),
                "{role} POST {path}: {status}"
            );
        }
        let money = b
            .post(from, "/cabinet/transactions/1/refund", &[("amount", "1")])
            .await
            .status;
        assert_eq!(
            money != StatusCode::FORBIDDEN,
            allowed(MoveMoney),
            "{role} refund: {money}"
        );
        if role != "owner" {
            let live = b
                .post(
                    from,
                    &format!("/cabinet/sites/{site}/go-live"),
                    &[("name", "Test shop")],
                )
                .await
                .status;
            assert_eq!(live, StatusCode::FORBIDDEN, "{role} go-live");
        }
    }
    let mut owner = signed_in(&app, "golive@matrix.example", "owner", None).await;
    let live = owner
        .post(
            "/cabinet/sites",
            &format!("/cabinet/sites/{site}/go-live"),
            &[("name", "Test shop")],
        )
        .await;
    assert_eq!(live.status, StatusCode::SEE_OTHER);
    let row = oblako_store::sites::site(&app.state.db, oblako_core::ids::SiteId(site))
        .await
        .unwrap()
        .unwrap();
    assert!(row.production);
}

#[tokio::test]
async fn refused_api_requests_reach_the_system_log_without_card_numbers() {
    let app = TestApp::new().await;
    let body = r#"{"Amount":"abc","Currency":"RUB","IpAddress":"1.2.3.4","CardCryptogramPacket":"4242424242424242"}"#;
    let refused = app.post("/payments/cards/charge", body).await;
    assert_eq!(refused.json()["Success"], false, "{}", text(&refused));
    let owner = signed_in(&app, "log@shop.example", "owner", None).await;
    let log = text(&owner.get("/cabinet/log?kind=refused").await);
    assert!(log.contains("/payments/cards/charge"), "{log}");
    assert!(!log.contains("4242424242424242"), "{log}");
    let secret = &app.site.test.api_secret;
    assert!(!log.contains(secret.as_str()));
}

#[tokio::test]
async fn notification_settings_test_webhook_search_by_invoice_and_resend() {
    use crate::hooksink::Sink;
    use crate::payments::{card, model};
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    let site = app.site.site_id;
    let mut owner = signed_in(&app, "hooks@shop.example", "owner", None).await;
    let page = format!("/cabinet/sites/{site}/notifications");
    set_address(&mut owner, site, "Pay", &sink.url).await;
    let tested = owner
        .post(
            &page,
            &format!("/cabinet/sites/{site}/test-webhook"),
            &[("mode", "test"), ("kind", "Pay")],
        )
        .await;
    let body = text(&tested);
    assert!(body.contains("id=\"test-status\">200<"), "{body}");
    assert_eq!(sink.deliveries().len(), 1);

    let reply = card(
        &app,
        "/payments/cards/charge",
        "4000000000003055",
        serde_json::json!({"Amount": 10, "InvoiceId": "INV-42"}),
    )
    .await;
    let id = model(&reply)["TransactionId"].as_i64().unwrap();
    card(
        &app,
        "/payments/cards/charge",
        "4000000000003055",
        serde_json::json!({"Amount": 5, "InvoiceId": "INV-43"}),
    )
    .await;
    oblako_server::notify::deliver::drain(&app.state, "cabinet-test")
        .await
        .unwrap();
    let found = text(&owner.get("/cabinet/transactions?invoice=INV-42").await);
    assert!(
        found.contains(&format!("/cabinet/transactions/{id}\"")),
        "{found}"
    );
    assert!(!found.contains("INV-43"), "{found}");
    let by_last_four = text(&owner.get("/cabinet/transactions?last4=3055&min=6").await);
    assert!(
        by_last_four.contains("INV-42") && !by_last_four.contains("INV-43"),
        "{by_last_four}"
    );
    assert!(
        !by_last_four.contains("4000000000003055"),
        "a full card number on a page"
    );

    let one = text(&owner.get(&format!("/cabinet/transactions/{id}")).await);
    assert!(one.contains("id=\"notification-Pay\""), "{one}");
    let nid = oblako_store::notifications::list(
        &app.state.db,
        oblako_core::ids::SiteId(site),
        &Default::default(),
    )
    .await
    .unwrap()
    .into_iter()
    .find(|n| n.transaction_id == Some(id))
    .unwrap()
    .id;
    let from = format!("/cabinet/transactions/{id}");
    let resent = owner
        .post(
            &from,
            &format!("/cabinet/transactions/{id}/notifications/{nid}/resend"),
            &[],
        )
        .await;
    assert_eq!(resent.status, StatusCode::SEE_OTHER, "{}", text(&resent));
    oblako_server::notify::deliver::drain(&app.state, "cabinet-test")
        .await
        .unwrap();
    assert_eq!(sink.deliveries().len(), 4, "test, two payments, one resend");
}

/// The shared strings and the first sheet of an `.xlsx`, as XML text.
fn xlsx_text(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    for name in ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"] {
        if let Ok(mut file) = archive.by_name(name) {
            file.read_to_string(&mut out).unwrap();
        }
    }
    out
}

#[tokio::test]
async fn the_filtered_list_exports_to_xlsx_and_csv_for_roles_that_may() {
    use crate::payments::card;
    let app = TestApp::new().await;
    for (invoice, amount) in [("EXP-1", 12.5), ("EXP-2", 3.0), ("=HYPERLINK(1)", 4.0)] {
        card(
            &app,
            "/payments/cards/charge",
            "4000000000003055",
            serde_json::json!({"Amount": amount, "InvoiceId": invoice}),
        )
        .await;
    }
    let accountant = signed_in(&app, "books@shop.example", "accountant", None).await;
    let xlsx = accountant.get("/cabinet/transactions.xlsx?min=5").await;
    assert_eq!(xlsx.status, StatusCode::OK, "{}", text(&xlsx));
    assert!(xlsx.content_type().contains("spreadsheetml"));
    let sheet = xlsx_text(&xlsx.body);
    assert!(
        sheet.contains("EXP-1") && sheet.contains("InvoiceId"),
        "{sheet}"
    );
    assert!(sheet.contains("<v>12.5</v>"), "{sheet}");
    assert!(
        !sheet.contains("EXP-2") && !sheet.contains("4000000000003055"),
        "{sheet}"
    );
    let csv = text(&accountant.get("/cabinet/transactions.csv").await);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("TransactionId,CreatedDate"));
    assert!(
        csv.contains(",'=HYPERLINK(1),"),
        "a formula stays text: {csv}"
    );
    let viewer = signed_in(&app, "look@shop.example", "viewer", None).await;
    assert_eq!(
        viewer.get("/cabinet/transactions.xlsx").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_refund_from_the_transactions_page_moves_money_once_per_form() {
    use crate::payments::{card, model};
    let app = TestApp::new().await;
    let paid = card(
        &app,
        "/payments/cards/charge",
        "4000000000003055",
        serde_json::json!({"Amount": 10, "InvoiceId": "RF-1"}),
    )
    .await;
    let id = model(&paid)["TransactionId"].as_i64().unwrap();
    let mut support = signed_in(&app, "help@shop.example", "support", None).await;
    let from = format!("/cabinet/transactions/{id}");
    let seen = hidden_field(&text(&support.get(&from).await), "seen");
    let path = format!("/cabinet/transactions/{id}/refund");
    // A double click: the same form twice is one refund.
    for _ in 0..2 {
        let r = support
            .post(&from, &path, &[("amount", "4"), ("seen", &seen)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text(&r));
        assert_eq!(location(&r), from);
    }
    let site = oblako_store::sites::site(&app.state.db, oblako_core::ids::SiteId(app.site.site_id))
        .await
        .unwrap()
        .unwrap();
    let row = oblako_store::transactions::search::of_account(&app.state.db, site.account_id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.refunded, 400, "one refund of 4.00");
    // The page now offers the rest; more than the rest is refused in the flow's words.
    let seen = hidden_field(&text(&support.get(&from).await), "seen");
    let over = support
        .post(&from, &path, &[("amount", "7"), ("seen", &seen)])
        .await;
    assert_eq!(
        over.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        text(&over)
    );
    let owner = signed_in(&app, "boss@shop.example", "owner", None).await;
    let log = text(&owner.get("/cabinet/log").await);
    assert!(log.contains(&format!("refund {id} 4")), "{log}");
    // Void of a completed payment is not offered, and the flow refuses it if posted.
    let void = support
        .post(
            &from,
            &format!("/cabinet/transactions/{id}/void"),
            &[("seen", &seen)],
        )
        .await;
    assert_eq!(
        void.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        text(&void)
    );
}

#[tokio::test]
async fn the_receipts_list_shows_the_accounts_receipts_and_not_anothers() {
    use crate::payments::{card, model};
    use crate::receipts_api::fiscalise;
    let app = TestApp::new().await;
    let data = serde_json::json!({"Items": [
        {"label": "Товар", "price": 100, "quantity": 1, "amount": 100, "vat": 20}],
        "taxationSystem": 0, "amounts": {"electronic": 100}});
    let body = serde_json::json!({"Amount": 100,
        "JsonData": {"CloudPayments": {"CustomerReceipt": data}}});
    let paid = card(&app, "/payments/cards/charge", "4111111111111111", body).await;
    let id = model(&paid)["TransactionId"].as_i64().unwrap();
    assert_eq!(fiscalise(&app).await, 1);
    let receipt = oblako_store::receipts::for_transaction(&app.state.db, id)
        .await
        .unwrap()
        .remove(0);
    let viewer = signed_in(&app, "eyes@shop.example", "viewer", None).await;
    let list = text(&viewer.get("/cabinet/receipts").await);
    assert!(
        list.contains(&format!("/r/{}", receipt.id))
            && list.contains(&format!("/cabinet/transactions/{id}")),
        "{list}"
    );
    let filtered = format!("/cabinet/receipts?transaction={id}&state=processed&mode=test");
    assert!(text(&viewer.get(&filtered).await).contains(&receipt.id));
    let queued = text(&viewer.get("/cabinet/receipts?state=queued").await);
    assert!(!queued.contains(&receipt.id), "{queued}");
    let page = text(&viewer.get(&format!("/cabinet/transactions/{id}")).await);
    assert!(page.contains(&format!("/cabinet/receipts?transaction={id}")));
    let other = signed_in(&app, "them@other.example", "owner", Some("Other shop")).await;
    let theirs = text(&other.get("/cabinet/receipts").await);
    assert!(
        !theirs.contains(&receipt.id) && theirs.contains("no-receipts"),
        "{theirs}"
    );
    let probe = format!("/cabinet/receipts?transaction={id}");
    assert!(!text(&other.get(&probe).await).contains(&receipt.id));
}
