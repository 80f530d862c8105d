//! Orders, the payment links: creating one with its link and the messages that carry
//! it, and the order as the wire's model. The API handlers are in `api::orders`, the payer's page
//! in `pages::order`.

pub mod pay;
pub mod release;

use jiff::Timestamp;
use jiff::tz::Offset;
use oblako_core::money::Money;
use oblako_protocol::amount::amount_json;
use oblako_protocol::dates::{iso_date, ms_date};
use oblako_protocol::order::{CreateOrder, OrderModel, OrderStatus};
use oblako_store::orders::{self, NewOrder, OrderRow};
use oblako_store::sites::Site;
use oblako_store::{Tx, messages};

use crate::Gateway;
use crate::mail::order_link;

/// Characters of an order id: letters and digits, as CloudPayments' `gASGZVgUN21hcpPF`.
const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Length of an order id (spec §2.4).
pub const ID_LEN: usize = 16;

/// A fresh order id: 16 random letters and digits (95 bits).
pub fn new_order_id() -> anyhow::Result<String> {
    let mut id = String::with_capacity(ID_LEN);
    let mut bytes = [0u8; 32];
    while id.len() < ID_LEN {
        aws_lc_rs::rand::fill(&mut bytes).map_err(|_| anyhow::anyhow!("no randomness"))?;
        // 248 = 4 × 62: rejecting larger bytes keeps every character equally likely.
        for b in bytes.iter().filter(|b| **b < 248) {
            if id.len() < ID_LEN {
                id.push(char::from(ID_ALPHABET[usize::from(*b) % ID_ALPHABET.len()]));
            }
        }
    }
    Ok(id)
}

