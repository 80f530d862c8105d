//! The payer's self-service page: the link from a billing e-mail opens the
//! subscription (amount, schedule, next charge, status) in the payer's language; its Cancel
//! button cancels exactly like `subscriptions/cancel` (Recurrent notification, cancellation
//! e-mail); GET changes nothing; forged, altered, expired, foreign or unechoed links are refused
//! with a clear page.

use axum::http::StatusCode;
use oblako_core::ids::SiteId;
use oblako_server::mail::{self, manage_link};
use oblako_server::subscriptions::billing::{REMIND_BEFORE_MS, remind};
use oblako_store::notifications::{self, ListFilter};
use serde_json::json;

use crate::helpers::{Reply, TestApp, form, request};
use crate::smtpsink::SmtpSink;
use crate::subscription_mail::{manage_link_in, subscribe, with_smtp};
use crate::subscriptions::HOUR_MS;

fn text(reply: &Reply) -> String {
    String::from_utf8(reply.body.clone()).unwrap()
}

async fn status_of(app: &TestApp, id: &str) -> String {
    let reply = app
        .post("/subscriptions/get", &json!({ "Id": id }).to_string())
        .await;
    reply.json()["Model"]["Status"].as_str().unwrap().to_owned()
}

async fn enable_recurrent(app: &TestApp) {
    app.notify(&["Recurrent"], "http://127.0.0.1:9/hook").await;
}

async fn recurrent_bodies(app: &TestApp, id: &str) -> Vec<String> {
    notifications::list(
        &app.state.db,
        SiteId(app.site.site_id),
        &ListFilter::default(),
    )
    .await
    .unwrap()
    .into_iter()
    .filter(|n| n.kind == "Recurrent" && n.body.contains(id))
    .map(|n| n.body)
    .collect()
}

fn path_of(app: &TestApp, url: &str) -> String {
    url.strip_prefix(&app.config.public_url())
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_emailed_link_shows_the_subscription_and_cancels_it() {
    let sink = SmtpSink::start().await;
    let app = with_smtp(&sink).await;
    enable_recurrent(&app).await;
    let start_in = 2 * 24 * HOUR_MS;
    let m = subscribe(
        &app,
        "4000000000003055",
        start_in,
        json!({"CultureName": "en-US", "Interval": "Week", "Period": 2}),
    )
    .await;
    let id = m["Id"].as_str().unwrap().to_owned();
    let start = app.state.now_ms() + start_in;
    app.clock
        .set(jiff::Timestamp::from_millisecond(start - REMIND_BEFORE_MS + HOUR_MS).unwrap());
    remind(&app.state).await.unwrap();
    mail::drain(&app.state, "w").await.unwrap();
    let link = manage_link_in(&sink.received()[0].parts()[0]);
    let path = path_of(&app, &link);

    for _ in 0..2 {
        let page = app.call(request("GET", &path).empty()).await;
        assert_eq!(page.status, StatusCode::OK);
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("form-action 'self'"));
        assert!(
            page.headers.get("set-cookie").is_none(),
            "no session to ride on"
        );
        let body = text(&page);
        assert!(body.contains("lang=\"en\"") && body.contains("Your subscription"));
        assert!(body.contains("Test shop") && body.contains("Monthly plan"));
        assert!(
            body.contains("399.00 RUB") && body.contains("every 2 weeks"),
            "{body}"
        );
        let day = jiff::Timestamp::from_millisecond(start)
            .unwrap()
            .strftime("%Y-%m-%d")
            .to_string();
        assert!(body.contains(&day), "{body}");
        assert!(body.contains("id=\"cancel\"") && body.contains(">Active<"));
    }
    assert_eq!(status_of(&app, &id).await, "Active", "GET changes nothing");
    assert!(recurrent_bodies(&app, &id).await.is_empty());

    let token = path.strip_prefix("/my/").unwrap();
    let done = app
        .call(request("POST", &format!("{path}/cancel")).form(&form(&[("token", token)])))
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.headers["location"].to_str().unwrap(), path);
    assert_eq!(status_of(&app, &id).await, "Cancelled");
    let recurrent = recurrent_bodies(&app, &id).await;
    assert_eq!(recurrent.len(), 1);
    assert!(
        recurrent[0].contains("Status=Cancelled"),
        "{}",
        recurrent[0]
    );
    mail::drain(&app.state, "w").await.unwrap();
    let subjects: Vec<String> = sink.received().iter().map(|r| r.subject()).collect();
    assert_eq!(
        subjects,
        [
            "Upcoming subscription charge: Test shop",
            "Subscription cancelled: Test shop"
        ]
    );

    let page = text(&app.call(request("GET", &path).empty()).await);
    assert!(page.contains("Your subscription is cancelled") && !page.contains("id=\"cancel\""));
    // A second press changes nothing more.
    app.call(request("POST", &format!("{path}/cancel")).form(&form(&[("token", token)])))
        .await;
    assert_eq!(recurrent_bodies(&app, &id).await.len(), 1);
}

#[tokio::test]
async fn bad_links_get_a_clear_page_and_change_nothing() {
    let app = TestApp::new().await;
    let m = subscribe(&app, "4000000000003055", HOUR_MS, json!({})).await;
    let id = m["Id"].as_str().unwrap().to_owned();
    let now = app.state.now_ms();
    let good = manage_link::token(&app.state.secrets, SiteId(app.site.site_id), &id, now);
    let page = app
        .call(request("GET", &format!("/my/{good}")).empty())
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(text(&page).contains("lang=\"ru\"") && text(&page).contains("ежемесячно"));

    let other = app.another_site("Other shop").await;
    let foreign = manage_link::token(&app.state.secrets, SiteId(other.site_id), &id, now);
    let mut altered = good.clone().into_bytes();
    altered[3] ^= 1;
    let altered = String::from_utf8(altered).unwrap();
    for token in [
        foreign.as_str(),
        altered.as_str(),
        "nonsense",
        &"a".repeat(600),
    ] {
        let page = app
            .call(request("GET", &format!("/my/{token}")).empty())
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{token}");
        assert!(text(&page).contains("Link not valid"));
        let post = app
            .call(request("POST", &format!("/my/{token}/cancel")).form(&form(&[("token", token)])))
            .await;
        assert_eq!(post.status, StatusCode::NOT_FOUND);
    }
    // The form must repeat the token: a bare cross-site POST is refused.
    for body in [String::new(), form(&[("token", "x")])] {
        let post = app
            .call(request("POST", &format!("/my/{good}/cancel")).form(&body))
            .await;
        assert_eq!(post.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(status_of(&app, &id).await, "Active");

    app.clock
        .set(jiff::Timestamp::from_millisecond(now + manage_link::VALID_MS + 1).unwrap());
    let page = app
        .call(request("GET", &format!("/my/{good}")).empty())
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "expired");
    let post = app
        .call(request("POST", &format!("/my/{good}/cancel")).form(&form(&[("token", &good)])))
        .await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    assert_eq!(status_of(&app, &id).await, "Active");
}
