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
mod tests;
