//! The typed payment requests read what real clients send: names in any case, `null` for an
//! absent field, form bodies with numbers as text, and only the strict amount grammar.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use oblako_core::money::{Currency, Money};
use oblako_protocol::params::{ParamError, Params};
use oblako_protocol::payment_request::{CardCharge, TokenCharge};

fn json(body: &str) -> Params {
    Params::from_json(body.as_bytes()).expect("a JSON object")
}

#[test]
fn a_card_charge_reads_names_in_any_case_and_nulls_as_absent() {
    let params = json(
        r#"{"amount": 10.5, "CURRENCY": "usd", "cardcryptogrampacket": "packet",
            "InvoiceId": 123, "Email": null, "JsonData": {"a": 1}, "ipaddress": "::1"}"#,
    );
    let charge = CardCharge::from_params(&params).unwrap();
    assert_eq!(charge.packet, "packet");
    assert_eq!(
        charge.payment.amount,
        Money::new(1050, Currency::from_code("USD").unwrap())
    );
    assert_eq!(charge.payment.invoice_id.as_deref(), Some("123"));
    assert_eq!(charge.payment.email, None);
    assert_eq!(charge.payment.json_data.as_deref(), Some(r#"{"a":1}"#));
    assert_eq!(charge.payment.culture, "ru-RU");
    assert_eq!(charge.ip_address, "::1");
}

#[test]
fn a_form_token_charge_takes_numbers_as_text() {
    let body = "Amount=100&Token=tk_1&AccountId=user&TrInitiatorCode=0&PaymentScheduled=1";
    let charge = TokenCharge::from_params(&Params::from_form(body.as_bytes()).unwrap()).unwrap();
    assert_eq!(charge.token, "tk_1");
    assert_eq!(charge.payment.amount, Money::new(10_000, Currency::RUB));
    assert_eq!(charge.payment.account_id.as_deref(), Some("user"));
    assert_eq!(charge.initiator_code, Some(0));
    assert_eq!(charge.payment_scheduled, Some(1));
    assert_eq!(charge.ip_address, "");
}

#[test]
fn the_first_bad_parameter_is_the_one_named() {
    let missing = CardCharge::from_params(&json(r#"{"Amount": 1}"#)).unwrap_err();
    assert_eq!(missing, ParamError::Required("CardCryptogramPacket".into()));
    let token = TokenCharge::from_params(&json(r#"{"Token": "tk", "Amount": 1}"#)).unwrap_err();
    assert_eq!(token, ParamError::Required("AccountId".into()));
    let amount = json(r#"{"CardCryptogramPacket": "p", "Amount": "1e2"}"#);
    assert!(matches!(
        CardCharge::from_params(&amount),
        Err(ParamError::Amount(_))
    ));
    let ip = json(r#"{"CardCryptogramPacket": "p", "Amount": 1, "IpAddress": "nowhere"}"#);
    assert_eq!(
        CardCharge::from_params(&ip).unwrap_err(),
        ParamError::Invalid("IpAddress".into())
    );
}
