//! Fiscal receipts (54-FZ) as an emulated online cash register makes them: receipt types, the
//! taxpayer number (INN) checksum, the register's registration number, the numbering of
//! documents and shifts, the text a fiscal sign is computed over, and the QR string printed on
//! a receipt.
//!
//! The fiscal sign itself is a MAC made by the fiscal drive; here it is a parameter (the caller
//! computes a MAC over [`FiscalDocument::signed_text`] and [`fiscal_sign`] turns it into the
//! printed number), so this module stays free of cryptography and of the clock.

use jiff::Timestamp;
use jiff::tz::{TimeZone, offset};

/// A shift is closed and a new one opened when it has been open this long.
pub const SHIFT_MS: i64 = 24 * 3600 * 1000;

/// The INN of the sandbox register every test site starts with (a valid checksum, no company).
pub const SANDBOX_INN: &str = "7700000009";

/// What a receipt records (tag 1054).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReceiptType {
    /// A sale (приход).
    Income,
    /// A refund of a sale (возврат прихода).
    IncomeReturn,
    /// A payout (расход).
    Expense,
    /// A refund of a payout (возврат расхода).
    ExpenseReturn,
}

impl ReceiptType {
    /// Every type, in tag order.
    pub const ALL: [ReceiptType; 4] = [
        ReceiptType::Income,
        ReceiptType::IncomeReturn,
        ReceiptType::Expense,
        ReceiptType::ExpenseReturn,
    ];

    /// The protocol's spelling.
    pub fn name(self) -> &'static str {
        match self {
            ReceiptType::Income => "Income",
            ReceiptType::IncomeReturn => "IncomeReturn",
            ReceiptType::Expense => "Expense",
            ReceiptType::ExpenseReturn => "ExpenseReturn",
        }
    }

    /// The type spelled `name`, in any case.
    pub fn from_name(name: &str) -> Option<ReceiptType> {
        ReceiptType::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The operation's code in the QR string (`n=`): 1 to 4.
    pub fn code(self) -> u8 {
        match self {
            ReceiptType::Income => 1,
            ReceiptType::IncomeReturn => 2,
            ReceiptType::Expense => 3,
            ReceiptType::ExpenseReturn => 4,
        }
    }

    /// The Russian name printed on the receipt.
    pub fn russian(self) -> &'static str {
        match self {
            ReceiptType::Income => "Приход",
            ReceiptType::IncomeReturn => "Возврат прихода",
            ReceiptType::Expense => "Расход",
            ReceiptType::ExpenseReturn => "Возврат расхода",
        }
    }
}

