//! The payment notifications' input (Check, Pay, Fail, Confirm, Refund, Cancel) and the text of
//! each parameter (spec §5.5).
//!
//! One [`PaymentNotice`] serves all six kinds; the kind picks which parameters go out and which
//! of them go out empty ([`NotificationKind::payment_parameters`], `layout`). A `None` here is
//! "no value": sent as `Key=` or left out, as the kind's table says.
//!
//! Formats: amounts with two decimals (`123.00`), dates `yyyy-MM-dd HH:mm:ss` UTC, `TestMode`
//! `1`/`0`, coordinates with six decimals (`59.939000`), `CardExpDate` `MM/YY`.

use jiff::Timestamp;
use oblako_core::card::{CardBrand, CardExpiry};
use oblako_core::money::Money;
use oblako_core::payment::Status;
use oblako_core::reason::ReasonCode;
use rust_decimal::Decimal;

use super::NotificationKind;
use super::layout::Presence;
use crate::dates::notification_date;
use crate::reasons::reason_name;

/// `OperationType` (spec §4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationType {
    /// A payment.
    Payment,
    /// A refund.
    Refund,
    /// A payout to a card.
    CardPayout,
}

impl OperationType {
    /// The wire name: `Payment`, `Refund`, `CardPayout`.
    pub fn name(self) -> &'static str {
        match self {
            OperationType::Payment => "Payment",
            OperationType::Refund => "Refund",
            OperationType::CardPayout => "CardPayout",
        }
    }
}

/// What a payment notification says. A `None` or empty text is no value, which the kind sends
/// as `Key=` or leaves out; build one with [`PaymentNotice::new`] and set what the payment has.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentNotice {
    /// `TransactionId`; for Refund, the refund's own transaction.
    pub transaction_id: i64,
    /// `PaymentTransactionId`: Refund's original payment.
    pub payment_transaction_id: Option<i64>,
    /// `Amount` and `Currency`.
    pub amount: Money,
    /// `PaymentAmount` and `PaymentCurrency`: what is debited after conversion.
    pub payment_amount: Money,
    /// `InvoiceId`.
    pub invoice_id: Option<String>,
    /// `AccountId`.
    pub account_id: Option<String>,
    /// `SubscriptionId` of a recurring charge.
    pub subscription_id: Option<String>,
    /// `Name`: the cardholder.
    pub name: Option<String>,
    /// `Email`.
    pub email: Option<String>,
    /// `DateTime`: creation (Check, Pay, Fail, Confirm), refund or cancel time.
    pub date_time: Timestamp,
    /// `IpAddress`.
    pub ip_address: Option<String>,
    /// `IpCountry`, ISO alpha-2.
    pub ip_country: Option<String>,
    /// `IpCity`.
    pub ip_city: Option<String>,
    /// `IpRegion`.
    pub ip_region: Option<String>,
    /// `IpDistrict`.
    pub ip_district: Option<String>,
    /// `IpLatitude`, printed with six decimals.
    pub ip_latitude: Option<Decimal>,
    /// `IpLongitude`, printed with six decimals.
    pub ip_longitude: Option<Decimal>,
    /// `CardFirstSix`; empty for a payment without a card.
    pub card_first_six: String,
    /// `CardLastFour`.
    pub card_last_four: String,
    /// `CardType`, spelled as the transaction model spells it ([`CardBrand::name`]).
    pub card_type: Option<CardBrand>,
    /// `CardExpDate`, `MM/YY`.
    pub card_exp_date: Option<CardExpiry>,
    /// `Issuer`: the issuing bank.
    pub issuer: Option<String>,
    /// `IssuerBankCountry`, ISO alpha-2.
    pub issuer_bank_country: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `AuthCode`.
    pub auth_code: Option<String>,
    /// `Token`: the saved card.
    pub token: Option<String>,
    /// `TestMode`, `1` or `0`.
    pub test_mode: bool,
    /// `Status` and Fail's `StatusCode`. For Check, the status the payment gets if it goes
    /// through (`Completed` or `Authorized`).
    pub status: Status,
    /// Fail's `ReasonCode`, and its name as `Reason`.
    pub reason_code: ReasonCode,
    /// `Data`: the payment's `JsonData` text.
    pub data: Option<String>,
    /// `OperationType`.
    pub operation_type: Option<OperationType>,
    /// `GatewayName`: the acquirer.
    pub gateway_name: Option<String>,
    /// `CardId`: the card's id in the gateway.
    pub card_id: Option<String>,
    /// `CardProduct`.
    pub card_product: Option<String>,
    /// `PaymentMethod` (`Sbp`, `TinkoffPay`, …).
    pub payment_method: Option<String>,
    /// `TokenRecipient`: the payout recipient's token.
    pub token_recipient: Option<String>,
    /// `TotalFee`.
    pub total_fee: Option<Money>,
    /// `FallBackScenarioDeclinedTransactionId`: the first attempt, declined, when a backup
    /// acquirer took over.
    pub fall_back_scenario_declined_transaction_id: Option<i64>,
    /// `Rrn`.
    pub rrn: Option<String>,
    /// `CustomFields`, as JSON text.
    pub custom_fields: Option<String>,
    /// `EscrowAccumulationId` of a safe deal.
    pub escrow_accumulation_id: Option<String>,
    /// `VatAboveTotalFee`.
    pub vat_above_total_fee: Option<Money>,
    /// `ProcessorAndPartnerFee`.
    pub processor_and_partner_fee: Option<Money>,
    /// `VatWithinProcessorFee`.
    pub vat_within_processor_fee: Option<Money>,
    /// Fail's `RetryAfter`: when the payer may try again.
    pub retry_after: Option<Timestamp>,
    /// Fail's `ProviderMessage`.
    pub provider_message: Option<String>,
}

