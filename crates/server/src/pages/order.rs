//! The payer's page of an order, `/d/{Id}` (the order's `Url`): what is paid for, how much, the
//! offer link and the status; while the order waits for payment, a card form. The form's fields
//! never reach Oblako in clear: `/checkout.js` (`cp.Checkout`, spec §7.1) turns them into a
//! cryptogram, which the form posts to `/d/{Id}/pay` (`pages::order_pay`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use oblako_core::ids::Mode;
use oblako_protocol::amount::amount_fixed;
use oblako_protocol::order::OrderStatus;
use oblako_store::orders::{self, OrderRow};

use crate::mail::order_link::is_english;
use crate::orders::pay::{not_payable, order_site};
use crate::orders::{is_order_id, money_of, status_of};
use crate::pages::{error, html};
use crate::secrets::random_hex;
use crate::state::AppState;

/// The page's words in one language.
pub struct Texts {
    pub(crate) title: &'static str,
    pub(crate) merchant: &'static str,
    pub(crate) order: &'static str,
    pub(crate) amount: &'static str,
    pub(crate) status: &'static str,
    pub(crate) offer: &'static str,
    pub(crate) card: &'static str,
    pub(crate) expiry: &'static str,
    pub(crate) cvv: &'static str,
    pub(crate) holder: &'static str,
    pub(crate) pay: &'static str,
    pub(crate) test: &'static str,
    pub(crate) no_script: &'static str,
    pub(crate) paid: &'static str,
    pub(crate) declined: &'static str,
    pub(crate) refused: &'static str,
    pub(crate) again: &'static str,
    pub(crate) redirect: &'static str,
    pub(crate) not_found: &'static str,
    pub(crate) not_found_text: &'static str,
}

pub(crate) const RU: Texts = Texts {
    title: "Оплата заказа",
    merchant: "Магазин",
    order: "Заказ №",
    amount: "Сумма",
    status: "Статус",
    offer: "Условия оферты",
    card: "Номер карты",
    expiry: "Срок действия (ММ/ГГ)",
    cvv: "CVV/CVC",
    holder: "Имя владельца",
    pay: "Оплатить",
    test: "Тестовый режим: деньги не списываются, подойдут тестовые карты.",
    no_script: "Не удалось загрузить форму оплаты. Обновите страницу.",
    paid: "Оплата прошла успешно. Спасибо!",
    declined: "Платёж отклонён",
    refused: "Оплата невозможна",
    again: "Попробовать ещё раз",
    redirect: "Переход в банк для подтверждения платежа…",
    not_found: "Заказ не найден",
    not_found_text: "Такого заказа нет. Проверьте ссылку.",
};

pub(crate) const EN: Texts = Texts {
    title: "Order payment",
    merchant: "Merchant",
    order: "Order #",
    amount: "Amount",
    status: "Status",
    offer: "Terms of the offer",
    card: "Card number",
    expiry: "Expiry (MM/YY)",
    cvv: "CVV/CVC",
    holder: "Cardholder name",
    pay: "Pay",
    test: "Test mode: no money moves; use the test cards.",
    no_script: "The payment form could not be loaded. Reload the page.",
    paid: "Payment successful. Thank you!",
    declined: "Payment declined",
    refused: "Payment not possible",
    again: "Try again",
    redirect: "Taking you to your bank to confirm the payment…",
    not_found: "Order not found",
    not_found_text: "There is no such order. Check the link.",
};

/// The texts for an order's `CultureName`.
pub fn texts_for(culture: &str) -> &'static Texts {
    if is_english(culture) { &EN } else { &RU }
}

/// The status in the payer's words.
pub fn status_words(status: OrderStatus, english: bool) -> &'static str {
    match (status, english) {
        (OrderStatus::Created, false) => "Ожидает оплаты",
        (OrderStatus::Created, true) => "Awaiting payment",
        (OrderStatus::Paid, false) => "Оплачен",
        (OrderStatus::Paid, true) => "Paid",
        (OrderStatus::Cancelled, false) => "Отменён",
        (OrderStatus::Cancelled, true) => "Cancelled",
    }
}

