//! The merchant-facing searches over a site's transactions: by `InvoiceId` (`payments/find`) and
//! by creation time and status (`payments/list`, `v2/payments/list`).

use oblako_core::ids::{Mode, SiteId};

use super::{COLUMNS, TransactionRow};
use crate::{Db, StoreError, on_db};

/// The newest transaction of `kinds` with this `InvoiceId`.
pub async fn find_by_invoice(
    db: &Db,
    site: SiteId,
    mode: Mode,
    invoice_id: &str,
    include_refunds: bool,
) -> Result<Option<TransactionRow>, StoreError> {
    let sql = select!(
        "WHERE site_id = $1 AND mode = $2 AND invoice_id = $3 AND (kind = 'payment' OR $4) \
         ORDER BY id DESC LIMIT 1"
    );
    let row = on_db!(db, pool => sqlx::query_as(sql)
        .bind(site.0).bind(mode.as_str()).bind(invoice_id).bind(include_refunds)
        .fetch_optional(pool).await)?;
    Ok(row)
}

/// Which statuses a listing includes; all of them by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusFilter {
    /// Include `Authorized`.
    pub authorized: bool,
    /// Include `Completed`.
    pub completed: bool,
    /// Include `Cancelled`.
    pub cancelled: bool,
    /// Include `Declined`.
    pub declined: bool,
    /// Include the not-yet-final statuses (`AwaitingAuthentication`, `Processing`).
    pub pending: bool,
}

impl Default for StatusFilter {
    fn default() -> StatusFilter {
        StatusFilter {
            authorized: true,
            completed: true,
            cancelled: true,
            declined: true,
            pending: true,
        }
    }
}

/// Transactions created in `[from_ms, to_ms)` with a status the filter lets through, oldest
/// first, a page at a time.
#[allow(clippy::too_many_arguments)] // a query's parameters, each named at the call site
pub async fn list_created(
    db: &Db,
    site: SiteId,
    mode: Mode,
    from_ms: i64,
    to_ms: i64,
    statuses: StatusFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<TransactionRow>, StoreError> {
    let sql = select!(
        "WHERE site_id = $1 AND mode = $2 AND created_at >= $3 AND created_at < $4 \
         AND (($5 AND status = 'Authorized') OR ($6 AND status = 'Completed') \
           OR ($7 AND status = 'Cancelled') OR ($8 AND status = 'Declined') \
           OR ($9 AND status IN ('AwaitingAuthentication', 'Processing'))) \
         ORDER BY created_at, id LIMIT $10 OFFSET $11"
    );
    let s = statuses;
    let rows = on_db!(db, pool => sqlx::query_as(sql)
        .bind(site.0).bind(mode.as_str()).bind(from_ms).bind(to_ms)
        .bind(s.authorized).bind(s.completed).bind(s.cancelled).bind(s.declined).bind(s.pending)
        .bind(limit).bind(offset)
        .fetch_all(pool).await)?;
    Ok(rows)
}
