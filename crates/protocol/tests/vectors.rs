//! The shared conformance vectors (`shared/conformance/vectors`, responses recorded from client
//! libraries' test suites plus the synthesized reference shapes) read with this crate's models,
//! and the spec's decline table (§4.3) checked against `reasons`.
//!
//! Every model that looks like a transaction, a 3-D Secure challenge, a refund or a list of
//! transactions must deserialize, keep every key and value it came with when serialized again,
//! and serialize to the same bytes after a second round trip. Subscriptions, orders and
//! model-less envelopes are counted but belong to other modules.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use oblako_protocol::reasons::{Culture, cardholder_message, reason_codes, reason_name};
use oblako_protocol::transaction::{RefundModel, Secure3dModel, TransactionModel};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

// A snapshot of the project's shared/ material, so a plain clone tests on its own; .ci/run
// warns when it drifts from ../shared.
const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/shared");

/// The spec's nullable transaction fields (§2.1 `…|null`, plus the free-form `InfoShopData` and
/// the payout-only `Receiver`): exactly the keys a bare model prints as `null`.
const NULLABLE: &[&str] = &[
    "InvoiceId",
    "AccountId",
    "Email",
    "Description",
    "JsonData",
    "PayoutDate",
    "PayoutDateIso",
    "PayoutAmount",
    "AuthDate",
    "AuthDateIso",
    "ConfirmDate",
    "ConfirmDateIso",
    "AuthCode",
    "Rrn",
    "OriginalTransactionId",
    "FallBackScenarioDeclinedTransactionId",
    "IpCity",
    "IpRegion",
    "IpDistrict",
    "IpLatitude",
    "IpLongitude",
    "CardProduct",
    "CardCategory",
    "EscrowAccumulationId",
    "Issuer",
    "Name",
    "Token",
    "SubscriptionId",
    "VatAboveTotalFee",
    "ProcessorAndPartnerFee",
    "VatWithinProcessorFee",
    "InfoShopData",
    "Receiver",
];

