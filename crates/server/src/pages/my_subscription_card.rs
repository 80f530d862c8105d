//! Paying with another card on the payer's page (spec §10): `POST /my/{token}/card`
//! takes the card form (the cryptogram, `Name`, and the echoed `token`), `POST /my/{token}/3ds`
//! is the `TermUrl` the ACS page returns to. A PastDue subscription's due amount is charged
//! (one- or two-stage as `RequireConfirmation` says); an Active one gets a verification
//! authorization that is voided at once. Either is a card payment of the subscription's site and
//! mode with its `AccountId` and `SubscriptionId`, so the bank's approval issues a token and
//! `subscriptions::card_change` switches the subscription to it in the same commit. The answer is
//! the page again with the outcome (a decline shows the `CardHolderMessage` above the form for
//! another try), or the 3-D Secure hand-off. Attempts share the order page's per-IP limit.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use oblako_core::ids::Mode;
use oblako_core::payment::Stage;
use oblako_protocol::payment_request::PaymentFields;
use oblako_store::sites;
use oblako_store::subscriptions::SubscriptionRow;
use oblako_store::subscriptions::card_changes;

use crate::api::idempotency::Recovery;
use crate::mail::order_link::is_english;
use crate::orders::pay::{PayOutcome, outcome_of};
use crate::pages::error;
use crate::pages::my_subscription::{EN, Outcome, RU, Texts, bad_link, internal, render, resolve};
use crate::pages::order::texts_for;
use crate::pages::order_pay::challenge_page;
use crate::pages::order_pay::{Posted, read_form};
use crate::payments::manage::{Action, manage};
use crate::payments::outcome::PaymentOutcome;
use crate::payments::pay::{Payee, PaymentRequest, Source, pay};
use crate::payments::post3ds::post3ds;
use crate::state::AppState;
use crate::subscriptions::card_change::{self, ForSubscription, Purpose, verification_amount};
use crate::subscriptions::money_of;
use oblako_gateway::FlowError;

/// What an attempt came to, with what the page needs to say it.
struct Attempt {
    outcome: PayOutcome,
    purpose: Purpose,
    culture: String,
}

/// `POST /my/{token}/card`: the form must repeat the token.
pub async fn my_subscription_card(
    State(state): State<AppState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let posted = match admitted(&state, request).await {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let echoed = posted.params.string_max("token", 512).ok().flatten();
    if echoed.as_deref() != Some(token.as_str()) {
        return bad_link();
    }
    let attempt = pay_with_card(&state, &token, &posted).await;
    respond(&state, &token, attempt).await
}

/// `POST /my/{token}/3ds`: the ACS page returns `MD` and `PaRes` here.
pub async fn my_subscription_three_ds(
    State(state): State<AppState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let posted = match admitted(&state, request).await {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let attempt = finish_three_ds(&state, &token, &posted).await;
    respond(&state, &token, attempt).await
}

/// The posted form, counted against the per-IP attempt limit; or the page that refuses it.
async fn admitted(state: &AppState, request: Request) -> Result<Posted, Response> {
    let Some(posted) = read_form(request).await else {
        return Err(not_a_form());
    };
    if !state.order_pay_limits.allow(posted.ip, state.now_ms()) {
        return Err(too_many());
    }
    Ok(posted)
}

fn not_a_form() -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "Error",
        "The request is not a form.",
    )
}

fn too_many() -> Response {
    error(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many attempts",
        "Too many payment attempts from your address; try again in a minute.",
    )
}

/// The subscription's site, mode and Public ID.
async fn owner(
    state: &AppState,
    row: &SubscriptionRow,
) -> anyhow::Result<(sites::Site, Mode, String)> {
    let id = row.site_id;
    let mode = row.mode;
    let site = sites::site(&state.db, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("subscription {}: site {} is gone", row.id, id.0))?;
    let key = sites::keys_of(&state.db, id)
        .await?
        .into_iter()
        .find(|k| k.mode == mode)
        .ok_or_else(|| anyhow::anyhow!("site {} has no {} key", id.0, row.mode))?;
    Ok((site, mode, key.public_id))
}

async fn pay_with_card(
    state: &AppState,
    token: &str,
    posted: &Posted,
) -> anyhow::Result<Option<Attempt>> {
    let Some((_, row)) = resolve(state, token).await? else {
        return Ok(None);
    };
    let english = is_english(&row.culture);
    let attempt = |outcome, purpose| Attempt {
        outcome,
        purpose,
        culture: row.culture.clone(),
    };
    let Some(purpose) = Purpose::of(row.status) else {
        let why = if english {
            "This subscription no longer takes payments."
        } else {
            "Подписка больше не принимает платежи."
        };
        return Ok(Some(attempt(
            PayOutcome::Refused(why.into()),
            Purpose::Verify,
        )));
    };
    let packet = match posted
        .params
        .required_string("CardCryptogramPacket", 16 * 1024)
    {
        Ok(packet) => packet,
        Err(e) => return Ok(Some(attempt(PayOutcome::Refused(e.to_string()), purpose))),
    };
    let (site, mode, public_id) = owner(state, &row).await?;
    let payee = Payee {
        site: &site,
        mode,
        public_id: &public_id,
    };
    let card = match state.keyring.open(&packet, &public_id).await {
        Ok(card) => card,
        Err(e) => {
            return Ok(Some(attempt(
                PayOutcome::Refused(e.message().into()),
                purpose,
            )));
        }
    };
    let money = money_of(&row)?;
    let (stage, amount) = match purpose {
        Purpose::Charge if row.require_confirmation => (Stage::TwoStage, money),
        Purpose::Charge => (Stage::OneStage, money),
        Purpose::Verify => (Stage::TwoStage, verification_amount(money.currency)),
    };
    let request = PaymentRequest {
        stage,
        source: Source::Card {
            pan: card.pan,
            expiry: card.expiry,
        },
        fields: PaymentFields {
            amount,
            invoice_id: None,
            account_id: Some(row.account_id.clone()),
            email: row.email.clone(),
            description: row.description.clone(),
            json_data: None,
            culture: row.culture.clone(),
            name: posted.params.string_max("Name", 255).ok().flatten(),
        },
        ip_address: posted.ip.to_string(),
        order: None,
        subscription: Some(ForSubscription {
            id: row.id.clone(),
            purpose,
        }),
    };
    let paid = pay(state, payee, request, Recovery::default()).await;
    let outcome = conclude(state, payee, purpose, paid).await?;
    Ok(Some(attempt(outcome, purpose)))
}

