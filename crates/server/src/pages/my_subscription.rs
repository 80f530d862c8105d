//! The payer's self-service page: `GET /my/{token}` (the link in the billing
//! e-mails, [`crate::mail::manage_link`]) shows the subscription (merchant, amount, schedule, next
//! charge, status); `POST /my/{token}/cancel` cancels it exactly as `subscriptions/cancel` does
//! (Recurrent notification and the payer's e-mail included), then sends the payer back to the
//! page (303). While the subscription is Active or PastDue the page also carries the order
//! page's card form, which posts to `POST /my/{token}/card` (`pages::my_subscription_card`).
//! The signed token is the only credential: no cookie is set or read, so a cross-site form
//! cannot ride on a session; each form repeats the token in its body and a POST is refused
//! unless both agree. GET changes nothing.

use askama::Template;
use axum::body::to_bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oblako_core::ids::Mode;
use oblako_core::money::Money;
use oblako_core::subscription::{Interval, Status};
use oblako_protocol::amount::amount_fixed;
use oblako_protocol::params::Params;
use oblako_store::sites;
use oblako_store::subscriptions::{self, SubscriptionRow};

use crate::mail::manage_link::{self, ManageLink};
use crate::mail::order_link::is_english;
use crate::pages::{error, html, order};
use crate::secrets::random_hex;
use crate::state::AppState;
use crate::subscriptions::card_change::{Purpose, verification_amount};
use crate::subscriptions::manage;

/// Largest cancel form accepted.
const MAX_FORM: usize = 4 * 1024;

/// The page's words in one language.
pub struct Texts {
    title: &'static str,
    merchant: &'static str,
    description: &'static str,
    amount: &'static str,
    schedule: &'static str,
    next: &'static str,
    status: &'static str,
    cancel: &'static str,
    cancelled: &'static str,
    pub(crate) pay_title: &'static str,
    pub(crate) pay_hint: &'static str,
    pub(crate) change_title: &'static str,
    pub(crate) change_hint: &'static str,
    pub(crate) change_button: &'static str,
    pub(crate) charged: &'static str,
    pub(crate) changed: &'static str,
    pub(crate) declined: &'static str,
    pub(crate) busy: &'static str,
    pub(crate) reload: &'static str,
}

pub(crate) const RU: Texts = Texts {
    title: "Ваша подписка",
    merchant: "Магазин",
    description: "Назначение",
    amount: "Сумма списания",
    schedule: "Периодичность",
    next: "Следующее списание",
    status: "Статус",
    cancel: "Отменить подписку",
    cancelled: "Подписка отменена. Списаний больше не будет.",
    pay_title: "Оплатить другой картой",
    pay_hint: "Спишем сумму текущего периода; следующие списания пойдут с новой карты.",
    change_title: "Сменить карту",
    change_hint: "Для проверки на карте будет заблокирована и сразу разблокирована сумма {}. \
                  Следующие списания пойдут с новой карты.",
    change_button: "Сменить карту",
    charged: "Оплата прошла. Следующие списания пойдут с новой карты.",
    changed: "Карта изменена. Следующие списания пойдут с новой карты.",
    declined: "Платёж отклонён",
    busy: "Платёж по подписке уже выполняется. Попробуйте через несколько минут.",
    reload: "Подписка изменилась. Обновите страницу.",
};

pub(crate) const EN: Texts = Texts {
    title: "Your subscription",
    merchant: "Merchant",
    description: "Description",
    amount: "Amount per charge",
    schedule: "Schedule",
    next: "Next charge",
    status: "Status",
    cancel: "Cancel subscription",
    cancelled: "Your subscription is cancelled. You will not be charged again.",
    pay_title: "Pay with another card",
    pay_hint: "We charge this period's amount; later charges use the new card.",
    change_title: "Change card",
    change_hint: "To check the card we hold {} on it and release it at once. Later charges use \
                  the new card.",
    change_button: "Change card",
    charged: "Payment successful. Later charges will use the new card.",
    changed: "Card changed. Later charges will use the new card.",
    declined: "Payment declined",
    busy: "A payment for this subscription is in progress; try again in a few minutes.",
    reload: "The subscription has changed; reload the page.",
};

