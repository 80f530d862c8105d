//! The system log: the audit trail of cabinet actions and the API requests that were refused,
//! newest first, filtered by site, kind and period.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use oblako_core::staff::Action;
use oblako_store::audit::{self, EntryRow, RefusalRow};

use super::page::{self, Frame, render};
use super::session::Signed;
use crate::state::AppState;

/// Rows per page.
const PAGE: i64 = 100;

#[derive(Debug, Default, serde::Deserialize)]
pub struct LogFilters {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

#[derive(Template)]
#[template(path = "cabinet/log.html")]
struct LogPage {
    f: Frame,
    kind: String,
    site: String,
    from: String,
    to: String,
    entries: Vec<EntryRow>,
    refusals: Vec<RefusalRow>,
}

fn day(value: &str) -> Option<i64> {
    let date: jiff::civil::Date = value.trim().parse().ok()?;
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_millisecond())
}

/// `GET /cabinet/log`.
pub async fn log_page(
    State(state): State<AppState>,
    Signed(s): Signed,
    uri: axum::http::Uri,
) -> Response {
    if let Err(r) = s.require(Action::ReadLog) {
        return r;
    }
    let q: LogFilters = super::page::query(&uri);
    let site = q.site.trim().parse::<i64>().ok();
    let from = day(&q.from).unwrap_or(0);
    let to = day(&q.to).map_or(i64::MAX, |d| d + 86_400_000);
    let read = async {
        let entries = if q.kind.is_empty() || q.kind == "audit" {
            audit::entries(&state.db, s.account(), site, from, to, i64::MAX, PAGE).await?
        } else {
            Vec::new()
        };
        let refusals = if q.kind.is_empty() || q.kind == "refused" {
            audit::refusals(&state.db, s.account(), site, from, to, i64::MAX, PAGE).await?
        } else {
            Vec::new()
        };
        anyhow::Ok(render(
            StatusCode::OK,
            &LogPage {
                f: Frame::new(&s, "log"),
                kind: q.kind.clone(),
                site: q.site.clone(),
                from: q.from.clone(),
                to: q.to.clone(),
                entries,
                refusals,
            },
        ))
    };
    read.await.unwrap_or_else(|e| page::internal(s.lang, &e))
}
