//! Test and live mode kept apart in notifications: a site's live
//! keys never see, read or resend its test-mode notifications nor the other way round, and a
//! foreign-mode id answers byte for byte like a missing one; each mode has its own settings,
//! which only its keys (or the operator) change and which its payments are announced with; the
//! operator sees both modes, labelled.

use oblako_core::ids::{Mode, SiteId};
use oblako_core::money::Currency;
use oblako_core::payment::Notice;
use oblako_core::payment::{Kind, Stage, Status};
use oblako_server::notify::deliver::drain;
use oblako_server::notify::outbox::{NoticeSettings, announce};
use oblako_store::notifications::settings::{self, Settings};
use oblako_store::notifications::{self, ListFilter, NewNotification};
use oblako_store::transactions::{self, NewTransaction};
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, request};
use crate::hooksink::Sink;
use crate::payments::{card, model};

async fn live_site() -> TestApp {
    let app = TestApp::new().await;
    oblako_store::sites::go_live(&app.state.db, SiteId(app.site.site_id), app.state.now_ms())
        .await
        .unwrap();
    app
}

async fn as_mode(app: &TestApp, mode: Mode, path: &str, body: Value) -> Reply {
    let keys = match mode {
        Mode::Test => &app.site.test,
        Mode::Live => &app.site.live,
    };
    app.call(
        request("POST", path)
            .auth(&keys.public_id, &keys.api_secret)
            .json(&body.to_string()),
    )
    .await
}

pub async fn test_mode_payment(app: &TestApp) -> i64 {
    let reply = card(
        app,
        "/payments/cards/charge",
        "4000000000003055",
        json!({"Amount": 7}),
    )
    .await;
    model(&reply)["TransactionId"].as_i64().unwrap()
}

