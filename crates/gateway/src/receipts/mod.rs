//! 54-FZ online receipts (spec §3.28, §5 Receipt, §9): queueing them and the emulated fiscal
//! register that fiscalises them. No HTTP and no templates here (the API handlers are in
//! `api::receipts`, the page in `pages::receipt`, the e-mail in `mail::receipt`).
//!
//! - [`queue_in`] is the one call the settling commits make: a completed payment (one-stage, a
//!   confirmation, a subscription's charge) carrying `CustomerReceipt` gets an `Income` receipt
//!   for the captured amount, a refund an `IncomeReturn` for the refunded amount. The receipt row
//!   joins the commit that settles the money, so a crash never loses one and the unique
//!   `(transaction, type)` key never makes two.
//! - [`create`] is `kkt/receipt`: a receipt of any type, on a register for its INN.
//! - `fiscalise` is the worker: it leases Queued receipts, numbers and signs them on their
//!   register, and in the same commit queues the Receipt notification and the e-mail.
//! - `registers` sets registers up: the sandbox register of a test site, a register for any
//!   valid INN a test integration names, and the ones the operator registers for live.
//! - `printed` is what a fiscalised receipt shows: fiscal data, OFD link, QR string, notice.

pub mod fiscalise;
pub mod printed;
pub mod registers;

use oblako_core::ids::{Mode, SiteId};
use oblako_core::payment::{Kind, Status};
use oblako_core::receipt::ReceiptType;
use oblako_protocol::receipt::{CustomerReceipt, in_json_data};
use oblako_store::Tx;
use oblako_store::receipts::{self, NewReceipt};
use oblako_store::transactions::TransactionRow;

/// What a settling commit did to the money.
#[derive(Debug, Clone, Copy)]
pub enum Settled {
    /// The payment's money was taken (completion or confirmation): `captured` minor units.
    Captured(i64),
    /// A refund transaction was made for part or all of the payment.
    Refunded {
        /// The refund's transaction id.
        refund_id: i64,
        /// Minor units refunded.
        amount: i64,
    },
}

/// Whether `payment` may carry receipt data, judged cheaply (no parsing): the common payment
/// without any settles in a shorter commit that a receipt cannot join.
pub fn may_want(payment: &TransactionRow) -> bool {
    payment.subscription_id.is_some()
        || payment
            .json_data
            .as_deref()
            .is_some_and(|data| data.to_ascii_lowercase().contains("customerreceipt"))
}

/// The receipt data `payment` carries: its `JsonData`'s, or its subscription's template.
async fn receipt_data(
    tx: &mut Tx,
    payment: &TransactionRow,
) -> anyhow::Result<Option<Result<CustomerReceipt, String>>> {
    if let Some(found) = payment.json_data.as_deref().and_then(in_json_data) {
        return Ok(Some(found.map_err(|e| e.to_string())));
    }
    let Some(subscription) = payment.subscription_id.as_deref() else {
        return Ok(None);
    };
    let (site, mode) = (payment.site_id, payment.mode);
    let row = oblako_store::subscriptions::get_for_update(tx, site, mode, subscription).await?;
    Ok(row
        .and_then(|s| s.receipt)
        .map(|text| CustomerReceipt::parse_text(&text).map_err(|e| e.to_string())))
}

/// Queues the receipt `settled` calls for about `payment` (as written in `tx`) inside `tx`, the
/// commit that settles it, when the payment carries receipt data; `None` means what the row
/// says: its captured amount, once it is Completed. A payment whose receipt data breaks a rule
/// gets a receipt in `Error` naming it. Returns whether a receipt was queued.
pub async fn queue_in(
    tx: &mut Tx,
    payment: &TransactionRow,
    settled: Option<Settled>,
    now_ms: i64,
) -> anyhow::Result<bool> {
    if payment.kind != Kind::Payment || !may_want(payment) {
        return Ok(false);
    }
    let settled = match settled {
        Some(settled) => settled,
        None if payment.status == Status::Completed => Settled::Captured(payment.captured),
        None => return Ok(false),
    };
    let Some(data) = receipt_data(tx, payment).await? else {
        return Ok(false);
    };
    let (receipt_type, transaction_id, amount) = match settled {
        Settled::Captured(amount) => (ReceiptType::Income, payment.id, amount),
        Settled::Refunded { refund_id, amount } => (ReceiptType::IncomeReturn, refund_id, amount),
    };
    if amount <= 0 {
        return Ok(false);
    }
    let (content, email, error) = match &data {
        Ok(receipt) => {
            let fitted = receipt.for_total(amount);
            let email = fitted.email.clone().or_else(|| payment.email.clone());
            (fitted.to_json().to_string(), email, None)
        }
        Err(refusal) => ("{}".to_owned(), None, Some(refusal.as_str())),
    };
    let id = new_id()?;
    let mode = payment.mode;
    Ok(receipts::enqueue(
        tx,
        &NewReceipt {
            id: &id,
            site: payment.site_id,
            mode,
            inn: None,
            receipt_type: receipt_type.name(),
            transaction_id: Some(transaction_id),
            invoice_id: payment.invoice_id.as_deref(),
            account_id: payment.account_id.as_deref(),
            amount,
            content: &content,
            email: email.as_deref(),
            state: if error.is_some() { "Error" } else { "Queued" },
            error,
            created_at: now_ms,
        },
    )
    .await?)
}

/// A receipt asked for through `kkt/receipt`.
#[derive(Debug, Clone)]
pub struct Requested<'a> {
    /// The seller's INN (a register must exist for it, or be made for it in test mode).
    pub inn: &'a str,
    /// The type.
    pub receipt_type: ReceiptType,
    /// The checked receipt data.
    pub receipt: &'a CustomerReceipt,
    /// `InvoiceId`.
    pub invoice_id: Option<&'a str>,
    /// `AccountId`.
    pub account_id: Option<&'a str>,
}

/// Queues a `kkt/receipt` receipt and returns its id.
pub async fn create(
    db: &oblako_store::Db,
    site: SiteId,
    mode: Mode,
    r: &Requested<'_>,
    now_ms: i64,
) -> anyhow::Result<String> {
    let id = new_id()?;
    let content = r.receipt.to_json().to_string();
    let mut tx = db.begin_write().await?;
    receipts::enqueue(
        &mut tx,
        &NewReceipt {
            id: &id,
            site,
            mode,
            inn: Some(r.inn),
            receipt_type: r.receipt_type.name(),
            transaction_id: None,
            invoice_id: r.invoice_id,
            account_id: r.account_id,
            amount: r.receipt.total(),
            content: &content,
            email: r.receipt.email.as_deref(),
            state: "Queued",
            error: None,
            created_at: now_ms,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A new receipt id: a random (version 4) GUID, as CloudKassir's are.
pub fn new_id() -> anyhow::Result<String> {
    let hex = crate::secrets::random_hex(16)?;
    let mut chars: Vec<char> = hex.chars().collect();
    chars[12] = '4';
    chars[16] = ['8', '9', 'a', 'b'][usize::from(chars[16].to_digit(16).unwrap_or(0) as u8 % 4)];
    let hex: String = chars.into_iter().collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}