async fn finish_three_ds(
    state: &AppState,
    token: &str,
    posted: &Posted,
) -> anyhow::Result<Option<Attempt>> {
    let Some((_, row)) = resolve(state, token).await? else {
        return Ok(None);
    };
    let field = |name: &str| posted.params.string_max(name, 4096).ok().flatten();
    let md = field("MD").and_then(|md| md.trim().parse::<i64>().ok());
    let (site, mode, public_id) = owner(state, &row).await?;
    let payee = Payee {
        site: &site,
        mode,
        public_id: &public_id,
    };
    // Only a card change of this subscription may be finished through its link.
    let change = match md {
        Some(id) => card_changes::find(&state.db, id).await?,
        None => None,
    };
    let Some(change) = change.filter(|c| c.subscription_id == row.id) else {
        let outcome = PayOutcome::Refused(
            "This 3-D Secure answer is not for this subscription's payment.".into(),
        );
        return Ok(Some(Attempt {
            outcome,
            purpose: Purpose::Verify,
            culture: row.culture.clone(),
        }));
    };
    let purpose = if change.purpose == Purpose::Charge.as_str() {
        Purpose::Charge
    } else {
        Purpose::Verify
    };
    let pa_res = field("PaRes").unwrap_or_default();
    let paid = post3ds(state, payee, change.transaction_id, &pa_res).await;
    let outcome = conclude(state, payee, purpose, paid).await?;
    Ok(Some(Attempt {
        outcome,
        purpose,
        culture: row.culture.clone(),
    }))
}

/// Reads the payment's answer and, for an approved verification, voids it at once.
async fn conclude(
    state: &AppState,
    payee: Payee<'_>,
    purpose: Purpose,
    outcome: Result<PaymentOutcome, FlowError>,
) -> anyhow::Result<PayOutcome> {
    let id = outcome.as_ref().ok().map(PaymentOutcome::transaction_id);
    let outcome = outcome_of(outcome).map_err(|e| anyhow::anyhow!("{e:#}"))?;
    if let (PayOutcome::Approved, Purpose::Verify, Some(id)) = (&outcome, purpose, id) {
        // The verification took no money; if this void fails, the hold is released by the
        // sweeper when it runs out (docs/subscriptions.md).
        if let Err(e) = manage(state, payee, id, Action::Void, Recovery::default()).await {
            tracing::error!(
                error = format!("{e:#}"),
                transaction = id,
                "verification void"
            );
        }
    }
    Ok(outcome)
}

/// The answer to an attempt: the 3-D Secure hand-off, or the page with the outcome.
async fn respond(
    state: &AppState,
    token: &str,
    attempt: anyhow::Result<Option<Attempt>>,
) -> Response {
    let attempt = match attempt {
        Ok(Some(attempt)) => attempt,
        Ok(None) => return bad_link(),
        Err(e) => return internal(e),
    };
    let t: &Texts = if is_english(&attempt.culture) {
        &EN
    } else {
        &RU
    };
    let shown = match attempt.outcome {
        PayOutcome::Approved => Outcome {
            class: "done",
            text: match attempt.purpose {
                Purpose::Charge => t.charged.to_owned(),
                Purpose::Verify => t.changed.to_owned(),
            },
        },
        PayOutcome::Declined(message) => Outcome {
            class: "failed",
            text: format!("{}: {message}", t.declined),
        },
        PayOutcome::Refused(message) => Outcome {
            class: "failed",
            text: match message.as_str() {
                card_change::BUSY => t.busy.to_owned(),
                card_change::CHANGED => t.reload.to_owned(),
                _ => message,
            },
        },
        PayOutcome::Challenge {
            acs_url,
            pa_req,
            md,
        } => return challenge(state, token, &attempt.culture, &acs_url, &pa_req, &md),
    };
    match render(state, token, Some(shown)).await {
        Ok(response) => response,
        Err(e) => internal(e),
    }
}

fn challenge(
    state: &AppState,
    token: &str,
    culture: &str,
    acs_url: &str,
    pa_req: &str,
    md: &str,
) -> Response {
    let term_url = format!("{}/my/{token}/3ds", state.config.public_url());
    let lang = if is_english(culture) { "en" } else { "ru" };
    challenge_page(texts_for(culture), lang, acs_url, pa_req, md, &term_url)
}
