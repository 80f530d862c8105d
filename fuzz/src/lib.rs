//! What the fuzz targets share: the calls every parsed parameter set must survive (every typed
//! accessor the API uses, and the request readers built on them), with the properties that must
//! hold of what they accept. A panic anywhere is a crash libFuzzer reports.

use std::net::IpAddr;

use oblako_core::money::Currency;
use oblako_protocol::amount::{amount_json, parse_amount};
use oblako_protocol::order::CreateOrder;
use oblako_protocol::params::Params;
use oblako_protocol::payment_request::{CardCharge, TokenCharge};
use oblako_protocol::subscription::start_date;

/// Parameter names the API reads, in the spellings it documents.
pub const NAMES: &[&str] = &[
    "Amount",
    "Currency",
    "IpAddress",
    "JsonData",
    "TransactionId",
    "PageNumber",
    "RequireConfirmation",
    "Statuses",
    "InvoiceId",
    "CardCryptogramPacket",
    "StartDate",
    "Id",
    "Token",
    "AccountId",
    "Name",
    "Email",
    "Description",
];

/// Every accessor on every name, and the request readers; asserts what each accepts.
pub fn exercise(params: &Params) {
    let _ = params.canonical();
    let currencies = [
        Some(Currency::RUB),
        Currency::from_code("BYR"),
        Currency::from_code("USD"),
    ];
    for name in NAMES {
        // An absent name answers the same from every accessor; skipping it keeps inputs fast.
        if params.get(name).is_none() {
            continue;
        }
        let _ = params.string(name);
        let _ = params.required_string(name, 255);
        let _ = params.string_list(name);
        let _ = params.bool(name);
        let _ = params.i64(name);
        if let Ok(Some(text)) = params.string_max(name, 16) {
            assert!(text.chars().count() <= 16);
        }
        if let Ok(Some(text)) = params.ip_address(name) {
            assert!(text.parse::<IpAddr>().is_ok(), "{text:?}");
        }
        if let Ok(Some(text)) = params.json_text(name, 1024) {
            assert!(text.len() <= 1024);
        }
        for currency in currencies.into_iter().flatten() {
            if let Ok(money) = params.amount(name, currency) {
                assert!(money.minor > 0 && money.currency == currency);
                // What we print is what we read.
                let printed = amount_json(money).to_string();
                assert_eq!(parse_amount(name, &printed, currency), Ok(money));
            }
        }
    }
    if let Ok(currency) = params.currency() {
        assert!(Currency::from_code(currency.code()).is_some());
    }
    let _ = start_date(params);
    let _ = CreateOrder::from_params(params);
    // The payment requests the API's charges and the payment form read.
    if let Ok(charge) = CardCharge::from_params(params) {
        assert!(charge.payment.amount.minor > 0);
        assert!(charge.ip_address.is_empty() || charge.ip_address.parse::<IpAddr>().is_ok());
    }
    if let Ok(charge) = TokenCharge::from_params(params) {
        assert!(charge.payment.amount.minor > 0 && charge.payment.account_id.is_some());
    }
}
