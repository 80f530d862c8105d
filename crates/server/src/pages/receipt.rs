//! The public page of a receipt, `/r/{id}` (the Receipt notification's `Url`), that a buyer or
//! a tax inspector can open and print, and its QR code, `/r/{id}/qr.svg`. The receipt's GUID is
//! the capability: the page shows what the printed receipt shows and nothing else.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oblako_store::receipts;

use crate::pages::{Lang, Problem, error_page, html};
use crate::receipts::printed::{Line, Printed};
use crate::state::AppState;

const CSP: &str = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

#[derive(Template)]
#[template(path = "receipt.html")]
struct Page<'a> {
    id: &'a str,
    kind: &'a str,
    merchant: &'a str,
    processed: bool,
    state_text: &'a str,
    lines: &'a [Line],
    total: &'a str,
    fiscal: &'a [(&'static str, String)],
    qr_url: &'a str,
    ofd_url: &'a str,
}

/// Whether `id` looks like a receipt GUID (checked before any query).
fn is_receipt_id(id: &str) -> bool {
    id.len() == 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

async fn load(state: &AppState, id: &str) -> anyhow::Result<Option<Printed>> {
    if !is_receipt_id(id) {
        return Ok(None);
    }
    let Some(row) = receipts::get_public(&state.db, id).await? else {
        return Ok(None);
    };
    let url = state.config.public_url();
    Ok(Some(Printed::load(&state.db, row, &url).await?))
}

/// `GET /r/{id}`.
pub async fn receipt_page(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match render(&state, &id).await {
        Ok(Some(page)) => html(StatusCode::OK, page, CSP),
        Ok(None) => error_page(Lang::Ru, Problem::NotFound),
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "receipt page");
            error_page(Lang::Ru, Problem::Internal)
        }
    }
}

async fn render(state: &AppState, id: &str) -> anyhow::Result<Option<String>> {
    let Some(printed) = load(state, id).await? else {
        return Ok(None);
    };
    let merchant = oblako_store::sites::site(&state.db, printed.row.site_id)
        .await?
        .map(|s| s.name)
        .unwrap_or_default();
    let state_text = match printed.row.state.as_str() {
        "Queued" => "Чек ещё не пробит: он в очереди на фискализацию.",
        _ => "Чек не пробит: касса не смогла его фискализировать.",
    };
    let (lines, fiscal) = (printed.lines(), printed.fiscal_lines());
    let page = Page {
        id,
        kind: printed.receipt_type.russian(),
        merchant: &merchant,
        processed: printed.row.state == "Processed",
        state_text,
        lines: &lines,
        total: &printed.total(),
        fiscal: &fiscal,
        qr_url: &format!("/r/{id}/qr.svg"),
        ofd_url: &printed.ofd_receipt_url().unwrap_or_default(),
    };
    Ok(Some(page.render()?))
}

/// `GET /r/{id}/qr.svg`: the receipt's QR string as an SVG image.
pub async fn receipt_qr(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let qr = match load(&state, &id).await {
        Ok(Some(printed)) => printed.row.qr_string,
        Ok(None) => None,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "receipt QR");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let Some(svg) = qr.and_then(|text| qr_svg(&text)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = svg.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    response
}

/// `text` as a QR code in SVG.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(180, 180)
            .build(),
    )
}
