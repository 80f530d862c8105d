//! Tests of the parent module.

use oblako_core::money::Currency;

use super::*;

fn create(json: &str) -> Result<CreateOrder, String> {
    CreateOrder::from_params(&Params::from_json(json.as_bytes()).unwrap())
        .map_err(|e| e.to_string())
}

#[test]
fn the_ruby_fixture_request_is_read_with_its_exact_names() {
    let order = create(
        r#"{"Amount":10.0,"Currency":"RUB","Description":"Оплата на сайте example.com","Email":"client@test.local","RequireConfirmation":true,"SendEmail":false,"InvoiceId":"invoice_100","AccountId":"account_200","Phone":"+7(495)765-4321","SendSms":false,"SendWhatsApp":false}"#,
    )
    .unwrap();
    assert_eq!(order.amount, Money::new(1000, Currency::RUB));
    assert_eq!(order.description, "Оплата на сайте example.com");
    assert_eq!(order.email.as_deref(), Some("client@test.local"));
    assert!(order.require_confirmation && !order.send_email && !order.send_sms);
    assert_eq!(order.invoice_id.as_deref(), Some("invoice_100"));
    assert_eq!(order.account_id.as_deref(), Some("account_200"));
    assert_eq!(order.phone.as_deref(), Some("+7(495)765-4321"));
    assert_eq!(order.culture_name, "ru-RU");
    assert_eq!(order.subscription_behavior, None);
}

#[test]
fn optional_parameters_are_read_in_any_case() {
    let order = create(
        r#"{"amount":"5","currency":"usd","description":"d","offeruri":"https://shop.example/terms",
            "SUCCESSREDIRECTURL":"https://shop.example/ok","FailRedirectUrl":"http://shop.example/fail",
            "CultureName":"en-US","SubscriptionBehavior":"createmonthly","JsonData":{"a":1},
            "Phone":"89001234567","SendViber":"1"}"#,
    )
    .unwrap();
    assert_eq!(order.amount.currency.code(), "USD");
    assert_eq!(
        order.offer_uri.as_deref(),
        Some("https://shop.example/terms")
    );
    assert_eq!(
        order.success_redirect_url.as_deref(),
        Some("https://shop.example/ok")
    );
    assert_eq!(
        order.fail_redirect_url.as_deref(),
        Some("http://shop.example/fail")
    );
    assert_eq!(order.culture_name, "en-US");
    assert_eq!(
        order.subscription_behavior,
        Some(SubscriptionBehavior::CreateMonthly)
    );
    assert_eq!(order.json_data.as_deref(), Some(r#"{"a":1}"#));
    assert!(order.send_viber && !order.send_sms);
}

#[test]
fn each_violation_has_its_own_message() {
    let cases = [
        (r#"{"Description":"d"}"#, "Amount is required"),
        (
            r#"{"Amount":0,"Description":"d"}"#,
            "Amount must be greater than zero",
        ),
        (r#"{"Amount":1}"#, "Description is required"),
        (
            r#"{"Amount":1,"Description":"  "}"#,
            "Description is required",
        ),
        (
            r#"{"Amount":1,"Description":"d","Currency":"XXX"}"#,
            "Unknown currency XXX",
        ),
        (
            r#"{"Amount":1,"Description":"d","Email":"nobody"}"#,
            "Invalid Email value",
        ),
        (
            r#"{"Amount":1,"Description":"d","SendEmail":true}"#,
            "Email is required",
        ),
        (
            r#"{"Amount":1,"Description":"d","SendSms":true}"#,
            "Phone is required",
        ),
        (
            r#"{"Amount":1,"Description":"d","Phone":"12"}"#,
            "Invalid Phone value",
        ),
        (
            r#"{"Amount":1,"Description":"d","Phone":"+79001234567","SendSms":true,"SendViber":true}"#,
            "Invalid SendViber value",
        ),
        (
            r#"{"Amount":1,"Description":"d","SendEmail":"maybe"}"#,
            "Invalid SendEmail value",
        ),
        (
            r#"{"Amount":1,"Description":"d","SubscriptionBehavior":"Daily"}"#,
            "Invalid SubscriptionBehavior value",
        ),
        (
            r#"{"Amount":1,"Description":"d","OfferUri":"javascript:alert(1)"}"#,
            "Invalid OfferUri value",
        ),
        (
            r#"{"Amount":1,"Description":"d","SuccessRedirectUrl":"https://"}"#,
            "Invalid SuccessRedirectUrl value",
        ),
        (
            r#"{"Amount":1,"Description":"d","FailRedirectUrl":"https://a b"}"#,
            "Invalid FailRedirectUrl value",
        ),
        (
            r#"{"Amount":1,"Description":"d","CultureName":"<b>"}"#,
            "Invalid CultureName value",
        ),
    ];
    for (json, message) in cases {
        assert_eq!(create(json).unwrap_err(), message, "{json}");
    }
    let long = format!(r#"{{"Amount":1,"Description":"{}"}}"#, "x".repeat(1001));
    assert_eq!(
        create(&long).unwrap_err(),
        "Description is too long (at most 1000 characters)"
    );
}

#[test]
fn statuses_have_names_and_codes() {
    for status in [
        OrderStatus::Created,
        OrderStatus::Paid,
        OrderStatus::Cancelled,
    ] {
        assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
    }
    assert_eq!(
        (OrderStatus::Created.code(), OrderStatus::Created.as_str()),
        (0, "Created")
    );
    assert_eq!(OrderStatus::parse("Expired"), None);
}

#[test]
fn the_model_prints_every_key_in_the_spec_order() {
    let model: OrderModel =
        serde_json::from_str(r#"{"Id":"f2K8LV6reGE9WBFn","Amount":10.0}"#).unwrap();
    assert_eq!(
        serde_json::to_string(&model).unwrap(),
        r#"{"Id":"f2K8LV6reGE9WBFn","Number":0,"Amount":10.0,"Currency":"","CurrencyCode":0,"Email":null,"Phone":null,"Description":"","RequireConfirmation":false,"Url":"","CultureName":"","CreatedDate":"","CreatedDateIso":"","PaymentDate":null,"PaymentDateIso":null,"StatusCode":0,"Status":"","InternalId":0}"#
    );
}

#[test]
fn the_pypi_clients_culture_info_names_the_language() {
    let order = create(r#"{"Amount":1,"Description":"d","CultureInfo":"en-US"}"#).unwrap();
    assert_eq!(order.culture_name, "en-US");
    let both = create(r#"{"Amount":1,"Description":"d","CultureInfo":"en-US","CultureName":"kk"}"#);
    assert_eq!(both.unwrap().culture_name, "kk");
}

#[test]
fn the_synthesized_order_vector_is_our_model_key_for_key() {
    let file: serde_json::Value = serde_json::from_str(include_str!(
        "../../tests/shared/conformance/vectors/synthesized/order.json"
    ))
    .unwrap();
    let wire = &file["response"]["body"]["Model"];
    let model: OrderModel = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(&serde_json::to_value(&model).unwrap(), wire);
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    let printed: serde_json::Value =
        serde_json::from_str(&serde_json::to_string(&model).unwrap()).unwrap();
    assert_eq!(keys(&printed), keys(wire), "same keys in the same order");
}
