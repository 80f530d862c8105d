//! Notifications against the shared material: every HMAC vector in
//! `conformance/vectors/webhooks/` and in spec §5.2, the captured Pay body re-encoded and rebuilt
//! byte for byte, the Ruby gem's decoded payloads rebuilt from typed notices, and each kind's
//! parameter list against the spec's §5.5 tables.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::collections::BTreeSet;
use std::path::Path;

use jiff::Timestamp;
use oblako_core::card::{CardBrand, CardExpiry};
use oblako_core::money::{Currency, Money};
use oblako_core::payment::Status;
use oblako_core::reason::ReasonCode;
use oblako_protocol::amount::parse_amount;
use oblako_protocol::notification::{
    FormEncoding, Notification, NotificationKind, PaymentNotice, Presence, ReceiptNotice,
    SubscriptionInterval, SubscriptionNotice, SubscriptionStatus, content_hmac, encode_form,
    parse_form, percent_decode, verify_hmac, x_content_hmac,
};
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

// The snapshot of shared/ that vectors.rs reads too.
const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/shared");

fn webhook_text(name: &str) -> String {
    let path = Path::new(SHARED)
        .join("conformance/vectors/webhooks")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (tests/shared is a snapshot of ../shared)",
            path.display()
        )
    })
}

fn webhook_vector(name: &str) -> Value {
    serde_json::from_str(&webhook_text(name)).unwrap()
}

fn spec() -> String {
    std::fs::read_to_string(Path::new(SHARED).join("spec/cloudpayments-protocol.md")).unwrap()
}

/// The part of `text` from `from` up to the next `to`.
fn section<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let start = text.find(from).unwrap_or_else(|| panic!("no {from}"));
    let end = text[start..].find(to).unwrap_or_else(|| panic!("no {to}"));
    &text[start..start + end]
}

/// The `code` spans of a markdown text, in order.
fn backticks(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string"))
}

#[test]
fn every_webhook_hmac_vector_reproduces() {
    let node = webhook_vector("node_hmac_vectors.json");
    let cases = node["cases"].as_array().unwrap();
    for case in cases {
        let (secret, body) = (str_of(case, "secret").as_bytes(), str_of(case, "body"));
        let header = str_of(case, "content_hmac");
        let ours = content_hmac(secret, body.as_bytes());
        if case["expect_valid"] == Value::Bool(true) {
            assert_eq!(ours, header, "{body}");
            assert!(verify_hmac(secret, body.as_bytes(), header));
        } else {
            assert_ne!(ours, header, "{body}");
            assert!(!verify_hmac(secret, body.as_bytes(), header), "{body}");
        }
        if let Some(parsed) = case["parsed"].as_object()
            && str_of(case, "content_type") == "application/x-www-form-urlencoded"
        {
            let expected: Vec<(String, String)> = parsed
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect();
            assert_eq!(parse_form(body, FormEncoding::Utf8), expected);
        }
    }

    let ruby = webhook_vector("ruby_hmac_vector.json");
    let (secret, body) = (str_of(&ruby, "secret").as_bytes(), str_of(&ruby, "body"));
    // Spec §5.2 calls this body "the 1 150-byte form string"; it is 917 bytes (the signatures,
    // which are what matter, do match).
    assert_eq!(body.len(), 917);
    assert_eq!(
        content_hmac(secret, body.as_bytes()),
        str_of(&ruby, "content_hmac_valid")
    );
    assert_eq!(
        x_content_hmac(secret, body),
        str_of(&ruby, "x_content_hmac_for_this_body")
    );
    assert!(verify_hmac(
        secret,
        body.as_bytes(),
        str_of(&ruby, "content_hmac_valid")
    ));
    assert!(!verify_hmac(
        secret,
        body.as_bytes(),
        str_of(&ruby, "content_hmac_invalid")
    ));
    println!("{} node cases and the Ruby vector reproduced", cases.len());
}

