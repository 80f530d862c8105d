//! The emulated bank's 3-D Secure page (the `AcsUrl` of test-mode challenges).
//!
//! The merchant posts the payer here with `PaReq`, `MD` and `TermUrl` (spec §3.3). The page shows
//! the payment and lets the payer confirm (any code) or fail the check, in the payment's language
//! (Russian, English or Kazakh). Confirming without a code asks for it (on the page, or again from
//! the server without script) instead of failing the check. The answer goes back to `TermUrl` as a
//! form post of `MD` and a signed `PaRes`, which the merchant passes to `payments/cards/post3ds`.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use oblako_core::money::Currency;
use oblako_protocol::amount::parse_amount;
use oblako_protocol::params::Params;

use crate::pages::{Lang, Problem, error_page, html};
use crate::payments::pay::THREE_DS_WINDOW_MS;
use crate::payments::three_ds::{PaReq, decode_pa_req, issue_pa_res};
use crate::secrets::random_hex;
use crate::state::AppState;

struct Texts {
    title: &'static str,
    note: &'static str,
    merchant: &'static str,
    amount: &'static str,
    card: &'static str,
    code: &'static str,
    prompt: &'static str,
    confirm: &'static str,
    decline: &'static str,
}

const RU: Texts = Texts {
    title: "Подтверждение платежа",
    note: "Тестовая страница 3-D Secure эмулятора банка Oblako. Введите любой код.",
    merchant: "Магазин",
    amount: "Сумма",
    card: "Карта",
    code: "Код из SMS",
    prompt: "Введите код из SMS",
    confirm: "Подтвердить",
    decline: "Отклонить",
};

const EN: Texts = Texts {
    title: "Payment confirmation",
    note: "Test 3-D Secure page of Oblako's emulated bank. Any code is accepted.",
    merchant: "Merchant",
    amount: "Amount",
    card: "Card",
    code: "Code from SMS",
    prompt: "Enter the code from the SMS",
    confirm: "Confirm",
    decline: "Decline",
};

const KK: Texts = Texts {
    title: "Төлемді растау",
    note: "Oblako банк эмуляторының 3-D Secure тест беті. Кез келген кодты енгізіңіз.",
    merchant: "Дүкен",
    amount: "Сома",
    card: "Карта",
    code: "SMS-тегі код",
    prompt: "SMS-тегі кодты енгізіңіз",
    confirm: "Растау",
    decline: "Бас тарту",
};

#[derive(Template)]
#[template(path = "acs.html")]
struct AcsPage<'a> {
    lang: &'a str,
    t: &'a Texts,
    base: &'a str,
    merchant: &'a str,
    amount: String,
    card: String,
    pa_req: &'a str,
    md: &'a str,
    term_url: &'a str,
    /// The code field's value (a test code, so a payer can confirm at once).
    code: &'a str,
    /// Confirming came without a code: ask for it.
    prompt: bool,
    nonce: &'a str,
}

#[derive(Template)]
#[template(path = "acs_return.html")]
struct ReturnPage<'a> {
    term_url: &'a str,
    md: &'a str,
    pa_res: &'a str,
    nonce: &'a str,
}

/// The fields every ACS request carries, checked.
struct Challenge {
    pa_req_text: String,
    pa_req: PaReq,
    md: String,
    term_url: String,
}

/// Reads and checks the challenge fields; the error is the text shown to the payer.
fn read(
    state: &AppState,
    query: Option<&str>,
    body: &[u8],
) -> Result<(Challenge, Params), &'static str> {
    let bad = |message: &'static str| message;
    let source = if body.is_empty() {
        query.unwrap_or("").as_bytes()
    } else {
        body
    };
    let params = Params::from_form(source).map_err(|_| bad("The request is not a form."))?;
    let field = |name: &str| {
        params
            .string_max(name, 4096)
            .ok()
            .flatten()
            .filter(|v| !v.is_empty())
    };
    let (Some(pa_req_text), Some(md), Some(term_url)) =
        (field("PaReq"), field("MD"), field("TermUrl"))
    else {
        return Err(bad("PaReq, MD and TermUrl are required."));
    };
    let pa_req = decode_pa_req(&state.secrets, &pa_req_text)
        .ok_or_else(|| bad("This 3-D Secure request was not issued by this gateway."))?;
    if md.trim() != pa_req.transaction_id.to_string() {
        return Err(bad("MD does not match the 3-D Secure request."));
    }
    if !(term_url.starts_with("http://") || term_url.starts_with("https://"))
        || term_url.len() > 2048
    {
        return Err(bad("TermUrl must be an http(s) URL."));
    }
    Ok((
        Challenge {
            pa_req_text,
            pa_req,
            md,
            term_url,
        },
        params,
    ))
}

