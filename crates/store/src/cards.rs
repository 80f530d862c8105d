//! The card vault's rows: the PAN only as ciphertext, a keyed fingerprint to find the same card
//! again, and the parts that may be shown (first six, last four, expiry, brand). No CVV column
//! exists.

use oblako_core::ids::{Mode, SiteId};

use crate::{Db, StoreError, in_write, on_db};

/// A card to store.
#[derive(Debug, Clone)]
pub struct NewCard<'a> {
    /// Owning site.
    pub site: SiteId,
    /// Mode of the payment that brought it.
    pub mode: Mode,
    /// Keyed hash of the PAN.
    pub fingerprint: &'a [u8],
    /// BIN.
    pub first_six: &'a str,
    /// Last four digits.
    pub last_four: &'a str,
    /// Expiry month.
    pub exp_month: i64,
    /// Expiry year, four digits.
    pub exp_year: i64,
    /// `CardType` name.
    pub brand: &'a str,
    /// The PAN encrypted by the vault.
    pub pan_enc: &'a [u8],
}

/// A stored card.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredCard {
    /// Row id.
    pub id: i64,
    /// BIN.
    pub first_six: String,
    /// Last four digits.
    pub last_four: String,
    /// Expiry month.
    pub exp_month: i64,
    /// Expiry year.
    pub exp_year: i64,
    /// `CardType` name.
    pub brand: String,
    /// The PAN encrypted by the vault.
    pub pan_enc: Vec<u8>,
}

/// Saves a card, or refreshes the ciphertext of the same card (same fingerprint) on the same
/// site and mode, taking its expiry only when it is later than the stored one: a payer who types
/// a stale expiry must not break the card's saved token. Returns the row id.
///
/// A card already stored with this expiry or a later one is not written again: a card that pays
/// often would otherwise be one hot row that every payment with it waits to lock.
pub async fn save(db: &Db, card: &NewCard<'_>, now_ms: i64) -> Result<i64, StoreError> {
    let known = "SELECT id, exp_year * 12 + exp_month FROM cards \
                 WHERE site_id = $1 AND mode = $2 AND fingerprint = $3";
    let stored: Option<(i64, i64)> = on_db!(db, pool => sqlx::query_as(known)
        .bind(card.site.0).bind(card.mode.as_str()).bind(card.fingerprint)
        .fetch_optional(pool).await)?;
    if let Some((id, expiry)) = stored
        && expiry >= card.exp_year * 12 + card.exp_month
    {
        return Ok(id);
    }
    let sql = "INSERT INTO cards (site_id, mode, fingerprint, first_six, last_four, exp_month, \
           exp_year, brand, pan_enc, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (site_id, mode, fingerprint) DO UPDATE SET \
           exp_month = CASE WHEN excluded.exp_year * 12 + excluded.exp_month \
             > cards.exp_year * 12 + cards.exp_month THEN excluded.exp_month ELSE cards.exp_month END, \
           exp_year = CASE WHEN excluded.exp_year * 12 + excluded.exp_month \
             > cards.exp_year * 12 + cards.exp_month THEN excluded.exp_year ELSE cards.exp_year END, \
           pan_enc = excluded.pan_enc \
         RETURNING id";
    let id: i64 = in_write!(db, c => sqlx::query_scalar(sql)
        .bind(card.site.0).bind(card.mode.as_str()).bind(card.fingerprint)
        .bind(card.first_six).bind(card.last_four).bind(card.exp_month).bind(card.exp_year)
        .bind(card.brand).bind(card.pan_enc).bind(now_ms)
        .fetch_one(&mut **c).await);
    Ok(id)
}

/// The card `id` if it belongs to `site` in `mode`; a foreign card is simply not found.
pub async fn get(
    db: &Db,
    site: SiteId,
    mode: Mode,
    id: i64,
) -> Result<Option<StoredCard>, StoreError> {
    let sql = "SELECT id, first_six, last_four, exp_month, exp_year, brand, pan_enc FROM cards \
               WHERE id = $1 AND site_id = $2 AND mode = $3";
    let row: Option<(i64, String, String, i64, i64, String, Vec<u8>)> = on_db!(db, pool => sqlx::query_as(sql).bind(id).bind(site.0).bind(mode.as_str())
            .fetch_optional(pool).await)?;
    Ok(row.map(
        |(id, first_six, last_four, exp_month, exp_year, brand, pan_enc)| StoredCard {
            id,
            first_six,
            last_four,
            exp_month,
            exp_year,
            brand,
            pan_enc,
        },
    ))
}

/// A token's account and card.
#[derive(sqlx::FromRow)]
struct TokenCard {
    account_id: String,
    #[sqlx(flatten)]
    card: StoredCard,
}

/// A subscription's token with its account and card.
#[derive(sqlx::FromRow)]
struct SubscriptionCard {
    subscription_id: String,
    token: String,
    #[sqlx(flatten)]
    held: TokenCard,
}

/// The card columns of a token joined with its card (`t`, `c`).
const TOKEN_CARD: &str = "t.account_id, c.id, c.first_six, c.last_four, c.exp_month, \
     c.exp_year, c.brand, c.pan_enc";

/// For each of subscriptions `ids` whose token and card exist: (subscription id, token,
/// account, card), in one read (the billing round). The token and card are looked up within the
/// subscription's own site and mode.
pub async fn for_subscriptions(
    db: &Db,
    ids: &[&str],
) -> Result<Vec<(String, String, String, StoredCard)>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT s.id AS subscription_id, t.token, {TOKEN_CARD} FROM subscriptions s \
         JOIN tokens t ON t.token = s.token AND t.site_id = s.site_id AND t.mode = s.mode \
         JOIN cards c ON c.id = t.card_id AND c.site_id = t.site_id AND c.mode = t.mode \
         WHERE s.id IN ({})",
        crate::params::Marks::on_db(db).list(ids.len())
    ));
    let rows: Vec<SubscriptionCard> = on_db!(db, pool => {
        let mut q = sqlx::query_as(sql).persistent(false);
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(pool).await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| (r.subscription_id, r.token, r.held.account_id, r.held.card))
        .collect())
}

/// The account and vault card of `token`, if the token belongs to `site` in `mode`: one read
/// for a token payment (the card is looked up within the same site and mode too).
pub async fn for_token(
    db: &Db,
    site: SiteId,
    mode: Mode,
    token: &str,
) -> Result<Option<(String, StoredCard)>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {TOKEN_CARD} FROM tokens t JOIN cards c \
         ON c.id = t.card_id AND c.site_id = t.site_id AND c.mode = t.mode \
         WHERE t.token = $1 AND t.site_id = $2 AND t.mode = $3"
    ));
    let row: Option<TokenCard> = on_db!(db, pool => sqlx::query_as(sql).bind(token)
        .bind(site.0).bind(mode.as_str()).fetch_optional(pool).await)?;
    Ok(row.map(|r| (r.account_id, r.card)))
}