fn vectors_dir() -> PathBuf {
    let dir = Path::new(SHARED).join("conformance/vectors");
    assert!(
        dir.is_dir(),
        "conformance vectors not found at {} (tests/shared is a snapshot of ../shared)",
        dir.display()
    );
    dir
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Drops `// …` comments outside strings: one Ruby fixture annotates a field that way, which is
/// why its vector keeps the body only as `body_unparsed`.
fn strip_line_comments(text: &str) -> String {
    let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if c == '"' {
            in_string = true;
        } else if c == '/' && chars.peek() == Some(&'/') {
            while chars.peek().is_some_and(|&n| n != '\n') {
                chars.next();
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// Every response body of one vector file, labelled: `response.body` (or the comment-stripped
/// `response.body_unparsed` when the fixture is not plain JSON) and each `cases[].body`.
fn bodies(id: &str, file: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let response = &file["response"];
    if response["body"].is_object() {
        out.push((id.to_owned(), response["body"].clone()));
    } else if let Some(text) = response["body_unparsed"].as_str() {
        let body = serde_json::from_str(&strip_line_comments(text)).unwrap_or_else(|e| {
            panic!("{id}: body_unparsed is not JSON even without comments: {e}")
        });
        out.push((format!("{id} (body_unparsed)"), body));
    }
    for (i, case) in file["cases"].as_array().into_iter().flatten().enumerate() {
        if case["body"].is_object() {
            out.push((format!("{id} case {i}"), case["body"].clone()));
        }
    }
    out
}

fn is_transaction(model: &Value) -> bool {
    model.get("TransactionId").is_some()
        && (model.get("Status").is_some() || model.get("ReasonCode").is_some())
        && model.get("AcsUrl").is_none()
}

/// Deserializes `model` as `T` and checks that the result prints every key of the vector with the
/// same value (a `JsonData` object comes back as its text) and survives a second round trip
/// byte for byte. Returns what we print.
fn round_trip<T: Serialize + DeserializeOwned>(label: &str, model: &Value) -> Map<String, Value> {
    let parsed: T = serde_json::from_value(model.clone())
        .unwrap_or_else(|e| panic!("{label}: does not deserialize: {e}"));
    let first = serde_json::to_string(&parsed).unwrap();
    let again: T = serde_json::from_str(&first).unwrap();
    assert_eq!(
        first,
        serde_json::to_string(&again).unwrap(),
        "{label}: unstable bytes"
    );
    let ours: Map<String, Value> = serde_json::from_str(&first).unwrap();
    for (key, value) in model.as_object().unwrap() {
        let printed = ours
            .get(key)
            .unwrap_or_else(|| panic!("{label}: {key} is dropped"));
        let expected = match value {
            Value::Object(_) | Value::Array(_) if key == "JsonData" => value.to_string().into(),
            _ => value.clone(),
        };
        assert_eq!(printed, &expected, "{label}: {key} changes");
    }
    ours
}

/// The vector's `Reason` and `CardHolderMessage` are what `reasons` says for its `ReasonCode`.
fn check_reason(label: &str, model: &Value) {
    let Some(code) = model["ReasonCode"].as_i64() else {
        return;
    };
    let code = i32::try_from(code).unwrap();
    if let Some(reason) = model["Reason"].as_str() {
        assert_eq!(reason, reason_name(code), "{label}");
    }
    if let Some(message) = model["CardHolderMessage"].as_str() {
        let ours = [Culture::Ru, Culture::En, Culture::Kk].map(|c| cardholder_message(code, c));
        // The Ruby gem's English variant of 5051 (spec §2.1); ours is "…on card".
        let lib_variant = code == 5051 && message == "Insufficient funds on account";
        assert!(ours.contains(&message) || lib_variant, "{label}: {message}");
    }
}

#[test]
fn every_payment_vector_parses_and_round_trips() {
    let mut files = Vec::new();
    json_files(&vectors_dir(), &mut files);
    files.sort();
    let (mut transactions, mut secure3d, mut refunds, mut lists, mut other) = (0, 0, 0, 0, 0);
    for path in &files {
        let id = path
            .strip_prefix(vectors_dir())
            .unwrap()
            .display()
            .to_string();
        for (label, body) in bodies(&id, &read_json(path)) {
            let model = &body["Model"];
            if model.get("AcsUrl").is_some() {
                round_trip::<Secure3dModel>(&label, model);
                secure3d += 1;
            } else if is_transaction(model) {
                round_trip::<TransactionModel>(&label, model);
                check_reason(&label, model);
                transactions += 1;
            } else if model.as_object().is_some_and(|m| m.len() == 1)
                && model["TransactionId"].is_i64()
            {
                round_trip::<RefundModel>(&label, model);
                refunds += 1;
            } else if let Some(items) = model
                .as_array()
                .filter(|i| !i.is_empty() && i.iter().all(is_transaction))
            {
                let list: Vec<TransactionModel> = serde_json::from_value(model.clone())
                    .unwrap_or_else(|e| panic!("{label}: list does not deserialize: {e}"));
                assert_eq!(list.len(), items.len());
                for (i, item) in items.iter().enumerate() {
                    round_trip::<TransactionModel>(&format!("{label} [{i}]"), item);
                    check_reason(&label, item);
                }
                lists += 1;
            } else {
                other += 1;
            }
        }
    }
    println!(
        "{} vector files: {transactions} transactions, {secure3d} 3-D Secure, {refunds} refunds, \
         {lists} transaction lists checked; {other} other bodies not ours",
        files.len()
    );
    assert!(files.len() >= 50, "only {} vector files", files.len());
    assert!(transactions >= 20 && secure3d >= 4 && refunds >= 1 && lists >= 1);
}

#[test]
fn our_transaction_prints_every_synthesized_key() {
    let dir = vectors_dir().join("synthesized");
    let model_of = |name: &str| read_json(&dir.join(name))["response"]["body"]["Model"].clone();
    let completed = model_of("transaction_completed.json");
    let ours = round_trip::<TransactionModel>("transaction_completed", &completed);

    let bare: TransactionModel = serde_json::from_str(r#"{"TransactionId":1}"#).unwrap();
    let bare = serde_json::to_value(&bare).unwrap();
    let nullable: BTreeSet<&str> = bare
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| v.is_null())
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(nullable, NULLABLE.iter().copied().collect());

    let mut shapes = vec![
        ("transaction_completed".to_owned(), completed.clone()),
        (
            "transaction_authorized".to_owned(),
            model_of("transaction_authorized.json"),
        ),
        (
            "transaction_declined".to_owned(),
            model_of("transaction_declined.json"),
        ),
    ];
    for (i, item) in model_of("transaction_list.json")
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        shapes.push((format!("transaction_list[{i}]"), item.clone()));
    }
    for (name, shape) in &shapes {
        for (key, value) in shape.as_object().unwrap() {
            let printed = ours
                .get(key)
                .unwrap_or_else(|| panic!("{name}: we never print {key}"));
            if printed.is_null() && !value.is_null() {
                assert!(
                    nullable.contains(key.as_str()),
                    "{name}: {key} printed null"
                );
            }
        }
    }
    println!("{} synthesized transaction shapes covered", shapes.len());
}

fn spec() -> String {
    std::fs::read_to_string(Path::new(SHARED).join("spec/cloudpayments-protocol.md"))
        .expect("the protocol spec beside the vectors")
}

/// The part of the spec from the heading `from` to the next `to`.
fn section<'a>(spec: &'a str, from: &str, to: &str) -> &'a str {
    let start = spec
        .find(from)
        .unwrap_or_else(|| panic!("spec has no {from}"));
    let end = spec[start..]
        .find(to)
        .unwrap_or_else(|| panic!("spec has no {to}"));
    &spec[start..start + end]
}

/// The keys of a JSON text in the order they are written (`"Name":`).
fn keys_in_order(json: &str) -> Vec<String> {
    json.split('"')
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|w| w[1].trim_start().starts_with(':') && !w[0].is_empty())
        .map(|w| w[0].to_owned())
        .collect()
}