/// What the last card payment on the page came to, shown above the form.
pub struct Outcome {
    /// `done` or `failed` (the CSS class).
    pub class: &'static str,
    /// In the payer's words.
    pub text: String,
}

/// The card form's part of the page.
struct CardSection {
    title: &'static str,
    hint: String,
    test_mode: bool,
}

#[derive(Template)]
#[template(path = "my_subscription.html")]
struct Page<'a> {
    t: &'a Texts,
    lang: &'a str,
    note: Option<&'a str>,
    merchant: &'a str,
    description: &'a str,
    amount: String,
    schedule: String,
    next: Option<String>,
    status: &'a str,
    status_class: &'a str,
    cancellable: bool,
    token: &'a str,
    outcome: Option<Outcome>,
    card: Option<CardSection>,
    /// The card form's words and field errors (`card_form.html`, shared with the order page).
    w: &'static order::Texts,
    f: &'static crate::browser::texts::Texts,
    action: String,
    button: String,
    public_id: String,
    echo: &'a str,
    nonce: String,
    /// The versioned `/checkout.js`.
    checkout_src: String,
}

/// How often the subscription charges, in the payer's words.
pub fn schedule_words(unit: Interval, period: i64, english: bool) -> String {
    use Interval::{Day, Month, Week};
    match (unit, period, english) {
        (Day, 1, false) => "ежедневно".into(),
        (Week, 1, false) => "еженедельно".into(),
        (Month, 1, false) => "ежемесячно".into(),
        (Day, n, false) => format!("каждые {n} дн."),
        (Week, n, false) => format!("каждые {n} нед."),
        (Month, n, false) => format!("каждые {n} мес."),
        (Day, 1, true) => "every day".into(),
        (Week, 1, true) => "every week".into(),
        (Month, 1, true) => "every month".into(),
        (Day, n, true) => format!("every {n} days"),
        (Week, n, true) => format!("every {n} weeks"),
        (Month, n, true) => format!("every {n} months"),
    }
}

/// The status in the payer's words.
pub fn status_words(status: Status, english: bool) -> &'static str {
    match (status, english) {
        (Status::Active, false) => "Активна",
        (Status::PastDue, false) => "Просрочена: последнее списание не прошло",
        (Status::Cancelled, false) => "Отменена",
        (Status::Rejected, false) => "Отклонена: списания не прошли",
        (Status::Expired, false) => "Завершена",
        (Status::Active, true) => "Active",
        (Status::PastDue, true) => "Past due: the last charge failed",
        (Status::Cancelled, true) => "Cancelled",
        (Status::Rejected, true) => "Rejected: the charges failed",
        (Status::Expired, true) => "Finished",
    }
}

/// The page of a link that is forged, altered, expired or names nothing, in both languages.
pub(crate) fn bad_link() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "Ссылка недействительна / Link not valid",
        "Ссылка устарела или повреждена. Откройте ссылку из последнего письма о подписке. \
         The link has expired or is damaged. Open the link in the latest e-mail about your \
         subscription.",
    )
}

pub(crate) fn internal(e: anyhow::Error) -> Response {
    tracing::error!(error = format!("{e:#}"), "subscription page");
    error(StatusCode::INTERNAL_SERVER_ERROR, "Error", "Internal error")
}

/// The subscription `token` names, if the token is valid now and the subscription is its site's.
pub(crate) async fn resolve(
    state: &AppState,
    token: &str,
) -> anyhow::Result<Option<(ManageLink, SubscriptionRow)>> {
    let Some(link) = manage_link::read(&state.secrets, token, state.now_ms()) else {
        return Ok(None);
    };
    let row = subscriptions::by_id(&state.db, &link.subscription_id).await?;
    Ok(row.filter(|r| r.site_id == link.site).map(|r| (link, r)))
}

/// `GET /my/{token}`.
pub async fn my_subscription(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match render(&state, &token, None).await {
        Ok(response) => response,
        Err(e) => internal(e),
    }
}