/// The challenge page for `c`; `prompt` when the payer confirmed without a code.
fn challenge(state: &AppState, c: &Challenge, code: &str, prompt: bool) -> Response {
    let lang = Lang::from_culture(&c.pa_req.culture_name);
    let amount = c.pa_req.amount.to_string();
    let amount = Currency::from_code(&c.pa_req.currency_code)
        .and_then(|currency| parse_amount("Amount", &amount, currency).ok())
        .map_or_else(
            || format!("{amount} {}", c.pa_req.currency_code),
            |money| lang.money(money),
        );
    let base = state.config.public_url();
    let nonce = random_hex(16).unwrap_or_default();
    let page = AcsPage {
        lang: lang.code(),
        t: match lang {
            Lang::Ru => &RU,
            Lang::En => &EN,
            Lang::Kk => &KK,
        },
        base: &base,
        merchant: c.pa_req.merchant_name.as_deref().unwrap_or(""),
        amount,
        card: format!("{} •••• {}", c.pa_req.first_six, c.pa_req.last_four),
        pa_req: &c.pa_req_text,
        md: &c.md,
        term_url: &c.term_url,
        code,
        prompt,
        nonce: &nonce,
    };
    let status = if prompt {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    match page.render() {
        Ok(body) => html(
            status,
            body,
            &format!(
                "default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; \
                 form-action 'self'; frame-ancestors *; base-uri 'none'"
            ),
        ),
        Err(e) => {
            tracing::error!(error = %e, "acs page");
            error_page(lang, Problem::Internal)
        }
    }
}

/// `GET|POST /acs`: the challenge page.
pub async fn acs(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match read(&state, query.as_deref(), &body) {
        Ok((c, _)) => challenge(&state, &c, "4242", false),
        Err(message) => error_page(
            Lang::from_headers(&headers),
            Problem::BadBankRequest(message),
        ),
    }
}

/// `POST /acs/submit`: the payer's choice, returned to `TermUrl` as `MD` + `PaRes`.
pub async fn acs_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (c, params) = match read(&state, None, &body) {
        Ok(read) => read,
        Err(message) => {
            return error_page(
                Lang::from_headers(&headers),
                Problem::BadBankRequest(message),
            );
        }
    };
    let outcome = params.string_max("outcome", 16).ok().flatten();
    let code = params
        .string_max("code", 16)
        .ok()
        .flatten()
        .unwrap_or_default();
    let confirmed = outcome.as_deref() == Some("pass");
    if confirmed && code.trim().is_empty() {
        return challenge(&state, &c, "", true);
    }
    let pa_res = issue_pa_res(
        &state.secrets,
        c.pa_req.transaction_id,
        confirmed,
        state.now_ms() + THREE_DS_WINDOW_MS,
    );
    let nonce = random_hex(16).unwrap_or_default();
    let page = ReturnPage {
        term_url: &c.term_url,
        md: &c.md,
        pa_res: &pa_res,
        nonce: &nonce,
    };
    match page.render() {
        Ok(body) => html(
            StatusCode::OK,
            body,
            &format!(
                "default-src 'none'; script-src 'nonce-{nonce}'; form-action *; frame-ancestors *"
            ),
        ),
        Err(e) => {
            tracing::error!(error = %e, "acs return page");
            error_page(Lang::from_headers(&headers), Problem::Internal)
        }
    }
}
