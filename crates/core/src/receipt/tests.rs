//! Tests of the emulated cash register's numbering, signing and QR string.
use super::*;

#[test]
fn inn_checksums() {
    for good in [SANDBOX_INN, "7707083893", "500100732259"] {
        assert!(inn_is_valid(good), "{good}");
    }
    for bad in [
        "7707083894",
        "500100732250",
        "123",
        "",
        "77070838 3",
        "770708389a",
        "१२३",
    ] {
        assert!(!inn_is_valid(bad), "{bad}");
    }
}

#[test]
fn types_read_in_any_case() {
    assert_eq!(
        ReceiptType::from_name("incomereturn"),
        Some(ReceiptType::IncomeReturn)
    );
    assert_eq!(ReceiptType::from_name("Sale"), None);
    for t in ReceiptType::ALL {
        assert_eq!(ReceiptType::from_name(t.name()), Some(t));
    }
}

#[test]
fn registration_numbers_have_sixteen_digits_and_depend_on_every_part() {
    let a = registration_number(1, SANDBOX_INN, "0000000001");
    assert_eq!(a.len(), 16);
    assert!(a.starts_with("0000000001"));
    assert_ne!(a, registration_number(1, "7707083893", "0000000001"));
    assert_ne!(a, registration_number(1, SANDBOX_INN, "0000000002"));
}

#[test]
fn documents_and_shifts_are_numbered_and_shifts_roll_after_a_day() {
    let mut c = Counters::default();
    // Opening the first shift is document 1.
    assert_eq!(
        c.issue(0),
        Numbers {
            document: 2,
            shift: 1,
            in_shift: 1
        }
    );
    assert_eq!(
        c.issue(1_000),
        Numbers {
            document: 3,
            shift: 1,
            in_shift: 2
        }
    );
    // A day later: close (4), open (5), then the receipt.
    assert_eq!(
        c.issue(SHIFT_MS),
        Numbers {
            document: 6,
            shift: 2,
            in_shift: 1
        }
    );
    assert_eq!(
        c.issue(SHIFT_MS + 1),
        Numbers {
            document: 7,
            shift: 2,
            in_shift: 2
        }
    );
}

#[test]
fn the_signed_text_changes_with_every_field() {
    let base = FiscalDocument {
        receipt_type: ReceiptType::Income,
        inn: SANDBOX_INN,
        reg_number: "0000000001012345",
        fiscal_number: "9999078900000001",
        numbers: Numbers {
            document: 2,
            shift: 1,
            in_shift: 1,
        },
        at: Timestamp::from_second(1_790_000_000).unwrap(),
        amount: 100,
        content: "{}",
    };
    let n = base.numbers;
    let variants = [
        FiscalDocument {
            receipt_type: ReceiptType::Expense,
            ..base.clone()
        },
        FiscalDocument {
            inn: "7707083893",
            ..base.clone()
        },
        FiscalDocument {
            reg_number: "0000000002012345",
            ..base.clone()
        },
        FiscalDocument {
            fiscal_number: "9999078900000002",
            ..base.clone()
        },
        FiscalDocument {
            numbers: Numbers { document: 3, ..n },
            ..base.clone()
        },
        FiscalDocument {
            numbers: Numbers { shift: 2, ..n },
            ..base.clone()
        },
        FiscalDocument {
            numbers: Numbers { in_shift: 2, ..n },
            ..base.clone()
        },
        FiscalDocument {
            at: Timestamp::from_second(1_790_000_001).unwrap(),
            ..base.clone()
        },
        FiscalDocument {
            amount: 101,
            ..base.clone()
        },
        FiscalDocument {
            content: "{\"a\":1}",
            ..base.clone()
        },
    ];
    let mut texts = std::collections::BTreeSet::from([base.signed_text()]);
    for variant in &variants {
        assert!(texts.insert(variant.signed_text()), "{variant:?}");
    }
}

#[test]
fn the_qr_string_is_in_the_standard_format() {
    let doc = FiscalDocument {
        receipt_type: ReceiptType::IncomeReturn,
        inn: SANDBOX_INN,
        reg_number: "0000000001012345",
        fiscal_number: "9999078900000001",
        numbers: Numbers {
            document: 12,
            shift: 1,
            in_shift: 3,
        },
        at: Timestamp::from_second(1_790_000_000).unwrap(),
        amount: 1050,
        content: "{}",
    };
    assert_eq!(
        doc.qr_string("123456"),
        "t=20260921T1713&s=10.50&fn=9999078900000001&i=12&fp=123456&n=2"
    );
    assert_eq!(fiscal_sign(&[0, 0, 1, 0, 9]), "256");
    assert_eq!(rubles(5), "0.05");
}
