//! `GET /demo`: a one-product shop for the hosted site whose Pay button opens the widget, so a
//! fresh gateway ends its quick start with a payment in the browser. `?lang=en-US|kk-KZ`,
//! `?skin=modern|mini` and `?scheme=auth` choose the widget's language, skin and stage.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use oblako_protocol::params::Params;

use crate::browser::hosted_public_id;
use crate::browser::texts;
use crate::pages::{error, html};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "demo.html")]
struct DemoPage<'a> {
    lang: &'a str,
    culture: &'a str,
    english: bool,
    public_id: &'a str,
    skin: &'a str,
    scheme: &'a str,
}

/// `GET /demo`.
pub async fn demo(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let params = Params::from_form(query.unwrap_or_default().as_bytes()).unwrap_or_default();
    let pick = |name: &str, allowed: &[&'static str]| -> &'static str {
        let asked = params.string_max(name, 16).ok().flatten();
        allowed
            .iter()
            .find(|a| asked.as_deref() == Some(**a))
            .copied()
            .unwrap_or(allowed[0])
    };
    let public_id = match hosted_public_id(&state).await {
        Ok(Some(id)) => id,
        Ok(None) => return error(StatusCode::NOT_FOUND, "Demo", "No site is set up yet."),
        Err(e) => {
            tracing::error!(error = %e, "demo: hosted site");
            return error(StatusCode::INTERNAL_SERVER_ERROR, "Demo", "Internal error.");
        }
    };
    let culture = pick("lang", &["ru-RU", "en-US", "kk-KZ"]);
    let t = texts::for_language(culture);
    let page = DemoPage {
        lang: t.lang,
        culture,
        english: t.lang == "en",
        public_id: &public_id,
        skin: pick("skin", &["classic", "modern", "mini"]),
        scheme: pick("scheme", &["charge", "auth"]),
    };
    match page.render() {
        Ok(body) => html(
            StatusCode::OK,
            body,
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             frame-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; \
             form-action 'none'; frame-ancestors 'none'",
        ),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Demo",
            &format!("render: {e}"),
        ),
    }
}
