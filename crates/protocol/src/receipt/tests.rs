use serde_json::json;

use super::*;

fn sample() -> Value {
    json!({
        "Items": [
            {"label": "Пластырь", "price": 500, "quantity": 1, "amount": 500, "vat": 20,
             "method": 4, "object": 1, "measurementUnit": "шт"},
            {"label": "Доставка", "price": 500, "quantity": 1, "amount": 500, "vat": 20,
             "method": 4, "object": 4}
        ],
        "taxationSystem": 0, "email": "user@example.com", "phone": "", "isBso": false,
        "amounts": {"electronic": 1000.00, "advancePayment": 0.00, "credit": 0.00, "provision": 0.00}
    })
}

#[test]
fn the_spec_example_parses_and_round_trips() {
    let receipt = CustomerReceipt::parse(&sample()).unwrap();
    assert_eq!(receipt.total(), 100_000);
    assert_eq!(receipt.items[0].quantity, 1000);
    assert_eq!(receipt.email.as_deref(), Some("user@example.com"));
    assert_eq!(receipt.phone, None, "an empty phone is no phone");
    let again = CustomerReceipt::parse(&receipt.to_json()).unwrap();
    assert_eq!(again, receipt);
    assert_eq!(receipt.to_json()["Items"][0]["price"], json!(500));
}

#[test]
fn keys_match_in_any_case_and_text_is_read_too() {
    let shouting = json!({"ITEMS": [{"LABEL": "x", "Price": "10.50", "QUANTITY": 2, "Amount": "21"}],
        "TaxationSystem": "1", "EMAIL": "a@b.ru"});
    let receipt = CustomerReceipt::parse(&shouting).unwrap();
    assert_eq!((receipt.items[0].price, receipt.total()), (1050, 2100));
    assert_eq!(receipt.taxation_system, Some(1));
    let text = CustomerReceipt::parse(&Value::String(shouting.to_string())).unwrap();
    assert_eq!(text, receipt);
}

#[test]
fn long_labels_are_cut_not_refused() {
    let long = "я".repeat(200);
    let receipt = CustomerReceipt::parse(
        &json!({"items": [{"label": long, "price": 1, "quantity": 1, "amount": 1}]}),
    )
    .unwrap();
    assert_eq!(receipt.items[0].label.chars().count(), MAX_LABEL);
    // A cut that ends in a space reads back the same from the canonical form.
    let spaced = format!("{} tail", "a".repeat(MAX_LABEL - 1));
    let receipt = CustomerReceipt::parse(
        &json!({"items": [{"label": spaced, "price": 1, "quantity": 1, "amount": 1}]}),
    )
    .unwrap();
    assert_eq!(CustomerReceipt::parse(&receipt.to_json()).unwrap(), receipt);
}

#[test]
fn a_refusal_names_the_field_and_the_rule() {
    let bad = json!({"Items": [{"label": "x", "price": -1, "quantity": 1, "amount": 1}]});
    let e = CustomerReceipt::parse(&bad).unwrap_err();
    assert_eq!(
        e.to_string(),
        "CustomerReceipt.Items[0].price: must not be negative"
    );
}

#[test]
fn a_partial_total_scales_the_lines_and_keeps_the_sum() {
    let receipt = CustomerReceipt::parse(&json!({"Items": [
        {"label": "a", "price": 3.33, "quantity": 1, "amount": 3.33},
        {"label": "b", "price": 6.67, "quantity": 1, "amount": 6.67}],
        "amounts": {"electronic": 10}}))
    .unwrap();
    for total in [1, 333, 500, 999, 1000] {
        let fitted = receipt.for_total(total);
        assert_eq!(fitted.total(), total, "{total}");
        assert_eq!(fitted.amounts.and_then(|a| a.sum()), Some(total));
        assert!(fitted.items.iter().all(|i| i.amount >= 0));
        CustomerReceipt::parse(&fitted.to_json()).unwrap();
    }
    assert_eq!(receipt.for_total(1000), receipt);
}
