//! Test clocks: per-site offsets ahead of the wall clock (`site_clocks`).
//!
//! A site's "now" is the wall clock plus its offset; a site without a row runs on the wall clock.
//! The offset only grows ([`advance_to`]), only a site not in production has one, and going live
//! removes it ([`crate::sites::go_live`]). Queries that pick due rows across sites compare each
//! row's due time against its own site's now with [`site_due!`](crate::site_due), so every node
//! reads the same offsets from the database.

use oblako_core::ids::SiteId;

use crate::{Db, StoreError, in_write, on_db};

/// SQL for the offset, in ms, of the site `$site` names (0 without a clock).
#[macro_export]
macro_rules! site_offset {
    ($site:literal) => {
        concat!(
            "COALESCE((SELECT k.offset_ms FROM site_clocks k WHERE k.site_id = ",
            $site,
            "), 0)"
        )
    };
}

/// SQL true when the due time `$due` (Unix ms, in its site's time) has come for the row whose site
/// is `$site`, with `$now` the wall clock. The first test bounds the due index's range by the
/// largest offset (0 when no site has a clock), so a scan of the index costs what it did before
/// test clocks; the second is the row's own site's now.
#[macro_export]
macro_rules! site_due {
    ($due:literal, $site:literal, $now:literal) => {
        concat!(
            $due,
            " <= ",
            $now,
            " + (SELECT COALESCE(MAX(k.offset_ms), 0) FROM site_clocks k) AND ",
            $due,
            " <= ",
            $now,
            " + ",
            $crate::site_offset!($site)
        )
    };
}

/// Every site's offset, in ms (sites without a clock are left out).
pub async fn offsets(db: &Db) -> Result<Vec<(SiteId, i64)>, StoreError> {
    let sql = "SELECT site_id, offset_ms FROM site_clocks";
    let rows: Vec<(i64, i64)> = on_db!(db, pool => sqlx::query_as(sql).fetch_all(pool).await)?;
    Ok(rows.into_iter().map(|(s, o)| (SiteId(s), o)).collect())
}

/// `site`'s offset in ms; 0 without a clock.
pub async fn offset(db: &Db, site: SiteId) -> Result<i64, StoreError> {
    let sql = "SELECT offset_ms FROM site_clocks WHERE site_id = $1";
    let row: Option<i64> =
        on_db!(db, pool => sqlx::query_scalar(sql).bind(site.0).fetch_optional(pool).await)?;
    Ok(row.unwrap_or(0))
}

/// Raises `site`'s offset to `offset_ms` (never lowers it: of two racing advances the larger
/// wins) and answers the offset now stored; `None`, with nothing written, when the site does not
/// exist or is in production.
pub async fn advance_to(
    db: &Db,
    site: SiteId,
    offset_ms: i64,
    now_ms: i64,
) -> Result<Option<i64>, StoreError> {
    let sql = "INSERT INTO site_clocks (site_id, offset_ms, moved_at) \
         SELECT id, $2, $3 FROM sites WHERE id = $1 AND production = FALSE \
         ON CONFLICT (site_id) DO UPDATE SET \
           offset_ms = CASE WHEN excluded.offset_ms > site_clocks.offset_ms \
             THEN excluded.offset_ms ELSE site_clocks.offset_ms END, \
           moved_at = excluded.moved_at \
         RETURNING offset_ms";
    let stored: Option<i64> = in_write!(db, c => sqlx::query_scalar(sql)
        .bind(site.0).bind(offset_ms.max(0)).bind(now_ms).fetch_optional(&mut **c).await);
    Ok(stored)
}