#[test]
fn the_spec_signature_vectors_reproduce() {
    let spec = spec();
    let part = section(&spec, "### 5.2 Signature", "### 5.3");

    let captured = section(part, "Test vector", "Mini vector");
    let headers = backticks(captured);
    let ruby = webhook_vector("ruby_hmac_vector.json");
    let body = str_of(&ruby, "body");
    assert!(headers.contains(&"pass"));
    let content = format!("Content-HMAC: {}", content_hmac(b"pass", body.as_bytes()));
    let x_content = format!("X-Content-HMAC: {}", x_content_hmac(b"pass", body));
    assert!(headers.contains(&content.as_str()), "{content}");
    assert!(headers.contains(&x_content.as_str()), "{x_content}");

    let mini = section(part, "Mini vector", "\n\n");
    let [secret, body, content, decoded, x_content] = backticks(mini)[..] else {
        panic!("the mini vector's shape changed: {mini}");
    };
    assert_eq!(content_hmac(secret.as_bytes(), body.as_bytes()), content);
    assert_eq!(String::from_utf8(percent_decode(body)).unwrap(), decoded);
    assert_eq!(x_content_hmac(secret.as_bytes(), body), x_content);
    assert_eq!(
        content_hmac(secret.as_bytes(), decoded.as_bytes()),
        x_content
    );
}

#[test]
fn the_captured_body_re_encodes_byte_for_byte() {
    let ruby = webhook_vector("ruby_hmac_vector.json");
    let body = str_of(&ruby, "body");
    let params = parse_form(body, FormEncoding::Utf8);
    assert_eq!(params.len(), 29);
    let value = |name: &str| &params.iter().find(|(n, _)| n == name).unwrap().1;
    assert_eq!(value("AccountId"), "user@example.com");
    assert_eq!(value("Name"), "VLADIMIR KOCHNEV");
    assert_eq!(value("DateTime"), "2015-11-17 14:51:20");
    assert_eq!(value("IpDistrict"), "Северо-Западный федеральный округ");
    assert_eq!(value("Description"), "Оплата в example.com");
    assert_eq!(value("SubscriptionId"), "");
    assert_eq!(encode_form(&params, FormEncoding::Utf8), body);
}

/// A payment notice carrying exactly the values of a decoded notification.
fn payment_notice(fields: &Map<String, Value>) -> PaymentNotice {
    let text = |name: &str| fields.get(name).map(|v| v.as_str().unwrap().to_owned());
    let money = |amount: &str, currency: &str| {
        let currency = Currency::from_code(&text(currency).unwrap()).unwrap();
        parse_amount(amount, &text(amount).unwrap(), currency).unwrap()
    };
    let date = format!("{}Z", text("DateTime").unwrap().replace(' ', "T"));
    let mut notice = PaymentNotice::new(
        text("TransactionId").unwrap().parse().unwrap(),
        money("Amount", "Currency"),
        date.parse().unwrap(),
    );
    notice.payment_amount = money("PaymentAmount", "PaymentCurrency");
    notice.invoice_id = text("InvoiceId");
    notice.account_id = text("AccountId");
    notice.subscription_id = text("SubscriptionId");
    notice.name = text("Name");
    notice.email = text("Email");
    notice.ip_address = text("IpAddress");
    notice.ip_country = text("IpCountry");
    notice.ip_city = text("IpCity");
    notice.ip_region = text("IpRegion");
    notice.ip_district = text("IpDistrict");
    notice.ip_latitude = text("IpLatitude").map(|t| t.parse().unwrap());
    notice.ip_longitude = text("IpLongitude").map(|t| t.parse().unwrap());
    notice.card_first_six = text("CardFirstSix").unwrap();
    notice.card_last_four = text("CardLastFour").unwrap();
    notice.card_type = text("CardType").map(|name| {
        [CardBrand::Visa, CardBrand::MasterCard, CardBrand::Mir]
            .into_iter()
            .find(|brand| brand.name() == name)
            .unwrap()
    });
    notice.card_exp_date = text("CardExpDate").map(|mm_yy| {
        let (month, year) = mm_yy.split_once('/').unwrap();
        CardExpiry::new(year.parse().unwrap(), month.parse().unwrap()).unwrap()
    });
    notice.issuer = text("Issuer");
    notice.issuer_bank_country = text("IssuerBankCountry");
    notice.description = text("Description");
    notice.auth_code = text("AuthCode");
    notice.token = text("Token");
    notice.test_mode = text("TestMode").as_deref() == Some("1");
    notice.status = Status::parse(&text("Status").unwrap()).unwrap();
    notice.reason_code = ReasonCode(text("ReasonCode").map_or(0, |c| c.parse().unwrap()));
    notice.data = text("Data");
    notice
}

