//! The subscriptions pages: the account's subscriptions (every site of the account) filtered by
//! status and site, searched by id, AccountId or e-mail, newest first a page at a time by key,
//! with the matches' count and monthly amount per status and currency under the list; and one
//! subscription's page: its schedule, next charge, every charge with its transaction, the
//! notices sent to the payer, and (for roles that may) the forms of `subscription_forms`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use oblako_core::staff::Action;
use oblako_core::subscription::Status;
use oblako_store::messages::{self, Message};
use oblako_store::subscriptions::SubscriptionRow;
use oblako_store::subscriptions::search::{self, ChargeLine, Cursor, Search, Summary};

use super::page::{self, Frame, render};
use super::session::{Session, Signed};
use crate::state::AppState;

/// Rows per page.
pub const PAGE: i64 = 50;
/// Most charges a subscription's page lists.
pub const CHARGES: i64 = 500;

/// Every status, in the order the filter offers them.
pub const STATUSES: [&str; 5] = ["Active", "PastDue", "Cancelled", "Rejected", "Expired"];

/// The query string of the list (every field optional; empty means "any").
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct Filters {
    /// Id, AccountId or e-mail.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub site: String,
    #[serde(default)]
    pub status: String,
    /// `created_at.id` of the last row shown.
    #[serde(default, skip_serializing)]
    pub after: String,
}

impl Filters {
    /// The store's search for these filters.
    pub fn search(&self) -> Search {
        let text = |v: &str, max: usize| {
            let v = v.trim();
            (!v.is_empty()).then(|| v.chars().take(max).collect::<String>())
        };
        Search {
            key: text(&self.q, 254),
            site: self.site.trim().parse().ok(),
            status: text(&self.status, 16).filter(|s| STATUSES.contains(&s.as_str())),
        }
    }

    fn cursor(&self) -> Option<Cursor> {
        let (at, id) = self.after.trim().split_once('.')?;
        Some(Cursor {
            created_at: at.parse().ok()?,
            id: id.to_owned(),
        })
    }
}

/// Unix ms as `YYYY-MM-DD HH:MM:SS` UTC, or a dash.
pub fn when_or_dash(ms: impl std::borrow::Borrow<Option<i64>>) -> String {
    ms.borrow()
        .map(super::transactions::when)
        .unwrap_or_else(|| "—".to_owned())
}

/// Minor units as major with two decimals, or a dash.
pub fn major_or_dash(minor: impl std::borrow::Borrow<Option<i64>>) -> String {
    minor
        .borrow()
        .map(super::transactions::major)
        .unwrap_or_else(|| "—".to_owned())
}

#[derive(Template)]
#[template(path = "cabinet/subscriptions.html")]
struct ListPage {
    f: Frame,
    filters: Filters,
    statuses: [&'static str; 5],
    sites: Vec<oblako_store::sites::Site>,
    rows: Vec<SubscriptionRow>,
    summary: Vec<Summary>,
    next: Option<String>,
}

/// `GET /cabinet/subscriptions`.
pub async fn subscriptions_page(
    State(state): State<AppState>,
    Signed(s): Signed,
    uri: axum::http::Uri,
) -> axum::response::Response {
    let filters: Filters = page::query(&uri);
    list(&state, &s, filters)
        .await
        .unwrap_or_else(|e| page::internal(s.lang, &e))
}

async fn list(
    state: &AppState,
    s: &Session,
    filters: Filters,
) -> anyhow::Result<axum::response::Response> {
    let search = filters.search();
    let cursor = filters.cursor();
    let rows = search::search(&state.db, s.account(), &search, cursor.as_ref(), PAGE).await?;
    let summary = search::summary(&state.db, s.account(), &search).await?;
    let query = serde_urlencoded::to_string(&filters).unwrap_or_default();
    let next = (rows.len() as i64 == PAGE)
        .then(|| {
            rows.last()
                .map(|r| format!("{query}&after={}.{}", r.created_at, r.id))
        })
        .flatten();
    Ok(render(
        StatusCode::OK,
        &ListPage {
            f: Frame::new(s, "subscriptions"),
            sites: super::sites::account_sites(state, s).await?,
            statuses: STATUSES,
            filters,
            rows,
            summary,
            next,
        },
    ))
}

#[derive(Template)]
#[template(path = "cabinet/subscription.html")]
struct OnePage {
    f: Frame,
    sub: SubscriptionRow,
    charges: Vec<ChargeLine>,
    notices: Vec<Message>,
    can_manage: bool,
    can_cancel: bool,
    seen: String,
    amount: String,
}

/// `GET /cabinet/subscriptions/{id}`.
pub async fn subscription_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Signed(s): Signed,
) -> axum::response::Response {
    let found = async {
        let Some(sub) = search::of_account(&state.db, s.account(), &id).await? else {
            return Ok(page::not_found(s.lang));
        };
        let charges = search::charges_of(&state.db, &sub.id, CHARGES).await?;
        let mut notices = messages::about(&state.db, &format!("subscription:{}", sub.id)).await?;
        notices.reverse();
        anyhow::Ok(render(
            StatusCode::OK,
            &OnePage {
                f: Frame::new(&s, "subscriptions"),
                can_manage: s.can(Action::ManageSubscriptions),
                can_cancel: matches!(sub.status, Status::Active | Status::PastDue),
                seen: seen(&sub),
                amount: super::transactions::major(sub.amount),
                charges,
                notices,
                sub,
            },
        ))
    };
    found.await.unwrap_or_else(|e| page::internal(s.lang, &e))
}

/// What the page saw of `sub` when it offered its forms: its last change.
pub fn seen(sub: &SubscriptionRow) -> String {
    sub.updated_at.to_string()
}
