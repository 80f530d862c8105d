//! The cabinet's site options and retry schedule forms, its own listener (`cabinet_listen`),
//! the housekeeping that deletes ended sessions, and flow refusals in the user's language.

use axum::http::StatusCode;
use oblako_core::ids::SiteId;

use crate::cabinet::{location, set_address, signed_in, text};
use crate::helpers::{TestApp, request};

#[tokio::test]
async fn site_options_and_the_retry_schedule_change_from_their_pages() {
    let app = TestApp::new().await;
    let site = app.site.site_id;
    let mut admin = signed_in(&app, "admin@options.example", "admin", None).await;
    let page = format!("/cabinet/sites/{site}");
    let options = format!("/cabinet/sites/{site}/options");
    let saved = admin
        .post(
            &page,
            &options,
            &[
                ("terminal_url", "https://shop.example/pay"),
                ("save_tokens", "1"),
                ("auto_confirm_days", "3"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", text(&saved));
    assert_eq!(location(&saved), page);
    let row = oblako_store::sites::site(&app.state.db, SiteId(site))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.terminal_url, "https://shop.example/pay");
    assert!(row.save_tokens);
    assert_eq!(row.auto_confirm_days, Some(3));
    let shown = text(&admin.get(&page).await);
    assert!(
        shown.contains("value=\"https://shop.example/pay\""),
        "{shown}"
    );
    assert!(shown.contains("id=\"widget-origins\""), "{shown}");
    // Unticked and emptied: no tokens, no automatic confirmation.
    admin
        .post(
            &page,
            &options,
            &[("terminal_url", ""), ("auto_confirm_days", "")],
        )
        .await;
    let row = oblako_store::sites::site(&app.state.db, SiteId(site))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.save_tokens, row.auto_confirm_days), (false, None));
    for bad in [("auto_confirm_days", "8"), ("terminal_url", "ftp://x")] {
        let refused = admin.post(&page, &options, &[bad]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    }

    let hooks = format!("/cabinet/sites/{site}/notifications");
    let retries = format!("/cabinet/sites/{site}/retries");
    let set = admin
        .post(
            &hooks,
            &retries,
            &[("intervals", "5, 60,600"), ("max_attempts", "12")],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", text(&set));
    let schedule =
        oblako_store::notifications::settings::retry_schedule(&app.state.db, SiteId(site))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(
        (schedule.intervals(), schedule.max_attempts()),
        (&[5, 60, 600][..], 12)
    );
    assert!(text(&admin.get(&hooks).await).contains("value=\"5,60,600\""));
    let refused = admin
        .post(
            &hooks,
            &retries,
            &[("intervals", "soon"), ("max_attempts", "12")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let log = text(&admin.get("/cabinet/log").await);
    assert!(
        log.contains("site_options") && log.contains("notification_retries"),
        "{log}"
    );

    // Another account's site reads as missing; a viewer may not change anything.
    let mut stranger = signed_in(&app, "x@other.example", "owner", Some("Other")).await;
    let foreign = stranger
        .post("/cabinet/sites", &options, &[("terminal_url", "")])
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let mut viewer = signed_in(&app, "v@options.example", "viewer", None).await;
    let read_only = text(&viewer.get(&page).await);
    assert!(
        !read_only.contains("action=\"/cabinet/sites/"),
        "{read_only}"
    );
    let forbidden = viewer.post(&page, &options, &[("terminal_url", "")]).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn housekeeping_deletes_ended_sessions_and_keeps_live_ones() {
    let app = TestApp::new().await;
    let idle = signed_in(&app, "idle@upkeep.example", "viewer", None).await;
    let busy = signed_in(&app, "busy@upkeep.example", "viewer", None).await;
    app.clock.advance_millis(10 * 60 * 1000);
    assert_eq!(busy.get("/cabinet/sites").await.status, StatusCode::OK);
    app.clock.advance_millis(5 * 60 * 1000);
    let (_, purged) = oblako_server::app::housekeep(&app.state).await.unwrap();
    assert_eq!(purged, 1, "the session idle for 15 minutes");
    let (_, again) = oblako_server::app::housekeep(&app.state).await.unwrap();
    assert_eq!(again, 0);
    assert_eq!(busy.get("/cabinet/sites").await.status, StatusCode::OK);
    assert_eq!(
        idle.get("/cabinet/sites").await.status,
        StatusCode::SEE_OTHER
    );
    app.clock.advance_millis(12 * 60 * 60 * 1000);
    let (_, old) = oblako_server::app::housekeep(&app.state).await.unwrap();
    assert_eq!(old, 1, "the session past its twelve hours");
}

#[tokio::test]
async fn cabinet_listen_moves_the_cabinet_to_its_own_listener() {
    let mut app = TestApp::with_config(|c| c.cabinet_listen = "127.0.0.1:18443".into()).await;
    let main = app.call(request("GET", "/cabinet/sign-in").empty()).await;
    assert_eq!(
        main.status,
        StatusCode::NOT_FOUND,
        "the main port has no cabinet"
    );
    assert_eq!(
        app.call(request("GET", "/healthz").empty()).await.status,
        StatusCode::OK
    );
    app.router = oblako_server::app::cabinet_app(app.state.clone());
    assert_eq!(
        app.call(request("GET", "/cabinet/sign-in").empty())
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.call(request("GET", "/healthz").empty()).await.status,
        StatusCode::NOT_FOUND,
        "the cabinet's port has nothing else"
    );
    let root = app.call(request("GET", "/").empty()).await;
    assert_eq!(location(&root), "/cabinet/");
    // Set-up links and the forms' origin are the cabinet's own address.
    let owner = signed_in(&app, "own@listener.example", "owner", None).await;
    assert_eq!(
        oblako_server::cabinet::session::own_origin(&app.state),
        "http://127.0.0.1:18443"
    );
    assert_eq!(owner.get("/cabinet/sites").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_refused_refund_reads_in_the_users_language() {
    use crate::payments::{card, model};
    let app = TestApp::new().await;
    let paid = card(
        &app,
        "/payments/cards/charge",
        "4000000000003055",
        serde_json::json!({"Amount": 10, "InvoiceId": "LANG-1"}),
    )
    .await;
    let id = model(&paid)["TransactionId"].as_i64().unwrap();
    let mut support = signed_in(&app, "ru@lang.example", "support", None).await;
    let from = format!("/cabinet/transactions/{id}");
    let path = format!("/cabinet/transactions/{id}/refund");
    let seen = crate::helpers::hidden_field(&text(&support.get(&from).await), "seen");
    let over = support
        .post(&from, &path, &[("amount", "11"), ("seen", &seen)])
        .await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text(&over).contains("Сумма больше доступной для возврата"),
        "{}",
        text(&over)
    );
    support
        .post("/cabinet/sites", "/cabinet/lang", &[("lang", "en")])
        .await;
    let over = support
        .post(&from, &path, &[("amount", "12"), ("seen", &seen)])
        .await;
    assert!(
        text(&over).contains("Amount exceeds the amount available for refund"),
        "{}",
        text(&over)
    );
}

#[tokio::test]
async fn a_refunds_notification_shows_on_the_payments_page() {
    use crate::hooksink::Sink;
    use crate::payments::{card, model};
    let app = TestApp::new().await;
    let sink = Sink::start().await;
    let site = app.site.site_id;
    let mut owner = signed_in(&app, "refunds@hooks.example", "owner", None).await;
    set_address(&mut owner, site, "Refund", &sink.url).await;
    let paid = card(
        &app,
        "/payments/cards/charge",
        "4000000000003055",
        serde_json::json!({"Amount": 10, "InvoiceId": "HOOK-R"}),
    )
    .await;
    let id = model(&paid)["TransactionId"].as_i64().unwrap();
    let from = format!("/cabinet/transactions/{id}");
    let seen = crate::helpers::hidden_field(&text(&owner.get(&from).await), "seen");
    let refunded = owner
        .post(
            &from,
            &format!("/cabinet/transactions/{id}/refund"),
            &[("amount", "5"), ("seen", &seen)],
        )
        .await;
    assert_eq!(
        refunded.status,
        StatusCode::SEE_OTHER,
        "{}",
        text(&refunded)
    );
    oblako_server::notify::deliver::drain(&app.state, "refund-hooks")
        .await
        .unwrap();
    assert_eq!(sink.deliveries().len(), 1, "the Refund notification");
    let page = text(&owner.get(&from).await);
    assert!(page.contains("id=\"notification-Refund\""), "{page}");
    // A refund's notification carries its payment's id, so its Resend is the payment's.
    assert!(
        page.contains(&format!("/cabinet/transactions/{id}/notifications/")),
        "{page}"
    );
}
