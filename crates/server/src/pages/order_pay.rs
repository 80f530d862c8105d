//! The payer's card payment of an order: `POST /d/{Id}/pay` takes the form with the cryptogram,
//! `POST /d/{Id}/3ds` is the `TermUrl` the ACS page returns to. Each answers by sending the payer
//! on: to the bank's ACS page, to the merchant's `SuccessRedirectUrl`/`FailRedirectUrl`, or to a
//! result page. Attempts are limited per client IP (a `rate::RateLimit`, `order_pay_per_minute`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use askama::Template;
use axum::body::to_bytes;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oblako_protocol::order::OrderStatus;
use oblako_protocol::params::Params;
use oblako_store::orders::OrderRow;

use crate::browser::assets::Assets;
use crate::orders::pay::{CardForm, PayOutcome, finish_three_ds, pay_order};
use crate::orders::status_of;
use crate::pages::order::{Texts, find, not_found, texts_in};
use crate::pages::order_result::{Ending, after_refusal, result_page};
use crate::pages::{Lang, Problem, error_page, html};
use crate::secrets::random_hex;
use crate::state::AppState;

/// Payment attempts one IP may make per window, unless `order_pay_per_minute` says otherwise.
pub const ATTEMPTS_PER_IP: u32 = 20;
/// Largest form accepted.
const MAX_FORM: usize = 64 * 1024;

#[derive(Template)]
#[template(path = "order_3ds.html")]
struct ChallengePage<'a> {
    t: &'a Texts,
    lang: &'a str,
    assets: &'a Assets,
    acs_url: &'a str,
    pa_req: &'a str,
    md: &'a str,
    term_url: &'a str,
    nonce: &'a str,
}

/// The parts of a posted form the handlers need.
pub(crate) struct Posted {
    pub(crate) ip: IpAddr,
    pub(crate) params: Params,
}

/// The client's address and the form of `request` (at most [`MAX_FORM`] bytes).
pub(crate) async fn read_form(request: Request) -> Option<Posted> {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let body = to_bytes(request.into_body(), MAX_FORM).await.ok()?;
    let params = Params::from_form(&body).ok()?;
    Some(Posted { ip, params })
}

/// The browser's language (for pages before the order is known) and the posted form.
async fn read_request(request: Request) -> Result<(Lang, Posted), Response> {
    let lang = Lang::from_headers(request.headers());
    match read_form(request).await {
        Some(posted) => Ok((lang, posted)),
        None => Err(error_page(lang, Problem::BadForm)),
    }
}

/// `POST /d/{Id}/pay`: the card form, with `CardCryptogramPacket` and optionally `Name`.
pub async fn order_pay(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let (lang, posted) = match read_request(request).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let worker = state.clone();
    handle(
        &state,
        &id,
        lang,
        posted,
        None,
        |row, params, ip| async move {
            let packet = params
                .required_string("CardCryptogramPacket", 16 * 1024)
                .map_err(|e| PayOutcome::Refused(e.to_string()));
            match packet {
                Err(refused) => Ok(refused),
                Ok(packet) => {
                    let form = CardForm {
                        packet,
                        name: params.string_max("Name", 255).ok().flatten(),
                        ip_address: ip.to_string(),
                    };
                    pay_order(&worker, &row, form).await
                }
            }
        },
    )
    .await
}

/// `POST /d/{Id}/3ds`: the ACS page returns `MD` and `PaRes` here.
pub async fn order_three_ds(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let (lang, posted) = match read_request(request).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    // The attempt this answer is for, to tell a repeat from a new answer.
    let answered = posted
        .params
        .string_max("MD", 32)
        .ok()
        .flatten()
        .and_then(|md| md.trim().parse::<i64>().ok());
    let worker = state.clone();
    handle(
        &state,
        &id,
        lang,
        posted,
        answered,
        |row, params, _| async move {
            let field = |name: &str| params.string_max(name, 4096).ok().flatten();
            match (field("MD"), field("PaRes")) {
                (Some(md), Some(pa_res)) => finish_three_ds(&worker, &row, &md, &pa_res).await,
                _ => Ok(PayOutcome::Refused("MD and PaRes are required".into())),
            }
        },
    )
    .await
}

