//! The browser files, embedded in the binary: the checkout script with the current cryptogram key
//! written in at serve time, the widget, the payment form's script and style, the demo's script,
//! the pages' style and the favicon. Each is served with its version as `ETag`
//! (`browser::assets`).

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::browser::assets::{Asset, respond, version_of};
use crate::state::AppState;

const JS: &str = "application/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

const CHECKOUT_JS: &str = include_str!("../../static/checkout.js");
/// Where `checkout.js` takes the key object.
const KEY_SLOT: &str = "/*OBLAKO_KEY*/ { pem: \"\", version: 0 }";

pub static WIDGET_JS: Asset =
    Asset::new("/widget.js", JS, include_bytes!("../../static/widget.js"));
pub static FORM_JS: Asset = Asset::new(
    "/widget/form.js",
    JS,
    include_bytes!("../../static/form.js"),
);
pub static FORM_CSS: Asset = Asset::new(
    "/widget/form.css",
    CSS,
    include_bytes!("../../static/form.css"),
);
pub static DEMO_JS: Asset = Asset::new("/demo.js", JS, include_bytes!("../../static/demo.js"));
pub static PAGES_CSS: Asset = Asset::new(
    "/static/pages.css",
    CSS,
    include_bytes!("../../static/pages.css"),
);
pub static FAVICON: Asset = Asset::new(
    "/favicon.svg",
    "image/svg+xml",
    include_bytes!("../../static/favicon.svg"),
);
/// The same cloud drawn at 16 and 32 px, for browsers that ask `/favicon.ico` by themselves.
pub static FAVICON_ICO: Asset = Asset::new(
    "/favicon.ico",
    "image/x-icon",
    include_bytes!("../../static/favicon.ico"),
);

/// The version of `checkout.js` with the newest key, and that key as `{pem, version}` JSON.
pub async fn checkout_version(state: &AppState) -> anyhow::Result<(String, String)> {
    let (pem, version) = state.keyring.current_public().await?;
    let key = serde_json::json!({ "pem": pem, "version": version }).to_string();
    Ok((version_of(&[CHECKOUT_JS.as_bytes(), key.as_bytes()]), key))
}

/// The checkout script with `{pem, version}` of the newest cryptogram key; its version changes
/// with the key.
pub async fn checkout_js(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    match checkout_version(&state).await {
        Ok((version, key)) => {
            let body = CHECKOUT_JS.replacen(KEY_SLOT, &key, 1);
            respond(&headers, query.as_deref(), &version, JS, body.into())
        }
        Err(e) => {
            tracing::error!(error = %e, "checkout.js: no cryptogram key");
            (StatusCode::SERVICE_UNAVAILABLE, "// no cryptogram key").into_response()
        }
    }
}

/// `/widget.js`, `/bundles/cloudpayments(.js)`: the widget.
pub async fn widget_js(headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    WIDGET_JS.serve(&headers, query.as_deref())
}

/// `/widget/form.js`: the payment form's behaviour.
pub async fn form_js(headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    FORM_JS.serve(&headers, query.as_deref())
}

/// `/widget/form.css`: the payment form's skins.
pub async fn form_css(headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    FORM_CSS.serve(&headers, query.as_deref())
}

/// `/demo.js`: the demo shop's Pay button.
pub async fn demo_js(headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    DEMO_JS.serve(&headers, query.as_deref())
}

/// `/static/pages.css`: the order, result and error pages.
pub async fn pages_css(headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    PAGES_CSS.serve(&headers, query.as_deref())
}

/// `/favicon.svg`.
pub async fn favicon_svg(headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    FAVICON.serve(&headers, query.as_deref())
}

/// `/favicon.ico`.
pub async fn favicon_ico(headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    FAVICON_ICO.serve(&headers, query.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checkout_script_has_its_key_slot() {
        assert_eq!(CHECKOUT_JS.matches(KEY_SLOT).count(), 1);
    }
}
