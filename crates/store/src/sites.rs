//! Accounts, sites and their key pairs.
//!
//! An account (the merchant) owns sites. Each site has one test and one live key pair; the API
//! Secret itself is never stored, only a keyed hash to verify it and an encrypted copy to sign
//! notifications (the server does the cryptography; this module keeps the bytes).

use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Db, StoreError, in_write, on_db, on_tx};
use oblako_core::ids::{AccountId, Mode, SiteId};

/// Changes this process made to sites and their keys, counted (see [`changes`]).
static CHANGES: AtomicU64 = AtomicU64::new(0);

/// How many changes this process has made to sites and their keys (rotated secrets, settings,
/// going live). A cache of [`key_by_public_id`] reads this before it reads the database and
/// drops what it read under an older count, so a change made here applies at once; a change
/// made by another process needs the cache's own time limit.
pub fn changes() -> u64 {
    CHANGES.load(Ordering::SeqCst)
}

/// Counts a change, after its write (so a reader that saw the old row saw the old count).
pub(crate) fn changed() {
    CHANGES.fetch_add(1, Ordering::SeqCst);
}

/// A site (terminal) as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Its id.
    pub id: SiteId,
    /// The owning account.
    pub account_id: AccountId,
    /// Display name.
    pub name: String,
    /// Whether the site has gone live (live keys work only then).
    pub production: bool,
    /// The model's `TerminalUrl`.
    pub terminal_url: String,
    /// Issue card tokens after successful payments.
    pub save_tokens: bool,
    /// Confirm authorizations automatically after this many days; `None` = never.
    pub auto_confirm_days: Option<i64>,
    /// Fee in basis points of the amount.
    pub fee_rate_bp: i64,
    /// Creation time, Unix ms.
    pub created_at: i64,
    /// When the site went live, Unix ms.
    pub went_live_at: Option<i64>,
}

/// One key pair's stored half.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteKey {
    /// The Public ID (`test_api_…` or `pk_…`).
    pub public_id: String,
    /// The site it belongs to.
    pub site_id: SiteId,
    /// Test or live.
    pub mode: Mode,
    /// Keyed hash of the API Secret.
    pub secret_hash: Vec<u8>,
    /// The API Secret encrypted under the key-encryption key.
    pub secret_enc: Vec<u8>,
}

macro_rules! site_columns {
    () => {
        "s.id, s.account_id, s.name, s.production, s.terminal_url, s.save_tokens, \
         s.auto_confirm_days, s.fee_rate_bp, s.created_at, s.went_live_at"
    };
}

type SiteRow = (
    i64,
    i64,
    String,
    bool,
    String,
    bool,
    Option<i64>,
    i64,
    i64,
    Option<i64>,
);

fn site_from(row: SiteRow) -> Site {
    let (id, account_id, name, production, terminal_url, save_tokens, auto_confirm_days) =
        (row.0, row.1, row.2, row.3, row.4, row.5, row.6);
    Site {
        id: SiteId(id),
        account_id: AccountId(account_id),
        name,
        production,
        terminal_url,
        save_tokens,
        auto_confirm_days,
        fee_rate_bp: row.7,
        created_at: row.8,
        went_live_at: row.9,
    }
}

fn mode_of(text: &str) -> Result<Mode, StoreError> {
    Mode::parse(text).ok_or_else(|| StoreError::Corrupt(format!("unknown mode {text:?}")))
}

/// Creates an account.
pub async fn create_account(db: &Db, name: &str, now_ms: i64) -> Result<AccountId, StoreError> {
    let sql = "INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id";
    let id: i64 = in_write!(db, c => sqlx::query_scalar(sql).bind(name).bind(now_ms).fetch_one(&mut **c).await);
    Ok(AccountId(id))
}

/// Creates a site in test mode with its two key pairs, in one transaction.
pub async fn create_site(
    db: &Db,
    account: AccountId,
    name: &str,
    now_ms: i64,
    keys: [(Mode, String, Vec<u8>, Vec<u8>); 2],
) -> Result<SiteId, StoreError> {
    let mut tx = db.begin_write().await?;
    let insert_site =
        "INSERT INTO sites (account_id, name, created_at) VALUES ($1, $2, $3) RETURNING id";
    let insert_key = "INSERT INTO site_keys (public_id, site_id, mode, secret_hash, secret_enc, \
         rotated_at) VALUES ($1, $2, $3, $4, $5, $6)";
    let id: i64 = on_tx!(&mut tx, c => {
        let id: i64 = sqlx::query_scalar(insert_site)
            .bind(account.0).bind(name).bind(now_ms)
            .fetch_one(&mut **c).await?;
        for (mode, public_id, hash, enc) in &keys {
            sqlx::query(insert_key)
                .bind(public_id).bind(id).bind(mode.as_str()).bind(hash).bind(enc).bind(now_ms)
                .execute(&mut **c).await?;
        }
        Ok::<i64, sqlx::Error>(id)
    })?;
    tx.commit().await?;
    Ok(SiteId(id))
}

/// The site with `id`, if any.
pub async fn site(db: &Db, id: SiteId) -> Result<Option<Site>, StoreError> {
    let sql = concat!("SELECT ", site_columns!(), " FROM sites s WHERE s.id = $1");
    let row: Option<SiteRow> =
        on_db!(db, pool => sqlx::query_as(sql).bind(id.0).fetch_optional(pool).await)?;
    Ok(row.map(site_from))
}

/// Every site, oldest first.
pub async fn list_sites(db: &Db) -> Result<Vec<Site>, StoreError> {
    let sql = concat!("SELECT ", site_columns!(), " FROM sites s ORDER BY s.id");
    let rows: Vec<SiteRow> = on_db!(db, pool => sqlx::query_as(sql).fetch_all(pool).await)?;
    Ok(rows.into_iter().map(site_from).collect())
}

