//! The money actions on a transaction's page: Confirm (full or partial), Void and Refund (full
//! or partial).
//!
//! Design: this module is the cabinet's only door to the money flows. It decides which forms a
//! page offers ([`offers`], from the role and the transaction's status) and takes their posts
//! ([`transaction_action`]: same-origin, the session's CSRF token, the `MoveMoney` role, the
//! transaction scoped to the account) — and then hands the checked request to [`perform`].
//! The payment flows are moving into the gateway crate, which answers typed outcomes instead of
//! the API's envelope bytes; the cabinet must call those same flows and never parse an API
//! reply. Until the gateway crate is merged, [`perform`] answers [`Outcome::NotInThisBuild`] and
//! the page says so in plain words; at merge, `perform` calls the gateway's confirm, void and
//! refund with the amount and an idempotency key derived from the form's token (so a double
//! click is one operation) and maps their outcomes to [`Outcome`].

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use oblako_core::staff::Action;
use oblako_store::transactions::TransactionRow;
use oblako_store::transactions::search;

use super::page::{self, Words};
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
    if !s.can(Action::MoveMoney) || t.kind != "payment" {
        return Vec::new();
    }
    let major = super::transactions::major;
    match t.status.as_str() {
        "Authorized" => vec![
            Offer {
                kind: Kind::Confirm,
                up_to: major(&t.amount),
            },
            Offer {
                kind: Kind::Void,
                up_to: String::new(),
            },
        ],
        "Completed" if t.captured > t.refunded => {
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
    /// The money flows are not reachable from the cabinet in this build.
    NotInThisBuild,
}

/// Runs a checked action (see the module's head).
pub async fn perform(
    _state: &AppState,
    _t: &TransactionRow,
    _kind: Kind,
    _amount: Option<i64>,
) -> Outcome {
    Outcome::NotInThisBuild
}

#[derive(serde::Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    amount: String,
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
    match perform(&state, &t, kind, amount).await {
        Outcome::NotInThisBuild => {
            page::problem(s.lang, StatusCode::SERVICE_UNAVAILABLE, Words::NotYet)
        }
    }
}
