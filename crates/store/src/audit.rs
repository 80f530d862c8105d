//! The system log's own rows: the audit trail of cabinet actions (append-only: the database
//! refuses updates and deletes) and the API requests that were refused.

use oblako_core::ids::AccountId;

use crate::{Db, StoreError, in_write, on_db};

/// One cabinet action to record.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// Whose account.
    pub account: AccountId,
    /// Who did it, if known (a failed sign-in with an unknown e-mail has no one).
    pub staff_id: Option<i64>,
    /// The e-mail the action was made with.
    pub email: &'a str,
    /// What happened (`sign_in`, `sign_in_failed`, `rotate_secret`, `go_live`, …).
    pub action: &'a str,
    /// The site it concerns, if one.
    pub site_id: Option<i64>,
    /// Words about it; never a secret or a card number.
    pub detail: &'a str,
    /// The client's address.
    pub ip: &'a str,
}

/// A row of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EntryRow {
    /// Its id.
    pub id: i64,
    /// Who did it.
    pub email: String,
    /// What happened.
    pub action: String,
    /// The site it concerns.
    pub site_id: Option<i64>,
    /// Words about it.
    pub detail: String,
    /// The client's address.
    pub ip: String,
    /// When, Unix ms.
    pub created_at: i64,
}

/// Appends an entry.
pub async fn record(db: &Db, e: &NewEntry<'_>, now_ms: i64) -> Result<(), StoreError> {
    let sql = "INSERT INTO audit_log (account_id, staff_id, email, action, site_id, detail, ip, \
               created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    in_write!(db, c => sqlx::query(sql).bind(e.account.0).bind(e.staff_id).bind(e.email)
        .bind(e.action).bind(e.site_id).bind(e.detail).bind(e.ip).bind(now_ms)
        .execute(&mut **c).await.map(|_| ()));
    Ok(())
}

/// The newest entries of `account` older than `before` (an id; `i64::MAX` for the first page),
/// optionally of one site, in `[from_ms, to_ms)`.
pub async fn entries(
    db: &Db,
    account: AccountId,
    site: Option<i64>,
    from_ms: i64,
    to_ms: i64,
    before: i64,
    limit: i64,
) -> Result<Vec<EntryRow>, StoreError> {
    let sql = "SELECT id, email, action, site_id, detail, ip, created_at FROM audit_log \
               WHERE account_id = $1 AND ($2 IS NULL OR site_id = $2) AND created_at >= $3 \
               AND created_at < $4 AND id < $5 ORDER BY id DESC LIMIT $6";
    let rows = on_db!(db, pool => sqlx::query_as(sql).bind(account.0).bind(site).bind(from_ms)
        .bind(to_ms).bind(before).bind(limit).fetch_all(pool).await)?;
    Ok(rows)
}

/// One refused API request to record.
#[derive(Debug, Clone)]
pub struct Refusal<'a> {
    /// The site whose key was presented, if it named one.
    pub site_id: Option<i64>,
    /// `test`, `live`, or `none` when no key was recognised.
    pub key_kind: &'a str,
    /// HTTP method.
    pub method: &'a str,
    /// The path, without its query.
    pub path: &'a str,
    /// HTTP status answered.
    pub status: i64,
    /// The envelope's message.
    pub message: &'a str,
}

/// A refused request as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RefusalRow {
    /// Its id.
    pub id: i64,
    /// The site.
    pub site_id: Option<i64>,
    /// Key kind.
    pub key_kind: String,
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Status.
    pub status: i64,
    /// Message.
    pub message: String,
    /// When, Unix ms.
    pub created_at: i64,
}

/// Appends a refused request.
pub async fn record_refusal(db: &Db, r: &Refusal<'_>, now_ms: i64) -> Result<(), StoreError> {
    let sql = "INSERT INTO api_refusals (site_id, key_kind, method, path, status, message, \
               created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    in_write!(db, c => sqlx::query(sql).bind(r.site_id).bind(r.key_kind).bind(r.method)
        .bind(r.path).bind(r.status).bind(r.message).bind(now_ms).execute(&mut **c).await.map(|_| ()));
    Ok(())
}

/// The newest refusals on the sites of `account`, optionally one site, in `[from_ms, to_ms)`.
pub async fn refusals(
    db: &Db,
    account: AccountId,
    site: Option<i64>,
    from_ms: i64,
    to_ms: i64,
    before: i64,
    limit: i64,
) -> Result<Vec<RefusalRow>, StoreError> {
    let sql = "SELECT r.id, r.site_id, r.key_kind, r.method, r.path, r.status, r.message, \
               r.created_at FROM api_refusals r JOIN sites s ON s.id = r.site_id \
               WHERE s.account_id = $1 AND ($2 IS NULL OR r.site_id = $2) \
               AND r.created_at >= $3 AND r.created_at < $4 AND r.id < $5 \
               ORDER BY r.id DESC LIMIT $6";
    let rows = on_db!(db, pool => sqlx::query_as(sql).bind(account.0).bind(site).bind(from_ms)
        .bind(to_ms).bind(before).bind(limit).fetch_all(pool).await)?;
    Ok(rows)
}
