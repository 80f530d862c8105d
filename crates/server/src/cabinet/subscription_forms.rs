//! The forms on a subscription's page: **Cancel**, and **Change** (amount, schedule as interval
//! and period, MaxPeriods). Each post is same-origin with the session's CSRF token (`Posted`),
//! needs the `ManageSubscriptions` role, finds the subscription within the account (another
//! account's answers like a missing one), runs once per form (`form_once`), goes through the
//! gateway flows the API's `subscriptions/cancel` and `subscriptions/update` call
//! (`subscriptions::manage`), with the API's checks and words, and is written to the audit trail.
//!
//! Change sends the flow only the fields that differ from what the page showed, as an API call
//! naming only them would: an unchanged schedule is not re-anchored.

use axum::extract::{Path, State};
use axum::response::Response;
use oblako_core::staff::Action;
use oblako_protocol::params::Params;
use oblako_store::subscriptions::SubscriptionRow;
use oblako_store::subscriptions::search;

use super::form_once::{Done, once_per_form};
use super::page;
use super::session::{Posted, Session};
use crate::payments::NOT_FOUND;
use crate::state::AppState;
use crate::subscriptions::manage::{self, Changes};
use crate::subscriptions::money_of;

#[derive(serde::Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    seen: String,
}

#[derive(serde::Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    interval: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    max_periods: String,
    #[serde(default)]
    seen: String,
}

/// The subscription `id` of the session's account, or the page to answer instead.
async fn own(state: &AppState, s: &Session, id: &str) -> Result<SubscriptionRow, Response> {
    s.require(Action::ManageSubscriptions)?;
    match search::of_account(&state.db, s.account(), id).await {
        Ok(Some(row)) => Ok(row),
        Ok(None) => Err(page::not_found(s.lang)),
        Err(e) => Err(page::internal(s.lang, &e)),
    }
}

fn page_of(id: &str) -> String {
    format!("/cabinet/subscriptions/{id}")
}

/// `POST /cabinet/subscriptions/{id}/cancel`.
pub async fn subscription_cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted(s, form): Posted<CancelForm>,
) -> Response {
    let row = match own(&state, &s, &id).await {
        Ok(row) => row,
        Err(page) => return page,
    };
    let to = page_of(&row.id);
    let (site, mode) = (row.site_id, row.mode);
    let parts = [row.id.as_str(), "cancel", form.seen.as_str()];
    let done = once_per_form(&state, &s, (site, mode), &parts, &to, || async {
        let done = match manage::cancel(&state, site, mode, &row.id).await {
            Ok(Some(_)) => Done::Go(to.clone()),
            Ok(None) => Done::Refused(NOT_FOUND.into()),
            Err(oblako_gateway::FlowError::Internal(e)) => return Err(e),
            Err(refused) => Done::Refused(refused.to_string()),
        };
        super::audit::note(&state, &s, "subscription cancel", Some(site.0), &row.id).await?;
        Ok(done)
    })
    .await;
    match done {
        Ok(done) => done.page(&s),
        Err(e) => page::internal(s.lang, &e),
    }
}

/// The changes `form` asks of `row`, checked as `subscriptions/update` checks them; only the
/// fields that differ from the page's values are sent.
fn changes(form: &ChangeForm, row: &SubscriptionRow) -> Result<Changes, String> {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    let amount = form.amount.trim().replace(',', ".");
    if amount != super::transactions::major(row.amount) {
        pairs.push(("Amount", amount));
    }
    let interval = form.interval.trim();
    if interval != row.unit.as_str() {
        pairs.push(("Interval", interval.to_owned()));
    }
    let period = form.period.trim();
    if period != row.period.to_string() {
        pairs.push(("Period", period.to_owned()));
    }
    // An empty MaxPeriods keeps the stored one, as an update without it does.
    let max = form.max_periods.trim();
    if !max.is_empty() && max != row.max_periods.map(|m| m.to_string()).unwrap_or_default() {
        pairs.push(("MaxPeriods", max.to_owned()));
    }
    let body = serde_urlencoded::to_string(&pairs).map_err(|e| e.to_string())?;
    let params = Params::from_form(body.as_bytes()).map_err(|e| e.to_string())?;
    let stored = money_of(row).map_err(|e| e.to_string())?;
    let amount = match params.get("Amount") {
        Some(_) => Some(
            params
                .amount("Amount", stored.currency)
                .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    let interval = match params
        .string_max("Interval", 16)
        .map_err(|e| e.to_string())?
    {
        Some(text) => Some(manage::interval(&text).map_err(|e| e.to_string())?),
        None => None,
    };
    let period = params.i64("Period").map_err(|e| e.to_string())?;
    if pairs.iter().any(|(name, _)| *name == "Period") && period.is_none_or(|p| p <= 0) {
        return Err(manage::BAD_PERIOD.into());
    }
    let max_periods = params.i64("MaxPeriods").map_err(|e| e.to_string())?;
    let max_periods = manage::max_periods(max_periods).map_err(|e| e.to_string())?;
    Ok(Changes {
        amount,
        interval,
        period,
        max_periods,
        ..Changes::default()
    })
}

/// `POST /cabinet/subscriptions/{id}/change`.
pub async fn subscription_change(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted(s, form): Posted<ChangeForm>,
) -> Response {
    let row = match own(&state, &s, &id).await {
        Ok(row) => row,
        Err(page) => return page,
    };
    let changes = match changes(&form, &row) {
        Ok(changes) => changes,
        Err(words) => return page::refused(s.lang, &words),
    };
    let to = page_of(&row.id);
    let (site, mode) = (row.site_id, row.mode);
    let detail = format!(
        "{} amount={} interval={} period={} max_periods={}",
        row.id,
        form.amount.trim(),
        form.interval.trim(),
        form.period.trim(),
        form.max_periods.trim()
    );
    let parts = [detail.as_str(), "change", form.seen.as_str()];
    let done = once_per_form(&state, &s, (site, mode), &parts, &to, || async {
        let done = match manage::update(&state, site, mode, &row.id, changes).await {
            Ok(Some(_)) => Done::Go(to.clone()),
            Ok(None) => Done::Refused(NOT_FOUND.into()),
            Err(oblako_gateway::FlowError::Internal(e)) => return Err(e),
            Err(refused) => Done::Refused(refused.to_string()),
        };
        super::audit::note(&state, &s, "subscription change", Some(site.0), &detail).await?;
        Ok(done)
    })
    .await;
    match done {
        Ok(done) => done.page(&s),
        Err(e) => page::internal(s.lang, &e),
    }
}
