//! The money actions on a transaction's page: Confirm (full or partial), Void and Refund (full
//! or partial).
//!
//! This module is the cabinet's only door to the money flows. It decides which forms a page
//! offers ([`offers`], from the role and the transaction's status) and takes their posts
//! ([`transaction_action`]: same-origin, the session's CSRF token, the `MoveMoney` role, the
//! transaction scoped to the account), then calls the gateway's `payments::manage::manage`, the
//! flow the API's confirm, void and refund call, and reads its typed outcome.
//!
//! A double click is one operation: each form carries what the page saw (`seen`: status,
//! captured and refunded), and the post claims an idempotency key made of the session, the
//! transaction, the action, the amount and that view. A second post of the same form finds the
//! key taken and changes nothing; a new page (after the first action) makes a new key.

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::response::Response;
use oblako_core::payment::Status;
use oblako_core::staff::Action;
use oblako_store::transactions::TransactionRow;
use oblako_store::transactions::search;

use super::page;
use super::session::{Posted, Session};
use crate::state::AppState;

/// A money action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Capture an authorization.
    Confirm,
    /// Cancel an authorization.
    Void,
    /// Return captured money.
    Refund,
}

impl Kind {
    /// The URL and form spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Confirm => "confirm",
            Kind::Void => "void",
            Kind::Refund => "refund",
        }
    }

    fn parse(text: &str) -> Option<Kind> {
        [Kind::Confirm, Kind::Void, Kind::Refund]
            .into_iter()
            .find(|k| k.as_str() == text)
    }

    /// Whether the action takes an amount.
    pub fn has_amount(&self) -> bool {
        !matches!(self, Kind::Void)
    }
}

/// A form the page offers.
#[derive(Debug, Clone)]
pub struct Offer {
    /// Which action.
    pub kind: Kind,
    /// The most it can move, in major units as text (the form's default).
    pub up_to: String,
}

/// The actions the session's role may take on `t` in its current status.
pub fn offers(s: &Session, t: &TransactionRow) -> Vec<Offer> {
    if !s.can(Action::MoveMoney) || t.kind != oblako_core::payment::Kind::Payment {
        return Vec::new();
    }
    let major = super::transactions::major;
    match t.status {
        Status::Authorized => vec![
            Offer {
                kind: Kind::Confirm,
                up_to: major(&t.amount),
            },
            Offer {
                kind: Kind::Void,
                up_to: String::new(),
            },
        ],
        Status::Completed if t.captured > t.refunded => {
            vec![Offer {
                kind: Kind::Refund,
                up_to: major(&(t.captured - t.refunded)),
            }]
        }
        _ => Vec::new(),
    }
}

/// What an action came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The money moved.
    Done,
    /// The same form was sent before (a double click): nothing more was done.
    AlreadySent,
    /// The flow refused, with the protocol's words.
    Refused(String),
}

impl oblako_gateway::once::Stored for Outcome {
    // A replay says only that the form was sent: nothing of the first answer is shown again.
    fn stored(&self) -> (u16, &[u8]) {
        (200, b"")
    }
}

/// What the page saw of `t` when it offered its forms.
pub fn seen(t: &TransactionRow) -> String {
    format!("{}:{}:{}", t.status.as_str(), t.captured, t.refunded)
}

/// Runs a checked action once per form (see the module's head).
pub async fn perform(
    state: &AppState,
    s: &Session,
    t: &TransactionRow,
    kind: Kind,
    amount: Option<i64>,
    seen: &str,
) -> anyhow::Result<Outcome> {
    use oblako_gateway::once::{self, Once};
    use oblako_gateway::payments::manage::{Action as Move, manage};
    use oblako_store::idempotency::KeyRef;
    let (mode, site_id) = (t.mode, t.site_id);
    let site = oblako_store::sites::site(&state.db, site_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("transaction {} has no site", t.id))?;
    let keys = oblako_store::sites::keys_of(&state.db, site_id).await?;
    let public_id = keys
        .iter()
        .find(|k| k.mode == mode)
        .map(|k| k.public_id.clone())
        .unwrap_or_default();
    let action = match (kind, amount) {
        (Kind::Void, _) => Move::Void,
        (Kind::Confirm, Some(a)) => Move::Confirm(a),
        (Kind::Refund, Some(a)) => Move::Refund(a),
        _ => return Ok(Outcome::Refused("Amount is required".into())),
    };
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    for part in [
        &s.id_hash[..],
        t.id.to_string().as_bytes(),
        kind.as_str().as_bytes(),
        amount.unwrap_or(0).to_string().as_bytes(),
        seen.as_bytes(),
    ] {
        ctx.update(part);
        ctx.update(b"\n");
    }
    let digest = ctx.finish();
    let key_text = format!("cabinet:{}", crate::secrets::hex(digest.as_ref()));
    let key = KeyRef {
        site: site_id,
        mode,
        key: &key_text,
    };
    let payee = oblako_gateway::payments::pay::Payee {
        site: &site,
        mode,
        public_id: &public_id,
    };
    // A second click is answered at once; the page then shows what the first one did.
    let policy = state.once_policy(std::time::Duration::ZERO);
    let work = |recovery| async move {
        match manage(state, payee, t.id, action, recovery).await {
            Ok(_) => Ok(Outcome::Done),
            Err(oblako_gateway::FlowError::Internal(e)) => Err(e),
            Err(refused) => Ok(Outcome::Refused(refused.to_string())),
        }
    };
    let outcome = match once::run(state, key, digest.as_ref(), policy, work).await? {
        Once::Ran(outcome) => outcome,
        Once::Replayed { .. } | Once::Running | Once::Mismatch => return Ok(Outcome::AlreadySent),
    };
    let detail = format!(
        "{} {} {}",
        kind.as_str(),
        t.id,
        amount.map(super::transactions::major).unwrap_or_default()
    );
    super::audit::note(state, s, kind.as_str(), Some(t.site_id.0), &detail).await?;
    Ok(outcome)
}

#[derive(serde::Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    seen: String,
}

/// `POST /cabinet/transactions/{id}/{action}`.
pub async fn transaction_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(i64, String)>,
    Posted(s, form): Posted<ActionForm>,
) -> Response {
    if let Err(r) = s.require(Action::MoveMoney) {
        return r;
    }
    let Some(kind) = Kind::parse(&action) else {
        return page::not_found(s.lang);
    };
    let t = match search::of_account(&state.db, s.account(), id).await {
        Ok(Some(t)) => t,
        Ok(None) => return page::not_found(s.lang),
        Err(e) => return page::internal(s.lang, &e),
    };
    let amount = super::transactions::amount(&form.amount);
    match perform(&state, &s, &t, kind, amount, &form.seen).await {
        Ok(Outcome::Done | Outcome::AlreadySent) => {
            axum::response::Redirect::to(&format!("/cabinet/transactions/{id}")).into_response()
        }
        Ok(Outcome::Refused(message)) => page::refused(s.lang, &message),
        Err(e) => page::internal(s.lang, &e),
    }
}