/// The key with `public_id` and its site: what Basic auth looks up.
pub async fn key_by_public_id(
    db: &Db,
    public_id: &str,
) -> Result<Option<(SiteKey, Site)>, StoreError> {
    // One read for the key and its site: Basic auth runs on every request.
    let sql = concat!(
        "SELECT k.public_id, k.mode, k.secret_hash, k.secret_enc, ",
        site_columns!(),
        " FROM site_keys k JOIN sites s ON s.id = k.site_id WHERE k.public_id = $1"
    );
    type KeyAndSite = (
        String,
        String,
        Vec<u8>,
        Vec<u8>,
        i64,
        i64,
        String,
        bool,
        String,
        bool,
        Option<i64>,
        i64,
        i64,
        Option<i64>,
    );
    let row: Option<KeyAndSite> =
        on_db!(db, pool => sqlx::query_as(sql).bind(public_id).fetch_optional(pool).await)?;
    let Some(r) = row else {
        return Ok(None);
    };
    let site = site_from((r.4, r.5, r.6, r.7, r.8, r.9, r.10, r.11, r.12, r.13));
    let key = SiteKey {
        public_id: r.0,
        site_id: site.id,
        mode: mode_of(&r.1)?,
        secret_hash: r.2,
        secret_enc: r.3,
    };
    Ok(Some((key, site)))
}

/// Both keys of a site, test first.
pub async fn keys_of(db: &Db, site: SiteId) -> Result<Vec<SiteKey>, StoreError> {
    let sql = "SELECT public_id, mode, secret_hash, secret_enc FROM site_keys \
               WHERE site_id = $1 ORDER BY mode DESC";
    let rows: Vec<(String, String, Vec<u8>, Vec<u8>)> =
        on_db!(db, pool => sqlx::query_as(sql).bind(site.0).fetch_all(pool).await)?;
    rows.into_iter()
        .map(|(public_id, mode, secret_hash, secret_enc)| {
            Ok(SiteKey {
                public_id,
                site_id: site,
                mode: mode_of(&mode)?,
                secret_hash,
                secret_enc,
            })
        })
        .collect()
}

/// Replaces the API Secret of one key pair; `false` if the site has no such key.
pub async fn rotate_secret(
    db: &Db,
    site: SiteId,
    mode: Mode,
    secret_hash: &[u8],
    secret_enc: &[u8],
    now_ms: i64,
) -> Result<bool, StoreError> {
    let sql = "UPDATE site_keys SET secret_hash = $1, secret_enc = $2, rotated_at = $3 \
               WHERE site_id = $4 AND mode = $5";
    let done = in_write!(db, c => sqlx::query(sql)
        .bind(secret_hash).bind(secret_enc).bind(now_ms).bind(site.0).bind(mode.as_str())
        .execute(&mut **c).await.map(|r| r.rows_affected()));
    changed();
    Ok(done == 1)
}

/// Switches a site to production, and stops its test clock (a live site runs on the wall clock);
/// `false` if there is no such site or it is live already.
pub async fn go_live(db: &Db, site: SiteId, now_ms: i64) -> Result<bool, StoreError> {
    let sql = "UPDATE sites SET production = TRUE, went_live_at = $1 \
               WHERE id = $2 AND production = FALSE";
    let mut tx = db.begin_write().await?;
    let done = on_tx!(&mut tx, c => {
        let done = sqlx::query(sql).bind(now_ms).bind(site.0).execute(&mut **c).await?
            .rows_affected();
        sqlx::query("DELETE FROM site_clocks WHERE site_id = $1")
            .bind(site.0).execute(&mut **c).await?;
        Ok::<u64, sqlx::Error>(done)
    })?;
    tx.commit().await?;
    changed();
    Ok(done == 1)
}

/// The per-site settings later features read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The model's `TerminalUrl`.
    pub terminal_url: String,
    /// Issue card tokens after successful payments.
    pub save_tokens: bool,
    /// Confirm authorizations automatically after this many days; `None` = never.
    pub auto_confirm_days: Option<i64>,
    /// Fee in basis points.
    pub fee_rate_bp: i64,
}

/// Replaces a site's settings; `false` if there is no such site.
pub async fn update_settings(
    db: &Db,
    site: SiteId,
    settings: &Settings,
) -> Result<bool, StoreError> {
    let sql = "UPDATE sites SET terminal_url = $1, save_tokens = $2, auto_confirm_days = $3, \
               fee_rate_bp = $4 WHERE id = $5";
    let done = in_write!(db, c => sqlx::query(sql)
        .bind(&settings.terminal_url).bind(settings.save_tokens).bind(settings.auto_confirm_days)
        .bind(settings.fee_rate_bp).bind(site.0)
        .execute(&mut **c).await.map(|r| r.rows_affected()));
    changed();
    Ok(done == 1)
}

/// The sites of `account`, oldest first.
pub async fn sites_of(db: &Db, account: AccountId) -> Result<Vec<Site>, StoreError> {
    let sql = concat!(
        "SELECT ",
        site_columns!(),
        " FROM sites s WHERE s.account_id = $1 ORDER BY s.id"
    );
    let rows: Vec<SiteRow> =
        on_db!(db, pool => sqlx::query_as(sql).bind(account.0).fetch_all(pool).await)?;
    Ok(rows.into_iter().map(site_from).collect())
}

/// Renames a site.
pub async fn rename(db: &Db, site: SiteId, name: &str) -> Result<(), StoreError> {
    let sql = "UPDATE sites SET name = $1 WHERE id = $2";
    in_write!(db, c => sqlx::query(sql).bind(name).bind(site.0).execute(&mut **c).await.map(|_| ()));
    changed();
    Ok(())
}
