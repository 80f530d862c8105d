//! `POST /widget/close`: what became of a payment form's attempt, asked when its payer closes the
//! form. The widget never tells the shop "cancelled" for a payment that was charged, so before it
//! calls back it settles the attempt here (the form asks; the widget's own script asks when the
//! form cannot). The answer's `Outcome` is final unless it is `pending`:
//!
//! - `cancelled`: nothing was charged and nothing will be. A key that no charge holds yet is
//!   taken with a closing mark, so a charge still on its way with the same key is refused; a
//!   payment waiting for 3-D Secure is cancelled now, as the bank page goes with the form.
//! - `paid` (`Authorized` or `Completed`) or `declined`: the payment's outcome, in the form's
//!   reduced envelope (`browser::charge::form_view`). If the payer answered the bank just before
//!   closing, that answer stands.
//! - `pending`: the charge is still running or waits for the bank's answer; ask again.

use std::time::Duration;

use aws_lc_rs::digest;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oblako_core::ids::Mode;
use oblako_core::payment::Status;
use oblako_protocol::params::Params;
use oblako_store::idempotency::{self, Claim, KeyRef};
use oblako_store::sites::Site;
use oblako_store::transactions::{self, TransactionRow};
use serde_json::{Value, json};

use crate::api::idempotency::RUNNING_LEASE_MS;
use crate::api::reply::{ApiError, ApiReply};
use crate::browser::charge::{attempt_key, form_view};
use crate::browser::terminal;
use crate::client::client_ip;
use crate::payments::model::{Terminal, transaction_model};
use crate::state::AppState;

/// Largest accepted body.
const MAX_BODY: usize = 4 * 1024;
/// How long one call waits for a running charge or a bank answer before answering `pending`.
const WAIT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(100);
/// The request hash of the closing mark; no charge's parameters hash to it.
const CLOSED: &[u8] = b"the payment form was closed";
const CLOSED_REPLY: &str = "The payment form was closed before this payment was made";

/// `POST /widget/close` (JSON or text): `PublicId`, `AttemptKey`.
pub async fn widget_close(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let ip = client_ip(&parts);
    let mut response = if !state.widget_rate.allow(ip, state.now_ms()) {
        ApiError::TooManyRequests("Too many requests from this address, try again in a minute")
            .into_response()
    } else {
        match axum::body::to_bytes(body, MAX_BODY).await {
            Err(e) => ApiError::of_body(&e).into_response(),
            Ok(body) => match close(&state, &body).await {
                Ok(answer) => ApiReply {
                    status: StatusCode::OK,
                    body: answer.to_string().into_bytes(),
                }
                .into_response(),
                Err(e) => e.into_response(),
            },
        }
    };
    // The widget's script on the shop's page asks here when the form cannot.
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

async fn close(state: &AppState, body: &[u8]) -> Result<Value, ApiError> {
    let params = Params::from_json(body)?;
    let public_id = params.required_string("PublicId", 64)?;
    let Some(attempt) = attempt_key(&params)? else {
        return Err(ApiError::Refused("AttemptKey is required".into()));
    };
    let Some((key, site)) = terminal(state, &public_id).await? else {
        return Err(ApiError::Refused("Unknown or inactive Public ID".into()));
    };
    let scope = KeyRef {
        site: site.id,
        mode: key.mode,
        key: &attempt,
    };
    let viewer = Viewer {
        site: &site,
        mode: key.mode,
        public_id: &key.public_id,
    };
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(answer) = settle(state, scope, viewer).await? {
            return Ok(answer);
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(json!({ "Outcome": "pending" }));
        }
        tokio::time::sleep(POLL).await;
    }
}

#[derive(Clone, Copy)]
struct Viewer<'a> {
    site: &'a Site,
    mode: Mode,
    public_id: &'a str,
}

/// One look at the attempt: its final answer, or `None` to look again shortly.
async fn settle(
    state: &AppState,
    scope: KeyRef<'_>,
    viewer: Viewer<'_>,
) -> Result<Option<Value>, ApiError> {
    let Some(standing) = idempotency::standing(&state.db, scope).await? else {
        return mark_closed(state, scope).await;
    };
    if standing.request_hash == closed_hash() {
        return Ok(Some(cancelled(None)));
    }
    let Some(id) = standing.transaction_id else {
        // Running: the payment is not committed yet. Done: the charge was refused before any
        // payment existed.
        return Ok((!standing.running).then(|| cancelled(None)));
    };
    let Some(row) = transactions::get(&state.db, scope.site, scope.mode, id).await? else {
        return Err(anyhow::anyhow!("transaction {id} of an attempt vanished").into());
    };
    match row.status {
        Status::AwaitingAuthentication => {
            crate::sweeper::abandon_authentication(state, &row).await?;
            Ok(None)
        }
        Status::Processing => Ok(None),
        Status::Authorized | Status::Completed => Ok(Some(outcome(&row, viewer, "paid"))),
        Status::Declined => Ok(Some(outcome(&row, viewer, "declined"))),
        Status::Cancelled => Ok(Some(cancelled(Some(model_of(&row, viewer))))),
    }
}

/// Takes a key that no charge holds with the closing mark.
async fn mark_closed(state: &AppState, scope: KeyRef<'_>) -> Result<Option<Value>, ApiError> {
    let now = state.now_ms();
    let retention =
        i64::try_from(state.config.idempotency_retention().as_millis()).unwrap_or(i64::MAX);
    let hash = closed_hash();
    let claim = idempotency::claim(
        &state.db,
        scope,
        &hash,
        now,
        now.saturating_add(retention),
        now - RUNNING_LEASE_MS,
    )
    .await?;
    match claim {
        Claim::Claimed { .. } => {
            let reply = ApiReply::error(StatusCode::CONFLICT, CLOSED_REPLY);
            idempotency::complete(&state.db, scope, reply.status.as_u16(), &reply.body).await?;
            Ok(Some(cancelled(None)))
        }
        // A charge took the key first: look again.
        Claim::Running { .. } | Claim::Done { .. } => Ok(None),
    }
}

fn closed_hash() -> Vec<u8> {
    digest::digest(&digest::SHA256, CLOSED).as_ref().to_vec()
}

fn model_of(row: &TransactionRow, viewer: Viewer<'_>) -> Value {
    let terminal = Terminal {
        public_id: viewer.public_id,
        terminal_url: &viewer.site.terminal_url,
        test_mode: viewer.mode == Mode::Test,
        offset: jiff::tz::Offset::UTC,
    };
    serde_json::to_value(transaction_model(row, terminal)).unwrap_or(Value::Null)
}

fn outcome(row: &TransactionRow, viewer: Viewer<'_>, outcome: &str) -> Value {
    let model = model_of(row, viewer);
    let mut view = form_view(Value::Bool(outcome == "paid"), Value::Null, Some(&model));
    view["Outcome"] = outcome.into();
    view
}

fn cancelled(model: Option<Value>) -> Value {
    let mut view = form_view(Value::Bool(false), Value::Null, model.as_ref());
    view["Outcome"] = "cancelled".into();
    view
}
