//! The page a payer sees when something is wrong: a styled card in the payer's language saying
//! what happened and what to do, never a stack trace, an API message or JSON. A technical detail
//! meant for the shop's developer (which parameter of a link is missing) may follow in small
//! print, as it is: it names our parameters, which have no translation.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use crate::browser::scripts::{FAVICON, FORM_CSS, PAGES_CSS};
use crate::pages::html;
use crate::pages::lang::Lang;

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem<'a> {
    /// 400: a payment link with a missing or wrong parameter; the detail names it.
    BadLink(&'a str),
    /// 400: the bank's page opened without a proper challenge; the detail says what is missing.
    BadBankRequest(&'a str),
    /// 400: a posted form that could not be read.
    BadForm,
    /// 404: nothing at this address.
    NotFound,
    /// 404: no such order.
    OrderNotFound,
    /// 404: no site takes payments on this gateway yet.
    NotSetUp,
    /// 429: too many payment attempts from the payer's address.
    TooManyAttempts,
    /// 500: our fault (logged by the caller).
    Internal,
}

impl Problem<'_> {
    /// The HTTP status of the page.
    pub fn status(self) -> StatusCode {
        match self {
            Problem::BadLink(_) | Problem::BadBankRequest(_) | Problem::BadForm => {
                StatusCode::BAD_REQUEST
            }
            Problem::NotFound | Problem::OrderNotFound | Problem::NotSetUp => StatusCode::NOT_FOUND,
            Problem::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            Problem::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Title and explanation in `lang`.
    fn words(self, lang: Lang) -> (&'static str, &'static str) {
        use Lang::{En, Kk, Ru};
        match (self, lang) {
            (Problem::BadLink(_), Ru) => (
                "Неверная ссылка на оплату",
                "В ссылке на оплату не хватает данных или они неверны. Вернитесь в магазин и начните оплату снова.",
            ),
            (Problem::BadLink(_), En) => (
                "Invalid payment link",
                "The payment link is missing something or has a wrong value. Go back to the shop and start the payment again.",
            ),
            (Problem::BadLink(_), Kk) => (
                "Төлем сілтемесі қате",
                "Төлем сілтемесінде деректер жетіспейді немесе қате. Дүкенге оралып, төлемді қайта бастаңыз.",
            ),
            (Problem::BadBankRequest(_), Ru) => (
                "Страница банка открыта неправильно",
                "Эту страницу открывает магазин во время оплаты. Вернитесь в магазин и начните оплату снова.",
            ),
            (Problem::BadBankRequest(_), En) => (
                "The bank page was opened incorrectly",
                "The shop opens this page during a payment. Go back to the shop and start the payment again.",
            ),
            (Problem::BadBankRequest(_), Kk) => (
                "Банк беті дұрыс ашылмады",
                "Бұл бетті дүкен төлем кезінде ашады. Дүкенге оралып, төлемді қайта бастаңыз.",
            ),
            (Problem::BadForm, Ru) => (
                "Форма не отправилась",
                "Данные формы не удалось прочитать. Откройте страницу заказа снова и повторите оплату.",
            ),
            (Problem::BadForm, En) => (
                "The form did not arrive",
                "The form could not be read. Open the order page again and repeat the payment.",
            ),
            (Problem::BadForm, Kk) => (
                "Форма жіберілмеді",
                "Форма деректерін оқу мүмкін болмады. Тапсырыс бетін қайта ашып, төлемді қайталаңыз.",
            ),
            (Problem::NotFound, Ru) => (
                "Страница не найдена",
                "Такой страницы нет. Проверьте ссылку.",
            ),
            (Problem::NotFound, En) => ("Page not found", "There is no such page. Check the link."),
            (Problem::NotFound, Kk) => ("Бет табылмады", "Мұндай бет жоқ. Сілтемені тексеріңіз."),
            (Problem::OrderNotFound, Ru) => {
                ("Заказ не найден", "Такого заказа нет. Проверьте ссылку.")
            }
            (Problem::OrderNotFound, En) => {
                ("Order not found", "There is no such order. Check the link.")
            }
            (Problem::OrderNotFound, Kk) => (
                "Тапсырыс табылмады",
                "Мұндай тапсырыс жоқ. Сілтемені тексеріңіз.",
            ),
            (Problem::NotSetUp, Ru) => (
                "Оплата здесь пока не настроена",
                "На этом сервере ещё нет магазина, который принимает платежи.",
            ),
            (Problem::NotSetUp, En) => (
                "Payments are not set up here yet",
                "This server has no shop that takes payments yet.",
            ),
            (Problem::NotSetUp, Kk) => (
                "Мұнда төлем әлі бапталмаған",
                "Бұл серверде төлем қабылдайтын дүкен әзірге жоқ.",
            ),
            (Problem::TooManyAttempts, Ru) => (
                "Слишком много попыток",
                "С вашего адреса было слишком много попыток оплаты. Подождите минуту и попробуйте снова.",
            ),
            (Problem::TooManyAttempts, En) => (
                "Too many attempts",
                "There were too many payment attempts from your address. Wait a minute and try again.",
            ),
            (Problem::TooManyAttempts, Kk) => (
                "Әрекет тым көп",
                "Сіздің мекенжайыңыздан төлем әрекеттері тым көп болды. Бір минут күтіп, қайталап көріңіз.",
            ),
            (Problem::Internal, Ru) => (
                "Что-то пошло не так",
                "На нашей стороне произошла ошибка. Попробуйте ещё раз через минуту.",
            ),
            (Problem::Internal, En) => (
                "Something went wrong",
                "An error occurred on our side. Please try again in a minute.",
            ),
            (Problem::Internal, Kk) => (
                "Бірдеңе дұрыс болмады",
                "Біз жақта қате орын алды. Бір минуттан кейін қайталап көріңіз.",
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    lang: &'a str,
    title: &'a str,
    message: &'a str,
    detail_label: &'a str,
    detail: Option<&'a str>,
    form_css: String,
    pages_css: String,
    favicon: String,
}

fn render(status: StatusCode, page: ErrorPage<'_>) -> Response {
    let fallback = format!("{}: {}", page.title, page.message);
    let body = page.render().unwrap_or(fallback);
    html(
        status,
        body,
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'",
    )
}

/// The page of `problem` in `lang`.
pub fn error_page(lang: Lang, problem: Problem<'_>) -> Response {
    let (title, message) = problem.words(lang);
    let detail = match problem {
        Problem::BadLink(detail) | Problem::BadBankRequest(detail) => Some(detail),
        _ => None,
    };
    let detail_label = match lang {
        Lang::Ru => "Для магазина:",
        Lang::En => "For the shop:",
        Lang::Kk => "Дүкен үшін:",
    };
    let page = ErrorPage {
        lang: lang.code(),
        title,
        message,
        detail_label,
        detail: detail.filter(|d| !d.is_empty()),
        form_css: FORM_CSS.url(),
        pages_css: PAGES_CSS.url(),
        favicon: FAVICON.url(),
    };
    render(problem.status(), page)
}

/// A page with the caller's own words (the same look as [`error_page`]). Prefer `error_page`,
/// which speaks the payer's language; this one stays for texts no `Problem` covers.
pub fn error(status: StatusCode, title: &str, message: &str) -> Response {
    // Our texts here are Russian, English, or both with Russian first: tag the page by its script.
    let cyrillic = title.chars().any(|c| ('\u{400}'..='\u{4ff}').contains(&c));
    let page = ErrorPage {
        lang: if cyrillic { "ru" } else { "en" },
        title,
        message,
        detail_label: "",
        detail: None,
        form_css: FORM_CSS.url(),
        pages_css: PAGES_CSS.url(),
        favicon: FAVICON.url(),
    };
    render(status, page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_speaks_every_language() {
        let all = [
            Problem::BadLink("x"),
            Problem::BadBankRequest("x"),
            Problem::BadForm,
            Problem::NotFound,
            Problem::OrderNotFound,
            Problem::NotSetUp,
            Problem::TooManyAttempts,
            Problem::Internal,
        ];
        for problem in all {
            let texts: Vec<_> = [Lang::Ru, Lang::En, Lang::Kk]
                .map(|l| problem.words(l))
                .into();
            assert!(texts[0] != texts[1] && texts[1] != texts[2], "{problem:?}");
        }
    }
}
