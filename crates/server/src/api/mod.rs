//! The CloudPayments server API, mounted at the root of the base URL so a client library works
//! when only its host is replaced (`{base}/payments/cards/charge`).
//!
//! Each endpoint is one handler named after its path. Paths match case-insensitively and
//! without a trailing slash (spec §1.2): [`normalize_path`] rewrites them before routing.

pub mod auth;
pub mod body;
pub mod idempotency;
pub mod key_cache;
pub mod limits;
pub mod reply;

mod lists;
pub mod notification_log;
pub mod notifications;
mod orders;
mod payments;
mod ping;
mod publickey;
mod subscriptions;

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::routing::{get, post};

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
];

/// The API routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/test", get(ping::test).post(ping::test))
        .route(
            "/payments/publickey",
            get(publickey::payments_publickey).post(publickey::payments_publickey),
        )
        .route("/payments/cards/charge", post(payments::cards_charge))
        .route("/payments/cards/auth", post(payments::cards_auth))
        .route("/payments/cards/post3ds", post(payments::cards_post3ds))
        .route("/payments/post3ds", post(payments::cards_post3ds))
        .route("/payments/tokens/charge", post(payments::tokens_charge))
        .route("/payments/tokens/auth", post(payments::tokens_auth))
        .route("/payments/confirm", post(payments::payments_confirm))
        .route("/payments/void", post(payments::payments_void))
        .route("/payments/cancel", post(payments::payments_void))
        .route("/payments/refund", post(payments::payments_refund))
        .route("/payments/get", post(payments::payments_get))
        .route("/payments/find", post(payments::payments_find))
        .route("/v2/payments/find", post(payments::v2_payments_find))
        .route("/payments/list", post(lists::payments_list))
        .route("/v2/payments/list", post(lists::v2_payments_list))
        .route("/payments/tokens/list", post(lists::payments_tokens_list))
        .route(
            "/subscriptions/create",
            post(subscriptions::subscriptions_create),
        )
        .route("/subscriptions/get", post(subscriptions::subscriptions_get))
        .route(
            "/subscriptions/find",
            post(subscriptions::subscriptions_find),
        )
        .route(
            "/subscriptions/update",
            post(subscriptions::subscriptions_update),
        )
        .route(
            "/subscriptions/cancel",
            post(subscriptions::subscriptions_cancel),
        )
        .route(
            "/site/notifications/{kind}/get",
            get(notifications::site_notifications_get).post(notifications::site_notifications_get),
        )
        .route(
            "/site/notifications/{kind}/update",
            post(notifications::site_notifications_update),
        )
        .route(
            "/notifications/list",
            post(notification_log::notifications_list),
        )
        .route(
            "/notifications/get",
            post(notification_log::notifications_get),
        )
        .route(
            "/notifications/resend",
            post(notification_log::notifications_resend),
        )
        .route(
            "/notifications/test",
            post(notification_log::notifications_test),
        )
        .route("/orders/create", post(orders::orders_create))
        .route("/orders/cancel", post(orders::orders_cancel))
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
