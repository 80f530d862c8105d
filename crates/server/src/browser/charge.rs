//! `POST /widget/charge`: the payment form's charge, authenticated by Public ID alone (the card
//! arrives only as a cryptogram bound to that Public ID), limited per client IP, and run through
//! the same `pay` path as `payments/cards/charge|auth`: Check, Pay and Fail notifications, tokens
//! and 3-D Secure behave the same. `POST /widget/3ds` is the `TermUrl` of a challenge started
//! here: it finishes `post3ds` and hands the outcome to the form that opened the ACS frame.
//!
//! Both answer a reduced envelope: the form needs the outcome, not the whole transaction model.
//!
//! Each charge carries the form's `AttemptKey`, a random key per press of Pay, and runs once per
//! key like an API request with `X-Request-ID`: a repeated post replays the first outcome, and
//! `POST /widget/close` (`browser::attempt`) can learn what became of it.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use oblako_core::payment::Stage;
use oblako_protocol::params::Params;
use oblako_protocol::payment_request::{MAX_PACKET, PaymentFields};
use oblako_store::idempotency::KeyRef;
use serde_json::{Map, Value};

use crate::api::idempotency::{Recovery, fingerprint, run_keyed};
use crate::api::reply::{ApiError, ApiReply};
use crate::browser::terminal;
use crate::client::client_ip;
use crate::pages::{Lang, Problem, error_page, html};
use crate::payments::outcome::PaymentOutcome;
use crate::payments::pay::pay_resumed;
use crate::payments::pay::{Payee, PaymentRequest, Source, pay};
use crate::secrets::random_hex;
use crate::state::AppState;

/// Largest accepted charge body.
const MAX_BODY: usize = 96 * 1024;
const UNKNOWN_TERMINAL: &str = "Unknown or inactive Public ID";
const RATE_LIMITED: &str = "Too many payment attempts from this address, try again in a minute";

/// The model fields the form uses.
const KEPT: &[&str] = &[
    "TransactionId",
    "Status",
    "ReasonCode",
    "Reason",
    "CardHolderMessage",
    "AcsUrl",
    "PaReq",
    "Amount",
    "Currency",
    "InvoiceId",
];

/// The form's view of a payment's outcome: `Success`, `Message` and the [`KEPT`] model fields.
fn outcome_view(outcome: &PaymentOutcome, payee: Payee<'_>) -> Result<ApiReply, ApiError> {
    let envelope = crate::api::render::payment_envelope(outcome, payee)?;
    let message = envelope.message.map_or(Value::Null, Value::String);
    let view = form_view(
        Value::Bool(envelope.success),
        message,
        envelope.model.as_ref(),
    );
    Ok(ApiReply {
        status: StatusCode::OK,
        body: view.to_string().into_bytes(),
    })
}

/// The form's view of a refusal or failure: `Success:false` and the message, no model.
fn error_view(error: &ApiError) -> ApiReply {
    let status = error.reply().status;
    let message = Value::String(error.public_message());
    ApiReply {
        status,
        body: form_view(Value::Bool(false), message, None)
            .to_string()
            .into_bytes(),
    }
}

/// The form's view of a recorded reply (a replayed attempt, already in the form's view, or the
/// idempotency guard's own refusal): `Success`, `Message` and the [`KEPT`] model fields.
pub fn reduce(reply: &ApiReply) -> Value {
    let full: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    form_view(
        full.get("Success").cloned().unwrap_or(Value::Bool(false)),
        full.get("Message").cloned().unwrap_or(Value::Null),
        full.get("Model"),
    )
}

/// `{Success, Message, Model}` with only the [`KEPT`] fields of `model`.
pub fn form_view(success: Value, message: Value, model: Option<&Value>) -> Value {
    let mut kept = Map::new();
    if let Some(source) = model.and_then(Value::as_object) {
        for key in KEPT {
            if let Some(value) = source.get(*key).filter(|v| !v.is_null()) {
                kept.insert((*key).to_owned(), value.clone());
            }
        }
    }
    serde_json::json!({
        "Success": success,
        "Message": message,
        "Model": if kept.is_empty() { Value::Null } else { Value::Object(kept) },
    })
}

/// The idempotency key of one press of Pay: `widget:` and the form's `AttemptKey` (16 to 64
/// letters, digits, `-` or `_`), kept apart from the merchant's own `X-Request-ID`s.
pub fn attempt_key(params: &Params) -> Result<Option<String>, ApiError> {
    let Some(key) = params.string_max("AttemptKey", 64)? else {
        return Ok(None);
    };
    let fine = key.len() >= 16
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !fine {
        return Err(ApiError::Refused(
            "AttemptKey must be 16 to 64 letters, digits, - or _".into(),
        ));
    }
    Ok(Some(format!("widget:{key}")))
}

fn reduced(result: Result<ApiReply, ApiError>) -> Response {
    let reply = match result {
        Ok(reply) => reply,
        Err(e) => return e.into_response(),
    };
    let body = reduce(&reply).to_string().into_bytes();
    ApiReply {
        status: reply.status,
        body,
    }
    .into_response()
}

