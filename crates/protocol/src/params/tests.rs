//! Tests of the parent module.

use super::*;

#[test]
fn names_match_in_any_case_and_null_is_absent() {
    let p = Params::from_json(br#"{"amount":"10.5","INVOICEID":123,"Email":null}"#).unwrap();
    let money = p.amount("Amount", Currency::RUB).unwrap();
    assert_eq!(money.minor, 1050);
    assert_eq!(p.string("InvoiceId").unwrap().as_deref(), Some("123"));
    assert_eq!(p.string("Email").unwrap(), None);
    assert_eq!(
        p.amount("Missing", Currency::RUB).unwrap_err().to_string(),
        "Missing is required"
    );
}

#[test]
fn json_numbers_are_exact() {
    let p = Params::from_json(br#"{"Amount":0.1,"Big":12345678901234567.89}"#).unwrap();
    assert_eq!(p.amount("Amount", Currency::RUB).unwrap().minor, 10);
    assert_eq!(
        p.amount("Big", Currency::RUB).unwrap_err().to_string(),
        "Big is too large"
    );
}

#[test]
fn form_bodies_and_booleans() {
    let p = Params::from_form(b"Amount=10&SaveCard=True&A=0&B=FALSE&C=yes&Currency=usd").unwrap();
    assert_eq!(p.bool("savecard").unwrap(), Some(true));
    assert_eq!(p.bool("a").unwrap(), Some(false));
    assert_eq!(p.bool("b").unwrap(), Some(false));
    assert_eq!(p.bool("c").unwrap_err().to_string(), "Invalid c value");
    assert_eq!(p.currency().unwrap().code(), "USD");
    let j = Params::from_json(br#"{"SaveCard":1,"Other":true}"#).unwrap();
    assert_eq!(j.bool("SaveCard").unwrap(), Some(true));
    assert_eq!(j.bool("other").unwrap(), Some(true));
}

#[test]
fn malformed_bodies_get_specific_messages() {
    assert_eq!(
        Params::from_json(b"{\"Amount\":").unwrap_err().to_string(),
        "Invalid JSON body: line 1 column 10"
    );
    assert_eq!(
        Params::from_json(b"[1,2]").unwrap_err(),
        ParamError::NotAnObject
    );
    assert_eq!(
        Params::from_json(br#"{"Amount":1,"amount":2}"#)
            .unwrap_err()
            .to_string(),
        "Parameter amount is given more than once"
    );
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(70), "]".repeat(70));
    assert_eq!(
        Params::from_json(deep.as_bytes()).unwrap_err(),
        ParamError::TooDeep
    );
    assert_eq!(
        Params::from_form(b"a=%zz")
            .ok()
            .map(|p| p.get("a").cloned()),
        Some(Some(Value::String("%zz".into())))
    );
    let p = Params::from_json(br#"{"Currency":"XYZ"}"#).unwrap();
    assert_eq!(
        p.currency().unwrap_err().to_string(),
        "Unknown currency XYZ"
    );
    assert!(Params::from_json(b"  ").unwrap().canonical().is_empty());
}

#[test]
fn integers_round_and_json_text_keeps_strings() {
    let p =
        Params::from_json(br#"{"Id":"42","F":2.5,"N":-2.5,"J":{"x":1},"S":"{\"y\":2}"}"#).unwrap();
    assert_eq!(p.i64("id").unwrap(), Some(42));
    assert_eq!(p.i64("f").unwrap(), Some(3));
    assert_eq!(p.i64("n").unwrap(), Some(-3));
    assert_eq!(
        p.json_text("j", 100).unwrap().as_deref(),
        Some(r#"{"x":1}"#)
    );
    assert_eq!(
        p.json_text("s", 100).unwrap().as_deref(),
        Some(r#"{"y":2}"#)
    );
    assert_eq!(
        p.string_max("s", 3).unwrap_err().to_string(),
        "s is too long (at most 3 characters)"
    );
}

#[test]
fn string_lists_come_as_arrays_or_commas() {
    let j = Params::from_json(br#"{"S":["Completed","Declined"],"N":[1]}"#).unwrap();
    assert_eq!(
        j.string_list("s").unwrap(),
        Some(vec!["Completed".into(), "Declined".into()])
    );
    assert_eq!(
        j.string_list("n").unwrap_err().to_string(),
        "Invalid n value"
    );
    let f = Params::from_form(b"Statuses=Completed,%20Authorized").unwrap();
    assert_eq!(
        f.string_list("statuses").unwrap(),
        Some(vec!["Completed".into(), "Authorized".into()])
    );
}

#[test]
fn canonical_text_ignores_case_and_order() {
    let a = Params::from_json(br#"{"Amount":10,"Currency":"RUB"}"#).unwrap();
    let b = Params::from_form(b"currency=RUB&amount=10").unwrap();
    assert_eq!(a.canonical(), b.canonical());
    let c = Params::from_json(br#"{"Amount":11,"Currency":"RUB"}"#).unwrap();
    assert_ne!(a.canonical(), c.canonical());
}
