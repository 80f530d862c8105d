//! Saved-card tokens: a token names a vault card for one account of one site and mode.

use oblako_core::ids::{Mode, SiteId};

use crate::{Db, StoreError, Tx, on_db, on_tx};

/// Records a saved-card token.
pub async fn insert(
    tx: &mut Tx,
    token: &str,
    site: SiteId,
    mode: Mode,
    account_id: &str,
    card_id: i64,
    now_ms: i64,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO tokens (token, site_id, mode, account_id, card_id, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6)";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(token).bind(site.0).bind(mode.as_str()).bind(account_id).bind(card_id).bind(now_ms)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A token's account and vault card, if it belongs to `site` in `mode`.
pub async fn get(
    db: &Db,
    site: SiteId,
    mode: Mode,
    token: &str,
) -> Result<Option<(String, i64)>, StoreError> {
    let sql =
        "SELECT account_id, card_id FROM tokens WHERE token = $1 AND site_id = $2 AND mode = $3";
    let row = on_db!(db, pool => sqlx::query_as(sql)
        .bind(token).bind(site.0).bind(mode.as_str()).fetch_optional(pool).await)?;
    Ok(row)
}

const FOR_CARD: &str = "SELECT token FROM tokens WHERE site_id = $1 AND mode = $2 \
     AND account_id = $3 AND card_id = $4 ORDER BY created_at DESC LIMIT 1";

/// The newest token of an account for a vault card (so a card saved twice keeps one token).
pub async fn for_card(
    tx: &mut Tx,
    site: SiteId,
    mode: Mode,
    account_id: &str,
    card_id: i64,
) -> Result<Option<String>, StoreError> {
    let row = on_tx!(tx, c => sqlx::query_scalar(FOR_CARD)
        .bind(site.0).bind(mode.as_str()).bind(account_id).bind(card_id)
        .fetch_optional(&mut **c).await)?;
    Ok(row)
}

/// Like [`for_card`], outside any write transaction: tokens are never changed or deleted, so a
/// token found here stays valid.
pub async fn find_for_card(
    db: &Db,
    site: SiteId,
    mode: Mode,
    account_id: &str,
    card_id: i64,
) -> Result<Option<String>, StoreError> {
    let row = on_db!(db, pool => sqlx::query_scalar(FOR_CARD)
        .bind(site.0).bind(mode.as_str()).bind(account_id).bind(card_id)
        .fetch_optional(pool).await)?;
    Ok(row)
}

/// A site's tokens with their cards, a page at a time: (token, account, first six, last four,
/// expiry month, expiry year).
pub async fn list(
    db: &Db,
    site: SiteId,
    mode: Mode,
    limit: i64,
    offset: i64,
) -> Result<Vec<(String, String, String, String, i64, i64)>, StoreError> {
    let sql = "SELECT t.token, t.account_id, c.first_six, c.last_four, c.exp_month, c.exp_year \
               FROM tokens t JOIN cards c ON c.id = t.card_id \
               WHERE t.site_id = $1 AND t.mode = $2 ORDER BY t.created_at, t.token LIMIT $3 OFFSET $4";
    let rows = on_db!(db, pool => sqlx::query_as(sql)
        .bind(site.0).bind(mode.as_str()).bind(limit).bind(offset).fetch_all(pool).await)?;
    Ok(rows)
}