/// The origin (`scheme://host[:port]`) of an http(s) `url`, if it is plain enough to be a CSP
/// source: no user info and no character that could end or split the directive.
pub fn origin_of(url: &str) -> Option<&str> {
    let scheme = if url.starts_with("https://") {
        8
    } else if url.starts_with("http://") {
        7
    } else {
        return None;
    };
    let end = url[scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| scheme + i);
    let host = &url[scheme..end];
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    (!host.is_empty() && host.chars().all(plain)).then_some(&url[..end])
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage<'a> {
    t: &'a Texts,
    /// The card form's field errors, shared with the widget's form.
    f: &'a crate::browser::texts::Texts,
    lang: &'a str,
    merchant: &'a str,
    row: &'a OrderRow,
    amount: String,
    status: &'a str,
    status_class: &'a str,
    closed: Option<&'a str>,
    test_mode: bool,
    public_id: &'a str,
    nonce: &'a str,
}

/// The 404 page of an unknown order, in both languages (nothing tells which one the payer reads).
pub fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("{} / {}", RU.not_found, EN.not_found),
        &format!("{} {}", RU.not_found_text, EN.not_found_text),
    )
}

/// The order `id`, if the id is well-formed and known.
pub async fn find(state: &AppState, id: &str) -> anyhow::Result<Option<OrderRow>> {
    if !is_order_id(id) {
        return Ok(None);
    }
    Ok(orders::by_link(&state.db, id).await?)
}

/// `GET /d/{Id}`.
pub async fn order_page(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match render(&state, &id).await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "order page");
            error(StatusCode::INTERNAL_SERVER_ERROR, "Error", "Internal error")
        }
    }
}

async fn render(state: &AppState, id: &str) -> anyhow::Result<Response> {
    let Some(row) = find(state, id).await? else {
        return Ok(not_found());
    };
    let owner = order_site(state, &row).await?;
    let english = is_english(&row.culture);
    let status = status_of(&row);
    let nonce = random_hex(16)?;
    let money = money_of(&row);
    let page = OrderPage {
        t: texts_for(&row.culture),
        f: crate::browser::texts::for_language(if english { "en" } else { "ru" }),
        lang: if english { "en" } else { "ru" },
        merchant: &owner.site.name,
        row: &row,
        amount: format!("{} {}", amount_fixed(money), money.currency.code()),
        status: status_words(status, english),
        status_class: status.name(),
        closed: not_payable(&row, english),
        test_mode: owner.mode == Mode::Test,
        public_id: &owner.public_id,
        nonce: &nonce,
    };
    // The card fields are read only by checkout.js from this origin; the form posts back here.
    // Browsers apply form-action to the redirects that follow the post too, so the origins of the
    // merchant's success and fail pages (where `/d/{Id}/pay` may send the payer) are allowed.
    let mut form_action = String::from("'self'");
    for url in [&row.success_redirect_url, &row.fail_redirect_url]
        .into_iter()
        .flatten()
    {
        if let Some(origin) = origin_of(url) {
            form_action.push(' ');
            form_action.push_str(origin);
        }
    }
    let csp = format!(
        "default-src 'none'; script-src 'self' 'nonce-{nonce}'; connect-src 'self'; \
         style-src 'unsafe-inline'; img-src 'self' data:; form-action {form_action}; \
         frame-ancestors 'none'; base-uri 'none'"
    );
    Ok(html(StatusCode::OK, page.render()?, &csp))
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn origins_of_redirect_urls() {
        assert_eq!(
            origin_of("https://shop.example/ok?x=1"),
            Some("https://shop.example")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080"),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin_of("http://[::1]:80#a"), Some("http://[::1]:80"));
        assert_eq!(origin_of("https://a.example;script-src *"), None);
        assert_eq!(origin_of("https://user@shop.example/"), None);
        assert_eq!(origin_of("https:///path"), None);
        assert_eq!(origin_of("javascript:alert(1)"), None);
    }
}
