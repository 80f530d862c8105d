use jiff::Timestamp;
use oblako_core::ids::{Mode, SiteId};
use oblako_core::money::Currency;
use oblako_core::payment::{Kind, Stage, Status};
use oblako_protocol::notification::{FormEncoding, Notification, NotificationKind};
use oblako_store::transactions::TransactionRow;

use super::payment_notice;

const CREATED_MS: i64 = 1_447_771_880_000; // 2015-11-17 14:51:20 UTC

fn row() -> TransactionRow {
    TransactionRow {
        id: 504,
        site_id: SiteId(1),
        mode: Mode::Test,
        kind: Kind::Payment,
        original_id: None,
        status: Status::Completed,
        stage: Stage::OneStage,
        amount: 12_300,
        currency: Currency::RUB,
        captured: 12_300,
        refunded: 0,
        reason_code: 0,
        invoice_id: Some("1234567".into()),
        account_id: Some("user@example.com".into()),
        email: None,
        description: Some("Оплата товаров".into()),
        json_data: Some(r#"{"a":1}"#.into()),
        culture: "ru-RU".into(),
        ip_address: "46.251.83.16".into(),
        name: Some("CARD HOLDER".into()),
        card_id: Some(7),
        card_first_six: "411111".into(),
        card_last_four: "1111".into(),
        card_exp: "05/30".into(),
        card_brand: "Visa".into(),
        token: Some("tk_abc".into()),
        subscription_id: None,
        auth_code: Some("A1B2C3".into()),
        created_at: CREATED_MS,
        auth_at: Some(CREATED_MS),
        confirm_at: Some(CREATED_MS),
        updated_at: CREATED_MS,
        expires_at: None,
    }
}

fn param(notification: &Notification, name: &str) -> String {
    notification
        .params()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("{name} missing"))
}

#[test]
fn a_completed_payment_reports_its_fields_as_the_model_does() {
    let at = Timestamp::from_second(1_790_000_000).unwrap();
    let pay = Notification::Pay(payment_notice(&row(), NotificationKind::Pay, at));
    let body = pay.body(FormEncoding::Utf8);
    assert!(
        body.starts_with("TransactionId=504&Amount=123.00&Currency=RUB&PaymentAmount=123.00"),
        "{body}"
    );
    assert_eq!(
        param(&pay, "DateTime"),
        "2015-11-17 14:51:20",
        "creation time"
    );
    assert_eq!(param(&pay, "CardType"), "Visa");
    assert_eq!(param(&pay, "CardExpDate"), "05/30");
    assert_eq!(param(&pay, "TestMode"), "1");
    assert_eq!(param(&pay, "Status"), "Completed");
    assert_eq!(param(&pay, "Token"), "tk_abc");
    assert_eq!(param(&pay, "AuthCode"), "A1B2C3");
    assert!(
        body.contains("Description=%d0%9e%d0%bf%d0%bb%d0%b0%d1%82%d0%b0+"),
        "{body}"
    );
}

#[test]
fn each_kind_reports_its_own_amount_date_and_status() {
    let at = Timestamp::from_second(1_790_000_000).unwrap();
    let mut pending = row();
    pending.status = Status::Processing;
    pending.stage = Stage::TwoStage;
    let check = Notification::Check(payment_notice(&pending, NotificationKind::Check, at));
    assert_eq!(
        param(&check, "Status"),
        "Authorized",
        "what it becomes if it goes through"
    );

    let mut confirmed = row();
    confirmed.captured = 10_000;
    let confirm = Notification::Confirm(payment_notice(&confirmed, NotificationKind::Confirm, at));
    assert_eq!(param(&confirm, "Amount"), "100.00", "the captured amount");

    let mut refund = row();
    refund.kind = Kind::Refund;
    refund.id = 505;
    refund.original_id = Some(504);
    refund.amount = 2_000;
    let refund = Notification::Refund(payment_notice(&refund, NotificationKind::Refund, at));
    assert_eq!(param(&refund, "PaymentTransactionId"), "504");
    assert_eq!(param(&refund, "Amount"), "20.00");
    assert_eq!(
        param(&refund, "DateTime"),
        "2026-09-21 14:13:20",
        "the refund's time"
    );

    let mut declined = row();
    declined.status = Status::Declined;
    declined.reason_code = 5051;
    let fail = Notification::Fail(payment_notice(&declined, NotificationKind::Fail, at));
    assert_eq!(param(&fail, "ReasonCode"), "5051");
    assert_eq!(param(&fail, "Reason"), "InsufficientFunds");
}
