//! A site's notification settings in the cabinet (every kind, in test and live mode: address,
//! method, encoding, on or off), the **Test webhook** button (a signed sample sent now, showing
//! the receiver's status, body and latency), the site's retry schedule (changed in
//! `site_options`), and **Resend** on a transaction's page.
//!
//! Settings are judged by the same rules as `site/notifications/{Type}/update`
//! (`api::notifications::Wanted`, with the mode's outbound policy), and the sample is
//! `notify::sample::send_sample`, as `notifications/test` sends it.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use oblako_core::ids::Mode;
use oblako_core::staff::Action;
use oblako_protocol::notification::NotificationKind;
use oblako_store::notifications::settings::{self, Settings};
use oblako_store::notifications::{self, AttemptRow, Notification};

use super::audit;
use super::page::{self, Frame, Words, render};
use super::session::{Posted, Session, Signed};
use super::sites::own_site;
use crate::api::notifications::Wanted;
use crate::notify::sample::{SampleError, send_sample};
use crate::state::AppState;

/// What a Test webhook press came to.
pub struct TestResult {
    /// The kind tested.
    pub kind: String,
    /// Where it went.
    pub url: String,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<i64>,
    /// Milliseconds until the answer (or the failure).
    pub latency_ms: i64,
    /// The start of the receiver's answer.
    pub body: String,
    /// Why it did not arrive.
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "cabinet/notifications.html")]
struct SettingsPage {
    f: Frame,
    site_id: i64,
    site_name: String,
    modes: Vec<(&'static str, Vec<Settings>)>,
    /// The site's retry schedule: seconds after each failure (the last repeating), attempts.
    retries: (String, i64),
    can_edit: bool,
    tested: Option<TestResult>,
    error: Option<String>,
}

async fn settings_page(
    state: &AppState,
    s: &Session,
    id: i64,
    tested: Option<TestResult>,
    error: Option<String>,
) -> anyhow::Result<Response> {
    let Some(site) = own_site(state, s, id).await? else {
        return Ok(page::not_found(s.lang));
    };
    let mut modes = Vec::new();
    for mode in [Mode::Test, Mode::Live] {
        modes.push((
            mode.as_str(),
            settings::list(&state.db, site.id, mode).await?,
        ));
    }
    let schedule = settings::retry_schedule(&state.db, site.id)
        .await?
        .unwrap_or_else(oblako_store::notifications::RetrySchedule::cloudpayments);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(
        status,
        &SettingsPage {
            f: Frame::new(s, "sites"),
            site_id: site.id.0,
            site_name: site.name,
            modes,
            retries: (schedule.intervals_text(), schedule.max_attempts()),
            can_edit: s.can(Action::EditNotifications),
            tested,
            error,
        },
    ))
}

/// `GET /cabinet/sites/{id}/notifications`.
pub async fn site_notifications(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Signed(s): Signed,
) -> Response {
    settings_page(&state, &s, id, None, None)
        .await
        .unwrap_or_else(|e| page::internal(s.lang, &e))
}

#[derive(serde::Deserialize)]
pub struct SettingsForm {
    mode: String,
    kind: String,
    #[serde(default)]
    enabled: Option<String>,
    #[serde(default)]
    url: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    encoding: String,
}

fn mode_and_kind(mode: &str, kind: &str) -> Option<(Mode, NotificationKind)> {
    Some((Mode::parse(mode)?, NotificationKind::parse(kind)?))
}

/// `POST /cabinet/sites/{id}/notifications`: one kind's settings in one mode.
pub async fn site_notifications_save(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, form): Posted<SettingsForm>,
) -> Response {
    if let Err(r) = s.require(Action::EditNotifications) {
        return r;
    }
    let Some((mode, kind)) = mode_and_kind(&form.mode, &form.kind) else {
        return page::problem(s.lang, StatusCode::BAD_REQUEST, Words::BadForm);
    };
    let saved = async {
        let Some(site) = own_site(&state, &s, id).await? else {
            return Ok(page::not_found(s.lang));
        };
        let wanted = Wanted {
            enabled: form.enabled.is_some(),
            address: Some(form.url.chars().take(2000).collect()),
            method: Some(form.method.clone()),
            encoding: Some(form.encoding.clone()),
            format: None,
        };
        let new = match wanted.settings(kind, &state.config.outbound_policy(mode)?) {
            Ok(new) => new,
            Err(message) => return settings_page(&state, &s, id, None, Some(message)).await,
        };
        settings::upsert(&state.db, site.id, mode, &new, state.now_ms()).await?;
        state.notification_settings.forget(site.id);
        let detail = format!(
            "{} {kind}: {}",
            mode.as_str(),
            if new.enabled { "on" } else { "off" }
        );
        audit::note(&state, &s, "notification_settings", Some(id), &detail).await?;
        anyhow::Ok(Redirect::to(&format!("/cabinet/sites/{id}/notifications")).into_response())
    };
    saved.await.unwrap_or_else(|e| page::internal(s.lang, &e))
}