/// Runs `work` on order `id` unless the order is already paid or cancelled (a repeat gets the
/// order as it is), then sends the payer where its outcome leads.
async fn handle<F, Fut>(
    state: &AppState,
    id: &str,
    lang: Lang,
    posted: Posted,
    answered: Option<i64>,
    work: F,
) -> Response
where
    F: FnOnce(OrderRow, Params, IpAddr) -> Fut,
    Fut: Future<Output = Result<PayOutcome, oblako_gateway::FlowError>>,
{
    if !state.order_pay_limits.allow(posted.ip, state.now_ms()) {
        return error_page(lang, Problem::TooManyAttempts);
    }
    let row = match find(state, id).await {
        Ok(Some(row)) => row,
        Ok(None) => return not_found(lang),
        Err(e) => return internal(lang, &e),
    };
    match status_of(&row) {
        OrderStatus::Paid => return result_page(&row, &Ending::AlreadyPaid),
        OrderStatus::Cancelled => return result_page(&row, &Ending::Cancelled),
        OrderStatus::Created => {}
    }
    // From here on the order's language is known.
    let lang = Lang::from_culture(&row.culture);
    let outcome = match work(row.clone(), posted.params, posted.ip).await {
        Ok(outcome) => outcome,
        Err(e) => return internal(lang, &anyhow::anyhow!("{e:#}")),
    };
    // The page shows the order after the attempt (its status and paying transaction).
    let row = match find(state, id).await {
        Ok(Some(now)) => now,
        Ok(None) => row,
        Err(e) => return internal(lang, &e),
    };
    respond(state, &row, outcome, answered).await
}

fn internal(lang: Lang, e: &anyhow::Error) -> Response {
    tracing::error!(error = format!("{e:#}"), "order payment");
    error_page(lang, Problem::Internal)
}

/// The page that posts the payer on to the bank's ACS page (`acs_url` with `pa_req` and `md`),
/// which returns to `term_url`; its one script runs under a fresh nonce.
pub(crate) fn challenge_page(
    t: &Texts,
    lang: &str,
    acs_url: &str,
    pa_req: &str,
    md: &str,
    term_url: &str,
) -> Response {
    let nonce = random_hex(16).unwrap_or_default();
    let body = ChallengePage {
        t,
        lang,
        assets: &Assets::fixed(),
        acs_url,
        pa_req,
        md,
        term_url,
        nonce: &nonce,
    }
    .render();
    match body {
        Ok(body) => html(
            StatusCode::OK,
            body,
            &format!(
                "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self'; \
                 img-src 'self'; form-action *"
            ),
        ),
        Err(e) => internal(Lang::from_culture(lang), &e.into()),
    }
}

/// Sends the payer where `outcome` leads; `row` is the order after the attempt.
async fn respond(
    state: &AppState,
    row: &OrderRow,
    outcome: PayOutcome,
    answered: Option<i64>,
) -> Response {
    let lang = Lang::from_culture(&row.culture);
    match outcome {
        PayOutcome::Approved => match &row.success_redirect_url {
            Some(url) => redirect(url),
            None => result_page(row, &Ending::Paid),
        },
        PayOutcome::Declined(message) => match &row.fail_redirect_url {
            Some(url) => redirect(url),
            None => result_page(row, &Ending::Declined(message)),
        },
        // The refusal's own words are the API's; the payer is told what it means for the order.
        PayOutcome::Refused(_) => match after_refusal(state, row, answered).await {
            Ok(ending) => result_page(row, &ending),
            Err(e) => internal(lang, &e),
        },
        PayOutcome::Challenge {
            acs_url,
            pa_req,
            md,
        } => {
            let term_url = format!("{}/d/{}/3ds", state.config.public_url(), row.public_id);
            challenge_page(
                texts_in(lang),
                lang.code(),
                &acs_url,
                &pa_req,
                &md,
                &term_url,
            )
        }
    }
}

/// 303 to the merchant's page.
fn redirect(url: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(url) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}
