//! A `CustomerReceipt` (spec §9.2) as JSON text: `CustomerReceipt::parse_text`, and for what it
//! accepts, the canonical JSON parsed again to the same receipt, a positive total, and the receipt
//! fitted to every smaller total still adding up and still accepted.

#![no_main]

use libfuzzer_sys::fuzz_target;
use oblako_protocol::receipt::{CustomerReceipt, in_json_data};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = in_json_data(text);
    let Ok(receipt) = CustomerReceipt::parse_text(text) else {
        return;
    };
    let total = receipt.total();
    assert!(total > 0);
    let again = CustomerReceipt::parse(&receipt.to_json()).expect("canonical JSON is accepted");
    assert_eq!(again, receipt);
    for part in [1, total / 3, total - 1] {
        if part <= 0 {
            continue;
        }
        let fitted = receipt.for_total(part);
        assert_eq!(fitted.total(), part);
        assert!(fitted.items.iter().all(|i| i.amount >= 0 && i.price >= 0));
        CustomerReceipt::parse(&fitted.to_json()).expect("a fitted receipt is accepted");
    }
});
