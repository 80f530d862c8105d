//! The receipts list: the 54-FZ receipts of the account's sites, newest first, filtered by site,
//! test/live, state and transaction, each linked to its public page and its transaction.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use oblako_core::ids::{Mode, SiteId};
use oblako_core::staff::Action;
use oblako_store::receipts::{self, ListFilter, ReceiptRow};

use super::page::{self, Frame, render};
use super::session::Signed;
use crate::state::AppState;

/// Rows per page.
const PAGE: i64 = 50;

#[derive(Debug, Default, serde::Deserialize)]
pub struct ReceiptFilters {
    #[serde(default)]
    site: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    transaction: String,
    #[serde(default)]
    before: String,
}

#[derive(Template)]
#[template(path = "cabinet/receipts.html")]
struct ReceiptsPage {
    f: Frame,
    site: String,
    mode: String,
    state: String,
    transaction: String,
    rows: Vec<ReceiptRow>,
    older: Option<String>,
}

/// The state filter as stored, when it names one.
fn state_of(text: &str) -> Option<String> {
    ["Queued", "Processed", "Error"]
        .into_iter()
        .find(|s| s.eq_ignore_ascii_case(text.trim()))
        .map(str::to_owned)
}

/// `GET /cabinet/receipts`.
pub async fn receipts_page(
    State(state): State<AppState>,
    Signed(s): Signed,
    uri: axum::http::Uri,
) -> Response {
    if let Err(r) = s.require(Action::Read) {
        return r;
    }
    let q: ReceiptFilters = page::query(&uri);
    let filter = ListFilter {
        site: q.site.trim().parse().ok().map(SiteId),
        mode: Mode::parse(q.mode.trim()),
        state: state_of(&q.state),
        transaction: q.transaction.trim().parse().ok(),
    };
    let before = q.before.trim().parse().unwrap_or(i64::MAX);
    let read = async {
        let rows = receipts::of_account(&state.db, s.account(), &filter, before, PAGE).await?;
        let older = (rows.len() as i64 == PAGE)
            .then(|| rows.last().map(|r| older_link(&q, r.seq)))
            .flatten();
        anyhow::Ok(render(
            StatusCode::OK,
            &ReceiptsPage {
                f: Frame::new(&s, "receipts"),
                site: q.site.clone(),
                mode: q.mode.clone(),
                state: q.state.clone(),
                transaction: q.transaction.clone(),
                rows,
                older,
            },
        ))
    };
    read.await.unwrap_or_else(|e| page::internal(s.lang, &e))
}

/// The next page's address: the same filters, older than `seq`.
fn older_link(q: &ReceiptFilters, seq: i64) -> String {
    let pairs = [
        ("site", q.site.as_str()),
        ("mode", q.mode.as_str()),
        ("state", q.state.as_str()),
        ("transaction", q.transaction.as_str()),
    ];
    let mut query: Vec<(&str, String)> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (*k, (*v).to_owned()))
        .collect();
    query.push(("before", seq.to_string()));
    format!(
        "/cabinet/receipts?{}",
        serde_urlencoded::to_string(&query).unwrap_or_default()
    )
}
