//! The payer's page of an order, `/d/{Id}` (the order's `Url`): what is paid for, how much, the
//! offer link and the status; while the order waits for payment, a card form. The form's fields
//! never reach Oblako in clear: `/checkout.js` (`cp.Checkout`, spec §7.1) turns them into a
//! cryptogram, which the form posts to `/d/{Id}/pay` (`pages::order_pay`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oblako_core::ids::Mode;
use oblako_protocol::order::OrderStatus;
use oblako_store::orders::{self, OrderRow};

use crate::browser::assets::Assets;
use crate::mail::order_link::is_english;
use crate::orders::pay::order_site;
use crate::orders::{is_order_id, money_of, status_of};
use crate::pages::{Lang, Problem, error_page, html};
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
    pub(crate) again: &'static str,
    pub(crate) redirect: &'static str,
    pub(crate) transaction: &'static str,
    pub(crate) order_paid: &'static str,
    pub(crate) already_paid: &'static str,
    pub(crate) nothing_more: &'static str,
    pub(crate) cancelled: &'static str,
    pub(crate) not_completed_heading: &'static str,
    pub(crate) not_completed: &'static str,
    pub(crate) processing_heading: &'static str,
    pub(crate) processing: &'static str,
    pub(crate) to_shop: &'static str,
    pub(crate) statuses: [&'static str; 3],
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
    again: "Попробовать ещё раз",
    redirect: "Переход в банк для подтверждения платежа…",
    transaction: "Транзакция",
    order_paid: "Заказ оплачен",
    already_paid: "Заказ уже оплачен.",
    nothing_more: "Платить ещё раз не нужно: повторно деньги не списываются.",
    cancelled: "Заказ отменён.",
    not_completed_heading: "Оплата не прошла",
    not_completed: "Деньги не списаны. Попробуйте оплатить ещё раз.",
    processing_heading: "Платёж обрабатывается",
    processing: "Банк ещё отвечает. Обновите страницу заказа через несколько секунд.",
    to_shop: "Вернуться в магазин",
    statuses: ["Ожидает оплаты", "Оплачен", "Отменён"],
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
    again: "Try again",
    redirect: "Taking you to your bank to confirm the payment…",
    transaction: "Transaction",
    order_paid: "Order paid",
    already_paid: "This order has already been paid.",
    nothing_more: "There is nothing more to pay: no money was taken a second time.",
    cancelled: "This order has been cancelled.",
    not_completed_heading: "The payment did not go through",
    not_completed: "No money was taken. Please try paying again.",
    processing_heading: "The payment is being processed",
    processing: "The bank has not answered yet. Reload the order page in a few seconds.",
    to_shop: "Back to the shop",
    statuses: ["Awaiting payment", "Paid", "Cancelled"],
};

pub(crate) const KK: Texts = Texts {
    title: "Тапсырысты төлеу",
    merchant: "Дүкен",
    order: "Тапсырыс №",
    amount: "Сома",
    status: "Мәртебе",
    offer: "Оферта шарттары",
    card: "Карта нөмірі",
    expiry: "Әрекет ету мерзімі (АА/ЖЖ)",
    cvv: "CVV/CVC",
    holder: "Карта иесінің аты",
    pay: "Төлеу",
    test: "Тест режимі: ақша есептен шығарылмайды, тест карталары жарайды.",
    no_script: "Төлем формасы жүктелмеді. Бетті жаңартыңыз.",
    paid: "Төлем сәтті өтті. Рахмет!",
    declined: "Төлем қабылданбады",
    again: "Қайталап көру",
    redirect: "Төлемді растау үшін банкке өту…",
    transaction: "Транзакция",
    order_paid: "Тапсырыс төленді",
    already_paid: "Тапсырыс төленіп қойған.",
    nothing_more: "Қайта төлеудің қажеті жоқ: ақша екінші рет алынбады.",
    cancelled: "Тапсырыстың күші жойылды.",
    not_completed_heading: "Төлем өтпеді",
    not_completed: "Ақша есептен шығарылмады. Қайталап төлеп көріңіз.",
    processing_heading: "Төлем өңделуде",
    processing: "Банк әлі жауап берген жоқ. Тапсырыс бетін бірнеше секундтан кейін жаңартыңыз.",
    to_shop: "Дүкенге оралу",
    statuses: ["Төлемді күтуде", "Төленді", "Күші жойылды"],
};

impl Texts {
    /// The status in the payer's words.
    pub fn status_words(&self, status: OrderStatus) -> &'static str {
        match status {
            OrderStatus::Created => self.statuses[0],
            OrderStatus::Paid => self.statuses[1],
            OrderStatus::Cancelled => self.statuses[2],
        }
    }
}

/// The texts in `lang`.
pub fn texts_in(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Ru => &RU,
        Lang::En => &EN,
        Lang::Kk => &KK,
    }
}

/// The texts for a `CultureName`, Russian or English (the subscription page's two languages).
pub fn texts_for(culture: &str) -> &'static Texts {
    if is_english(culture) { &EN } else { &RU }
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
    assets: &'a Assets,
    merchant: &'a str,
    row: &'a OrderRow,
    amount: String,
    status: &'a str,
    status_class: &'a str,
    /// Why there is no form (paid, cancelled).
    closed: Option<&'a str>,
    /// The paying transaction of a paid order.
    transaction: Option<i64>,
    test_mode: bool,
    public_id: &'a str,
    nonce: &'a str,
}

/// The page of an unknown order in the browser's language.
pub fn not_found(lang: Lang) -> Response {
    error_page(lang, Problem::OrderNotFound)
}

/// The order `id`, if the id is well-formed and known.
pub async fn find(state: &AppState, id: &str) -> anyhow::Result<Option<OrderRow>> {
    if !is_order_id(id) {
        return Ok(None);
    }
    Ok(orders::by_link(&state.db, id).await?)
}

/// `GET /d/{Id}`.
pub async fn order_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match render(&state, &id, &headers).await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "order page");
            error_page(Lang::from_headers(&headers), Problem::Internal)
        }
    }
}

/// `GET /d` and `/d/`: a link cut short before the order's id.
pub async fn order_missing(headers: HeaderMap) -> Response {
    not_found(Lang::from_headers(&headers))
}

/// `GET /d/{Id}/pay` and `/d/{Id}/3ds` (an address typed or restored after the post): the order.
pub async fn back_to_order(Path(id): Path<String>) -> Response {
    if !is_order_id(&id) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/d/{id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

async fn render(state: &AppState, id: &str, headers: &HeaderMap) -> anyhow::Result<Response> {
    let Some(row) = find(state, id).await? else {
        return Ok(not_found(Lang::from_headers(headers)));
    };
    let owner = order_site(state, &row).await?;
    let lang = Lang::from_culture(&row.culture);
    let t = texts_in(lang);
    let status = status_of(&row);
    let nonce = random_hex(16)?;
    let assets = Assets::current(state).await;
    let page = OrderPage {
        t,
        f: crate::browser::texts::for_language(lang.code()),
        lang: lang.code(),
        assets: &assets,
        merchant: &owner.site.name,
        row: &row,
        amount: lang.money(money_of(&row)),
        status: t.status_words(status),
        status_class: status.as_str(),
        closed: match status {
            OrderStatus::Created => None,
            OrderStatus::Paid => Some(t.already_paid),
            OrderStatus::Cancelled => Some(t.cancelled),
        },
        transaction: row.transaction_id.filter(|_| status == OrderStatus::Paid),
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
         style-src 'self'; img-src 'self' data:; form-action {form_action}; \
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