/// Whether `inn` is a taxpayer number with valid check digits: 10 digits (an organisation) or
/// 12 (an individual entrepreneur).
pub fn inn_is_valid(inn: &str) -> bool {
    let digits: Vec<u32> = inn.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != inn.len() {
        return false;
    }
    let check = |weights: &[u32]| {
        let sum: u32 = weights.iter().zip(&digits).map(|(w, d)| w * d).sum();
        sum % 11 % 10
    };
    match digits.len() {
        10 => check(&[2, 4, 10, 3, 5, 9, 4, 6, 8]) == digits[9],
        12 => {
            check(&[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == digits[10]
                && check(&[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == digits[11]
        }
        _ => false,
    }
}

/// A register's registration number (РН ККТ): the 10-digit ordinal the tax service gave it and
/// a 6-digit CRC16-CCITT over the ordinal, the owner's INN and the device's serial.
pub fn registration_number(ordinal: u64, inn: &str, device_number: &str) -> String {
    let ordinal = format!("{:010}", ordinal % 10_000_000_000);
    let text = format!("{ordinal}{inn:0>12}{device_number:0>20}");
    format!("{ordinal}{:06}", crc16_ccitt(text.as_bytes()))
}

fn crc16_ccitt(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in bytes {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// A register's counters: the last fiscal document, the current shift and its receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    /// The last fiscal document's number (receipts and shift reports share the sequence).
    pub last_document: i64,
    /// The current (or last) shift's number; 0 before the first.
    pub shift_number: i64,
    /// When the current shift was opened, Unix ms; `None` when no shift is open.
    pub shift_opened_at: Option<i64>,
    /// Receipts issued in the current shift.
    pub shift_receipts: i64,
}

/// Where a receipt falls in its register's numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Numbers {
    /// Fiscal document number (ФД).
    pub document: i64,
    /// Shift number.
    pub shift: i64,
    /// Receipt number within the shift.
    pub in_shift: i64,
}

impl Counters {
    /// Numbers the next receipt issued at `now_ms`. A shift open for [`SHIFT_MS`] or more is
    /// closed first and a new one opened; each of those reports takes a document number, as on
    /// a real register.
    pub fn issue(&mut self, now_ms: i64) -> Numbers {
        if let Some(opened) = self.shift_opened_at
            && now_ms.saturating_sub(opened) >= SHIFT_MS
        {
            self.last_document += 1;
            self.shift_opened_at = None;
        }
        if self.shift_opened_at.is_none() {
            self.last_document += 1;
            self.shift_number += 1;
            self.shift_opened_at = Some(now_ms);
            self.shift_receipts = 0;
        }
        self.last_document += 1;
        self.shift_receipts += 1;
        Numbers {
            document: self.last_document,
            shift: self.shift_number,
            in_shift: self.shift_receipts,
        }
    }
}

/// Everything a fiscal sign vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiscalDocument<'a> {
    /// Receipt type.
    pub receipt_type: ReceiptType,
    /// The seller's INN.
    pub inn: &'a str,
    /// Registration number of the register.
    pub reg_number: &'a str,
    /// Fiscal drive's serial (ФН).
    pub fiscal_number: &'a str,
    /// Where the receipt falls in the register's numbering.
    pub numbers: Numbers,
    /// When it was issued.
    pub at: Timestamp,
    /// Total, kopecks.
    pub amount: i64,
    /// The receipt's content, canonical JSON text.
    pub content: &'a str,
}

impl FiscalDocument<'_> {
    /// The text the fiscal drive's MAC is computed over: every field, each named, one a line.
    pub fn signed_text(&self) -> String {
        format!(
            "type={}\ninn={}\nrn={}\nfn={}\nfd={}\nshift={}\nn={}\nt={}\ns={}\n{}",
            self.receipt_type.name(),
            self.inn,
            self.reg_number,
            self.fiscal_number,
            self.numbers.document,
            self.numbers.shift,
            self.numbers.in_shift,
            self.at.as_millisecond(),
            self.amount,
            self.content
        )
    }

    /// The QR string printed on the receipt (`t=…&s=…&fn=…&i=…&fp=…&n=…`), Moscow time.
    pub fn qr_string(&self, fiscal_sign: &str) -> String {
        format!(
            "t={}&s={}&fn={}&i={}&fp={}&n={}",
            moscow(self.at, "%Y%m%dT%H%M"),
            rubles(self.amount),
            self.fiscal_number,
            self.numbers.document,
            fiscal_sign,
            self.receipt_type.code()
        )
    }
}

/// The printed fiscal sign: the MAC's first four bytes as a decimal number (up to 10 digits).
pub fn fiscal_sign(mac: &[u8]) -> String {
    let mut first = [0u8; 4];
    for (slot, byte) in first.iter_mut().zip(mac) {
        *slot = *byte;
    }
    u32::from_be_bytes(first).to_string()
}

/// `at` in Moscow time (UTC+3, no DST), formatted with `format` (strftime).
pub fn moscow(at: Timestamp, format: &str) -> String {
    at.to_zoned(TimeZone::fixed(offset(3)))
        .strftime(format)
        .to_string()
}

/// Kopecks as rubles with two decimals: `1050` → `10.50`.
pub fn rubles(kopecks: i64) -> String {
    let sign = if kopecks < 0 { "-" } else { "" };
    let abs = kopecks.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
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
}
