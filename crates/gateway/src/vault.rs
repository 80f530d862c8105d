//! The card vault: a card number goes in encrypted and comes out only to pay with it.
//!
//! The PAN is sealed under a per-record data key (see `secrets`); a keyed fingerprint finds the
//! same card again; only the first six and last four digits, the expiry and the brand are kept in
//! clear. There is no place for a CVV.

use std::collections::HashMap;

use oblako_core::card::{CardExpiry, Pan};
use oblako_core::ids::{Mode, SiteId};
use oblako_store::{Db, cards};

use crate::secrets::{Purpose, Secrets};

/// Stores a card for a site and mode; returns its vault id (the same id for the same card).
pub async fn save_card(
    db: &Db,
    secrets: &Secrets,
    site: SiteId,
    mode: Mode,
    pan: &Pan,
    expiry: CardExpiry,
    now_ms: i64,
) -> anyhow::Result<i64> {
    let fingerprint = secrets.card_fingerprint(pan.expose());
    let pan_enc = secrets.seal(Purpose::CardPan, pan.expose().as_bytes())?;
    let card = cards::NewCard {
        site,
        mode,
        fingerprint: &fingerprint,
        first_six: pan.first_six(),
        last_four: pan.last_four(),
        exp_month: i64::from(expiry.month()),
        exp_year: i64::from(expiry.year()),
        brand: pan.brand().name(),
        pan_enc: &pan_enc,
    };
    Ok(cards::save(db, &card, now_ms).await?)
}

/// The card number of vault card `id`, if it belongs to `site` in `mode`.
pub async fn load_pan(
    db: &Db,
    secrets: &Secrets,
    site: SiteId,
    mode: Mode,
    id: i64,
) -> anyhow::Result<Option<(Pan, CardExpiry)>> {
    let Some(card) = cards::get(db, site, mode, id).await? else {
        return Ok(None);
    };
    Ok(Some(open_card(secrets, &card)?))
}

/// The account, vault card id and card number behind `token`, if the token belongs to `site`
/// in `mode` (one read: the token and its card together).
pub async fn load_token_card(
    db: &Db,
    secrets: &Secrets,
    site: SiteId,
    mode: Mode,
    token: &str,
) -> anyhow::Result<Option<(String, i64, Pan, CardExpiry)>> {
    let Some((account, card)) = cards::for_token(db, site, mode, token).await? else {
        return Ok(None);
    };
    let (pan, expiry) = open_card(secrets, &card)?;
    Ok(Some((account, card.id, pan, expiry)))
}

/// A subscription's token with its card, opened.
#[derive(Debug)]
pub struct TokenCard {
    /// The token.
    pub token: String,
    /// The account it was issued to.
    pub account: String,
    /// The vault card.
    pub card_id: i64,
    /// Its number.
    pub pan: Pan,
    /// Its expiry.
    pub expiry: CardExpiry,
}

/// For each of subscriptions `ids` whose token and card exist, by subscription id, the token
/// and its card, in one read; a card that does not open is left out.
pub async fn load_subscription_cards(
    db: &Db,
    secrets: &Secrets,
    ids: &[&str],
) -> anyhow::Result<HashMap<String, TokenCard>> {
    let mut out = HashMap::new();
    for (sub, token, account, card) in cards::for_subscriptions(db, ids).await? {
        // A card that does not open is left out: its job, run on its own, reports why.
        if let Ok((pan, expiry)) = open_card(secrets, &card) {
            let card_id = card.id;
            out.insert(
                sub,
                TokenCard {
                    token,
                    account,
                    card_id,
                    pan,
                    expiry,
                },
            );
        }
    }
    Ok(out)
}

fn open_card(secrets: &Secrets, card: &cards::StoredCard) -> anyhow::Result<(Pan, CardExpiry)> {
    let digits = secrets.open(Purpose::CardPan, &card.pan_enc)?;
    let pan = Pan::parse(std::str::from_utf8(&digits)?)?;
    let expiry = CardExpiry::new(i16::try_from(card.exp_year)?, i8::try_from(card.exp_month)?)?;
    Ok((pan, expiry))
}
