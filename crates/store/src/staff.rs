//! The merchant's staff: users of an account with a role, their one-time set-up links, their
//! password hashes and second factors, sign-in failures and lock-outs, and recovery codes.
//!
//! Every lookup by id is scoped by account, so another account's id reads as nonexistent.
//! Secrets arrive here already hashed or sealed (the server does the cryptography).

use oblako_core::ids::AccountId;

use crate::{Db, StoreError, in_write, on_db};

/// A staff member as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StaffRow {
    /// Its id.
    pub id: i64,
    /// The account it belongs to.
    pub account_id: i64,
    /// E-mail address, lower case.
    pub email: String,
    /// Role spelling (`oblako_core::staff::Role`).
    pub role: String,
    /// Argon2id PHC string; `None` until the set-up link is used.
    pub password_hash: Option<String>,
    /// The TOTP secret, sealed; `None` until enrolled.
    pub totp_secret_enc: Option<Vec<u8>>,
    /// The last TOTP time step accepted (a code works once).
    pub totp_last_step: i64,
    /// Chosen page language, if any.
    pub lang: Option<String>,
    /// Disabled by an owner: cannot sign in.
    pub disabled: bool,
    /// Consecutive failed sign-ins.
    pub failed_signins: i64,
    /// Locked until then, Unix ms (0 = not locked).
    pub locked_until: i64,
    /// Creation, Unix ms.
    pub created_at: i64,
}

const COLUMNS: &str = "id, account_id, email, role, password_hash, totp_secret_enc, \
    totp_last_step, lang, disabled, failed_signins, locked_until, created_at";

/// Creates a staff member without a password; `None` if the e-mail is taken.
pub async fn create(
    db: &Db,
    account: AccountId,
    email: &str,
    role: &str,
    now_ms: i64,
) -> Result<Option<i64>, StoreError> {
    let sql = "INSERT INTO staff (account_id, email, role, created_at) VALUES ($1, $2, $3, $4) \
               ON CONFLICT (email) DO NOTHING RETURNING id";
    let id: Option<i64> = in_write!(db, c => sqlx::query_scalar(sql)
        .bind(account.0).bind(email).bind(role).bind(now_ms).fetch_optional(&mut **c).await);
    Ok(id)
}

/// The staff member with this e-mail, of any account (sign-in looks up by e-mail).
pub async fn by_email(db: &Db, email: &str) -> Result<Option<StaffRow>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM staff WHERE email = $1"));
    let row = on_db!(db, pool => sqlx::query_as(sql).bind(email).fetch_optional(pool).await)?;
    Ok(row)
}

/// The staff member `id` of `account`.
pub async fn get(db: &Db, account: AccountId, id: i64) -> Result<Option<StaffRow>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM staff WHERE id = $1 AND account_id = $2"
    ));
    let row = on_db!(db, pool => sqlx::query_as(sql).bind(id).bind(account.0).fetch_optional(pool).await)?;
    Ok(row)
}

/// Everyone in `account`, oldest first.
pub async fn list(db: &Db, account: AccountId) -> Result<Vec<StaffRow>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM staff WHERE account_id = $1 ORDER BY id LIMIT 1000"
    ));
    let rows = on_db!(db, pool => sqlx::query_as(sql).bind(account.0).fetch_all(pool).await)?;
    Ok(rows)
}

/// Sets the role and the disabled flag of staff member `id` of `account`; `false` if none.
pub async fn set_role(
    db: &Db,
    account: AccountId,
    id: i64,
    role: &str,
    disabled: bool,
) -> Result<bool, StoreError> {
    let sql = "UPDATE staff SET role = $1, disabled = $2 WHERE id = $3 AND account_id = $4";
    let n = in_write!(db, c => sqlx::query(sql).bind(role).bind(disabled).bind(id).bind(account.0)
        .execute(&mut **c).await.map(|r| r.rows_affected()));
    Ok(n == 1)
}

/// Sets the password hash (and clears failures and lock-out).
pub async fn set_password(db: &Db, id: i64, hash: &str) -> Result<(), StoreError> {
    let sql = "UPDATE staff SET password_hash = $1, failed_signins = 0, locked_until = 0 \
               WHERE id = $2";
    in_write!(db, c => sqlx::query(sql).bind(hash).bind(id).execute(&mut **c).await.map(|_| ()));
    Ok(())
}

/// Sets the sealed TOTP secret (enrolment) and the step the enrolling code used.
pub async fn set_totp(db: &Db, id: i64, sealed: &[u8], step: i64) -> Result<(), StoreError> {
    let sql = "UPDATE staff SET totp_secret_enc = $1, totp_last_step = $2 WHERE id = $3";
    in_write!(db, c => sqlx::query(sql).bind(sealed).bind(step).bind(id).execute(&mut **c).await.map(|_| ()));
    Ok(())
}

/// Records a TOTP step as used; `false` if it (or a later one) was used already (a replay).
pub async fn use_totp_step(db: &Db, id: i64, step: i64) -> Result<bool, StoreError> {
    let sql = "UPDATE staff SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1";
    let n = in_write!(db, c => sqlx::query(sql).bind(step).bind(id)
        .execute(&mut **c).await.map(|r| r.rows_affected()));
    Ok(n == 1)
}

/// Sets the page language.
pub async fn set_lang(db: &Db, id: i64, lang: &str) -> Result<(), StoreError> {
    let sql = "UPDATE staff SET lang = $1 WHERE id = $2";
    in_write!(db, c => sqlx::query(sql).bind(lang).bind(id).execute(&mut **c).await.map(|_| ()));
    Ok(())
}