#[test]
fn the_spec_transaction_fields_and_example_are_ours() {
    let spec = spec();
    let part = section(&spec, "### 2.1 Transaction model", "### 2.2");
    let mut fields = BTreeSet::new();
    for line in part.lines().filter(|l| l.starts_with("| `")) {
        let cell = line.split('|').nth(1).unwrap();
        fields.extend(cell.split('`').skip(1).step_by(2).map(str::to_owned));
    }
    let bare: TransactionModel = serde_json::from_str(r#"{"TransactionId":1}"#).unwrap();
    let bare = serde_json::to_string(&bare).unwrap();
    assert_eq!(
        keys_in_order(&bare).into_iter().collect::<BTreeSet<_>>(),
        fields
    );

    let example = section(part, "```json", "\n```\n").trim_start_matches("```json");
    let body: Value = serde_json::from_str(example).unwrap();
    round_trip::<TransactionModel>("spec §2.1 example", &body["Model"]);
    let model_keys = body["Model"].as_object().unwrap();
    let in_model = |keys: Vec<String>| -> Vec<String> {
        keys.into_iter()
            .filter(|k| model_keys.contains_key(k))
            .collect()
    };
    let written = in_model(keys_in_order(example));
    let printed = in_model(keys_in_order(&bare));
    assert_eq!(
        printed, written,
        "field order differs from the spec example"
    );
    println!(
        "{} spec fields, {} example keys in order",
        fields.len(),
        written.len()
    );
}

fn pascal_case(name: &str) -> String {
    name.split_whitespace()
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn the_spec_decline_table_is_the_reasons_table() {
    let spec = spec();
    let mut codes = BTreeSet::from([0]);
    for line in section(&spec, "### 4.3 Decline reason codes", "### 4.4").lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(code) = cells.get(1).and_then(|c| c.parse::<i32>().ok()) else {
            continue;
        };
        codes.insert(code);
        let name = cells[2];
        if code / 1000 == 3 {
            // Our one departure from the handbook's names: the observed live name (reasons.rs).
            let expected = if code == 3006 {
                "CheckResponseServiceUnavailable"
            } else {
                name
            };
            assert_eq!(reason_name(code), expected, "{code}");
        } else {
            assert_eq!(reason_name(code), pascal_case(name), "{code}");
            assert_eq!(cardholder_message(code, Culture::Ru), cells[4], "{code}");
        }
    }
    assert_eq!(codes, reason_codes().collect::<BTreeSet<_>>());
    println!("{} spec reason codes match", codes.len());
}
