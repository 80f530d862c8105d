//! Export of the filtered transaction list to `.xlsx` and CSV, in the columns the transaction
//! model has. Rows are read a page at a time by key and written as they come: the `.xlsx`
//! worksheet is in constant-memory mode (rows go to a temporary file), written on a blocking
//! thread fed page by page, so the gateway's other requests keep their threads.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oblako_core::staff::Action;
use oblako_store::transactions::TransactionRow;
use oblako_store::transactions::search::{self, Search};
use rust_xlsxwriter::{Format, Workbook};

use super::audit;
use super::page;
use super::session::{Session, Signed};
use super::transactions::{Filters, major, when};
use crate::state::AppState;

/// The most rows one export holds.
pub const MAX_ROWS: usize = 1_000_000;
/// Rows read per page.
const PAGE: i64 = 5_000;

/// The columns, named as the transaction model names them.
pub const COLUMNS: [&str; 21] = [
    "TransactionId",
    "CreatedDate",
    "SiteId",
    "TestMode",
    "Type",
    "Status",
    "Amount",
    "Currency",
    "CapturedAmount",
    "RefundedAmount",
    "InvoiceId",
    "AccountId",
    "Email",
    "Description",
    "CardFirstSix",
    "CardLastFour",
    "CardExpDate",
    "CardType",
    "ReasonCode",
    "AuthCode",
    "IpAddress",
];

/// One row's cells as text (amounts in major units with two decimals).
fn cells(r: &TransactionRow) -> [String; 21] {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        r.id.to_string(),
        when(r.created_at),
        r.site_id.to_string(),
        (r.mode == "test").to_string(),
        r.kind.clone(),
        r.status.clone(),
        major(r.amount),
        r.currency.clone(),
        major(r.captured),
        major(r.refunded),
        opt(&r.invoice_id),
        opt(&r.account_id),
        opt(&r.email),
        opt(&r.description),
        r.card_first_six.clone(),
        r.card_last_four.clone(),
        r.card_exp.clone(),
        r.card_brand.clone(),
        r.reason_code.to_string(),
        opt(&r.auth_code),
        r.ip_address.clone(),
    ]
}

/// Columns written as numbers in the workbook.
const NUMERIC: [usize; 5] = [0, 2, 6, 8, 9];

/// The matches a page at a time, newest first, up to [`MAX_ROWS`].
struct Pages {
    before: i64,
    total: usize,
    done: bool,
}

impl Pages {
    fn new() -> Pages {
        Pages {
            before: i64::MAX,
            total: 0,
            done: false,
        }
    }

    async fn next(
        &mut self,
        state: &AppState,
        s: &Session,
        search: &Search,
    ) -> anyhow::Result<Option<Vec<TransactionRow>>> {
        if self.done {
            return Ok(None);
        }
        let rows = search::search(&state.db, s.account(), search, self.before, PAGE).await?;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        self.before = last.id;
        self.total += rows.len();
        self.done = (rows.len() as i64) < PAGE || self.total >= MAX_ROWS;
        Ok(Some(rows))
    }
}

fn attachment(body: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A CSV field, quoted when it must be, and with a leading `'` where a spreadsheet would take
/// the text for a formula.
/// Writes the export of `filters` in `format` to the audit trail.
async fn note_export(
    state: &AppState,
    s: &Session,
    format: &str,
    filters: &Filters,
) -> anyhow::Result<()> {
    let detail = format!("{format}: {}", filters.query());
    audit::note(state, s, "export", None, &detail).await
}

fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) && text.parse::<f64>().is_err() {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// `GET /cabinet/transactions.csv`.
pub async fn transactions_csv(
    State(state): State<AppState>,
    Signed(s): Signed,
    uri: axum::http::Uri,
) -> Response {
    if let Err(r) = s.require(Action::Export) {
        return r;
    }
    let filters: Filters = page::query(&uri);
    let mut out = COLUMNS.join(",");
    out.push_str("\r\n");
    let (search, mut pages) = (filters.search(), Pages::new());
    loop {
        let rows = match pages.next(&state, &s, &search).await {
            Ok(Some(rows)) => rows,
            Ok(None) => break,
            Err(e) => return page::internal(s.lang, &e),
        };
        for r in &rows {
            let line: Vec<String> = cells(r).iter().map(|c| csv_field(c)).collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
    }
    if let Err(e) = note_export(&state, &s, "csv", &filters).await {
        return page::internal(s.lang, &e);
    }
    attachment(
        out.into_bytes(),
        "text/csv; charset=utf-8",
        "transactions.csv",
    )
}

/// Writes pages of rows into a constant-memory workbook; answers the file's bytes.
fn write_xlsx(
    mut pages: tokio::sync::mpsc::Receiver<Vec<TransactionRow>>,
) -> anyhow::Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    workbook.set_tempdir(std::env::temp_dir())?;
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name("Transactions")?;
    for (col, name) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *name, &bold)?;
    }
    let mut row = 1u32;
    while let Some(page) = pages.blocking_recv() {
        for r in &page {
            for (col, cell) in cells(r).iter().enumerate() {
                // Spreadsheet cells are doubles; the amounts are exact to the kopeck at any
                // sum a payment can have (well under 2^53 minor units).
                match cell.parse::<f64>() {
                    Ok(n) if NUMERIC.contains(&col) => sheet.write_number(row, col as u16, n)?,
                    _ => sheet.write_string(row, col as u16, cell)?,
                };
            }
            row += 1;
        }
    }
    Ok(workbook.save_to_buffer()?)
}

/// `GET /cabinet/transactions.xlsx`.
pub async fn transactions_xlsx(
    State(state): State<AppState>,
    Signed(s): Signed,
    uri: axum::http::Uri,
) -> Response {
    if let Err(r) = s.require(Action::Export) {
        return r;
    }
    let filters: Filters = page::query(&uri);
    // Two pages in flight at most: the reader waits while the writer is behind.
    let (send, receive) = tokio::sync::mpsc::channel::<Vec<TransactionRow>>(2);
    let writer = tokio::task::spawn_blocking(move || write_xlsx(receive));
    let (search, mut pages) = (filters.search(), Pages::new());
    let read = async {
        while let Some(rows) = pages.next(&state, &s, &search).await? {
            if send.send(rows).await.is_err() {
                break;
            }
        }
        anyhow::Ok(())
    }
    .await;
    drop(send);
    let written = match writer.await {
        Ok(written) => written,
        Err(e) => Err(anyhow::anyhow!("export writer: {e}")),
    };
    let bytes = match (read, written) {
        (Ok(()), Ok(bytes)) => bytes,
        (Err(e), _) | (_, Err(e)) => return page::internal(s.lang, &e),
    };
    if let Err(e) = note_export(&state, &s, "xlsx", &filters).await {
        return page::internal(s.lang, &e);
    }
    attachment(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "transactions.xlsx",
    )
}