fn stage_of(params: &Params) -> Result<Stage, ApiError> {
    match params.string_max("Scheme", 16)?.as_deref() {
        None | Some("charge") => Ok(Stage::OneStage),
        Some("auth") => Ok(Stage::TwoStage),
        Some(_) => Err(ApiError::Refused("Scheme must be charge or auth".into())),
    }
}

/// `POST /widget/charge` (JSON): `PublicId`, `CardCryptogramPacket`, `Scheme` (`charge` or
/// `auth`), `Amount`, `Currency` and the optional payment fields of `payments/cards/charge`.
pub async fn widget_charge(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let ip = client_ip(&parts);
    if !state.widget_rate.allow(ip, state.now_ms()) {
        return ApiError::TooManyRequests(RATE_LIMITED).into_response();
    }
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(e) => return ApiError::of_body(&e).into_response(),
    };
    reduced(charge(&state, &body, ip.to_string()).await)
}

async fn charge(state: &AppState, body: &[u8], ip: String) -> Result<ApiReply, ApiError> {
    let params = Params::from_json(body)?;
    let public_id = params.required_string("PublicId", 64)?;
    let packet = params.required_string("CardCryptogramPacket", MAX_PACKET)?;
    // Read once, before the RSA work: the form's fields are those of `payments/cards/charge`,
    // and its address is the client's.
    let stage = stage_of(&params)?;
    let payment = PaymentFields::from_params(&params)?;
    let attempt = attempt_key(&params)?;
    let hash = fingerprint(CHARGE_PATH, &params);
    let Some((key, site)) = terminal(state, &public_id).await? else {
        return Err(ApiError::Refused(UNKNOWN_TERMINAL.into()));
    };
    let payee = Payee {
        site: &site,
        mode: key.mode,
        public_id: &key.public_id,
    };
    let work = move |recovery: Recovery| async move {
        if recovery.resume.is_some() {
            return outcome_view(&pay_resumed(state, payee, recovery).await?, payee);
        }
        let card = state
            .keyring
            .open(&packet, payee.public_id)
            .await
            .map_err(|e| ApiError::Refused(e.message().to_owned()))?;
        let source = Source::Card {
            pan: card.pan,
            expiry: card.expiry,
        };
        let request = PaymentRequest::of(stage, source, payment, ip);
        let outcome = pay(state, payee, request, recovery).await?;
        outcome_view(&outcome, payee)
    };
    let Some(attempt) = attempt else {
        return work(Recovery::default()).await;
    };
    let scope = KeyRef {
        site: site.id,
        mode: key.mode,
        key: &attempt,
    };
    run_keyed(state, scope, &hash, work).await
}

/// The path whose parameters a charge's attempt key fingerprints.
pub const CHARGE_PATH: &str = "/widget/charge";

#[derive(Template)]
#[template(path = "widget_3ds.html")]
struct ThreeDsReturn<'a> {
    reply: &'a str,
    nonce: &'a str,
}

/// `POST /widget/3ds?PublicId=…` (form `MD`, `PaRes` from the ACS): completes 3-D Secure and
/// posts the reduced outcome to the parent frame (the payment form, same origin).
pub async fn widget_3ds(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let outcome = finish_3ds(&state, query.as_deref().unwrap_or(""), &body).await;
    let reply = match outcome {
        Ok(reply) => reply,
        Err(e) => error_view(&e),
    };
    let nonce = random_hex(16).unwrap_or_default();
    let text = String::from_utf8_lossy(&reply.body);
    match (ThreeDsReturn {
        reply: &text,
        nonce: &nonce,
    })
    .render()
    {
        Ok(body) => html(
            StatusCode::OK,
            body,
            // This page lives inside the widget's frame, so the merchant's page is among its
            // ancestors: it shares the form's `frame-ancestors`.
            &format!(
                "default-src 'none'; script-src 'nonce-{nonce}'; frame-ancestors {}",
                state.config.widget_frame_ancestors
            ),
        ),
        Err(e) => {
            tracing::error!(error = %e, "3-D Secure return page: render");
            error_page(Lang::Ru, Problem::Internal)
        }
    }
}

async fn finish_3ds(state: &AppState, query: &str, body: &[u8]) -> Result<ApiReply, ApiError> {
    let query = Params::from_form(query.as_bytes())?;
    let public_id = query.required_string("PublicId", 64)?;
    let form = Params::from_form(body)?;
    let id = form
        .string_max("MD", 32)?
        .and_then(|md| md.trim().parse::<i64>().ok())
        .ok_or_else(|| ApiError::Refused("MD is required".into()))?;
    let pa_res = form.required_string("PaRes", 4096)?;
    let Some((key, site)) = terminal(state, &public_id).await? else {
        return Err(ApiError::Refused(UNKNOWN_TERMINAL.into()));
    };
    let payee = Payee {
        site: &site,
        mode: key.mode,
        public_id: &key.public_id,
    };
    let outcome = crate::payments::post3ds::post3ds(state, payee, id, &pa_res).await?;
    outcome_view(&outcome, payee)
}