#[test]
fn a_pay_notice_produces_the_captured_body() {
    let ruby = webhook_vector("ruby_hmac_vector.json");
    let body = str_of(&ruby, "body");
    let fields: Map<String, Value> = parse_form(body, FormEncoding::Utf8)
        .into_iter()
        .map(|(name, value)| (name, Value::String(value)))
        .collect();
    let notification = Notification::Pay(payment_notice(&fields));
    assert_eq!(notification.body(FormEncoding::Utf8), body);
    assert_eq!(
        content_hmac(b"pass", notification.body(FormEncoding::Utf8).as_bytes()),
        str_of(&ruby, "content_hmac_valid")
    );
}

/// A JSON object's string members in the order they are written (`Map` sorts its keys).
struct Ordered(Vec<(String, String)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Ordered, D::Error> {
        struct Members;
        impl<'de> Visitor<'de> for Members {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, String>()? {
                    members.push(member);
                }
                Ok(Ordered(members))
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// The gem's decoded payloads, each with its fields in the fixture's order.
fn ordered_payloads() -> std::collections::BTreeMap<String, Ordered> {
    #[derive(Deserialize)]
    struct File {
        payloads: std::collections::BTreeMap<String, Ordered>,
    }
    let text = webhook_text("ruby_notification_payloads.json");
    serde_json::from_str::<File>(&text).unwrap().payloads
}

/// The `(name, value)` pairs of a decoded fixture, in its order.
fn pairs(
    payloads: &std::collections::BTreeMap<String, Ordered>,
    key: &str,
) -> Vec<(String, String)> {
    payloads[key].0.clone()
}

fn owned(params: Vec<(&'static str, String)>) -> Vec<(String, String)> {
    params.into_iter().map(|(n, v)| (n.to_owned(), v)).collect()
}

#[test]
fn the_gems_payloads_are_our_notices() {
    let vector = webhook_vector("ruby_notification_payloads.json");
    let payloads = &vector["payloads"];
    let ordered = ordered_payloads();
    for (key, make) in [
        (
            "on_check",
            Notification::Check as fn(PaymentNotice) -> Notification,
        ),
        ("on_pay", Notification::Pay),
        ("on_fail", Notification::Fail),
    ] {
        let fields = payloads[key].as_object().unwrap();
        let ours = owned(make(payment_notice(fields)).params());
        assert_eq!(ours, pairs(&ordered, key), "{key}");
    }

    let text = |name: &str| str_of(&payloads["on_recurrent"], name).to_owned();
    let date = |name: &str| -> Timestamp {
        format!("{}Z", text(name).replace(' ', "T"))
            .parse()
            .unwrap()
    };
    let subscription = SubscriptionNotice {
        id: text("Id"),
        account_id: text("AccountId"),
        description: text("Description"),
        email: text("Email"),
        amount: Money::new(200, Currency::RUB),
        require_confirmation: false,
        start_date: date("StartDate"),
        interval: SubscriptionInterval::Month,
        period: 1,
        status: SubscriptionStatus::PastDue,
        successful_transactions_number: 11,
        failed_transactions_number: 22,
        max_periods: None,
        last_transaction_date: None,
        next_transaction_date: Some(date("NextTransactionDate")),
    };
    // The capture has no MaxPeriods and no LastTransactionDate: unset ones are left out.
    assert_eq!(
        owned(Notification::Recurrent(subscription).params()),
        pairs(&ordered, "on_recurrent")
    );

    let receipt = payloads["on_kassa_receipt"].as_object().unwrap();
    let text = |name: &str| str_of(&payloads["on_kassa_receipt"], name).to_owned();
    let notice = ReceiptNotice {
        id: text("Id"),
        document_number: text("DocumentNumber"),
        session_number: text("SessionNumber"),
        number: String::new(),
        fiscal_sign: text("FiscalSign"),
        device_number: text("DeviceNumber"),
        reg_number: text("RegNumber"),
        fiscal_number: String::new(),
        inn: text("Inn"),
        receipt_type: text("Type"),
        ofd: text("Ofd"),
        url: text("Url"),
        qr_code_url: text("QrCodeUrl"),
        amount: Money::new(1111, Currency::RUB),
        date_time: format!("{}Z", text("DateTime").replace(' ', "T"))
            .parse()
            .unwrap(),
        receipt: text("Receipt"),
        calculation_place: None,
        settle_place: None,
        transaction_id: Some(12_321_123),
        invoice_id: Some(text("InvoiceId")),
        account_id: Some(text("AccountId")),
    };
    let ours = owned(Notification::Receipt(notice).params());
    let (sent, empty): (Vec<_>, Vec<_>) = ours
        .into_iter()
        .partition(|(name, _)| receipt.contains_key(name));
    assert_eq!(sent, pairs(&ordered, "on_kassa_receipt"));
    let empty: Vec<_> = empty
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        empty,
        [
            ("Number", ""),
            ("FiscalNumber", ""),
            ("CalculationPlace", ""),
            ("SettlePlace", "")
        ]
    );
}

/// The parameter names a §5.5 part lists: the first cell of its table rows, or every
/// identifier-like code span of its prose (`Status=Declined` counts as `Status`).
fn listed(part: &str) -> BTreeSet<String> {
    let rows: Vec<&str> = part.lines().filter(|l| l.starts_with("| `")).collect();
    let spans: Vec<&str> = if rows.is_empty() {
        backticks(part)
    } else {
        rows.iter()
            .flat_map(|row| backticks(row.split('|').nth(1).unwrap()))
            .collect()
    };
    let mut names: BTreeSet<String> = spans
        .iter()
        .map(|span| span.split('=').next().unwrap())
        .filter(|name| name.chars().all(|c| c.is_ascii_alphabetic()))
        .filter(|name| name.starts_with(|c: char| c.is_ascii_uppercase()))
        .filter(|name| *name != "Completed")
        .map(str::to_owned)
        .collect();
    if part.contains("Ip* fields") {
        let ip = [
            "IpAddress",
            "IpCountry",
            "IpCity",
            "IpRegion",
            "IpDistrict",
            "IpLatitude",
            "IpLongitude",
        ];
        names.extend(ip.map(str::to_owned));
    }
    names
}

#[test]
fn every_kind_sends_the_spec_parameters() {
    let spec = spec();
    let part = section(&spec, "### 5.5 Parameters per type", "### 5.6");
    let kind_part = |kind: &str, next: &str| section(part, &format!("#### {kind} "), next);
    let check = listed(kind_part("Check", "#### Pay"));
    let pay_table = listed(kind_part("Pay", "#### Fail"));
    let fail_prose = listed(kind_part("Fail", "#### Confirm"));
    let escrow = BTreeSet::from(["EscrowAccumulationId".to_owned()]);
    let union = |a: &BTreeSet<String>, b: &BTreeSet<String>| -> BTreeSet<String> { a | b };
    let mut pay = union(&check, &pay_table);
    pay.remove("TokenRecipient");
    let expected = [
        (NotificationKind::Check, check.clone()),
        (NotificationKind::Pay, pay),
        (
            NotificationKind::Fail,
            union(&union(&check, &fail_prose), &escrow),
        ),
        (
            NotificationKind::Confirm,
            union(&listed(kind_part("Confirm", "#### Refund")), &escrow),
        ),
        (
            NotificationKind::Refund,
            union(&listed(kind_part("Refund", "#### Recurrent")), &escrow),
        ),
        (
            NotificationKind::Cancel,
            union(&listed(kind_part("Cancel", "#### Receipt")), &escrow),
        ),
    ];
    for (kind, names) in expected {
        let ours: BTreeSet<String> = kind
            .parameter_names()
            .into_iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(ours, names, "{kind}");
        println!("{kind}: {} parameters", names.len());
    }

    // Recurrent and Receipt: the tables' own order.
    for (kind, next) in [
        (NotificationKind::Recurrent, "#### Cancel"),
        (NotificationKind::Receipt, "Response"),
    ] {
        let table: Vec<&str> = kind_part(kind.name(), next)
            .lines()
            .filter(|l| l.starts_with("| `"))
            .flat_map(|row| backticks(row.split('|').nth(1).unwrap()))
            .collect();
        assert_eq!(kind.parameter_names(), table, "{kind}");
    }
}

#[test]
fn payment_kinds_follow_the_captured_order() {
    let spec = spec();
    let transport = section(&spec, "### 5.1 Transport", "### 5.2");
    let order = section(
        transport,
        "Parameter order in that capture:",
        "(newer fields appended)",
    );
    let joined = backticks(order).concat();
    let captured: Vec<&str> = joined.split(',').map(str::trim).collect();
    assert_eq!(captured.len(), 29);
    let pay = NotificationKind::Pay.payment_parameters();
    let always: Vec<&str> = pay
        .iter()
        .filter(|(_, presence)| *presence == Presence::Always)
        .map(|(name, _)| *name)
        .collect();
    assert_eq!(
        always, captured,
        "Pay's always-sent parameters are the capture, in its order"
    );
    assert_eq!(
        &NotificationKind::Pay.parameter_names()[..29],
        &captured[..]
    );

    // The later additions keep the order §5.6 names them in.
    let example = section(&spec, "### 5.6", "---");
    let newer: Vec<&str> = backticks(section(example, "newer deliveries add", ")"));
    let names = NotificationKind::Pay.parameter_names();
    let positions: Vec<usize> = newer
        .iter()
        .map(|n| {
            names
                .iter()
                .position(|m| m == n)
                .unwrap_or_else(|| panic!("{n}"))
        })
        .collect();
    assert!(positions.is_sorted(), "{newer:?} at {positions:?}");
    assert!(positions[0] > 28);

    // Every kind's list keeps the relative order of every other kind's.
    let mut master: Vec<&str> = Vec::new();
    for kind in NotificationKind::ALL
        .into_iter()
        .filter(|k| !k.payment_parameters().is_empty())
    {
        let names = kind.parameter_names();
        for pair in names.windows(2) {
            for other in NotificationKind::ALL
                .into_iter()
                .filter(|k| !k.payment_parameters().is_empty())
            {
                let theirs = other.parameter_names();
                let (a, b) = (
                    theirs.iter().position(|n| *n == pair[0]),
                    theirs.iter().position(|n| *n == pair[1]),
                );
                if let (Some(a), Some(b)) = (a, b) {
                    assert!(
                        a < b,
                        "{kind} and {other} disagree on {} before {}",
                        pair[0],
                        pair[1]
                    );
                }
            }
        }
        for name in names {
            if !master.contains(&name) {
                master.push(name);
            }
        }
    }
    assert_eq!(master.len(), 50);
}
