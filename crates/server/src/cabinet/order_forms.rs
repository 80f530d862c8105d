//! The orders forms: **Create** (on the list), **Resend** and **Cancel** (on an order's page).
//! Each post is same-origin with the session's CSRF token (`Posted`), needs the `ManageOrders`
//! role, finds its site or order within the account (another account's answers like a missing
//! one), runs once per form (`form_once`) and is written to the audit trail.
//!
//! Create reads the form as the API's `orders/create` parameters (`CreateOrder::from_params`,
//! the same checks and words) and calls the same flow (`orders::create_order`), in the site's
//! mode (live once the site is in production, else test). Cancel keeps `orders/cancel`'s rule
//! (only a `Created` order that no payment is working on). The API has no resend: Resend queues
//! the message that create queued, again (`orders::resend_link`).

use axum::extract::{Path, State};
use axum::response::Response;
use oblako_core::ids::{Mode, SiteId};
use oblako_core::order::OrderStatus;
use oblako_core::staff::Action;
use oblako_protocol::order::CreateOrder;
use oblako_protocol::params::Params;
use oblako_store::orders::search;
use oblako_store::orders::{self, Cancelled, OrderRow};

use super::form_once::{Done, once_per_form};
use super::page;
use super::session::{Posted, Session};
use crate::api::orders::NOT_CANCELLABLE;
use crate::payments::NOT_FOUND;
use crate::state::AppState;

/// Resend of an order that is paid or cancelled.
pub const NOT_OPEN: &str = "Only an unpaid order's link can be sent";
/// Resend of an order with neither an e-mail nor a phone.
pub const NO_ADDRESS: &str = "The order has neither an e-mail nor a phone to send its link to";

#[derive(Debug, Default, serde::Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    site: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    invoice: String,
    /// Empty (one-off), `CreateWeekly` or `CreateMonthly`.
    #[serde(default)]
    recurring: String,
    /// `1` for a two-stage payment.
    #[serde(default)]
    two_stage: String,
    #[serde(default)]
    seen: String,
}

/// The form as the API's parameters. A recurring order without an AccountId takes the payer's
/// e-mail (or phone) as one: the subscription its payment makes needs a payer.
fn params(form: &CreateForm) -> Result<CreateOrder, String> {
    let (email, phone) = (form.email.trim(), form.phone.trim());
    let recurring = !form.recurring.trim().is_empty();
    let account = match form.account.trim() {
        "" if recurring && !email.is_empty() => email,
        "" if recurring => phone,
        given => given,
    };
    let flag = |on: bool| if on { "true" } else { "false" };
    let pairs = [
        ("Amount", form.amount.trim().replace(',', ".")),
        ("Currency", form.currency.trim().to_ascii_uppercase()),
        ("Description", form.description.trim().to_owned()),
        ("Email", email.to_owned()),
        ("Phone", phone.to_owned()),
        ("SendEmail", flag(!email.is_empty()).to_owned()),
        ("SendSms", flag(!phone.is_empty()).to_owned()),
        ("AccountId", account.to_owned()),
        ("InvoiceId", form.invoice.trim().to_owned()),
        ("SubscriptionBehavior", form.recurring.trim().to_owned()),
        (
            "RequireConfirmation",
            flag(form.two_stage == "1").to_owned(),
        ),
    ];
    let body = serde_urlencoded::to_string(pairs).map_err(|e| e.to_string())?;
    let params = Params::from_form(body.as_bytes()).map_err(|e| e.to_string())?;
    CreateOrder::from_params(&params).map_err(|e| e.to_string())
}

