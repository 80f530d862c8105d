//! The page that ends a payment attempt on an order page: paid, declined, not completed, still
//! processing, or cancelled, with the order's number, its amount in the payer's language and the
//! transaction. A repeat of an attempt (the payer refreshes the result, presses Back to the bank's
//! page and confirms again, or pays in a second tab) is answered from the order as it is now: a
//! paid order is shown as paid, calmly, never as an error.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use oblako_core::payment::Status;
use oblako_protocol::order::OrderStatus;
use oblako_protocol::reasons::{Culture, cardholder_message};
use oblako_store::orders::OrderRow;
use oblako_store::transactions;

use crate::browser::assets::Assets;
use crate::orders::{money_of, status_of};
use crate::pages::order::{Texts, texts_in};
use crate::pages::{Lang, html};
use crate::state::AppState;

/// How an attempt ended, for the payer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// This attempt paid the order.
    Paid,
    /// The order was paid before (a repeat): nothing more to pay.
    AlreadyPaid,
    /// The bank declined; its message to the cardholder.
    Declined(String),
    /// Nothing was charged and the order is still payable.
    NotCompleted,
    /// The order's payment is still with the bank.
    Processing,
    /// The merchant cancelled the order.
    Cancelled,
}

#[derive(Template)]
#[template(path = "order_result.html")]
struct ResultPage<'a> {
    t: &'a Texts,
    lang: &'a str,
    assets: &'a Assets,
    /// `paid`, `failed` or `calm`: the heading's colour and icon.
    class: &'a str,
    icon: &'a str,
    heading: &'a str,
    message: &'a str,
    note: Option<&'a str>,
    number: i64,
    amount: String,
    transaction: Option<i64>,
    back: String,
    /// The link back offers another try (the order is payable) rather than just the order.
    retry: bool,
    /// The merchant's page after a payment, for a payer who lands here again.
    shop: Option<&'a str>,
}

/// The result page of order `row` (as it is after the attempt).
pub fn result_page(row: &OrderRow, ending: &Ending) -> Response {
    let lang = Lang::from_culture(&row.culture);
    let t = texts_in(lang);
    let paid_by = row.transaction_id;
    let (status, class, icon, heading, message, note, transaction) = match ending {
        Ending::Paid => (StatusCode::OK, "paid", "✓", t.paid, "", None, paid_by),
        Ending::AlreadyPaid => (
            StatusCode::CONFLICT,
            "paid",
            "✓",
            t.order_paid,
            t.already_paid,
            Some(t.nothing_more),
            paid_by,
        ),
        Ending::Declined(why) => (
            StatusCode::OK,
            "failed",
            "✕",
            t.declined,
            why.as_str(),
            None,
            paid_by,
        ),
        Ending::NotCompleted => (
            StatusCode::CONFLICT,
            "failed",
            "✕",
            t.not_completed_heading,
            t.not_completed,
            None,
            None,
        ),
        Ending::Processing => (
            StatusCode::CONFLICT,
            "calm",
            "…",
            t.processing_heading,
            t.processing,
            None,
            None,
        ),
        Ending::Cancelled => (
            StatusCode::CONFLICT,
            "failed",
            "✕",
            t.cancelled,
            "",
            None,
            None,
        ),
    };
    let assets = Assets::fixed();
    let page = ResultPage {
        t,
        lang: lang.code(),
        assets: &assets,
        class,
        icon,
        heading,
        message,
        note,
        number: row.number,
        amount: lang.money(money_of(row)),
        transaction,
        back: format!("/d/{}", row.public_id),
        retry: status_of(row) == OrderStatus::Created && *ending != Ending::Processing,
        shop: row
            .success_redirect_url
            .as_deref()
            .filter(|_| *ending == Ending::AlreadyPaid),
    };
    match page.render() {
        Ok(body) => html(
            status,
            body,
            "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; \
             form-action 'none'; frame-ancestors 'none'",
        ),
        Err(e) => {
            tracing::error!(error = %e, "order result page");
            crate::pages::error_page(lang, crate::pages::Problem::Internal)
        }
    }
}

/// What a refused attempt came to, seen from order `row` as it is now. `answered` is the
/// transaction a 3-D Secure answer was for (none for a card form's post).
pub async fn after_refusal(
    state: &AppState,
    row: &OrderRow,
    answered: Option<i64>,
) -> anyhow::Result<Ending> {
    match status_of(row) {
        OrderStatus::Paid => return Ok(Ending::AlreadyPaid),
        OrderStatus::Cancelled => return Ok(Ending::Cancelled),
        OrderStatus::Created => {}
    }
    let (Some(current), mode) = (row.transaction_id, row.mode) else {
        return Ok(Ending::NotCompleted);
    };
    let Some(attempt) = transactions::get(&state.db, row.site_id, mode, current).await? else {
        return Ok(Ending::NotCompleted);
    };
    let lang = Lang::from_culture(&row.culture);
    Ok(match attempt.status {
        Status::Processing => Ending::Processing,
        Status::Completed | Status::Authorized => Ending::AlreadyPaid,
        // The answer of a check the payer already failed: that decline again, not a new error.
        Status::Declined if answered == Some(current) => {
            let code = i32::try_from(attempt.reason_code).unwrap_or_default();
            Ending::Declined(cardholder_message(code, Culture::from_name(lang.code())).to_owned())
        }
        _ => Ending::NotCompleted,
    })
}