/// The page, with `outcome` of a card payment just made on it.
pub(crate) async fn render(
    state: &AppState,
    token: &str,
    outcome: Option<Outcome>,
) -> anyhow::Result<Response> {
    let Some((link, row)) = resolve(state, token).await? else {
        return Ok(bad_link());
    };
    let english = is_english(&row.culture);
    let t = if english { &EN } else { &RU };
    let merchant = sites::site(&state.db, link.site)
        .await?
        .map(|s| s.name)
        .unwrap_or_default();
    let currency = row.currency;
    let money = Money::new(row.amount, currency);
    let amount = format!("{} {}", amount_fixed(money), money.currency.code());
    let next = row.next_at.and_then(|at| {
        let at = jiff::Timestamp::from_millisecond(at).ok()?;
        Some(at.strftime("%Y-%m-%d %H:%M UTC").to_string())
    });
    let cancellable = row.status.is_billing();
    let mode = row.mode;
    let public_id = sites::keys_of(&state.db, link.site)
        .await?
        .into_iter()
        .find(|k| k.mode == mode)
        .map(|k| k.public_id)
        .unwrap_or_default();
    let (card, button) = match Purpose::of(row.status) {
        Some(Purpose::Charge) => (
            Some((t.pay_title, t.pay_hint.to_owned())),
            format!("{} {amount}", order::texts_for(&row.culture).pay),
        ),
        Some(Purpose::Verify) => {
            let hold = verification_amount(currency);
            let hold = format!("{} {}", amount_fixed(hold), currency.code());
            (
                Some((t.change_title, t.change_hint.replace("{}", &hold))),
                t.change_button.to_owned(),
            )
        }
        None => (None, String::new()),
    };
    let nonce = random_hex(16)?;
    let page = Page {
        t,
        lang: if english { "en" } else { "ru" },
        note: (row.status == Status::Cancelled).then_some(t.cancelled),
        merchant: &merchant,
        description: row.description.as_deref().unwrap_or_default(),
        amount,
        schedule: schedule_words(row.unit, row.period, english),
        next,
        status: status_words(row.status, english),
        status_class: row.status.as_str(),
        cancellable,
        token,
        outcome,
        card: card.map(|(title, hint)| CardSection {
            title,
            hint,
            test_mode: mode == Mode::Test,
        }),
        w: order::texts_for(&row.culture),
        f: crate::browser::texts::for_language(if english { "en" } else { "ru" }),
        action: format!("/my/{token}/card"),
        button,
        public_id,
        echo: token,
        nonce: nonce.clone(),
        checkout_src: crate::browser::assets::Assets::current(state)
            .await
            .checkout_js,
    };
    // The card fields are read only by checkout.js from this origin; every form posts back here.
    let csp = format!(
        "default-src 'none'; script-src 'self' 'nonce-{nonce}'; connect-src 'self'; \
         style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'"
    );
    Ok(html(StatusCode::OK, page.render()?, &csp))
}

/// `POST /my/{token}/cancel`: the form must repeat the token.
pub async fn my_subscription_cancel(
    State(state): State<AppState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let Ok(body) = to_bytes(request.into_body(), MAX_FORM).await else {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Too large",
            "The form is too large.",
        );
    };
    let echoed = Params::from_form(&body)
        .ok()
        .and_then(|p| p.string_max("token", 512).ok().flatten());
    if echoed.as_deref() != Some(token.as_str()) {
        return bad_link();
    }
    match cancel(&state, &token).await {
        Ok(Some(())) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(to) = HeaderValue::from_str(&format!("/my/{token}")) {
                response.headers_mut().insert(header::LOCATION, to);
            }
            response
        }
        Ok(None) => bad_link(),
        Err(e) => internal(e),
    }
}

async fn cancel(state: &AppState, token: &str) -> anyhow::Result<Option<()>> {
    let Some((link, row)) = resolve(state, token).await? else {
        return Ok(None);
    };
    let mode = row.mode;
    let done = manage::cancel(state, link.site, mode, &row.id)
        .await
        .map_err(|e| anyhow::anyhow!("cancel {}: {e}", row.id))?;
    Ok(done.map(|_| ()))
}