impl PaymentNotice {
    /// A notice for `transaction_id` of `amount` (also the payment amount) at `date_time`,
    /// status `Completed`, reason 0, not in test mode, everything else empty.
    pub fn new(transaction_id: i64, amount: Money, date_time: Timestamp) -> PaymentNotice {
        PaymentNotice {
            transaction_id,
            payment_transaction_id: None,
            amount,
            payment_amount: amount,
            invoice_id: None,
            account_id: None,
            subscription_id: None,
            name: None,
            email: None,
            date_time,
            ip_address: None,
            ip_country: None,
            ip_city: None,
            ip_region: None,
            ip_district: None,
            ip_latitude: None,
            ip_longitude: None,
            card_first_six: String::new(),
            card_last_four: String::new(),
            card_type: None,
            card_exp_date: None,
            issuer: None,
            issuer_bank_country: None,
            description: None,
            auth_code: None,
            token: None,
            test_mode: false,
            status: Status::Completed,
            reason_code: ReasonCode::APPROVED,
            data: None,
            operation_type: None,
            gateway_name: None,
            card_id: None,
            card_product: None,
            payment_method: None,
            token_recipient: None,
            total_fee: None,
            fall_back_scenario_declined_transaction_id: None,
            rrn: None,
            custom_fields: None,
            escrow_accumulation_id: None,
            vat_above_total_fee: None,
            processor_and_partner_fee: None,
            vat_within_processor_fee: None,
            retry_after: None,
            provider_message: None,
        }
    }

    /// The `(name, value)` pairs `kind` sends, in order.
    pub(super) fn params(&self, kind: NotificationKind) -> Vec<(&'static str, String)> {
        kind.payment_parameters()
            .into_iter()
            .filter_map(|(name, presence)| match (self.value(name), presence) {
                (Some(value), _) => Some((name, value)),
                (None, Presence::Always) => Some((name, String::new())),
                (None, Presence::WhenSet | Presence::Never) => None,
            })
            .collect()
    }