/// Counts a failed sign-in; the `limit`-th failure in a row locks the user until `lock_until`
/// and starts the count again. Answers whether this failure locked the user.
pub async fn sign_in_failed(
    db: &Db,
    id: i64,
    limit: i64,
    lock_until: i64,
) -> Result<bool, StoreError> {
    let sql = "UPDATE staff SET \
         locked_until = CASE WHEN failed_signins + 1 >= $1 THEN $2 ELSE locked_until END, \
         failed_signins = CASE WHEN failed_signins + 1 >= $1 THEN 0 ELSE failed_signins + 1 END \
         WHERE id = $3 RETURNING locked_until";
    let locked: i64 = in_write!(db, c => sqlx::query_scalar(sql).bind(limit).bind(lock_until)
        .bind(id).fetch_one(&mut **c).await);
    Ok(locked == lock_until)
}

/// Clears the failure count after a good password.
pub async fn sign_in_succeeded(db: &Db, id: i64) -> Result<(), StoreError> {
    let sql = "UPDATE staff SET failed_signins = 0 WHERE id = $1";
    in_write!(db, c => sqlx::query(sql).bind(id).execute(&mut **c).await.map(|_| ()));
    Ok(())
}

/// Stores a set-up link's token hash for `staff`, valid until `expires_at`.
pub async fn add_link(
    db: &Db,
    staff: i64,
    token_hash: &[u8],
    expires_at: i64,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO staff_links (token_hash, staff_id, expires_at) VALUES ($1, $2, $3)";
    in_write!(db, c => sqlx::query(sql).bind(token_hash).bind(staff).bind(expires_at)
        .execute(&mut **c).await.map(|_| ()));
    Ok(())
}

/// The staff member a set-up link is for, if it is unused and not expired.
pub async fn link_staff(
    db: &Db,
    token_hash: &[u8],
    now_ms: i64,
) -> Result<Option<StaffRow>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM staff s JOIN staff_links l ON l.staff_id = s.id \
         WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2",
        crate::params::qualified(COLUMNS, "s")
    ));
    let row = on_db!(db, pool => sqlx::query_as(sql).bind(token_hash).bind(now_ms).fetch_optional(pool).await)?;
    Ok(row)
}

/// Uses a set-up link up; `false` if it was used already (two tabs).
pub async fn use_link(db: &Db, token_hash: &[u8], now_ms: i64) -> Result<bool, StoreError> {
    let sql = "UPDATE staff_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL";
    let n = in_write!(db, c => sqlx::query(sql).bind(now_ms).bind(token_hash)
        .execute(&mut **c).await.map(|r| r.rows_affected()));
    Ok(n == 1)
}

/// Replaces a user's recovery codes with these hashes.
pub async fn set_recovery_codes(db: &Db, staff: i64, hashes: &[Vec<u8>]) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    crate::on_tx!(&mut tx, c => {
        sqlx::query("DELETE FROM staff_recovery_codes WHERE staff_id = $1")
            .bind(staff).execute(&mut **c).await?;
        for hash in hashes {
            sqlx::query("INSERT INTO staff_recovery_codes (staff_id, code_hash) VALUES ($1, $2)")
                .bind(staff).bind(hash).execute(&mut **c).await?;
        }
        Ok::<(), sqlx::Error>(())
    })?;
    tx.commit().await?;
    Ok(())
}

/// Uses up one recovery code; `false` if it is not one of the user's unused codes.
pub async fn use_recovery_code(
    db: &Db,
    staff: i64,
    hash: &[u8],
    now_ms: i64,
) -> Result<bool, StoreError> {
    let sql = "UPDATE staff_recovery_codes SET used_at = $1 \
               WHERE staff_id = $2 AND code_hash = $3 AND used_at IS NULL";
    let n = in_write!(db, c => sqlx::query(sql).bind(now_ms).bind(staff).bind(hash)
        .execute(&mut **c).await.map(|r| r.rows_affected()));
    Ok(n == 1)
}

/// Whether `account` requires two-factor sign-in.
pub async fn requires_two_factor(db: &Db, account: AccountId) -> Result<bool, StoreError> {
    let sql = "SELECT require_two_factor FROM accounts WHERE id = $1";
    let v: Option<bool> =
        on_db!(db, pool => sqlx::query_scalar(sql).bind(account.0).fetch_optional(pool).await)?;
    Ok(v.unwrap_or(false))
}

/// Sets whether `account` requires two-factor sign-in.
pub async fn require_two_factor(db: &Db, account: AccountId, on: bool) -> Result<(), StoreError> {
    let sql = "UPDATE accounts SET require_two_factor = $1 WHERE id = $2";
    in_write!(db, c => sqlx::query(sql).bind(on).bind(account.0).execute(&mut **c).await.map(|_| ()));
    Ok(())
}

/// The account named `name`, if any (the oldest of that name).
pub async fn account_by_name(db: &Db, name: &str) -> Result<Option<AccountId>, StoreError> {
    let sql = "SELECT id FROM accounts WHERE name = $1 ORDER BY id LIMIT 1";
    let id: Option<i64> =
        on_db!(db, pool => sqlx::query_scalar(sql).bind(name).fetch_optional(pool).await)?;
    Ok(id.map(AccountId))
}

/// Whether anyone has ever been made staff (first start prints a set-up link when not).
pub async fn any(db: &Db) -> Result<bool, StoreError> {
    let sql = "SELECT id FROM staff LIMIT 1";
    let id: Option<i64> = on_db!(db, pool => sqlx::query_scalar(sql).fetch_optional(pool).await)?;
    Ok(id.is_some())
}
