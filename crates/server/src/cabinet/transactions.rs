//! The transactions pages: the account's payments and refunds with search, filters, totals per
//! currency and keyset pagination (`before` the last id shown), and one transaction's page.
//! Totals of a filter by site, mode, status, operation, currency and period alone come from the
//! per-day totals (`oblako_store::daily_totals`), so without a period they cover the whole
//! history; a card or amount filter without a key or period totals the last 30 days.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use oblako_store::transactions::TransactionRow;
use oblako_store::transactions::search::{self, Search, Totals};

use super::actions;
use super::page::{self, Frame, render};
use super::session::{Session, Signed};
use crate::state::AppState;

/// Rows per page.
pub const PAGE: i64 = 50;
/// The totals of a broad filter (see [`broad`]) cover this much of the latest history.
pub const RECENT_TOTALS_MS: i64 = 30 * 24 * 3600 * 1000;

/// Whether `s` names neither an exact key (transaction id, InvoiceId, AccountId, e-mail, last
/// four) nor a period, and the per-day totals cannot answer it (a card's first six or an
/// amount range): its totals would scan the account's whole history, so they cover the last
/// [`RECENT_TOTALS_MS`] instead.
fn broad(s: &Search) -> bool {
    !oblako_store::daily_totals::answers(s)
        && s.id.is_none()
        && s.invoice_id.is_none()
        && s.payer_account.is_none()
        && s.email.is_none()
        && s.last_four.is_none()
        && s.from_ms.is_none()
        && s.to_ms.is_none()
        && s.original.is_none()
}

/// The query string of the list (every field optional; empty means "any").
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct Filters {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub invoice: String,
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub first6: String,
    #[serde(default)]
    pub last4: String,
    #[serde(default)]
    pub min: String,
    #[serde(default)]
    pub max: String,
    #[serde(default)]
    pub site: String,
    #[serde(default)]
    pub mode: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default, skip_serializing)]
    pub before: String,
}

fn text(value: &str, max: usize) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.chars().take(max).collect())
}

/// An amount in major units (`12.50`, `12,5`, `12`) as minor units.
pub fn amount(value: &str) -> Option<i64> {
    let v = value.trim().replace(',', ".");
    let (whole, fraction) = v.split_once('.').unwrap_or((&v, ""));
    if whole.is_empty() || whole.len() > 15 || fraction.len() > 2 {
        return None;
    }
    if !whole
        .bytes()
        .chain(fraction.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let cents: i64 = format!("{fraction:0<2}").parse().ok()?;
    whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents)
}

/// A `YYYY-MM-DD` date (UTC) as Unix ms.
fn day(value: &str) -> Option<i64> {
    let date: jiff::civil::Date = value.trim().parse().ok()?;
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_millisecond())
}

impl Filters {
    /// The store's search for these filters.
    pub fn search(&self) -> Search {
        Search {
            id: self.id.trim().parse().ok(),
            invoice_id: text(&self.invoice, 100),
            payer_account: text(&self.account, 100),
            email: text(&self.email, 254),
            first_six: text(&self.first6, 6),
            last_four: text(&self.last4, 4),
            min_amount: amount(&self.min),
            max_amount: amount(&self.max),
            site: self.site.trim().parse().ok(),
            mode: text(&self.mode, 4),
            status: text(&self.status, 40),
            kind: text(&self.kind, 10),
            currency: text(&self.currency, 3).map(|c| c.to_ascii_uppercase()),
            from_ms: day(&self.from),
            to_ms: day(&self.to).map(|d| d + 86_400_000),
            original: None,
        }
    }

    /// The query string of the same filters (for the next page and the export links).
    pub fn query(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }
}

/// Minor units as major with two decimals.
pub fn major(minor: impl std::borrow::Borrow<i64>) -> String {
    let minor = *minor.borrow();
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}{}.{:02}", m / 100, m % 100)
}

/// Unix ms as `YYYY-MM-DD HH:MM:SS` UTC.
pub fn when(ms: impl std::borrow::Borrow<i64>) -> String {
    jiff::Timestamp::from_millisecond(*ms.borrow())
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "cabinet/transactions.html")]
struct ListPage {
    f: Frame,
    filters: Filters,
    sites: Vec<oblako_store::sites::Site>,
    rows: Vec<TransactionRow>,
    totals: Vec<Totals>,
    totals_recent: bool,
    next: Option<String>,
    can_export: bool,
    query: String,
}

/// `GET /cabinet/transactions`.
pub async fn transactions_page(
    State(state): State<AppState>,
    Signed(s): Signed,
    uri: axum::http::Uri,
) -> Response {
    let filters: Filters = super::page::query(&uri);
    list(&state, &s, filters)
        .await
        .unwrap_or_else(|e| page::internal(s.lang, &e))
}

async fn list(state: &AppState, s: &Session, filters: Filters) -> anyhow::Result<Response> {
    let search = filters.search();
    let before = filters.before.trim().parse().unwrap_or(i64::MAX);
    let rows = search::search(&state.db, s.account(), &search, before, PAGE).await?;
    let totals_recent = broad(&search);
    let totals = if totals_recent {
        let recent = Search {
            from_ms: Some(state.now_ms() - RECENT_TOTALS_MS),
            ..search.clone()
        };
        search::totals(&state.db, s.account(), &recent).await?
    } else {
        search::totals(&state.db, s.account(), &search).await?
    };
    let query = filters.query();
    let next = (rows.len() as i64 == PAGE)
        .then(|| rows.last().map(|r| format!("{query}&before={}", r.id)))
        .flatten();
    Ok(render(
        StatusCode::OK,
        &ListPage {
            f: Frame::new(s, "transactions"),
            sites: super::sites::account_sites(state, s).await?,
            can_export: s.can(oblako_core::staff::Action::Export),
            filters,
            rows,
            totals,
            totals_recent,
            next,
            query,
        },
    ))
}

#[derive(Template)]
#[template(path = "cabinet/transaction.html")]
struct OnePage {
    f: Frame,
    t: TransactionRow,
    refunds: Vec<TransactionRow>,
    actions: Vec<actions::Offer>,
    seen: String,
    notifications: Vec<(
        oblako_store::notifications::Notification,
        Vec<oblako_store::notifications::AttemptRow>,
    )>,
    can_resend: bool,
}

/// `GET /cabinet/transactions/{id}`.
pub async fn transaction_page(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Signed(s): Signed,
) -> Response {
    let found = async {
        let Some(t) = search::of_account(&state.db, s.account(), id).await? else {
            return Ok(page::not_found(s.lang));
        };
        let refunds = if t.kind == oblako_core::payment::Kind::Payment {
            let by_original = Search {
                site: Some(t.site_id.0),
                kind: Some("refund".into()),
                original: Some(t.id),
                ..Search::default()
            };
            search::search(&state.db, s.account(), &by_original, i64::MAX, 200).await?
        } else {
            Vec::new()
        };
        anyhow::Ok(render(
            StatusCode::OK,
            &OnePage {
                actions: actions::offers(&s, &t),
                seen: actions::seen(&t),
                notifications: super::notifications::of_transaction(&state, &t).await?,
                can_resend: s.can(oblako_core::staff::Action::EditNotifications),
                f: Frame::new(&s, "transactions"),
                t,
                refunds,
            },
        ))
    };
    found.await.unwrap_or_else(|e| page::internal(s.lang, &e))
}