    /// A parameter's text, `None` when the notice has no value for it.
    fn value(&self, name: &str) -> Option<String> {
        let text = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
        let (status, status_code) = wire_status(self.status);
        match name {
            "TransactionId" => Some(self.transaction_id.to_string()),
            "PaymentTransactionId" => self.payment_transaction_id.map(|id| id.to_string()),
            "Amount" => Some(two_decimals(self.amount)),
            "Currency" => Some(self.amount.currency.code().to_owned()),
            "PaymentAmount" => Some(two_decimals(self.payment_amount)),
            "PaymentCurrency" => Some(self.payment_amount.currency.code().to_owned()),
            "InvoiceId" => text(&self.invoice_id),
            "AccountId" => text(&self.account_id),
            "SubscriptionId" => text(&self.subscription_id),
            "Name" => text(&self.name),
            "Email" => text(&self.email),
            "DateTime" => Some(notification_date(self.date_time)),
            "IpAddress" => text(&self.ip_address),
            "IpCountry" => text(&self.ip_country),
            "IpCity" => text(&self.ip_city),
            "IpRegion" => text(&self.ip_region),
            "IpDistrict" => text(&self.ip_district),
            "IpLatitude" => self.ip_latitude.map(six_decimals),
            "IpLongitude" => self.ip_longitude.map(six_decimals),
            "CardFirstSix" => Some(self.card_first_six.clone()).filter(|v| !v.is_empty()),
            "CardLastFour" => Some(self.card_last_four.clone()).filter(|v| !v.is_empty()),
            "CardType" => self.card_type.map(|brand| brand.name().to_owned()),
            "CardExpDate" => self.card_exp_date.map(|expiry| expiry.mm_yy()),
            "Issuer" => text(&self.issuer),
            "IssuerBankCountry" => text(&self.issuer_bank_country),
            "Description" => text(&self.description),
            "AuthCode" => text(&self.auth_code),
            "Token" => text(&self.token),
            "TestMode" => Some(if self.test_mode { "1" } else { "0" }.to_owned()),
            "Status" => Some(status.to_owned()),
            "StatusCode" => Some(status_code.to_string()),
            "Reason" => Some(reason_name(self.reason_code.0).to_owned()),
            "ReasonCode" => Some(self.reason_code.0.to_string()),
            "Data" => text(&self.data),
            "OperationType" => self.operation_type.map(|t| t.name().to_owned()),
            "GatewayName" => text(&self.gateway_name),
            "CardId" => text(&self.card_id),
            "CardProduct" => text(&self.card_product),
            "PaymentMethod" => text(&self.payment_method),
            "TokenRecipient" => text(&self.token_recipient),
            "TotalFee" => self.total_fee.map(two_decimals),
            "FallBackScenarioDeclinedTransactionId" => self
                .fall_back_scenario_declined_transaction_id
                .map(|id| id.to_string()),
            "Rrn" => text(&self.rrn),
            "CustomFields" => text(&self.custom_fields),
            "EscrowAccumulationId" => text(&self.escrow_accumulation_id),
            "VatAboveTotalFee" => self.vat_above_total_fee.map(two_decimals),
            "ProcessorAndPartnerFee" => self.processor_and_partner_fee.map(two_decimals),
            "VatWithinProcessorFee" => self.vat_within_processor_fee.map(two_decimals),
            "RetryAfter" => self.retry_after.map(notification_date),
            "ProviderMessage" => text(&self.provider_message),
            _ => None,
        }
    }
}

/// `Status` and `StatusCode` (spec §4.1). `Processing` never reaches a notification; should it,
/// it shows as `AwaitingAuthentication`, as the transaction model shows it.
fn wire_status(status: Status) -> (&'static str, i32) {
    match status {
        Status::Processing | Status::AwaitingAuthentication => ("AwaitingAuthentication", 1),
        Status::Authorized => ("Authorized", 2),
        Status::Completed => ("Completed", 3),
        Status::Cancelled => ("Cancelled", 4),
        Status::Declined => ("Declined", 5),
    }
}

/// An amount with exactly two decimals, whatever the currency's minor units (`Number(2dp)`).
pub(super) fn two_decimals(money: Money) -> String {
    let mut value = Decimal::new(money.minor, u32::from(money.currency.minor_units()));
    value.rescale(2);
    value.to_string()
}

fn six_decimals(value: Decimal) -> String {
    let mut value = value;
    value.rescale(6);
    value.to_string()
}
