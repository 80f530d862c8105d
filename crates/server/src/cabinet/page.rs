//! How cabinet pages are sent: the frame every page shares (language, the signed-in user, the
//! CSRF token for its forms, which sections the role may open), the security headers, the
//! style sheet, and the error pages in plain words.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oblako_core::staff::Action;

use super::session::Session;
use super::texts::Texts;
use crate::pages::Lang;

/// No scripts at all; styles and forms only from our own origin; never framed.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const CSS: &str = include_str!("../../static/cabinet.css");

/// What the layout around every signed-in page needs.
pub struct Frame {
    /// Words in the page's language.
    pub t: Texts,
    /// `ru` or `en`.
    pub lang: &'static str,
    /// The signed-in user's e-mail.
    pub email: String,
    /// The role's name.
    pub role: &'static str,
    /// The session's CSRF token, for every form.
    pub csrf: String,
    /// Which section the page belongs to.
    pub section: &'static str,
    /// The role may open the system log.
    pub can_log: bool,
    /// The role may manage users.
    pub can_users: bool,
}

impl Frame {
    /// The frame of a page of `section` for this session.
    pub fn new(session: &Session, section: &'static str) -> Frame {
        Frame {
            t: session.words(),
            lang: lang_code(session.lang),
            email: session.row.staff.email.clone(),
            role: session.role().as_str(),
            csrf: session.row.csrf.clone(),
            section,
            can_log: session.can(Action::ReadLog),
            can_users: session.can(Action::ManageUsers),
        }
    }
}

/// `ru` or `en`.
pub fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        _ => "ru",
    }
}

/// A rendered template with the cabinet's headers.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => with_headers(status, body, "text/html; charset=utf-8"),
        Err(e) => {
            tracing::error!(error = %e, "a cabinet page did not render");
            with_headers(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error".to_owned(),
                "text/plain; charset=utf-8",
            )
        }
    }
}

fn with_headers(status: StatusCode, body: String, content_type: &'static str) -> Response {
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // `same-origin`, not `no-referrer`: with no-referrer browsers send `Origin: null` on our own
    // form posts, and the Origin check would refuse them.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /cabinet/cabinet.css`.
pub async fn cabinet_css() -> Response {
    let mut response = CSS.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// What went wrong, in words a shop's accountant understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Words {
    /// The role may not do this.
    Forbidden,
    /// Nothing here (or not yours: the two look the same).
    NotFound,
    /// A form from another site.
    ForeignOrigin,
    /// A form without this session's token.
    StaleForm,
    /// A form we could not read.
    BadForm,
    /// Too many attempts.
    TooMany,
    /// A set-up link that is used, expired or wrong.
    BadLink,
    /// Our fault.
    Internal,
}

#[derive(Template)]
#[template(path = "cabinet/problem.html")]
struct ProblemPage<'a> {
    t: Texts,
    lang: &'static str,
    title: &'static str,
    message: &'a str,
}

/// The error page for `words`.
pub fn problem(lang: Lang, status: StatusCode, words: Words) -> Response {
    let t = Texts(lang);
    let (title, message) = match words {
        Words::Forbidden => (
            "Not allowed",
            "Your role does not allow this. Ask the account's owner.",
        ),
        Words::NotFound => (
            "Not found",
            "There is nothing at this address, or it is not yours to see.",
        ),
        Words::ForeignOrigin => (
            "Form refused",
            "This form was sent from another site, so it was not accepted.",
        ),
        Words::StaleForm => (
            "Form expired",
            "This form is out of date. Go back, reload the page and try again.",
        ),
        Words::BadForm => (
            "Form unreadable",
            "The form could not be read. Go back and try again.",
        ),
        Words::TooMany => (
            "Too many attempts",
            "Too many attempts from your address. Wait a minute and try again.",
        ),
        Words::BadLink => (
            "Link no longer valid",
            "This link has been used or has expired. Ask the account's owner for a new one.",
        ),
        Words::Internal => (
            "Something went wrong",
            "Something went wrong on our side. Try again in a minute.",
        ),
    };
    render(
        status,
        &ProblemPage {
            t,
            lang: lang_code(lang),
            title: t.t(title),
            message: t.t(message),
        },
    )
}

/// The page for a money action the payment flows refused, with their words.
pub fn refused(lang: Lang, message: &str) -> Response {
    let t = Texts(lang);
    render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &ProblemPage {
            t,
            lang: lang_code(lang),
            title: t.t("Not done"),
            message: &t.refusal(message),
        },
    )
}

/// Logs an internal error once and answers the page for it.
pub fn internal(lang: Lang, error: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %error, "cabinet request failed");
    problem(lang, StatusCode::INTERNAL_SERVER_ERROR, Words::Internal)
}

/// The not-found page (also for another account's objects).
pub fn not_found(lang: Lang) -> Response {
    problem(lang, StatusCode::NOT_FOUND, Words::NotFound)
}

/// A page's query string read into `T`; a query that does not read gives `T::default()`.
pub fn query<T: serde::de::DeserializeOwned + Default>(uri: &axum::http::Uri) -> T {
    serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default()
}
