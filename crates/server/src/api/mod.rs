//! The CloudPayments server API, mounted at the root of the base URL so a client library works
//! when only its host is replaced (`{base}/payments/cards/charge`).
//!
//! Each endpoint is one handler named after its path, listed once in [`operations`], which the
//! router is built from and a test compares with the OpenAPI description (`openapi`). Paths match
//! case-insensitively and without a trailing slash (spec §1.2): [`normalize_path`] rewrites them
//! before routing.

pub mod auth;
pub mod body;
pub mod idempotency;
pub mod key_cache;
pub mod limits;
pub mod refusals;
pub mod render;
pub mod reply;

mod lists;
pub mod notification_log;
pub mod notifications;
pub mod openapi;
pub(crate) mod orders;
mod payments;
mod ping;
mod publickey;
mod receipts;
pub mod sandbox;
mod subscriptions;

use axum::Router;
use axum::handler::Handler;
use axum::http::{Method, StatusCode, Uri};
use axum::routing::{MethodRouter, get, post};

use crate::state::AppState;
use reply::ApiReply;

/// Path prefixes of the API; only these are case-folded (order and page ids are case-sensitive).
const API_PREFIXES: &[&str] = &[
    "/test",
    "/payments/",
    "/v2/",
    "/subscriptions/",
    "/orders/",
    "/site/",
    "/kkt/",
    "/bins/",
    "/merchant/",
    "/escrow/",
    "/applepay/",
    "/notifications/",
    "/sandbox/",
];

/// One API operation: the method and path it answers, and its handler.
pub struct Operation {
    /// `GET` or `POST`.
    pub method: Method,
    /// The path in the router's syntax (`/site/notifications/{kind}/get`).
    pub path: &'static str,
    route: MethodRouter<AppState>,
}

fn post_op<H, T>(path: &'static str, handler: H) -> Operation
where
    H: Handler<T, AppState>,
    T: 'static,
{
    Operation {
        method: Method::POST,
        path,
        route: post(handler),
    }
}

fn get_op<H, T>(path: &'static str, handler: H) -> Operation
where
    H: Handler<T, AppState>,
    T: 'static,
{
    Operation {
        method: Method::GET,
        path,
        route: get(handler),
    }
}

/// Every API operation. [`routes`] is built from this list, and a test checks it against the
/// OpenAPI description (`/openapi.json`) both ways.
pub fn operations() -> Vec<Operation> {
    vec![
        get_op("/test", ping::test),
        post_op("/test", ping::test),
        get_op("/payments/publickey", publickey::payments_publickey),
        post_op("/payments/publickey", publickey::payments_publickey),
        post_op("/payments/cards/charge", payments::cards_charge),
        post_op("/payments/cards/auth", payments::cards_auth),
        post_op("/payments/cards/post3ds", payments::cards_post3ds),
        post_op("/payments/post3ds", payments::cards_post3ds),
        post_op("/payments/tokens/charge", payments::tokens_charge),
        post_op("/payments/tokens/auth", payments::tokens_auth),
        post_op("/payments/confirm", payments::payments_confirm),
        post_op("/payments/void", payments::payments_void),
        post_op("/payments/cancel", payments::payments_void),
        post_op("/payments/refund", payments::payments_refund),
        post_op("/payments/get", payments::payments_get),
        post_op("/payments/find", payments::payments_find),
        post_op("/v2/payments/find", payments::v2_payments_find),
        post_op("/payments/list", lists::payments_list),
        post_op("/v2/payments/list", lists::v2_payments_list),
        post_op("/payments/tokens/list", lists::payments_tokens_list),
        post_op("/subscriptions/create", subscriptions::subscriptions_create),
        post_op("/subscriptions/get", subscriptions::subscriptions_get),
        post_op("/subscriptions/find", subscriptions::subscriptions_find),
        post_op("/subscriptions/update", subscriptions::subscriptions_update),
        post_op("/subscriptions/cancel", subscriptions::subscriptions_cancel),
        get_op(
            "/site/notifications/{kind}/get",
            notifications::site_notifications_get,
        ),
        post_op(
            "/site/notifications/{kind}/get",
            notifications::site_notifications_get,
        ),
        post_op(
            "/site/notifications/{kind}/update",
            notifications::site_notifications_update,
        ),
        post_op("/notifications/list", notification_log::notifications_list),
        post_op("/notifications/get", notification_log::notifications_get),
        post_op(
            "/notifications/resend",
            notification_log::notifications_resend,
        ),
        post_op("/notifications/test", notification_log::notifications_test),
        post_op("/orders/create", orders::orders_create),
        post_op("/orders/cancel", orders::orders_cancel),
        post_op("/kkt/receipt", receipts::kkt_receipt),
        post_op("/kkt/receipt/status/get", receipts::kkt_receipt_status_get),
        post_op("/kkt/receipt/get", receipts::kkt_receipt_get),
        post_op("/sandbox/clock", sandbox::sandbox_clock),
    ]
}

/// The API routes, and the OpenAPI description at `GET /openapi.json`.
pub fn routes() -> Router<AppState> {
    operations()
        .into_iter()
        .fold(Router::new(), |router, op| router.route(op.path, op.route))
        .route("/openapi.json", get(openapi::openapi_json))
}

/// Lower-cases API paths and drops a trailing slash, keeping the query string.
pub fn normalize_path(uri: &Uri) -> Option<Uri> {
    let path = uri.path();
    let lower = path.to_ascii_lowercase();
    let trimmed = if lower.len() > 1 {
        lower.trim_end_matches('/')
    } else {
        lower.as_str()
    };
    if !API_PREFIXES
        .iter()
        .any(|p| trimmed.starts_with(p) || format!("{trimmed}/") == *p)
    {
        return None;
    }
    if trimmed == path {
        return None;
    }
    let rebuilt = match uri.query() {
        Some(q) => format!("{trimmed}?{q}"),
        None => trimmed.to_owned(),
    };
    rebuilt.parse().ok()
}

/// The answer for a path no route serves.
pub async fn not_found() -> ApiReply {
    ApiReply::error(StatusCode::NOT_FOUND, "Not found")
}

/// The answer for a path served only with other methods.
pub async fn method_not_allowed() -> ApiReply {
    ApiReply::error(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_fold_case_and_trailing_slashes() {
        let cases = [
            ("/Payments/Cards/Charge", Some("/payments/cards/charge")),
            ("/TEST", Some("/test")),
            ("/test/", Some("/test")),
            ("/payments/find?x=1", None),
            ("/Payments/Find?X=1", Some("/payments/find?X=1")),
            ("/d/AbCdEf", None),
            ("/healthz", None),
        ];
        for (input, expected) in cases {
            let uri: Uri = input.parse().unwrap();
            let got = normalize_path(&uri).map(|u| u.to_string());
            assert_eq!(got.as_deref(), expected, "{input}");
        }
    }
}
