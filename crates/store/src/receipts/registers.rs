//! The emulated fiscal registers: one per site, mode and INN, with the counters that number its
//! documents and shifts. The counters are read under a row lock ([`for_update`]) and written back
//! ([`save_counters`]) in the transaction that records the receipts they numbered.

use oblako_core::ids::{Mode, SiteId};
use oblako_core::receipt::Counters;

use crate::{Db, StoreError, Tx, on_db, on_tx};

/// A register to set up.
#[derive(Debug, Clone)]
pub struct NewRegister<'a> {
    /// The site.
    pub site: SiteId,
    /// Test or live.
    pub mode: Mode,
    /// The owner's INN.
    pub inn: &'a str,
    /// Taxation systems, comma-separated codes (`0`, `1,2`).
    pub taxation_systems: &'a str,
    /// Registration number (РН ККТ).
    pub reg_number: &'a str,
    /// The device's serial.
    pub device_number: &'a str,
    /// The fiscal drive's serial (ФН).
    pub fiscal_number: &'a str,
    /// Fiscal data operator.
    pub ofd: &'a str,
    /// Place of settlement (tag 1187).
    pub calculation_place: &'a str,
    /// Now, Unix ms.
    pub created_at: i64,
}

/// A stored register.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegisterRow {
    /// Its id.
    pub id: i64,
    /// The site.
    #[sqlx(try_from = "i64")]
    pub site_id: SiteId,
    /// Test or live.
    #[sqlx(try_from = "crate::spelled::Spelled<Mode>")]
    pub mode: Mode,
    /// The owner's INN.
    pub inn: String,
    /// Taxation systems, comma-separated codes.
    pub taxation_systems: String,
    /// Registration number.
    pub reg_number: String,
    /// The device's serial.
    pub device_number: String,
    /// The fiscal drive's serial.
    pub fiscal_number: String,
    /// Fiscal data operator.
    pub ofd: String,
    /// Place of settlement.
    pub calculation_place: String,
    /// Last document number.
    pub last_document: i64,
    /// Current shift.
    pub shift_number: i64,
    /// When the current shift opened.
    pub shift_opened_at: Option<i64>,
    /// Receipts in the current shift.
    pub shift_receipts: i64,
    /// Creation, Unix ms.
    pub created_at: i64,
}

impl RegisterRow {
    /// The counters as the core numbers with them.
    pub fn counters(&self) -> Counters {
        Counters {
            last_document: self.last_document,
            shift_number: self.shift_number,
            shift_opened_at: self.shift_opened_at,
            shift_receipts: self.shift_receipts,
        }
    }

    /// Whether taxation system `code` is registered on it.
    pub fn has_taxation(&self, code: i64) -> bool {
        self.taxation_systems
            .split(',')
            .any(|c| c.trim() == code.to_string())
    }
}

const COLUMNS: &str = "id, site_id, mode, inn, taxation_systems, reg_number, device_number, \
     fiscal_number, ofd, calculation_place, last_document, shift_number, shift_opened_at, \
     shift_receipts, created_at";

const INSERT: &str = "INSERT INTO fiscal_registers (site_id, mode, inn, taxation_systems, \
       reg_number, device_number, fiscal_number, ofd, calculation_place, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (site_id, mode, inn) DO NOTHING";

macro_rules! bind_register {
    ($q:expr, $r:expr) => {
        $q.bind($r.site.0)
            .bind($r.mode.as_str())
            .bind($r.inn)
            .bind($r.taxation_systems)
            .bind($r.reg_number)
            .bind($r.device_number)
            .bind($r.fiscal_number)
            .bind($r.ofd)
            .bind($r.calculation_place)
            .bind($r.created_at)
    };
}

/// Sets up a register inside `tx` unless the site already has one for that INN in that mode.
pub async fn ensure_in(tx: &mut Tx, r: &NewRegister<'_>) -> Result<(), StoreError> {
    on_tx!(tx, c => bind_register!(sqlx::query(INSERT), r)
        .execute(&mut **c).await.map(|_| ()))?;
    Ok(())
}

/// Sets up a register (the operator's CLI, `kkt/receipt` with a new INN); `false` when the site
/// already has one for that INN in that mode.
pub async fn ensure(db: &Db, r: &NewRegister<'_>) -> Result<bool, StoreError> {
    let mut tx = db.begin_write().await?;
    let done = on_tx!(&mut tx, c => bind_register!(sqlx::query(INSERT), r)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(done == 1)
}

/// The register of `site` in `mode` for `inn`.
pub async fn find(
    db: &Db,
    site: SiteId,
    mode: Mode,
    inn: &str,
) -> Result<Option<RegisterRow>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM fiscal_registers WHERE site_id = $1 AND mode = $2 AND inn = $3"
    ));
    let row = on_db!(db, pool => sqlx::query_as(sql)
        .bind(site.0).bind(mode.as_str()).bind(inn).fetch_optional(pool).await)?;
    Ok(row)
}

/// Register `id` (a receipt's, for printing it).
pub async fn get(db: &Db, id: i64) -> Result<Option<RegisterRow>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM fiscal_registers WHERE id = $1"
    ));
    let row = on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)?;
    Ok(row)
}

/// `site`'s registers in `mode`, oldest first.
pub async fn list(db: &Db, site: SiteId, mode: Mode) -> Result<Vec<RegisterRow>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM fiscal_registers WHERE site_id = $1 AND mode = $2 ORDER BY id"
    ));
    let rows = on_db!(db, pool => sqlx::query_as(sql)
        .bind(site.0).bind(mode.as_str()).fetch_all(pool).await)?;
    Ok(rows)
}

/// Locks and reads the register of `site` in `mode` for `inn`, or with no `inn` the site's
/// first register in that mode.
pub async fn for_update(
    tx: &mut Tx,
    site: SiteId,
    mode: Mode,
    inn: Option<&str>,
) -> Result<Option<RegisterRow>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM fiscal_registers WHERE site_id = $1 AND mode = $2 \
           AND ($3 IS NULL OR inn = $3) ORDER BY id LIMIT 1{}",
        tx.row_lock()
    ));
    let row = on_tx!(tx, c => sqlx::query_as(sql)
        .bind(site.0).bind(mode.as_str()).bind(inn).fetch_optional(&mut **c).await)?;
    Ok(row)
}

/// Writes register `id`'s counters back.
pub async fn save_counters(tx: &mut Tx, id: i64, c: &Counters) -> Result<(), StoreError> {
    let sql = "UPDATE fiscal_registers SET last_document = $1, shift_number = $2, \
           shift_opened_at = $3, shift_receipts = $4 WHERE id = $5";
    on_tx!(tx, conn => sqlx::query(sql)
        .bind(c.last_document).bind(c.shift_number).bind(c.shift_opened_at)
        .bind(c.shift_receipts).bind(id)
        .execute(&mut **conn).await.map(|_| ()))?;
    Ok(())
}
