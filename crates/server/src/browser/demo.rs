//! `GET /demo`: a one-product shop for the hosted site whose Pay button opens the widget, so a
//! fresh gateway ends its quick start with a payment in the browser. `?lang=en-US|kk-KZ`,
//! `?skin=modern|mini` and `?scheme=auth` choose the language (of the page and the widget),
//! skin and stage.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use oblako_core::money::{Currency, Money};
use oblako_protocol::params::Params;

use crate::browser::assets::Assets;
use crate::browser::hosted_public_id;
use crate::pages::{Lang, Problem, error_page, html};
use crate::state::AppState;

/// The shop's words in one language; `demo.js` reads the result texts from the page.
struct Texts {
    shop: &'static str,
    product: &'static str,
    about: &'static str,
    pay: &'static str,
    paid: &'static str,
    cancelled: &'static str,
    not_paid: &'static str,
}

const RU: Texts = Texts {
    shop: "Демо-магазин Oblako",
    product: "Чашка чая",
    about: "Тестовый товар. Карта 4111 1111 1111 1111 оплачивает, 4000 0566 5566 5556 отклоняется, 4242 4242 4242 4242 запрашивает 3-D Secure.",
    pay: "Оплатить",
    paid: "Оплачено, транзакция",
    cancelled: "Оплата отменена",
    not_paid: "Не оплачено:",
};

const EN: Texts = Texts {
    shop: "Oblako demo shop",
    product: "Cup of tea",
    about: "A test product. Card 4111 1111 1111 1111 pays, 4000 0566 5566 5556 is declined, 4242 4242 4242 4242 asks for 3-D Secure.",
    pay: "Pay",
    paid: "Paid, transaction",
    cancelled: "Payment cancelled",
    not_paid: "Not paid:",
};

const KK: Texts = Texts {
    shop: "Oblako демо-дүкені",
    product: "Бір кесе шай",
    about: "Тест тауары. 4111 1111 1111 1111 картасы төлейді, 4000 0566 5566 5556 картасы қабылданбайды, 4242 4242 4242 4242 картасы 3-D Secure сұрайды.",
    pay: "Төлеу",
    paid: "Төленді, транзакция",
    cancelled: "Төлемнен бас тартылды",
    not_paid: "Төленбеді:",
};

#[derive(Template)]
#[template(path = "demo.html")]
struct DemoPage<'a> {
    lang: &'a str,
    t: &'a Texts,
    assets: &'a Assets,
    price: String,
    culture: &'a str,
    public_id: &'a str,
    skin: &'a str,
    scheme: &'a str,
}

/// `GET /demo`.
pub async fn demo(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let params = Params::from_form(query.unwrap_or_default().as_bytes()).unwrap_or_default();
    let pick = |name: &str, allowed: &[&'static str]| -> &'static str {
        let asked = params.string_max(name, 16).ok().flatten();
        allowed
            .iter()
            .find(|a| asked.as_deref() == Some(**a))
            .copied()
            .unwrap_or(allowed[0])
    };
    // The shop speaks the widget's language: ru-RU unless `lang` names another of the three.
    let culture = pick("lang", &["ru-RU", "en-US", "kk-KZ"]);
    let lang = Lang::from_culture(culture);
    let public_id = match hosted_public_id(&state).await {
        Ok(Some(id)) => id,
        Ok(None) => {
            let asked = params.string_max("lang", 16).ok().flatten();
            return error_page(
                Lang::from_query_or_headers(asked.as_deref(), &headers),
                Problem::NotSetUp,
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "demo: hosted site");
            return error_page(lang, Problem::Internal);
        }
    };
    let page = DemoPage {
        lang: lang.code(),
        t: match lang {
            Lang::Ru => &RU,
            Lang::En => &EN,
            Lang::Kk => &KK,
        },
        assets: &Assets::fixed(),
        price: lang.money(Money::new(10_000, Currency::RUB)),
        culture,
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
        Err(e) => {
            tracing::error!(error = %e, "demo page");
            error_page(lang, Problem::Internal)
        }
    }
}
