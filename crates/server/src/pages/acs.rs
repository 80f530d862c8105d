//! The emulated bank's 3-D Secure page (the `AcsUrl` of test-mode challenges).
//!
//! The merchant posts the payer here with `PaReq`, `MD` and `TermUrl` (spec §3.3). The page shows
//! the payment and lets the payer confirm (any code) or fail the check, in Russian or English. The
//! answer goes back to `TermUrl` as a form post of `MD` and a signed `PaRes`, which the merchant
//! passes to `payments/cards/post3ds`.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use oblako_protocol::params::Params;

use crate::pages::{error, html};
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
    confirm: "Confirm",
    decline: "Decline",
};

#[derive(Template)]
#[template(path = "acs.html")]
struct AcsPage<'a> {
    lang: &'a str,
    t: &'a Texts,
    base: &'a str,
    merchant: &'a str,
    amount: String,
    currency: &'a str,
    card: String,
    pa_req: &'a str,
    md: &'a str,
    term_url: &'a str,
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

/// `GET|POST /acs`: the challenge page.
pub async fn acs(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let (c, _) = match read(&state, query.as_deref(), &body) {
        Ok(read) => read,
        Err(message) => return error(StatusCode::BAD_REQUEST, "3-D Secure", message),
    };
    let english = c.pa_req.culture_name.to_ascii_lowercase().starts_with("en");
    let base = state.config.public_url();
    let page = AcsPage {
        lang: if english { "en" } else { "ru" },
        t: if english { &EN } else { &RU },
        base: &base,
        merchant: c.pa_req.merchant_name.as_deref().unwrap_or(""),
        amount: c.pa_req.amount.to_string(),
        currency: &c.pa_req.currency_code,
        card: format!("{} •••• {}", c.pa_req.first_six, c.pa_req.last_four),
        pa_req: &c.pa_req_text,
        md: &c.md,
        term_url: &c.term_url,
    };
    match page.render() {
        Ok(body) => html(
            StatusCode::OK,
            body,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors *",
        ),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "3-D Secure",
            &format!("render: {e}"),
        ),
    }
}

/// `POST /acs/submit`: the payer's choice, returned to `TermUrl` as `MD` + `PaRes`.
pub async fn acs_submit(State(state): State<AppState>, body: Bytes) -> Response {
    let (c, params) = match read(&state, None, &body) {
        Ok(read) => read,
        Err(message) => return error(StatusCode::BAD_REQUEST, "3-D Secure", message),
    };
    let outcome = params.string_max("outcome", 16).ok().flatten();
    let code = params
        .string_max("code", 16)
        .ok()
        .flatten()
        .unwrap_or_default();
    let passed = outcome.as_deref() == Some("pass") && !code.trim().is_empty();
    let pa_res = issue_pa_res(
        &state.secrets,
        c.pa_req.transaction_id,
        passed,
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
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "3-D Secure",
            &format!("render: {e}"),
        ),
    }
}