/// `POST /cabinet/orders`: a new order from the form.
pub async fn orders_create(
    State(state): State<AppState>,
    Posted(s, form): Posted<CreateForm>,
) -> Response {
    if let Err(page) = s.require(Action::ManageOrders) {
        return page;
    }
    let site = match form.site.trim().parse() {
        Ok(id) => super::sites::own_site(&state, &s, id).await,
        Err(_) => Ok(None),
    };
    let site = match site {
        Ok(Some(site)) => site,
        Ok(None) => return page::not_found(s.lang),
        Err(e) => return page::internal(s.lang, &e),
    };
    let order = match params(&form) {
        Ok(order) => order,
        Err(words) => return page::refused(s.lang, &words),
    };
    let mode = if site.production {
        Mode::Live
    } else {
        Mode::Test
    };
    let values = format!("{form:?}");
    let parts = ["orders create", form.seen.as_str(), values.as_str()];
    let done = once_per_form(
        &state,
        &s,
        (site.id, mode),
        &parts,
        "/cabinet/orders",
        || async {
            let row = crate::orders::create_order(&state, &site, mode, &order).await?;
            let detail = format!("{} № {}", row.public_id, row.number);
            super::audit::note(&state, &s, "order create", Some(site.id.0), &detail).await?;
            Ok(Done::Go(page_of(&row.public_id)))
        },
    )
    .await;
    match done {
        Ok(done) => done.page(&s),
        Err(e) => page::internal(s.lang, &e),
    }
}

#[derive(serde::Deserialize)]
pub struct OrderForm {
    #[serde(default)]
    seen: String,
}

fn page_of(id: &str) -> String {
    format!("/cabinet/orders/{id}")
}

/// The order `id` of the session's account, or the page to answer instead.
async fn own(state: &AppState, s: &Session, id: &str) -> Result<OrderRow, Response> {
    s.require(Action::ManageOrders)?;
    match search::of_account(&state.db, s.account(), id).await {
        Ok(Some(row)) => Ok(row),
        Ok(None) => Err(page::not_found(s.lang)),
        Err(e) => Err(page::internal(s.lang, &e)),
    }
}

/// `POST /cabinet/orders/{id}/{action}`: `resend` or `cancel`.
pub async fn order_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    Posted(s, form): Posted<OrderForm>,
) -> Response {
    let row = match own(&state, &s, &id).await {
        Ok(row) => row,
        Err(page) => return page,
    };
    if action != "resend" && action != "cancel" {
        return page::not_found(s.lang);
    }
    let to = page_of(&row.public_id);
    let (site, mode) = (row.site_id, row.mode);
    let parts = [row.public_id.as_str(), action.as_str(), form.seen.as_str()];
    let done = once_per_form(&state, &s, (site, mode), &parts, &to, || async {
        let done = if action == "cancel" {
            let now = state.site_now_ms(site).await?;
            match orders::cancel(&state.db, site, mode, &row.public_id, now).await? {
                Cancelled::Done => Done::Go(to.clone()),
                Cancelled::NotFound => Done::Refused(NOT_FOUND.into()),
                Cancelled::Refused => Done::Refused(NOT_CANCELLABLE.into()),
            }
        } else {
            resend(&state, site, &row, &to).await?
        };
        let detail = format!("{} № {}", row.public_id, row.number);
        super::audit::note(
            &state,
            &s,
            &format!("order {action}"),
            Some(site.0),
            &detail,
        )
        .await?;
        Ok(done)
    })
    .await;
    match done {
        Ok(done) => done.page(&s),
        Err(e) => page::internal(s.lang, &e),
    }
}

async fn resend(state: &AppState, site: SiteId, row: &OrderRow, to: &str) -> anyhow::Result<Done> {
    if row.status != OrderStatus::Created {
        return Ok(Done::Refused(NOT_OPEN.into()));
    }
    let Some(site) = oblako_store::sites::site(&state.db, site).await? else {
        return Ok(Done::Refused(NOT_FOUND.into()));
    };
    Ok(if crate::orders::resend_link(state, &site, row).await? {
        Done::Go(to.to_owned())
    } else {
        Done::Refused(NO_ADDRESS.into())
    })
}
