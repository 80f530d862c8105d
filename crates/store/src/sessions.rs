//! Cabinet sign-in sessions: server-side rows keyed by a hash of the cookie's value, so the
//! database never holds a usable session id.
//!
//! A session has a stage: `second_factor` (the password was right, a TOTP code is due),
//! `enrol` (the account requires two-factor and the user has none yet) or `full`.

use crate::staff::StaffRow;
use crate::{Db, StoreError, in_write, on_db};

/// A session and who it belongs to (read together: one round trip per signed-in request).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    /// `second_factor`, `enrol` or `full`.
    pub stage: String,
    /// The CSRF token of its forms.
    pub csrf: String,
    /// Sign-in time, Unix ms.
    pub session_created_at: i64,
    /// Last request, Unix ms.
    pub seen_at: i64,
    /// Whose session.
    #[sqlx(flatten)]
    pub staff: StaffRow,
}

/// Opens a session.
pub async fn open(
    db: &Db,
    id_hash: &[u8],
    staff: i64,
    stage: &str,
    csrf: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO staff_sessions (id_hash, staff_id, stage, csrf, created_at, seen_at) \
               VALUES ($1, $2, $3, $4, $5, $5)";
    in_write!(db, c => sqlx::query(sql).bind(id_hash).bind(staff).bind(stage).bind(csrf).bind(now_ms)
        .execute(&mut **c).await.map(|_| ()));
    Ok(())
}

/// The session with this id hash and its (enabled) staff member, if it is alive: seen after
/// `idle_since` and created after `born_since`.
pub async fn alive(
    db: &Db,
    id_hash: &[u8],
    idle_since: i64,
    born_since: i64,
) -> Result<Option<SessionRow>, StoreError> {
    let sql = "SELECT s.stage, s.csrf, s.created_at AS session_created_at, s.seen_at, t.id, \
               t.account_id, t.email, t.role, t.password_hash, t.totp_secret_enc, \
               t.totp_last_step, t.lang, t.disabled, t.failed_signins, t.locked_until, \
               t.created_at FROM staff_sessions s JOIN staff t ON t.id = s.staff_id \
               WHERE s.id_hash = $1 AND s.seen_at > $2 AND s.created_at > $3 \
               AND t.disabled = FALSE";
    let row = on_db!(db, pool => sqlx::query_as(sql).bind(id_hash).bind(idle_since).bind(born_since)
        .fetch_optional(pool).await)?;
    Ok(row)
}

/// Notes a request on the session (its idle time starts again).
pub async fn touch(db: &Db, id_hash: &[u8], now_ms: i64) -> Result<(), StoreError> {
    let sql = "UPDATE staff_sessions SET seen_at = $1 WHERE id_hash = $2";
    in_write!(db, c => sqlx::query(sql).bind(now_ms).bind(id_hash).execute(&mut **c).await.map(|_| ()));
    Ok(())
}

/// Ends one session.
pub async fn end(db: &Db, id_hash: &[u8]) -> Result<(), StoreError> {
    let sql = "DELETE FROM staff_sessions WHERE id_hash = $1";
    in_write!(db, c => sqlx::query(sql).bind(id_hash).execute(&mut **c).await.map(|_| ()));
    Ok(())
}

/// Ends every session of a staff member (sign-out everywhere, a disabled user, a new password).
pub async fn end_all(db: &Db, staff: i64) -> Result<u64, StoreError> {
    let sql = "DELETE FROM staff_sessions WHERE staff_id = $1";
    let n = in_write!(db, c => sqlx::query(sql).bind(staff).execute(&mut **c).await.map(|r| r.rows_affected()));
    Ok(n)
}

/// Deletes sessions idle since `idle_since` or created before `born_since`.
pub async fn purge(db: &Db, idle_since: i64, born_since: i64) -> Result<u64, StoreError> {
    let sql = "DELETE FROM staff_sessions WHERE seen_at <= $1 OR created_at <= $2";
    let n = in_write!(db, c => sqlx::query(sql).bind(idle_since).bind(born_since)
        .execute(&mut **c).await.map(|r| r.rows_affected()));
    Ok(n)
}