/// A live-mode notification straight into the outbox (live payments need an acquirer).
async fn live_notification(app: &TestApp, url: &str) -> i64 {
    let mut tx = app.state.db.begin_write().await.unwrap();
    let id = notifications::enqueue(
        &mut tx,
        &NewNotification {
            site: SiteId(app.site.site_id),
            mode: Mode::Live,
            transaction_id: None,
            kind: "Pay",
            body: "TransactionId=1&Token=tk_live_secret&AccountId=live_user",
            url,
            method: "POST",
            encoding: "UTF8",
            created_at: app.state.now_ms(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// What `path` answers `mode`'s keys for `id`: status and body bytes.
async fn answer_for(app: &TestApp, mode: Mode, path: &str, id: i64) -> (u16, String) {
    let reply = as_mode(app, mode, path, json!({"Id": id})).await;
    (
        reply.status.as_u16(),
        String::from_utf8_lossy(&reply.body).into_owned(),
    )
}

#[tokio::test]
async fn a_foreign_modes_notification_answers_like_a_missing_one() {
    let app = live_site().await;
    let sink = Sink::start().await;
    app.notify(&["Pay"], &sink.url).await;
    let paid = test_mode_payment(&app).await;
    assert_eq!(drain(&app.state, "w").await.unwrap(), 1);
    let listed = as_mode(&app, Mode::Test, "/notifications/list", json!({})).await;
    let test_id = listed.json()["Model"][0]["Id"].as_i64().unwrap();
    // A documentation address: the guard refuses it at once, so nothing leaves the machine.
    let live_id = live_notification(&app, "https://192.0.2.1/pay").await;
    let missing = 999_999;

    for (mode, foreign) in [(Mode::Live, test_id), (Mode::Test, live_id)] {
        let listed = as_mode(&app, mode, "/notifications/list", json!({})).await;
        let ids: Vec<i64> = listed.json()["Model"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|n| n["Id"].as_i64())
            .collect();
        assert!(
            !ids.contains(&foreign),
            "{mode:?} keys list {foreign}: {ids:?}"
        );
        for path in ["/notifications/get", "/notifications/resend"] {
            assert_eq!(
                answer_for(&app, mode, path, foreign).await,
                answer_for(&app, mode, path, missing).await,
                "{mode:?} keys, {path} of the other mode's {foreign}"
            );
        }
    }
    let by_payment = as_mode(
        &app,
        Mode::Live,
        "/notifications/list",
        json!({"TransactionId": paid}),
    )
    .await;
    assert_eq!(by_payment.json()["Model"], json!([]));

    // Nothing changed hands: the test-mode one was not sent again (the live one, pending all
    // along, was: once).
    assert_eq!(drain(&app.state, "w").await.unwrap(), 1);
    assert_eq!(sink.deliveries().len(), 1);
    let own = as_mode(
        &app,
        Mode::Test,
        "/notifications/get",
        json!({"Id": test_id}),
    )
    .await;
    assert_eq!(
        (
            &own.json()["Model"]["State"],
            &own.json()["Model"]["Attempts"]
        ),
        (&json!("delivered"), &json!(1))
    );
}

#[tokio::test]
async fn the_operator_sees_both_modes_labelled() {
    let app = live_site().await;
    let sink = Sink::start().await;
    app.notify(&["Pay"], &sink.url).await;
    test_mode_payment(&app).await;
    live_notification(&app, "https://192.0.2.1/pay").await;
    let modes = |rows: Value| -> Vec<String> {
        let rows = rows.as_array().unwrap().iter();
        rows.map(|r| r["Mode"].as_str().unwrap().to_owned())
            .collect()
    };
    let log = |extra: &'static [&'static str]| [&["notification-log"], extra].concat();
    let both = cli_json(&app, &log(&[])).await;
    assert_eq!(modes(both), ["live", "test"]);
    let live = cli_json(&app, &log(&["--mode", "live"])).await;
    assert_eq!(modes(live), ["live"]);
    let test = cli_json(&app, &log(&["--mode", "test"])).await;
    assert_eq!(modes(test), ["test"]);
}
#[tokio::test]
async fn test_keys_do_not_change_where_live_notifications_go() {
    let app = live_site().await;
    let set = |address: &str| json!({"IsEnabled": true, "Address": address, "HttpMethod": "POST"});
    let path = "/site/notifications/Pay/update";
    let live = as_mode(&app, Mode::Live, path, set("https://live.example/pay")).await;
    assert_eq!(live.json()["Success"], true, "{}", live.json());
    let test = as_mode(&app, Mode::Test, path, set("https://test.example/pay")).await;
    assert_eq!(test.json()["Success"], true, "{}", test.json());
    let app = &app;
    let read = |mode| async move {
        as_mode(app, mode, "/site/notifications/pay/get", json!({}))
            .await
            .json()["Model"]["Address"]
            .clone()
    };
    assert_eq!(
        read(Mode::Live).await,
        "https://live.example/pay",
        "the test keys' update left the live address alone"
    );
    assert_eq!(read(Mode::Test).await, "https://test.example/pay");
}

fn pay_to(url: &str) -> Settings {
    Settings {
        enabled: true,
        url: url.into(),
        method: "POST".into(),
        ..Settings::disabled("Pay")
    }
}

/// A completed payment of `mode` written straight to the store, announced with `mode`'s settings.
async fn announced(app: &TestApp, mode: Mode) -> anyhow::Result<bool> {
    let site = SiteId(app.site.site_id);
    let subscriptions = NoticeSettings::load(&app.state, site, mode).await?;
    let mut tx = app.state.db.begin_write().await?;
    let new = NewTransaction {
        site,
        mode,
        kind: Kind::Payment,
        original_id: None,
        status: Status::Completed,
        stage: Stage::OneStage,
        amount: 100,
        currency: Currency::RUB,
        invoice_id: None,
        account_id: None,
        email: None,
        description: None,
        json_data: None,
        culture: "ru-RU",
        ip_address: "127.0.0.1",
        name: None,
        card_id: None,
        card_first_six: "424242",
        card_last_four: "4242",
        card_exp: "12/30",
        card_brand: "Visa",
        token: None,
        subscription_id: None,
        created_at: app.state.now_ms(),
        expires_at: None,
    };
    let id = transactions::insert(&mut tx, &new).await?;
    let queued = announce(
        &subscriptions,
        &mut tx,
        mode,
        id,
        Some(Notice::Pay),
        app.state.now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(queued)
}

#[tokio::test]
async fn a_payment_is_announced_where_its_modes_settings_say() {
    let app = live_site().await;
    let site = SiteId(app.site.site_id);
    let db = &app.state.db;
    settings::upsert(db, site, Mode::Test, &pay_to("https://test.example/pay"), 1)
        .await
        .unwrap();
    settings::upsert(db, site, Mode::Live, &pay_to("https://live.example/pay"), 1)
        .await
        .unwrap();
    app.state.notification_settings.forget(site);
    assert!(announced(&app, Mode::Live).await.unwrap());
    assert!(announced(&app, Mode::Test).await.unwrap());
    let all = notifications::list(db, site, &ListFilter::default())
        .await
        .unwrap();
    let urls: Vec<(Mode, &str)> = all.iter().map(|n| (n.mode, n.url.as_str())).collect();
    assert_eq!(
        urls,
        [
            (Mode::Test, "https://test.example/pay"),
            (Mode::Live, "https://live.example/pay"),
        ]
    );

    // Live notifications off: a live payment queues nothing although test mode's are on.
    settings::upsert(db, site, Mode::Live, &Settings::disabled("Pay"), 2)
        .await
        .unwrap();
    app.state.notification_settings.forget(site);
    assert!(!announced(&app, Mode::Live).await.unwrap());
    // Settings of one mode cannot announce the other mode's payment.
    let test = NoticeSettings::load(&app.state, site, Mode::Test)
        .await
        .unwrap();
    let mut tx = db.begin_write().await.unwrap();
    let wrong = announce(&test, &mut tx, Mode::Live, 1, Some(Notice::Pay), 1).await;
    assert!(wrong.is_err(), "{wrong:?}");
}

async fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_oblako"))
        .arg("site")
        .args(args)
        .args(["--site", &app.site.site_id.to_string(), "--json"])
        .env("OBLAKO_DATA_DIR", &app.config.data_dir)
        .env("OBLAKO_DATABASE_URL", &app.config.database_url)
        .output()
        .await
        .unwrap()
}

async fn cli_json(app: &TestApp, args: &[&str]) -> Value {
    let out = cli(app, args).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn the_operator_sets_either_mode_and_sees_both() {
    let app = live_site().await;
    let set = ["notification-set", "--kind", "Pay", "--url"];
    cli_json(&app, &[&set[..], &["https://t.example/"]].concat()).await;
    let live = [&set[..], &["https://l.example/", "--mode", "live"]].concat();
    assert_eq!(cli_json(&app, &live).await[0]["mode"], "live");
    // Loopback is for test mode only.
    let local = [&set[..], &["http://127.0.0.1:9/", "--mode", "live"]].concat();
    assert!(!cli(&app, &local).await.status.success());
    let shown = cli_json(&app, &["notifications"]).await;
    let pay: Vec<(&str, &str)> = shown
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "Pay")
        .map(|s| (s["mode"].as_str().unwrap(), s["url"].as_str().unwrap()))
        .collect();
    assert_eq!(
        pay,
        [
            ("test", "https://t.example/"),
            ("live", "https://l.example/")
        ]
    );
}
