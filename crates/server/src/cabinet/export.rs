//! Export of the filtered transaction list to `.xlsx` and CSV, in the columns the transaction
//! model has, in constant memory whatever the row count. Rows are read a page at a time by key.
//! The CSV is streamed out as each page is read. The `.xlsx` worksheet is in constant-memory mode
//! (rows go to a temporary file as they are written) on a blocking thread fed page by page, the
//! finished workbook goes to an unnamed temporary file, and that file is streamed out; so the
//! gateway's other requests keep their threads and its memory does not grow with the export.

use std::io::{Read, Seek};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oblako_core::ids::{AccountId, Mode};
use oblako_core::staff::Action;
use oblako_store::Db;
use oblako_store::transactions::TransactionRow;
use oblako_store::transactions::search::{self, Search};
use rust_xlsxwriter::{Format, Workbook};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

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
        (r.mode == Mode::Test).to_string(),
        r.kind.as_str().to_owned(),
        r.status.as_str().to_owned(),
        major(r.amount),
        r.currency.code().to_owned(),
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
    db: Db,
    account: AccountId,
    search: Search,
    before: i64,
    total: usize,
    done: bool,
}

impl Pages {
    fn new(state: &AppState, s: &Session, filters: &Filters) -> Pages {
        Pages {
            db: state.db.clone(),
            account: s.account(),
            search: filters.search(),
            before: i64::MAX,
            total: 0,
            done: false,
        }
    }

    async fn next(&mut self) -> anyhow::Result<Option<Vec<TransactionRow>>> {
        if self.done {
            return Ok(None);
        }
        let rows = search::search(&self.db, self.account, &self.search, self.before, PAGE).await?;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        self.before = last.id;
        self.total += rows.len();
        self.done = (rows.len() as i64) < PAGE || self.total >= MAX_ROWS;
        Ok(Some(rows))
    }
}

/// Chunks of the body in flight between the task that makes them and the connection.
const CHUNKS_IN_FLIGHT: usize = 4;
/// Bytes per chunk of a streamed file.
const FILE_CHUNK: usize = 256 * 1024;

/// A download whose body is what arrives on `chunks`; an `Err` chunk cuts the connection, so a
/// failed export never looks like a complete file.
fn attachment(
    chunks: mpsc::Receiver<Result<Bytes, std::io::Error>>,
    content_type: &'static str,
    name: &str,
) -> Response {
    let body = Body::from_stream(ReceiverStream::new(chunks));
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

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

/// A CSV field, quoted when it must be, and with a leading `'` where a spreadsheet would take
/// the text for a formula.
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

/// One page of rows as CSV lines.
fn csv_lines(rows: &[TransactionRow]) -> Bytes {
    let mut out = String::with_capacity(rows.len() * 200);
    for r in rows {
        let line: Vec<String> = cells(r).iter().map(|c| csv_field(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    Bytes::from(out)
}

/// Reads the pages and sends each as CSV until the last, the receiver's going, or a failure
/// (sent on as an error, after logging it).
async fn send_csv(mut pages: Pages, send: mpsc::Sender<Result<Bytes, std::io::Error>>) {
    let header = Bytes::from(format!("{}\r\n", COLUMNS.join(",")));
    if send.send(Ok(header)).await.is_err() {
        return;
    }
    loop {
        let chunk = match pages.next().await {
            Ok(Some(rows)) => Ok(csv_lines(&rows)),
            Ok(None) => return,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "CSV export failed");
                Err(std::io::Error::other("export failed"))
            }
        };
        let failed = chunk.is_err();
        if send.send(chunk).await.is_err() || failed {
            return;
        }
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
    if let Err(e) = note_export(&state, &s, "csv", &filters).await {
        return page::internal(s.lang, &e);
    }
    let (send, receive) = mpsc::channel(CHUNKS_IN_FLIGHT);
    tokio::spawn(send_csv(Pages::new(&state, &s, &filters), send));
    attachment(receive, "text/csv; charset=utf-8", "transactions.csv")
}

/// Writes pages of rows into a constant-memory workbook, saved to an unnamed temporary file;
/// answers that file, rewound.
fn write_xlsx(mut pages: mpsc::Receiver<Vec<TransactionRow>>) -> anyhow::Result<std::fs::File> {
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
    let mut file = tempfile::tempfile()?;
    workbook.save_to_writer(&mut file)?;
    file.rewind()?;
    Ok(file)
}

/// Sends `file` in chunks until its end, the receiver's going, or a read error.
fn send_file(mut file: std::fs::File, send: mpsc::Sender<Result<Bytes, std::io::Error>>) {
    loop {
        let mut chunk = vec![0; FILE_CHUNK];
        let sent = match file.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => {
                chunk.truncate(n);
                send.blocking_send(Ok(Bytes::from(chunk)))
            }
            Err(e) => {
                tracing::error!(error = %e, "reading the .xlsx export back failed");
                let _ = send.blocking_send(Err(e));
                return;
            }
        };
        if sent.is_err() {
            return;
        }
    }
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
    let (send, receive) = mpsc::channel::<Vec<TransactionRow>>(2);
    let writer = tokio::task::spawn_blocking(move || write_xlsx(receive));
    let mut pages = Pages::new(&state, &s, &filters);
    let read = async {
        while let Some(rows) = pages.next().await? {
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
    let file = match (read, written) {
        (Ok(()), Ok(file)) => file,
        (Err(e), _) | (_, Err(e)) => return page::internal(s.lang, &e),
    };
    if let Err(e) = note_export(&state, &s, "xlsx", &filters).await {
        return page::internal(s.lang, &e);
    }
    let (send, receive) = mpsc::channel(CHUNKS_IN_FLIGHT);
    tokio::task::spawn_blocking(move || send_file(file, send));
    attachment(
        receive,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "transactions.xlsx",
    )
}
