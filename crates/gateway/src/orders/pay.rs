//! Paying an order from its page: the card cryptogram goes through the ordinary payment path
//! (`payments::pay`), one- or two-stage as the order asks, with the order's `InvoiceId`,
//! `AccountId`, `Email` and `JsonData`, and claims the order in the commit that creates the
//! payment, so an order is paid at most once however many attempts race. 3-D Secure comes back
//! to `/d/{Id}/3ds`, which finishes it with `payments::post3ds`.

use oblako_core::ids::Mode;
use oblako_core::payment::Stage;
use oblako_protocol::order::OrderStatus;
use oblako_protocol::payment_request::PaymentFields;
use oblako_store::orders::OrderRow;
use oblako_store::sites::{self, Site};

use crate::FlowError;
use crate::Gateway;
use crate::orders::{money_of, status_of};
use crate::payments::outcome::PaymentOutcome;
use crate::payments::pay::{Payee, PaymentRequest, Source, pay};
use crate::payments::post3ds::post3ds;
use crate::recovery::Recovery;

/// The site an order belongs to, with the Public ID of its mode (the page's `cp.Checkout` key).
#[derive(Debug, Clone)]
pub struct OrderSite {
    /// The site.
    pub site: Site,
    /// The mode the order was created in.
    pub mode: Mode,
    /// The site's Public ID in that mode.
    pub public_id: String,
}

impl OrderSite {
    fn payee(&self) -> Payee<'_> {
        Payee {
            site: &self.site,
            mode: self.mode,
            public_id: &self.public_id,
        }
    }
}

/// The site and key of `row`.
pub async fn order_site(state: &Gateway, row: &OrderRow) -> anyhow::Result<OrderSite> {
    let id = row.site_id;
    let mode = row.mode;
    let site = sites::site(&state.db, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("order {}: site {} is gone", row.public_id, id.0))?;
    let key = sites::keys_of(&state.db, id)
        .await?
        .into_iter()
        .find(|k| k.mode == mode)
        .ok_or_else(|| anyhow::anyhow!("site {} has no {} key", id.0, row.mode))?;
    Ok(OrderSite {
        site,
        mode,
        public_id: key.public_id,
    })
}

/// How a payment attempt ended, for the payer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayOutcome {
    /// Approved: the order is paid.
    Approved,
    /// The bank declined; the text is the cardholder message.
    Declined(String),
    /// The card needs 3-D Secure: post the payer to `acs_url`.
    Challenge {
        /// The ACS page.
        acs_url: String,
        /// Its `PaReq`.
        pa_req: String,
        /// Its `MD` (the transaction).
        md: String,
    },
    /// Not attempted: why (already paid, bad card data, …).
    Refused(String),
}

/// What the payer posted.
#[derive(Debug, Clone)]
pub struct CardForm {
    /// `CardCryptogramPacket`.
    pub packet: String,
    /// The cardholder's name, if given.
    pub name: Option<String>,
    /// The payer's IP address.
    pub ip_address: String,
}

/// Why an order cannot be paid now, if it cannot.
pub fn not_payable(row: &OrderRow, english: bool) -> Option<&'static str> {
    match (status_of(row), english) {
        (OrderStatus::Created, _) => None,
        (OrderStatus::Paid, false) => Some("Заказ уже оплачен."),
        (OrderStatus::Paid, true) => Some("This order has already been paid."),
        (OrderStatus::Cancelled, false) => Some("Заказ отменён."),
        (OrderStatus::Cancelled, true) => Some("This order has been cancelled."),
    }
}

/// Pays order `row` with the card in `form`.
pub async fn pay_order(
    state: &Gateway,
    row: &OrderRow,
    form: CardForm,
) -> Result<PayOutcome, FlowError> {
    let english = crate::mail::order_link::is_english(&row.culture);
    if let Some(why) = not_payable(row, english) {
        return Ok(PayOutcome::Refused(why.to_owned()));
    }
    let owner = order_site(state, row).await?;
    let card = match state.keyring.open(&form.packet, &owner.public_id).await {
        Ok(card) => card,
        Err(e) => return Ok(PayOutcome::Refused(e.message().to_owned())),
    };
    let request = PaymentRequest {
        stage: if row.require_confirmation {
            Stage::TwoStage
        } else {
            Stage::OneStage
        },
        source: Source::Card {
            pan: card.pan,
            expiry: card.expiry,
        },
        fields: PaymentFields {
            amount: money_of(row),
            invoice_id: row.invoice_id.clone(),
            account_id: row.account_id.clone(),
            email: row.email.clone(),
            description: Some(row.description.clone()),
            json_data: row.json_data.clone(),
            culture: row.culture.clone(),
            name: form.name,
        },
        ip_address: form.ip_address,
        order: Some(row.internal_id),
        subscription: None,
    };
    let reply = pay(state, owner.payee(), request, Recovery::default()).await;
    outcome_of(reply)
}

/// Finishes 3-D Secure of order `row`'s attempt `md` with the ACS's `PaRes`.
pub async fn finish_three_ds(
    state: &Gateway,
    row: &OrderRow,
    md: &str,
    pa_res: &str,
) -> Result<PayOutcome, FlowError> {
    let id = md.trim().parse::<i64>().ok();
    if id.is_none() || id != row.transaction_id {
        return Ok(PayOutcome::Refused(
            "This 3-D Secure answer is not for this order's payment.".into(),
        ));
    }
    let owner = order_site(state, row).await?;
    let reply = post3ds(state, owner.payee(), id.unwrap_or_default(), pa_res).await;
    outcome_of(reply)
}

/// What the order's page makes of a payment's outcome.
pub fn outcome_of(outcome: Result<PaymentOutcome, FlowError>) -> Result<PayOutcome, FlowError> {
    Ok(match outcome {
        Ok(PaymentOutcome::Approved(_)) => PayOutcome::Approved,
        Ok(PaymentOutcome::Declined(row)) => {
            PayOutcome::Declined(PaymentOutcome::decline_message(&row).to_owned())
        }
        Ok(PaymentOutcome::ThreeDs(model)) => PayOutcome::Challenge {
            acs_url: model.acs_url,
            pa_req: model.pa_req,
            md: model.transaction_id.to_string(),
        },
        Err(FlowError::Refused(message)) => PayOutcome::Refused(message),
        Err(FlowError::Invalid(e)) => PayOutcome::Refused(e.to_string()),
        Err(other) => return Err(other),
    })
}
