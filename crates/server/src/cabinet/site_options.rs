//! A site's options on its page (terminal URL, saving card tokens, confirming authorizations
//! automatically after some days) and its notification retry schedule on its Notifications
//! page: the forms that change them, checked as the command line checks them, each change in
//! the audit trail.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use oblako_core::staff::Action;
use oblako_store::notifications::{RetrySchedule, settings};
use oblako_store::sites::{self as site_rows, Settings};

use super::audit;
use super::page::{self, Words};
use super::session::Posted;
use super::sites::own_site;
use crate::state::AppState;

/// The longest hold before automatic confirmation, in days: an authorization is held 7 days.
pub const MAX_AUTO_CONFIRM_DAYS: i64 = 7;

#[derive(serde::Deserialize)]
pub struct OptionsForm {
    #[serde(default)]
    terminal_url: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    save_tokens: Option<String>,
    /// Empty: never.
    #[serde(default)]
    auto_confirm_days: String,
}

/// An empty terminal URL, or an `http(s)` address of at most 2,000 characters without spaces.
fn terminal_url(text: &str) -> Option<String> {
    let url = text.trim();
    let fits = url.is_empty()
        || ((url.starts_with("https://") || url.starts_with("http://"))
            && url.len() <= 2000
            && !url.chars().any(|c| c.is_whitespace() || c.is_control()));
    fits.then(|| url.to_owned())
}

/// No automatic confirmation (empty), or 0 to [`MAX_AUTO_CONFIRM_DAYS`] days.
fn auto_confirm_days(text: &str) -> Option<Option<i64>> {
    let text = text.trim();
    if text.is_empty() {
        return Some(None);
    }
    let days: i64 = text.parse().ok()?;
    (0..=MAX_AUTO_CONFIRM_DAYS)
        .contains(&days)
        .then_some(Some(days))
}

fn unreadable(s: &super::session::Session) -> Response {
    page::problem(s.lang, StatusCode::UNPROCESSABLE_ENTITY, Words::BadForm)
}

/// `POST /cabinet/sites/{id}/options`.
pub async fn site_options(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, form): Posted<OptionsForm>,
) -> Response {
    if let Err(r) = s.require(Action::EditSites) {
        return r;
    }
    let (Some(terminal_url), Some(auto_confirm_days)) = (
        terminal_url(&form.terminal_url),
        auto_confirm_days(&form.auto_confirm_days),
    ) else {
        return unreadable(&s);
    };
    let save_tokens = form.save_tokens.is_some();
    let saved = async {
        let Some(site) = own_site(&state, &s, id).await? else {
            return Ok(page::not_found(s.lang));
        };
        let options = Settings {
            terminal_url,
            save_tokens,
            auto_confirm_days,
            fee_rate_bp: site.fee_rate_bp,
        };
        site_rows::update_settings(&state.db, site.id, &options).await?;
        let days = auto_confirm_days.map_or_else(|| "never".to_owned(), |d| d.to_string());
        let detail = format!(
            "terminal_url={} save_tokens={save_tokens} auto_confirm_days={days}",
            options.terminal_url
        );
        audit::note(&state, &s, "site_options", Some(id), &detail).await?;
        anyhow::Ok(Redirect::to(&format!("/cabinet/sites/{id}")).into_response())
    };
    saved.await.unwrap_or_else(|e| page::internal(s.lang, &e))
}

#[derive(serde::Deserialize)]
pub struct RetriesForm {
    /// Seconds after each failed attempt, comma-separated; the last repeats.
    intervals: String,
    /// Attempts in all.
    max_attempts: String,
}

/// `POST /cabinet/sites/{id}/retries`: the site's retry schedule, for every kind of
/// notification (the schedule is the site's, as `oblako site notification-retries` sets it).
pub async fn site_retries(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, form): Posted<RetriesForm>,
) -> Response {
    if let Err(r) = s.require(Action::EditNotifications) {
        return r;
    }
    let schedule = form
        .max_attempts
        .trim()
        .parse()
        .ok()
        .and_then(|max| RetrySchedule::parse(form.intervals.trim(), max));
    let Some(schedule) = schedule else {
        return unreadable(&s);
    };
    let saved = async {
        let Some(site) = own_site(&state, &s, id).await? else {
            return Ok(page::not_found(s.lang));
        };
        settings::set_retry_schedule(&state.db, site.id, &schedule).await?;
        let detail = format!(
            "retry after {} s, {} attempts",
            schedule.intervals_text(),
            schedule.max_attempts()
        );
        audit::note(&state, &s, "notification_retries", Some(id), &detail).await?;
        anyhow::Ok(Redirect::to(&format!("/cabinet/sites/{id}/notifications")).into_response())
    };
    saved.await.unwrap_or_else(|e| page::internal(s.lang, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked_like_the_command_line() {
        assert_eq!(terminal_url(""), Some(String::new()));
        assert_eq!(
            terminal_url(" https://shop.example/pay "),
            Some("https://shop.example/pay".into())
        );
        assert_eq!(terminal_url("javascript:alert(1)"), None);
        assert_eq!(terminal_url("https://shop.example/a b"), None);
        assert_eq!(auto_confirm_days(""), Some(None));
        assert_eq!(auto_confirm_days("0"), Some(Some(0)));
        assert_eq!(auto_confirm_days("7"), Some(Some(7)));
        assert_eq!(auto_confirm_days("8"), None);
        assert_eq!(auto_confirm_days("-1"), None);
        assert_eq!(auto_confirm_days("two"), None);
    }
}
