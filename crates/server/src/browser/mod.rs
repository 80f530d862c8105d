//! The browser side (spec §6–7): the checkout script, the widget and its payment form, the
//! browser charge endpoint authenticated by Public ID alone, 3-D Secure inside the form, the
//! hosted card page `/pub/card` and the demo shop `/demo`; `/widget/close` settles what became
//! of an attempt when the payer closes the form. See `docs/browser.md`.

pub mod assets;
pub mod attempt;
pub mod charge;
pub mod demo;
pub mod form;
pub mod scripts;
pub mod texts;

use axum::Router;
use axum::routing::{get, post};
use oblako_core::ids::Mode;
use oblako_store::sites::{self, Site, SiteKey};

use crate::config::{Config, ConfigError};
use crate::state::AppState;

/// The browser routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/checkout.js", get(scripts::checkout_js))
        .route("/bundles/checkout", get(scripts::checkout_js))
        .route("/widget.js", get(scripts::widget_js))
        .route("/bundles/cloudpayments.js", get(scripts::widget_js))
        .route("/bundles/cloudpayments", get(scripts::widget_js))
        .route("/widget/form", get(form::widget_form))
        .route("/widget/form.js", get(scripts::form_js))
        .route("/widget/form.css", get(scripts::form_css))
        .route("/widget/charge", post(charge::widget_charge))
        .route("/widget/3ds", post(charge::widget_3ds))
        .route("/widget/close", post(attempt::widget_close))
        .route("/pub/card", get(form::pub_card))
        .route("/_cloudpayments_/pub/card", get(form::pub_card))
        .route("/demo", get(demo::demo))
        .route("/demo.js", get(scripts::demo_js))
        .route("/static/pages.css", get(scripts::pages_css))
        .route("/favicon.svg", get(scripts::favicon_svg))
        .route("/favicon.ico", get(scripts::favicon_ico))
}

/// Checks the browser keys of the configuration.
pub fn check_config(config: &Config) -> Result<(), ConfigError> {
    let ancestors = &config.widget_frame_ancestors;
    let bad = ancestors.trim().is_empty()
        || ancestors.len() > 1024
        || ancestors
            .chars()
            .any(|c| matches!(c, ';' | ',' | '\r' | '\n') || c.is_control());
    if bad {
        return Err(ConfigError(format!(
            "key `widget_frame_ancestors`: {ancestors:?} is not a list of CSP sources like \"'self' https://shop.example\""
        )));
    }
    for (key, value) in [
        ("widget_charge_per_minute", config.widget_charge_per_minute),
        ("order_pay_per_minute", config.order_pay_per_minute),
    ] {
        if !(1..=100_000).contains(&value) {
            return Err(ConfigError(format!(
                "key `{key}`: {value} is not between 1 and 100000"
            )));
        }
    }
    Ok(())
}

/// The site and key a Public ID names, if it may take payments from a browser.
pub async fn terminal(
    state: &AppState,
    public_id: &str,
) -> anyhow::Result<Option<(SiteKey, Site)>> {
    if public_id.is_empty() || public_id.len() > 64 {
        return Ok(None);
    }
    let found = sites::key_by_public_id(&state.db, public_id).await?;
    Ok(found.filter(|(key, site)| key.mode == Mode::Test || site.production))
}

/// The Public ID the hosted pages charge: `hosted_public_id`, or the oldest site's test key.
pub async fn hosted_public_id(state: &AppState) -> anyhow::Result<Option<String>> {
    if !state.config.hosted_public_id.is_empty() {
        return Ok(Some(state.config.hosted_public_id.clone()));
    }
    let Some(site) = sites::list_sites(&state.db)
        .await?
        .into_iter()
        .min_by_key(|s| (s.created_at, s.id.0))
    else {
        return Ok(None);
    };
    let keys = sites::keys_of(&state.db, site.id).await?;
    Ok(keys
        .into_iter()
        .find(|k| k.mode == Mode::Test)
        .map(|k| k.public_id))
}