/// Whether `text` can be an order id (checked before any lookup).
pub fn is_order_id(text: &str) -> bool {
    text.len() == ID_LEN && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The payer's page of order `id`.
pub fn order_url(state: &Gateway, id: &str) -> String {
    format!("{}/d/{id}", state.settings.public_url)
}

/// The order's status, `Created` for anything unknown.
pub fn status_of(row: &OrderRow) -> OrderStatus {
    row.status
}

/// The order's amount as money.
pub fn money_of(row: &OrderRow) -> Money {
    Money::new(row.amount, row.currency)
}

fn dates(ms: Option<i64>) -> (Option<String>, Option<String>) {
    match ms.and_then(|ms| Timestamp::from_millisecond(ms).ok()) {
        Some(at) => (Some(ms_date(at)), Some(iso_date(at, Offset::UTC))),
        None => (None, None),
    }
}

/// The wire model of `row` (spec §2.4).
pub fn order_model(state: &Gateway, row: &OrderRow) -> OrderModel {
    let money = money_of(row);
    let (created_date, created_date_iso) = dates(Some(row.created_at));
    let (payment_date, payment_date_iso) = dates(row.paid_at);
    let status = status_of(row);
    OrderModel {
        id: row.public_id.clone(),
        number: row.number,
        amount: match amount_json(money) {
            serde_json::Value::Number(n) => n,
            _ => serde_json::Number::from(0),
        },
        currency: money.currency.code().to_owned(),
        currency_code: i32::from(money.currency.numeric()),
        email: row.email.clone(),
        phone: row.phone.clone(),
        description: row.description.clone(),
        require_confirmation: row.require_confirmation,
        url: order_url(state, &row.public_id),
        culture_name: row.culture.clone(),
        created_date: created_date.unwrap_or_default(),
        created_date_iso: created_date_iso.unwrap_or_default(),
        payment_date,
        payment_date_iso,
        status_code: status.code(),
        status: status.as_str().to_owned(),
        internal_id: row.internal_id,
    }
}

/// Creates the order `request` describes for `site` and queues the messages it asks for
/// (`SendEmail`, `SendSms`, `SendViber`, `SendWhatsApp`) in the same commit.
pub async fn create_order(
    state: &Gateway,
    site: &Site,
    mode: oblako_core::ids::Mode,
    request: &CreateOrder,
) -> anyhow::Result<OrderRow> {
    let now = state.site_now_ms(site.id).await?;
    let public_id = new_order_id()?;
    let r = request;
    let new = NewOrder {
        public_id: &public_id,
        site: site.id,
        mode,
        amount: r.amount.minor,
        currency: r.amount.currency.code(),
        description: &r.description,
        email: r.email.as_deref(),
        phone: r.phone.as_deref(),
        require_confirmation: r.require_confirmation,
        invoice_id: r.invoice_id.as_deref(),
        account_id: r.account_id.as_deref(),
        offer_uri: r.offer_uri.as_deref(),
        culture: &r.culture_name,
        subscription_behavior: r.subscription_behavior.map(|b| b.name()),
        success_redirect_url: r.success_redirect_url.as_deref(),
        fail_redirect_url: r.fail_redirect_url.as_deref(),
        json_data: r.json_data.as_deref(),
        send_email: r.send_email,
        send_sms: r.send_sms,
        send_viber: r.send_viber,
        send_whatsapp: r.send_whatsapp,
        created_at: now,
    };
    let mut tx = state.db.begin_write().await?;
    let row = orders::insert(&mut tx, &new).await?;
    let queued = queue_link_messages(state, &mut tx, site, &row, now).await?;
    tx.commit().await?;
    if queued {
        state.mail.ring();
    }
    Ok(row)
}

/// Queues the link to the payer on each channel the order asks for; whether any was queued.
async fn queue_link_messages(
    state: &Gateway,
    tx: &mut Tx,
    site: &Site,
    row: &OrderRow,
    now: i64,
) -> anyhow::Result<bool> {
    let reference = format!("order:{}", row.public_id);
    let link = order_link::OrderLink {
        merchant: &site.name,
        row,
        url: &order_url(state, &row.public_id),
    };
    let mut queued = false;
    if let (true, Some(email)) = (row.send_email, row.email.as_deref()) {
        let mail = link.email()?;
        crate::mail::queue_email(tx, Some(site.id), email, &mail, &reference, now).await?;
        queued = true;
    }
    let phone_channels = [
        ("sms", row.send_sms),
        ("viber", row.send_viber),
        ("whatsapp", row.send_whatsapp),
    ];
    if let Some(phone) = row.phone.as_deref() {
        let text = link.short_text();
        for (channel, _) in phone_channels.iter().filter(|(_, wanted)| *wanted) {
            let message = messages::NewMessage {
                site: Some(site.id),
                channel,
                recipient: phone,
                subject: "",
                html: "",
                text: &text,
                reference: &reference,
                created_at: now,
            };
            messages::enqueue(tx, &message).await?;
            queued = true;
        }
    }
    Ok(queued)
}

/// Queues the order's link again, as [`create_order`] did: to its e-mail when it has one, and to
/// its phone on the channels the order asked for (by SMS when it asked for none). Whether any
/// message was queued; nothing is queued for an order that is no longer `Created`.
pub async fn resend_link(state: &Gateway, site: &Site, row: &OrderRow) -> anyhow::Result<bool> {
    if status_of(row) != OrderStatus::Created {
        return Ok(false);
    }
    let now = state.site_now_ms(site.id).await?;
    let phone_asked = row.send_sms || row.send_viber || row.send_whatsapp;
    let again = OrderRow {
        send_email: row.email.is_some(),
        send_sms: row.send_sms || (row.phone.is_some() && !phone_asked),
        ..row.clone()
    };
    let mut tx = state.db.begin_write().await?;
    let queued = queue_link_messages(state, &mut tx, site, &again, now).await?;
    tx.commit().await?;
    if queued {
        state.mail.ring();
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_are_sixteen_letters_and_digits_and_differ() {
        let a = new_order_id().unwrap();
        let b = new_order_id().unwrap();
        assert!(is_order_id(&a) && is_order_id(&b), "{a} {b}");
        assert_ne!(a, b);
        assert!(!is_order_id("short"));
        assert!(!is_order_id("gASGZVgUN21hcpP/"));
        assert!(is_order_id("gASGZVgUN21hcpPF"));
    }
}
