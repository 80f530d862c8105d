//! The payment form: `GET /widget/form` is the page the widget opens in its modal iframe (the
//! payment options arrive by `postMessage` from the parent page's origin); `GET /pub/card` (also
//! `/_cloudpayments_/pub/card`) is the same form as a full page for the hosted site, with the
//! payment in the query and redirects after the outcome.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use oblako_core::money::Currency;
use oblako_protocol::params::Params;
use serde_json::json;

use crate::browser::assets::Assets;
use crate::browser::texts::{self, Texts};
use crate::browser::{hosted_public_id, terminal};
use crate::pages::{Lang, Problem, error_page, html};
use crate::state::AppState;

/// The skins of spec §6.4; anything else is `classic`.
const SKINS: &[&str] = &["classic", "modern", "mini"];

#[derive(Template)]
#[template(path = "widget_form.html")]
struct FormPage<'a> {
    t: &'a Texts,
    /// Versioned URLs of the form's script, style and `checkout.js`.
    assets: Assets,
    texts_json: String,
    options_json: String,
    skin: &'a str,
    mode: &'a str,
    origin: &'a str,
    /// The name of the site being paid, when the page knows it.
    shop: &'a str,
}

fn skin_of(params: &Params) -> &'static str {
    let asked = params.string_max("skin", 16).ok().flatten();
    SKINS
        .iter()
        .find(|s| asked.as_deref() == Some(**s))
        .copied()
        .unwrap_or("classic")
}

/// `scheme://host[:port]` and nothing else.
fn is_origin(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|host| {
        !host.is_empty()
            && text.len() <= 255
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    })
}

fn is_http_url(text: &str) -> bool {
    (text.starts_with("http://") || text.starts_with("https://"))
        && text.len() <= 2048
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The form's policy: its own scripts, styles, charge calls and ACS frame; framed only by
/// `widget_frame_ancestors` (widget) or by nobody (full page).
fn form_csp(frame_ancestors: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
         frame-src 'self'; form-action 'self'; img-src 'self' data:; base-uri 'none'; \
         frame-ancestors {frame_ancestors}"
    )
}

fn render(page: FormPage<'_>, csp: &str) -> Response {
    match page.render() {
        Ok(body) => html(StatusCode::OK, body, csp),
        Err(e) => {
            tracing::error!(error = %e, "payment form: render");
            let lang = Lang::from_culture(page.t.lang);
            error_page(lang, Problem::Internal)
        }
    }
}

/// `GET /widget/form?lang=…&skin=…&origin=…[&publicId=…]`: the widget's iframe; the Public ID,
/// when given, puts the shop's name on the form.
pub async fn widget_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Ok(params) = Params::from_form(query.unwrap_or_default().as_bytes()) else {
        return error_page(
            Lang::from_headers(&headers),
            Problem::BadLink("bad query string"),
        );
    };
    let language = params.string_max("lang", 16).ok().flatten();
    let origin = params.string_max("origin", 255).ok().flatten();
    let Some(origin) = origin.filter(|o| is_origin(o)) else {
        let lang = Lang::from_query_or_headers(language.as_deref(), &headers);
        return error_page(
            lang,
            Problem::BadLink("origin (the page that opens the widget) is required."),
        );
    };
    let t = texts::for_language(language.as_deref().unwrap_or("ru-RU"));
    let public_id = params.string_max("publicId", 64).ok().flatten();
    let shop = match public_id {
        Some(id) => terminal(&state, &id)
            .await
            .ok()
            .flatten()
            .map(|(_, site)| site.name),
        None => None,
    };
    let page = FormPage {
        t,
        assets: Assets::current(&state).await,
        texts_json: json!(t).to_string(),
        options_json: "{}".into(),
        skin: skin_of(&params),
        mode: "widget",
        origin: &origin,
        shop: shop.as_deref().unwrap_or(""),
    };
    render(page, &form_csp(&state.config.widget_frame_ancestors))
}

/// The checked query of `/pub/card`; the error is the text shown.
fn hosted_options(params: &Params, public_id: &str) -> Result<serde_json::Value, String> {
    let text = |name: &str, max: usize| -> Result<Option<String>, String> {
        params
            .string_max(name, max)
            .map(|v| v.filter(|v| !v.trim().is_empty()))
            .map_err(|_| format!("{name} is too long (at most {max} characters)."))
    };
    let required = |name: &str, max: usize| -> Result<String, String> {
        text(name, max)?.ok_or_else(|| format!("{name} is required."))
    };
    let account = required("account", 255)?;
    let description = required("description", 1000)?;
    let code = required("currency", 8)?;
    let currency = Currency::from_code(&code.to_ascii_uppercase())
        .ok_or_else(|| format!("currency {code:?} is not supported."))?;
    required("sum", 32)?;
    let amount = params
        .amount("sum", currency)
        .map_err(|_| "sum must be a positive amount with at most two decimals.".to_owned())?;
    let mut urls = serde_json::Map::new();
    for (name, key) in [("success_url", "successUrl"), ("fail_url", "failUrl")] {
        if let Some(url) = text(name, 2048)? {
            if !is_http_url(&url) {
                return Err(format!("{name} must be an http(s) URL."));
            }
            urls.insert(key.into(), url.into());
        }
    }
    let mut options = json!({
        "publicId": public_id,
        "amount": oblako_protocol::amount::amount_json(amount),
        "currency": currency.code(),
        "description": description,
        "accountId": account,
        "scheme": "charge",
    });
    if let Some(object) = options.as_object_mut() {
        object.extend(urls);
    }
    Ok(options)
}

/// `GET /pub/card?account=…&sum=…&description=…&currency=…[&success_url=…][&fail_url=…]`.
pub async fn pub_card(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Ok(params) = Params::from_form(query.unwrap_or_default().as_bytes()) else {
        return error_page(
            Lang::from_headers(&headers),
            Problem::BadLink("bad query string"),
        );
    };
    let language = params.string_max("lang", 16).ok().flatten();
    let lang = Lang::from_query_or_headers(language.as_deref(), &headers);
    let public_id = match hosted_public_id(&state).await {
        Ok(Some(id)) => id,
        Ok(None) => return error_page(lang, Problem::NotSetUp),
        Err(e) => {
            tracing::error!(error = %e, "pub/card: hosted site");
            return error_page(lang, Problem::Internal);
        }
    };
    let Ok(Some((_, site))) = terminal(&state, &public_id).await else {
        tracing::warn!(%public_id, "pub/card: hosted_public_id names no active site");
        return error_page(lang, Problem::NotSetUp);
    };
    let options = match hosted_options(&params, &public_id) {
        Ok(options) => options,
        Err(message) => return error_page(lang, Problem::BadLink(&message)),
    };
    let t = texts::for_language(language.as_deref().unwrap_or("ru-RU"));
    let page = FormPage {
        t,
        assets: Assets::current(&state).await,
        texts_json: json!(t).to_string(),
        options_json: options.to_string(),
        skin: skin_of(&params),
        mode: "page",
        origin: "",
        shop: &site.name,
    };
    render(page, &form_csp("'none'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_and_host_only() {
        assert!(is_origin("http://127.0.0.1:8080"));
        assert!(is_origin("https://shop.example"));
        for bad in [
            "",
            "shop.example",
            "https://shop.example/path",
            "javascript:1",
            "https://",
        ] {
            assert!(!is_origin(bad), "{bad}");
        }
    }
}
