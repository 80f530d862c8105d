//! Server-rendered pages (askama templates in `templates/`). Every page carries a
//! Content-Security-Policy; pages that must post to a merchant's URL allow that in `form-action`.
//! Pages speak the payer's language (`lang`), and so do their error pages (`problem`).

pub mod acs;
pub mod lang;
pub mod my_subscription;
pub mod my_subscription_card;
pub mod order;
pub mod order_pay;
pub mod order_result;
pub mod problem;
pub mod receipt;

pub use lang::Lang;
pub use problem::{Problem, error, error_page};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A rendered page with its policy.
pub fn html(status: StatusCode, body: String, csp: &str) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
