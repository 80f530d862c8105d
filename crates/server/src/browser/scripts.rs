//! The browser scripts and styles, embedded in the binary: the checkout script with the current
//! cryptogram key written in at serve time, the widget, the payment form's script and style.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

const CHECKOUT_JS: &str = include_str!("../../static/checkout.js");
const WIDGET_JS: &str = include_str!("../../static/widget.js");
const FORM_JS: &str = include_str!("../../static/form.js");
const FORM_CSS: &str = include_str!("../../static/form.css");
const DEMO_JS: &str = include_str!("../../static/demo.js");
/// Where `checkout.js` takes the key object.
const KEY_SLOT: &str = "/*OBLAKO_KEY*/ { pem: \"\", version: 0 }";

fn asset(content_type: &'static str, body: String) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

const JS: &str = "application/javascript; charset=utf-8";

/// The checkout script with `{pem, version}` of the newest cryptogram key.
pub async fn checkout_js(State(state): State<AppState>) -> Response {
    match state.keyring.current_public().await {
        Ok((pem, version)) => {
            let key = serde_json::json!({ "pem": pem, "version": version }).to_string();
            asset(JS, CHECKOUT_JS.replacen(KEY_SLOT, &key, 1))
        }
        Err(e) => {
            tracing::error!(error = %e, "checkout.js: no cryptogram key");
            (StatusCode::SERVICE_UNAVAILABLE, "// no cryptogram key").into_response()
        }
    }
}

/// `/widget.js`, `/bundles/cloudpayments(.js)`: the widget.
pub async fn widget_js() -> Response {
    asset(JS, WIDGET_JS.to_owned())
}

/// `/widget/form.js`: the payment form's behaviour.
pub async fn form_js() -> Response {
    asset(JS, FORM_JS.to_owned())
}

/// `/widget/form.css`: the payment form's skins.
pub async fn form_css() -> Response {
    asset("text/css; charset=utf-8", FORM_CSS.to_owned())
}

/// `/demo.js`: the demo shop's Pay button.
pub async fn demo_js() -> Response {
    asset(JS, DEMO_JS.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checkout_script_has_its_key_slot() {
        assert_eq!(CHECKOUT_JS.matches(KEY_SLOT).count(), 1);
    }
}
