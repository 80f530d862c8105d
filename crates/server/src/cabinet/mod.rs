//! The merchant cabinet under `/cabinet/`: staff of an account sign in (password, then a TOTP
//! code where set) and manage their sites, find transactions, and read the system log.
//!
//! `session` owns the cookie, the session row, the role check and the CSRF and Origin guards;
//! `sign_in`, `setup` and `two_factor` the ways in; `password` and `totp` their cryptography;
//! `sites`, `site_options`, `notifications`, `transactions`, `subscriptions`, `orders`, `log` and
//! `users` the pages; `export` the list's `.xlsx` and CSV; `actions` the money actions' door;
//! `subscription_forms` and `order_forms` the forms of subscriptions and orders, each run once
//! per form by `form_once`;
//! `page`, `texts` and `billing_texts` how pages are sent and in which language; `audit` the
//! trail of actions.

// A handler's refusal is the page it answers (a `Response`), made once per request.
#![allow(clippy::result_large_err)]

pub mod actions;
pub mod audit;
pub mod billing_texts;
pub mod export;
pub mod form_once;
pub mod log;
pub mod notifications;
pub mod order_forms;
pub mod orders;
pub mod page;
pub mod password;
pub mod receipts;
pub mod session;
pub mod setup;
pub mod sign_in;
pub mod site_options;
pub mod sites;
pub mod subscription_forms;
pub mod subscriptions;
pub mod texts;
pub mod totp;
pub mod transactions;
pub mod two_factor;
pub mod users;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::state::AppState;

/// Every cabinet route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cabinet", get(home))
        .route("/cabinet/", get(home))
        .route("/cabinet/cabinet.css", get(page::cabinet_css))
        .route(
            "/cabinet/setup/{token}",
            get(setup::setup_page).post(setup::setup),
        )
        .route(
            "/cabinet/sign-in",
            get(sign_in::sign_in_page).post(sign_in::sign_in),
        )
        .route(
            "/cabinet/sign-in/code",
            get(sign_in::code_page).post(sign_in::code),
        )
        .route("/cabinet/sign-out", post(sign_in::sign_out))
        .route(
            "/cabinet/two-factor",
            get(two_factor::two_factor_page).post(two_factor::two_factor),
        )
        .route("/cabinet/lang", post(lang))
        .route(
            "/cabinet/sites",
            get(sites::sites_page).post(sites::sites_create),
        )
        .route("/cabinet/sites/{id}", get(sites::site_page))
        .route("/cabinet/sites/{id}/rename", post(sites::site_rename))
        .route("/cabinet/sites/{id}/rotate", post(sites::site_rotate))
        .route("/cabinet/sites/{id}/go-live", post(sites::site_go_live))
        .route(
            "/cabinet/sites/{id}/options",
            post(site_options::site_options),
        )
        .route(
            "/cabinet/sites/{id}/retries",
            post(site_options::site_retries),
        )
        .route(
            "/cabinet/sites/{id}/notifications",
            get(notifications::site_notifications).post(notifications::site_notifications_save),
        )
        .route(
            "/cabinet/sites/{id}/test-webhook",
            post(notifications::site_test_webhook),
        )
        .route(
            "/cabinet/transactions/{id}/notifications/{notification}/resend",
            post(notifications::notification_resend),
        )
        .route(
            "/cabinet/transactions",
            get(transactions::transactions_page),
        )
        .route("/cabinet/transactions.csv", get(export::transactions_csv))
        .route("/cabinet/transactions.xlsx", get(export::transactions_xlsx))
        .route(
            "/cabinet/transactions/{id}",
            get(transactions::transaction_page),
        )
        .route(
            "/cabinet/transactions/{id}/{action}",
            post(actions::transaction_action),
        )
        .route(
            "/cabinet/subscriptions",
            get(subscriptions::subscriptions_page),
        )
        .route(
            "/cabinet/subscriptions/{id}",
            get(subscriptions::subscription_page),
        )
        .route(
            "/cabinet/subscriptions/{id}/cancel",
            post(subscription_forms::subscription_cancel),
        )
        .route(
            "/cabinet/subscriptions/{id}/change",
            post(subscription_forms::subscription_change),
        )
        .route(
            "/cabinet/orders",
            get(orders::orders_page).post(order_forms::orders_create),
        )
        .route("/cabinet/orders/{id}", get(orders::order_page))
        .route(
            "/cabinet/orders/{id}/{action}",
            post(order_forms::order_action),
        )
        .route("/cabinet/log", get(log::log_page))
        .route("/cabinet/receipts", get(receipts::receipts_page))
        .route(
            "/cabinet/users",
            get(users::users_page).post(users::users_invite),
        )
        .route("/cabinet/users/{id}", post(users::users_change))
        .route(
            "/cabinet/account/two-factor",
            post(users::account_two_factor),
        )
}

/// Any other path on the cabinet's own listener (`cabinet_listen`); `/` leads to the cabinet.
pub async fn not_found(uri: axum::http::Uri, headers: axum::http::HeaderMap) -> Response {
    if uri.path() == "/" {
        return Redirect::to("/cabinet/").into_response();
    }
    page::not_found(session::browser_lang(&headers))
}

/// `GET /cabinet/`: the transactions.
async fn home(_: session::Signed) -> Response {
    Redirect::to("/cabinet/transactions").into_response()
}

#[derive(serde::Deserialize)]
struct LangForm {
    lang: String,
}

/// `POST /cabinet/lang`: the user's page language, kept with the user.
async fn lang(
    State(state): State<AppState>,
    session::Posted(s, form): session::Posted<LangForm>,
) -> Response {
    let lang = if form.lang == "en" { "en" } else { "ru" };
    if let Err(e) = oblako_store::staff::set_lang(&state.db, s.row.staff.id, lang).await {
        return page::internal(s.lang, &e);
    }
    let mut response = Redirect::to("/cabinet/").into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    response
}
