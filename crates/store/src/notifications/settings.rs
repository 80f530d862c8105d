//! Per site, mode and kind, whether notifications are sent and how (spec §3.24–3.25, §5.1), and
//! the site's retry schedule. As CloudPayments keeps a test and a live
//! configuration, each mode has its own settings: test keys never change where live
//! notifications go. The retry schedule is one per site, for both modes. A kind never configured
//! reads as disabled with the API's defaults; a site's schedule is CloudPayments' until it is set.

use oblako_core::ids::{Mode, SiteId};

use super::{KINDS, RetrySchedule};
use crate::{Db, StoreError, in_write, on_db};

/// One kind's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The kind's name (`Pay`, …).
    pub kind: String,
    /// Whether notifications of this kind are sent.
    pub enabled: bool,
    /// Where to (`Address`); empty when never set.
    pub url: String,
    /// `POST` or `GET`.
    pub method: String,
    /// `UTF8` or `Windows1251`.
    pub encoding: String,
    /// `CloudPayments`, the one format Oblako speaks.
    pub format: String,
}

impl Settings {
    /// What a kind never configured reads as: disabled, no URL, and the defaults of
    /// `site/notifications/{Type}/update` (`GET`, `UTF8`, `CloudPayments`; spec §3.25).
    pub fn disabled(kind: &str) -> Settings {
        Settings {
            kind: kind.to_owned(),
            enabled: false,
            url: String::new(),
            method: "GET".to_owned(),
            encoding: "UTF8".to_owned(),
            format: "CloudPayments".to_owned(),
        }
    }
}

type SettingsRow = (String, bool, String, String, String, String);

fn settings_from((kind, enabled, url, method, encoding, format): SettingsRow) -> Settings {
    Settings {
        kind,
        enabled,
        url,
        method,
        encoding,
        format,
    }
}

/// The settings of `kind` for `site` in `mode`; [`Settings::disabled`] if never set.
pub async fn get(db: &Db, site: SiteId, mode: Mode, kind: &str) -> Result<Settings, StoreError> {
    let sql = "SELECT kind, enabled, url, method, encoding, format FROM notification_settings \
               WHERE site_id = $1 AND mode = $2 AND kind = $3";
    let row: Option<SettingsRow> = on_db!(db, pool => sqlx::query_as(sql)
        .bind(site.0).bind(mode.as_str()).bind(kind).fetch_optional(pool).await)?;
    Ok(row.map_or_else(|| Settings::disabled(kind), settings_from))
}

/// All eight kinds' settings for `site` in `mode`, in [`KINDS`] order, the unset ones disabled.
pub async fn list(db: &Db, site: SiteId, mode: Mode) -> Result<Vec<Settings>, StoreError> {
    let sql = "SELECT kind, enabled, url, method, encoding, format FROM notification_settings \
               WHERE site_id = $1 AND mode = $2";
    let rows: Vec<SettingsRow> = on_db!(db, pool => sqlx::query_as(sql)
        .bind(site.0).bind(mode.as_str()).fetch_all(pool).await)?;
    let mut stored: Vec<Settings> = rows.into_iter().map(settings_from).collect();
    Ok(KINDS
        .iter()
        .map(|kind| match stored.iter().position(|s| s.kind == *kind) {
            Some(at) => stored.swap_remove(at),
            None => Settings::disabled(kind),
        })
        .collect())
}

/// Stores one kind's settings for `site` in `mode`, replacing what was there; the other mode's
/// stay as they are. The database refuses a kind, method, encoding or format outside the spec's
/// spellings, and an unknown site.
pub async fn upsert(
    db: &Db,
    site: SiteId,
    mode: Mode,
    settings: &Settings,
    now_ms: i64,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO notification_settings \
           (site_id, mode, kind, enabled, url, method, encoding, format, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (site_id, mode, kind) DO UPDATE SET enabled = excluded.enabled, \
           url = excluded.url, method = excluded.method, encoding = excluded.encoding, \
           format = excluded.format, updated_at = excluded.updated_at";
    let s = settings;
    in_write!(db, c => sqlx::query(sql)
        .bind(site.0).bind(mode.as_str()).bind(&s.kind).bind(s.enabled).bind(&s.url)
        .bind(&s.method).bind(&s.encoding).bind(&s.format).bind(now_ms)
        .execute(&mut **c).await.map(|r| r.rows_affected()));
    Ok(())
}

/// The retry schedule of `site`, the same for both modes; `None` if there is no such site.
pub async fn retry_schedule(db: &Db, site: SiteId) -> Result<Option<RetrySchedule>, StoreError> {
    let sql = "SELECT notification_retry_intervals, notification_max_attempts FROM sites \
               WHERE id = $1";
    let row: Option<(String, i64)> =
        on_db!(db, pool => sqlx::query_as(sql).bind(site.0).fetch_optional(pool).await)?;
    row.map(|(intervals, max_attempts)| {
        RetrySchedule::parse(&intervals, max_attempts).ok_or_else(|| {
            StoreError::Corrupt(format!("retry schedule {intervals:?} × {max_attempts}"))
        })
    })
    .transpose()
}

/// Replaces the retry schedule of `site`; `false` if there is no such site. Notifications already
/// waiting keep the time their last failure set.
pub async fn set_retry_schedule(
    db: &Db,
    site: SiteId,
    schedule: &RetrySchedule,
) -> Result<bool, StoreError> {
    let sql = "UPDATE sites SET notification_retry_intervals = $1, notification_max_attempts = $2 \
               WHERE id = $3";
    let done = in_write!(db, c => sqlx::query(sql)
        .bind(schedule.intervals_text()).bind(schedule.max_attempts()).bind(site.0)
        .execute(&mut **c).await.map(|r| r.rows_affected()));
    Ok(done == 1)
}
