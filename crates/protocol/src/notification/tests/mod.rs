#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use jiff::{SignedDuration, Timestamp};
use oblako_core::card::{CardBrand, CardExpiry};
use oblako_core::money::{Currency, Money};
use oblako_core::payment::{Notice, Status};
use oblako_core::reason::ReasonCode;
use rust_decimal::Decimal;

use super::*;

mod form;

fn rub(minor: i64) -> Money {
    Money::new(minor, Currency::RUB)
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

#[test]
fn kinds_have_their_path_names_in_any_case() {
    let names: Vec<_> = NotificationKind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(
        names,
        [
            "Check",
            "Pay",
            "Fail",
            "Confirm",
            "Refund",
            "Recurrent",
            "Cancel",
            "Receipt"
        ]
    );
    for kind in NotificationKind::ALL {
        assert_eq!(NotificationKind::parse(kind.name()), Some(kind));
        assert_eq!(
            NotificationKind::parse(&kind.name().to_lowercase()),
            Some(kind)
        );
        assert_eq!(
            NotificationKind::parse(&kind.name().to_uppercase()),
            Some(kind)
        );
        assert_eq!(kind.to_string(), kind.name());
        assert_eq!(kind.can_decline(), kind == NotificationKind::Check);
    }
    assert_eq!(NotificationKind::parse("pAy"), Some(NotificationKind::Pay));
    for bad in ["", "Payment", "pay ", "Checks", "Рay"] {
        assert_eq!(NotificationKind::parse(bad), None, "{bad:?}");
    }
    assert_eq!(NotificationKind::from(Notice::Pay), NotificationKind::Pay);
    assert_eq!(NotificationKind::from(Notice::Fail), NotificationKind::Fail);
    assert_eq!(
        NotificationKind::from(Notice::Confirm),
        NotificationKind::Confirm
    );
    assert_eq!(
        NotificationKind::from(Notice::Cancel),
        NotificationKind::Cancel
    );
    assert_eq!(
        NotificationKind::from(Notice::Refund),
        NotificationKind::Refund
    );
}

#[test]
fn check_answers_decide_the_payment() {
    use CheckOutcome::{Decline, Proceed};
    let cases: &[(u16, &str, CheckOutcome)] = &[
        (200, r#"{"code":0}"#, Proceed),
        (200, r#" { "Code" : 0 } "#, Proceed),
        (200, "\u{feff}{\"code\":0}", Proceed),
        (200, r#"{"code":"0"}"#, Proceed),
        (200, r#"{"code":0,"AirlineAddendum":{"a":1}}"#, Proceed),
        (200, r#"{"code":10}"#, Decline(ReasonCode(3001))),
        (200, r#"{"code":11}"#, Decline(ReasonCode(3002))),
        (200, r#"{"code":12}"#, Decline(ReasonCode(3003))),
        (200, r#"{"code":13}"#, Decline(ReasonCode(3008))),
        (200, r#"{"code":20}"#, Decline(ReasonCode(3004))),
        (200, r#"{"code":1}"#, Decline(CHECK_FORMAT_ERROR)),
        (200, r#"{"code":-1}"#, Decline(CHECK_FORMAT_ERROR)),
        (200, r#"{"code":0.5}"#, Decline(CHECK_FORMAT_ERROR)),
        (200, r#"{"code":null}"#, Decline(CHECK_FORMAT_ERROR)),
        (200, r#"{"code":true}"#, Decline(CHECK_FORMAT_ERROR)),
        (200, r#"{"result":0}"#, Decline(CHECK_FORMAT_ERROR)),
        (200, r#"[{"code":0}]"#, Decline(CHECK_FORMAT_ERROR)),
        (200, "0", Decline(CHECK_FORMAT_ERROR)),
        (200, "OK", Decline(CHECK_FORMAT_ERROR)),
        (200, "", Decline(CHECK_FORMAT_ERROR)),
        (200, "<html>code 0</html>", Decline(CHECK_FORMAT_ERROR)),
        (200, r#"{"code":0"#, Decline(CHECK_FORMAT_ERROR)),
        (
            200,
            r#"{"code":99999999999999999999999}"#,
            Decline(CHECK_FORMAT_ERROR),
        ),
        (503, r#"{"code":0}"#, Decline(CHECK_UNAVAILABLE)),
        (201, r#"{"code":0}"#, Decline(CHECK_UNABLE_TO_CONNECT)),
        (204, "", Decline(CHECK_UNABLE_TO_CONNECT)),
        (302, r#"{"code":0}"#, Decline(CHECK_UNABLE_TO_CONNECT)),
        (404, "", Decline(CHECK_UNABLE_TO_CONNECT)),
        (500, r#"{"code":0}"#, Decline(CHECK_UNABLE_TO_CONNECT)),
        (504, "", Decline(CHECK_UNABLE_TO_CONNECT)),
        (508, "", Decline(CHECK_UNABLE_TO_CONNECT)),
    ];
    for &(status, body, expected) in cases {
        assert_eq!(
            check_outcome(status, body.as_bytes()),
            expected,
            "{status} {body:?}"
        );
    }
    assert_eq!(
        check_outcome(200, b"\xff\xfe").reason_code(),
        CHECK_FORMAT_ERROR
    );
    assert_eq!(Proceed.reason_code(), ReasonCode::APPROVED);
    for failure in [CheckFailure::NoConnection, CheckFailure::Timeout] {
        assert_eq!(failure.outcome(), Decline(CHECK_UNABLE_TO_CONNECT));
    }
    assert_eq!(
        [
            CHECK_FORMAT_ERROR,
            CHECK_UNAVAILABLE,
            CHECK_UNABLE_TO_CONNECT
        ]
        .map(|c| c.0),
        [3005, 3006, 3007]
    );
    assert_eq!(check_decline(0), None);
    assert_eq!(check_decline(21), None);
}

#[test]
fn other_kinds_need_200_and_code_0() {
    assert!(is_acknowledged(200, br#"{"code":0}"#));
    assert!(is_acknowledged(200, b"{\"code\": 0}\r\n"));
    for (status, body) in [
        (200, &br#"{"code":13}"#[..]),
        (200, b""),
        (200, b"OK"),
        (200, b"{}"),
        (201, br#"{"code":0}"#),
        (301, br#"{"code":0}"#),
        (500, br#"{"code":0}"#),
    ] {
        assert!(!is_acknowledged(status, body), "{status} {body:?}");
    }
    assert_eq!(answer_code(br#"{"code":13}"#), Some(13));
    assert_eq!(answer_code(b"null"), None);
}

#[test]
fn timestamped_signature_is_standard_webhooks() {
    // The Standard Webhooks reference vector: secret "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".
    use base64::Engine;
    let key = base64::engine::general_purpose::STANDARD
        .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        .unwrap();
    let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    let when = Timestamp::from_second(1_614_265_330).unwrap();
    let body = br#"{"test": 2432232314}"#;
    let expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    assert_eq!(webhook_signature(&key, id, when, body), expected);

    let minute = SignedDuration::from_mins(5);
    let verify = |signature: &str, ts: &str, now: Timestamp| {
        verify_webhook_signature(&key, id, ts, body, signature, now, minute)
    };
    assert_eq!(verify(expected, "1614265330", when), Ok(()));
    let later = Timestamp::from_second(1_614_265_330 + 299).unwrap();
    assert_eq!(verify(expected, "1614265330", later), Ok(()));
    let too_late = Timestamp::from_second(1_614_265_330 + 301).unwrap();
    assert_eq!(
        verify(expected, "1614265330", too_late),
        Err(WebhookSignatureError::Stale)
    );
    assert_eq!(
        verify(expected, "1614265331", when),
        Err(WebhookSignatureError::Mismatch)
    );
    for extreme in ["-9223372036854775808", "9223372036854775807"] {
        assert_eq!(
            verify(expected, extreme, when),
            Err(WebhookSignatureError::Stale)
        );
    }
    assert_eq!(
        verify(expected, "soon", when),
        Err(WebhookSignatureError::BadTimestamp)
    );
    assert_eq!(
        verify(
            "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            "1614265330",
            when
        ),
        Err(WebhookSignatureError::Mismatch)
    );

    let old: &[u8] = b"old secret";
    let headers = webhook_headers(&[old, &key], id, when, body);
    assert_eq!(headers[0], (WEBHOOK_ID, id.to_owned()));
    assert_eq!(headers[1], (WEBHOOK_TIMESTAMP, "1614265330".to_owned()));
    assert_eq!(headers[2].0, WEBHOOK_SIGNATURE);
    let rotated = &headers[2].1;
    assert!(rotated.ends_with(&format!(" {expected}")), "{rotated}");
    assert_eq!(verify(rotated, "1614265330", when), Ok(()));
    assert_eq!(
        verify_webhook_signature(old, id, "1614265330", body, rotated, when, minute),
        Ok(())
    );
}

#[test]
fn cloudpayments_hmacs_sign_the_body_and_its_decoding() {
    let secret = b"secret";
    let body = "A=%d0%a2+x";
    let [(content, content_mac), (x_content, x_mac)] = signature_headers(secret, body);
    assert_eq!((content, x_content), (CONTENT_HMAC, X_CONTENT_HMAC));
    assert_eq!(content_mac, content_hmac(secret, body.as_bytes()));
    assert_eq!(x_mac, content_hmac(secret, "A=Т x".as_bytes()));
    assert!(verify_hmac(secret, body.as_bytes(), &content_mac));
    assert!(verify_hmac(
        secret,
        body.as_bytes(),
        &format!(" {content_mac}\n")
    ));
    assert!(!verify_hmac(secret, body.as_bytes(), &x_mac));
    assert!(!verify_hmac(b"other", body.as_bytes(), &content_mac));
    assert!(!verify_hmac(secret, body.as_bytes(), "not base64!"));
    assert!(!verify_hmac(secret, body.as_bytes(), ""));
}

/// A notice with every field set, so every parameter of every kind has a value.
fn full_notice() -> PaymentNotice {
    let mut notice = PaymentNotice::new(42, rub(12_345), at("2024-03-01T10:20:30Z"));
    notice.payment_transaction_id = Some(41);
    notice.payment_amount = Money::new(150, Currency::from_code("USD").unwrap());
    notice.invoice_id = Some("inv-1".into());
    notice.account_id = Some("acc".into());
    notice.subscription_id = Some("sc_1".into());
    notice.name = Some("IVAN IVANOV".into());
    notice.email = Some("a@b.c".into());
    notice.ip_address = Some("10.0.0.1".into());
    notice.ip_country = Some("RU".into());
    notice.ip_city = Some("Москва".into());
    notice.ip_region = Some("Москва".into());
    notice.ip_district = Some("Центральный".into());
    notice.ip_latitude = Some(Decimal::new(5575, 2));
    notice.ip_longitude = Some(Decimal::new(376_176, 4));
    notice.card_first_six = "220000".into();
    notice.card_last_four = "0004".into();
    notice.card_type = Some(CardBrand::Mir);
    notice.card_exp_date = Some(CardExpiry::new(2030, 7).unwrap());
    notice.issuer = Some("Bank".into());
    notice.issuer_bank_country = Some("RU".into());
    notice.description = Some("Заказ".into());
    notice.auth_code = Some("A1".into());
    notice.token = Some("tk_1".into());
    notice.test_mode = true;
    notice.status = Status::Declined;
    notice.reason_code = ReasonCode::INSUFFICIENT_FUNDS;
    notice.data = Some(r#"{"a":1}"#.into());
    notice.operation_type = Some(OperationType::Payment);
    notice.gateway_name = Some("Test".into());
    notice.card_id = Some("card_1".into());
    notice.card_product = Some("C".into());
    notice.payment_method = Some("Card".into());
    notice.token_recipient = Some("tk_r".into());
    notice.total_fee = Some(rub(370));
    notice.fall_back_scenario_declined_transaction_id = Some(40);
    notice.rrn = Some("123456789012".into());
    notice.custom_fields = Some("[]".into());
    notice.escrow_accumulation_id = Some("esc".into());
    notice.vat_above_total_fee = Some(rub(1));
    notice.processor_and_partner_fee = Some(rub(2));
    notice.vat_within_processor_fee = Some(rub(3));
    notice.retry_after = Some(at("2024-03-02T00:00:00Z"));
    notice.provider_message = Some("Insufficient funds".into());
    notice
}

fn payment(kind: NotificationKind, notice: PaymentNotice) -> Notification {
    match kind {
        NotificationKind::Check => Notification::Check(notice),
        NotificationKind::Pay => Notification::Pay(notice),
        NotificationKind::Fail => Notification::Fail(notice),
        NotificationKind::Confirm => Notification::Confirm(notice),
        NotificationKind::Refund => Notification::Refund(notice),
        NotificationKind::Cancel => Notification::Cancel(notice),
        NotificationKind::Recurrent | NotificationKind::Receipt => unreachable!(),
    }
}

const PAYMENT_KINDS: [NotificationKind; 6] = [
    NotificationKind::Check,
    NotificationKind::Pay,
    NotificationKind::Fail,
    NotificationKind::Confirm,
    NotificationKind::Refund,
    NotificationKind::Cancel,
];

#[test]
fn a_full_notice_sends_every_parameter_with_a_value() {
    for kind in PAYMENT_KINDS {
        let notification = payment(kind, full_notice());
        assert_eq!(notification.kind(), kind);
        let params = notification.params();
        let names: Vec<_> = params.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, kind.parameter_names(), "{kind}");
        for (name, value) in &params {
            assert!(!value.is_empty(), "{kind}: {name} has no value");
        }
    }
    let fail = Notification::Fail(full_notice()).params();
    let value = |name| fail.iter().find(|(n, _)| *n == name).unwrap().1.clone();
    assert_eq!(value("Amount"), "123.45");
    assert_eq!(value("PaymentAmount"), "1.50");
    assert_eq!(value("PaymentCurrency"), "USD");
    assert_eq!(value("DateTime"), "2024-03-01 10:20:30");
    assert_eq!(value("RetryAfter"), "2024-03-02 00:00:00");
    assert_eq!(value("IpLatitude"), "55.750000");
    assert_eq!(value("IpLongitude"), "37.617600");
    assert_eq!(value("CardType"), "MIR");
    assert_eq!(value("CardExpDate"), "07/30");
    assert_eq!(value("TestMode"), "1");
    assert_eq!(value("Status"), "Declined");
    assert_eq!(value("StatusCode"), "5");
    assert_eq!(value("Reason"), "InsufficientFunds");
    assert_eq!(value("ReasonCode"), "5051");
    assert_eq!(value("OperationType"), "Payment");
}

#[test]
fn an_empty_notice_sends_only_the_always_parameters() {
    let mut notice = PaymentNotice::new(7, rub(100), at("2024-01-02T03:04:05Z"));
    notice.status = Status::Processing;
    notice.data = Some(String::new());
    for kind in PAYMENT_KINDS {
        let params = payment(kind, notice.clone()).params();
        let always: Vec<_> = kind
            .payment_parameters()
            .into_iter()
            .filter(|(_, presence)| *presence == Presence::Always)
            .map(|(name, _)| name)
            .collect();
        let names: Vec<_> = params.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, always, "{kind}");
    }
    let body = Notification::Cancel(notice.clone()).body(FormEncoding::Utf8);
    assert_eq!(
        body,
        "TransactionId=7&Amount=1.00&InvoiceId=&AccountId=&Email=&DateTime=2024-01-02+03%3a04%3a05"
    );
    let check = Notification::Check(notice).params();
    assert!(check.contains(&("Status", "AwaitingAuthentication".to_owned())));
    assert!(check.contains(&("TestMode", "0".to_owned())));
}

#[test]
fn amounts_always_have_two_decimals() {
    let byr = Currency::from_code("BYR").unwrap();
    assert_eq!(payment::two_decimals(Money::new(100, byr)), "100.00");
    assert_eq!(payment::two_decimals(rub(5)), "0.05");
    assert_eq!(payment::two_decimals(rub(0)), "0.00");
    assert_eq!(payment::two_decimals(rub(100_000_000_000)), "1000000000.00");
}

#[test]
fn operation_types_and_subscription_values_have_wire_names() {
    let names = [
        OperationType::Payment,
        OperationType::Refund,
        OperationType::CardPayout,
    ]
    .map(OperationType::name);
    assert_eq!(names, ["Payment", "Refund", "CardPayout"]);
    let intervals = [
        SubscriptionInterval::Day,
        SubscriptionInterval::Week,
        SubscriptionInterval::Month,
    ]
    .map(SubscriptionInterval::name);
    assert_eq!(intervals, ["Day", "Week", "Month"]);
    let statuses = [
        SubscriptionStatus::Active,
        SubscriptionStatus::PastDue,
        SubscriptionStatus::Cancelled,
        SubscriptionStatus::Rejected,
        SubscriptionStatus::Expired,
    ]
    .map(SubscriptionStatus::name);
    assert_eq!(
        statuses,
        ["Active", "PastDue", "Cancelled", "Rejected", "Expired"]
    );
}
