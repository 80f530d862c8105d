//! The orders pages (invoices: payment links sent by e-mail or SMS): the account's orders
//! (every site of the account) with their state, filtered by site and state, searched by number,
//! link id, InvoiceId or e-mail, newest first a page at a time by key, with the form that
//! creates one; and one order's page: what it asks, its payment link, its payment, the messages
//! that carried the link, and (for roles that may) Resend and Cancel (`order_forms`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use oblako_core::staff::Action;
use oblako_store::messages::{self, Message};
use oblako_store::orders::OrderRow;
use oblako_store::orders::search::{self, Search};

use super::page::{self, Frame, render};
use super::session::{Session, Signed};
use crate::state::AppState;

/// Rows per page.
pub const PAGE: i64 = 50;

/// Every state, in the order the filter offers them.
pub const STATES: [&str; 3] = ["Created", "Paid", "Cancelled"];

/// Currencies the create form offers first (any code the API takes may be typed).
pub const CURRENCIES: [&str; 5] = ["RUB", "USD", "EUR", "KZT", "BYN"];

/// The query string of the list (every field optional; empty means "any").
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct Filters {
    /// Number, link id, InvoiceId or e-mail.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub site: String,
    #[serde(default)]
    pub status: String,
    #[serde(default, skip_serializing)]
    pub before: String,
}

impl Filters {
    /// The store's search for these filters.
    pub fn search(&self) -> Search {
        let q = self.q.trim();
        let status = self.status.trim();
        Search {
            key: (!q.is_empty()).then(|| q.chars().take(254).collect()),
            number: q.parse().ok(),
            site: self.site.trim().parse().ok(),
            status: STATES.contains(&status).then(|| status.to_owned()),
        }
    }
}

#[derive(Template)]
#[template(path = "cabinet/orders.html")]
struct ListPage {
    f: Frame,
    filters: Filters,
    states: [&'static str; 3],
    currencies: [&'static str; 5],
    sites: Vec<oblako_store::sites::Site>,
    rows: Vec<OrderRow>,
    next: Option<String>,
    can_manage: bool,
    seen: String,
}

/// `GET /cabinet/orders`.
pub async fn orders_page(
    State(state): State<AppState>,
    Signed(s): Signed,
    uri: axum::http::Uri,
) -> Response {
    let filters: Filters = page::query(&uri);
    list(&state, &s, filters)
        .await
        .unwrap_or_else(|e| page::internal(s.lang, &e))
}

async fn list(state: &AppState, s: &Session, filters: Filters) -> anyhow::Result<Response> {
    let before = filters.before.trim().parse().unwrap_or(i64::MAX);
    let rows = search::search(&state.db, s.account(), &filters.search(), before, PAGE).await?;
    let query = serde_urlencoded::to_string(&filters).unwrap_or_default();
    let next = (rows.len() as i64 == PAGE)
        .then(|| {
            rows.last()
                .map(|r| format!("{query}&before={}", r.internal_id))
        })
        .flatten();
    Ok(render(
        StatusCode::OK,
        &ListPage {
            f: Frame::new(s, "orders"),
            sites: super::sites::account_sites(state, s).await?,
            states: STATES,
            currencies: CURRENCIES,
            can_manage: s.can(Action::ManageOrders),
            seen: super::form_once::fresh_seen(),
            filters,
            rows,
            next,
        },
    ))
}

#[derive(Template)]
#[template(path = "cabinet/order.html")]
struct OnePage {
    f: Frame,
    o: OrderRow,
    link: String,
    messages: Vec<Message>,
    can_manage: bool,
    open: bool,
    seen: String,
}

/// `GET /cabinet/orders/{id}` (`id` is the link's id).
pub async fn order_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Signed(s): Signed,
) -> Response {
    let found = async {
        let Some(o) = search::of_account(&state.db, s.account(), &id).await? else {
            return Ok(page::not_found(s.lang));
        };
        let mut messages = messages::about(&state.db, &format!("order:{}", o.public_id)).await?;
        messages.reverse();
        anyhow::Ok(render(
            StatusCode::OK,
            &OnePage {
                f: Frame::new(&s, "orders"),
                link: crate::orders::order_url(&state, &o.public_id),
                can_manage: s.can(Action::ManageOrders),
                open: o.status == oblako_core::order::OrderStatus::Created,
                seen: seen(&o, messages.len()),
                messages,
                o,
            },
        ))
    };
    found.await.unwrap_or_else(|e| page::internal(s.lang, &e))
}

/// What the page saw of `o` when it offered its forms: its last change and how many messages
/// carried its link (so a Resend after a Resend is a new form).
pub fn seen(o: &OrderRow, messages: usize) -> String {
    format!("{}:{messages}", o.updated_at)
}