#[derive(serde::Deserialize)]
pub struct TestForm {
    mode: String,
    kind: String,
}

/// `POST /cabinet/sites/{id}/test-webhook`: sends a signed sample now and shows the answer.
pub async fn site_test_webhook(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, form): Posted<TestForm>,
) -> Response {
    if let Err(r) = s.require(Action::EditNotifications) {
        return r;
    }
    let Some((mode, kind)) = mode_and_kind(&form.mode, &form.kind) else {
        return page::problem(s.lang, StatusCode::BAD_REQUEST, Words::BadForm);
    };
    let tested = async {
        let Some(site) = own_site(&state, &s, id).await? else {
            return Ok(page::not_found(s.lang));
        };
        let sample = match send_sample(&state, site.id, mode, kind).await {
            Ok(sample) => sample,
            Err(SampleError::NoAddress(_)) => {
                let message = s
                    .words()
                    .t("Set an address for this kind first.")
                    .to_owned();
                return settings_page(&state, &s, id, None, Some(message)).await;
            }
            Err(SampleError::Other(e)) => return Err(e),
        };
        let m = &sample.model;
        let result = TestResult {
            kind: kind.name().to_owned(),
            url: m["Url"].as_str().unwrap_or("").to_owned(),
            status: m["HttpStatus"].as_i64(),
            latency_ms: m["LatencyMs"].as_i64().unwrap_or(0),
            body: m["Response"].as_str().unwrap_or("").to_owned(),
            error: m["Error"].as_str().map(str::to_owned),
        };
        let detail = format!("{} {kind}: {:?}", mode.as_str(), result.status);
        audit::note(&state, &s, "test_webhook", Some(id), &detail).await?;
        settings_page(&state, &s, id, Some(result), None).await
    };
    tested.await.unwrap_or_else(|e| page::internal(s.lang, &e))
}

/// A transaction's notifications and its refunds' (a Refund notification is keyed to the refund)
/// with their attempts, newest first.
pub async fn of_transaction(
    state: &AppState,
    t: &oblako_store::transactions::TransactionRow,
) -> anyhow::Result<Vec<(Notification, Vec<AttemptRow>)>> {
    let mode = t.mode;
    let site = t.site_id;
    let listed = notifications::of_payment(&state.db, site, mode, t.id).await?;
    if listed.is_empty() {
        return Ok(Vec::new());
    }
    // One query for every notification's attempts, not one per notification.
    let mut attempts = notifications::attempts_of_payment(&state.db, site, mode, t.id).await?;
    Ok(listed
        .into_iter()
        .map(|n| {
            let (its, rest) = attempts.drain(..).partition(|a| a.notification_id == n.id);
            attempts = rest;
            (n, its)
        })
        .collect())
}

/// `POST /cabinet/transactions/{id}/notifications/{notification}/resend`.
pub async fn notification_resend(
    State(state): State<AppState>,
    Path((id, notification)): Path<(i64, i64)>,
    Posted(s, _): Posted<Nothing>,
) -> Response {
    if let Err(r) = s.require(Action::EditNotifications) {
        return r;
    }
    let resent = async {
        let Some(t) =
            oblako_store::transactions::search::of_account(&state.db, s.account(), id).await?
        else {
            return Ok(page::not_found(s.lang));
        };
        let (site, mode) = (t.site_id, t.mode);
        let own = notifications::get(&state.db, site, mode, notification)
            .await?
            .filter(|n| n.transaction_id == Some(t.id));
        if own.is_none() {
            return Ok(page::not_found(s.lang));
        }
        if notifications::resend(&state.db, site, mode, notification, state.now_ms()).await? {
            state.delivery.ring();
            audit::note(
                &state,
                &s,
                "notification_resend",
                Some(t.site_id.0),
                &format!("notification {notification}"),
            )
            .await?;
        }
        anyhow::Ok(Redirect::to(&format!("/cabinet/transactions/{id}")).into_response())
    };
    resent.await.unwrap_or_else(|e| page::internal(s.lang, &e))
}

/// A form with nothing but its CSRF token.
#[derive(serde::Deserialize)]
pub struct Nothing {}
