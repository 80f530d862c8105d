//! Server-rendered pages (askama templates in `templates/`). Every page carries a
//! Content-Security-Policy; pages that must post to a merchant's URL allow that in `form-action`.

pub mod acs;
pub mod my_subscription;
pub mod my_subscription_card;
pub mod order;
pub mod order_pay;

use askama::Template;
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

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

/// A plain page explaining what is wrong (never a stack trace).
pub fn error(status: StatusCode, title: &str, message: &str) -> Response {
    let body = ErrorPage { title, message }
        .render()
        .unwrap_or_else(|_| message.to_owned());
    html(status, body, "default-src 'none'")
}
