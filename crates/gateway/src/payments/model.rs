//! A stored transaction as the wire's `TransactionModel` (spec §2.1).

use jiff::Timestamp;
use jiff::tz::Offset;
use oblako_core::ids::Mode;
use oblako_core::money::{Currency, Money};
use oblako_core::payment::Status;
use oblako_core::test_bank;
use oblako_protocol::amount::amount_json;
use oblako_protocol::dates::{iso_date, ms_date};
use oblako_protocol::reasons::{Culture, cardholder_message, reason_name};
use oblako_protocol::transaction::TransactionModel;
use oblako_store::transactions::TransactionRow;
use serde_json::Number;

use crate::settlement::Payee;

impl Payee<'_> {
    /// The site facts a model of this payee's transaction shows.
    pub fn terminal(&self) -> Terminal<'_> {
        Terminal {
            public_id: self.public_id,
            terminal_url: &self.site.terminal_url,
            test_mode: self.mode == Mode::Test,
            offset: Offset::UTC,
        }
    }
}

/// The site facts a model shows.
#[derive(Debug, Clone, Copy)]
pub struct Terminal<'a> {
    /// The Public ID of the credentials used.
    pub public_id: &'a str,
    /// The site's URL.
    pub terminal_url: &'a str,
    /// Test mode.
    pub test_mode: bool,
    /// The offset of the `*DateIso` fields (UTC, or a list's `TimeZone`).
    pub offset: Offset,
}

fn number(minor: i64, currency: Currency) -> Number {
    match amount_json(Money::new(minor, currency)) {
        serde_json::Value::Number(n) => n,
        _ => Number::from(0),
    }
}

fn dates(ms: Option<i64>, offset: Offset) -> (Option<String>, Option<String>) {
    match ms.and_then(|ms| Timestamp::from_millisecond(ms).ok()) {
        Some(at) => (Some(ms_date(at)), Some(iso_date(at, offset))),
        None => (None, None),
    }
}

/// The wire status name and code of a stored status. `Processing` (the bank's answer is not yet
/// recorded) shows as `AwaitingAuthentication`, the protocol's only not-yet-final payment status.
pub fn wire_status(status: Status) -> (&'static str, i32) {
    match status {
        Status::Processing | Status::AwaitingAuthentication => ("AwaitingAuthentication", 1),
        Status::Authorized => ("Authorized", 2),
        Status::Completed => ("Completed", 3),
        Status::Cancelled => ("Cancelled", 4),
        Status::Declined => ("Declined", 5),
    }
}

/// Builds the model of `row`.
pub fn transaction_model(row: &TransactionRow, terminal: Terminal<'_>) -> TransactionModel {
    let currency = row.currency;
    let (created_date, created_date_iso) = dates(Some(row.created_at), terminal.offset);
    let (auth_date, auth_date_iso) = dates(row.auth_at, terminal.offset);
    let (confirm_date, confirm_date_iso) = dates(row.confirm_at, terminal.offset);
    let (status, status_code) = wire_status(row.status);
    let reason_code = i32::try_from(row.reason_code).unwrap_or(5204);
    let culture = Culture::from_name(&row.culture);
    let (card_product, card_category) = if terminal.test_mode {
        test_bank::card_product(&row.card_first_six)
    } else {
        (None, None)
    };
    let brand = oblako_core::card::CardBrand::from_bin(&row.card_first_six);
    let amount = number(row.amount, currency);
    TransactionModel {
        reason_code,
        public_id: terminal.public_id.to_owned(),
        terminal_url: terminal.terminal_url.to_owned(),
        transaction_id: row.id,
        amount: amount.clone(),
        currency: currency.code().to_owned(),
        currency_code: i32::from(currency.numeric()),
        payment_amount: amount,
        payment_currency: currency.code().to_owned(),
        payment_currency_code: i32::from(currency.numeric()),
        invoice_id: row.invoice_id.clone(),
        account_id: row.account_id.clone(),
        email: row.email.clone(),
        description: row.description.clone(),
        json_data: row.json_data.clone(),
        created_date: created_date.unwrap_or_default(),
        created_date_iso: created_date_iso.unwrap_or_default(),
        payout_date: None,
        payout_date_iso: None,
        payout_amount: None,
        auth_date,
        auth_date_iso,
        confirm_date,
        confirm_date_iso,
        auth_code: row.auth_code.clone(),
        test_mode: terminal.test_mode,
        rrn: None,
        original_transaction_id: row.original_id,
        fall_back_scenario_declined_transaction_id: None,
        ip_address: row.ip_address.clone(),
        ip_country: String::new(),
        ip_city: None,
        ip_region: None,
        ip_district: None,
        ip_latitude: None,
        ip_longitude: None,
        card_first_six: row.card_first_six.clone(),
        card_last_four: row.card_last_four.clone(),
        card_exp_date: row.card_exp.clone(),
        card_type: row.card_brand.clone(),
        card_product: card_product.map(str::to_owned),
        card_category: card_category.map(str::to_owned),
        escrow_accumulation_id: None,
        issuer_bank_country: "RU".to_owned(),
        issuer: terminal.test_mode.then(|| "CloudPayments".to_owned()),
        card_type_code: brand.code(),
        status: status.to_owned(),
        status_code,
        culture_name: row.culture.clone(),
        reason: reason_name(reason_code).to_owned(),
        card_holder_message: cardholder_message(reason_code, culture).to_owned(),
        operation_type: row.kind.operation_type(),
        transaction_is_in_process: false,
        refunded: row.refunded > 0,
        name: row.name.clone(),
        token: row.token.clone(),
        subscription_id: row.subscription_id.clone(),
        gateway_name: if terminal.test_mode {
            "Test".to_owned()
        } else {
            String::new()
        },
        gateway: 0,
        apple_pay: false,
        android_pay: false,
        master_pass: false,
        wallet_type: String::new(),
        total_fee: Number::from(0),
        vat_above_total_fee: None,
        processor_and_partner_fee: None,
        vat_within_processor_fee: None,
        is_local_order: false,
        hide_invoice_id: false,
        info_shop_data: None,
        receiver: None,
    }
}
